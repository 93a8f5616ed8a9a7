"""The offer pages without a model, under admin/offers/ (namespace "offers"); the
approval page is an extra URL of the offer admin (admin:offers_offer_approval)."""

from django.urls import path

from . import views

urlpatterns = [
    path("deployment/", views.deployment_page, name="deployment"),
    path("deployment/deploy/", views.deploy_now, name="deploy_now"),
    path("deployment/live-offers.csv", views.live_catalog_csv, name="live_catalog_csv"),
]
