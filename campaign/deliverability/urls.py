"""Deliverability's admin pages, under admin/deliverability/ (namespace "deliverability")."""

from django.urls import path

from . import views

urlpatterns = [
    path("status/", views.status, name="status"),
]
