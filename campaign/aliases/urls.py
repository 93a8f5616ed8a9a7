"""Alias cleansing's admin pages, under admin/aliases/ (namespace "aliases")."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.cleansing_screen, name="cleansing"),
    path("cleanse/", views.cleanse_now, name="cleanse"),
    path("runs/<int:run_id>/changes.csv", views.run_changes_csv, name="run_changes_csv"),
]
