"""Reporting's admin pages, under admin/reporting/ (namespace "reporting")."""

from django.urls import path

from . import delivery_views, views

urlpatterns = [
    path("metrics/", views.customer_metrics, name="customer_metrics"),
    path("metrics/snapshots.csv", views.snapshots_csv, name="snapshots_csv"),
    path("metrics/recount/", views.recount, name="recount"),
    path("deliveries/", delivery_views.delivery_statistics, name="delivery_statistics"),
    path("deliveries/statistics.csv", delivery_views.delivery_statistics_csv, name="delivery_statistics_csv"),
    path("deliveries/<int:pk>/", delivery_views.delivery_report, name="delivery_report"),
]
