"""The core's admin pages, under admin/platform/ (namespace "campaign")."""

from django.urls import path

from . import views

urlpatterns = [
    path("purge-data/", views.purge_settings, name="purge_settings"),
    path("settings/", views.platform_settings, name="settings"),
]
