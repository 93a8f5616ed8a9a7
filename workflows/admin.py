from django.contrib import admin

from . import models


@admin.register(models.Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    list_display = ["name", "label", "module", "state", "severity"]


@admin.register(models.WorkflowRun)
class WorkflowRunAdmin(admin.ModelAdmin):
    list_display = ["id", "workflow", "trigger", "slot", "status", "started_at", "finished_at"]
    list_filter = ["status", "trigger", "workflow"]
