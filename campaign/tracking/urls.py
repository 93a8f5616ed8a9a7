"""Tracking's URLs: admin pages under admin/tracking/ (namespace "tracking") and the
public endpoints under p/tracking/ (namespace "tracking_public", no login)."""

from django.urls import path

from . import pages, views

urlpatterns = [
    path("status/", pages.status, name="status"),
]

public_urlpatterns = [
    path("o/<str:token>.gif", views.open_pixel, name="open"),
    path("c/<str:token>", views.click, name="click"),
]
