"""Forecasting's admin pages, under admin/forecasting/ (namespace "forecasting")."""

from django.urls import path

from . import views

urlpatterns = [
    path("calendar/", views.calendar, name="calendar"),
    path("calendar.csv", views.calendar_csv, name="calendar_csv"),
    path("forecast-now/", views.forecast_now, name="forecast_now"),
]
