"""The core's admin pages, under admin/platform/ (namespace "campaign")."""

from django.urls import path

from . import home, views

urlpatterns = [
    path("cleanup/count/", home.count_cleanup, name="count_cleanup"),
    path("purge-data/", views.purge_settings, name="purge_settings"),
    path("settings/", views.platform_settings, name="settings"),
]
