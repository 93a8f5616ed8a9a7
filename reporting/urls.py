"""Reporting's admin pages, under admin/reporting/ (namespace "reporting")."""

from django.urls import path

from . import views

urlpatterns = [
    path("metrics/", views.customer_metrics, name="customer_metrics"),
    path("metrics/snapshots.csv", views.snapshots_csv, name="snapshots_csv"),
    path("metrics/recount/", views.recount, name="recount"),
]
