"""Existing rows into the reworked catalog, set-based (one UPDATE per rule):

- design offers get their two approvals from their old status (approved and live: both
  granted; pending approval: content granted); live copies are marked deployed (or
  deactivated when they were not live);
- live spaces are linked to the design space of the same name in their pair;
- propositions get the channel of their delivery, else of their offer space;
- the "deploy again" flag row.
"""

from django.db import migrations
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce


def forwards(apps, schema_editor):
    Offer = apps.get_model("offers", "Offer")
    OfferSpace = apps.get_model("offers", "OfferSpace")
    Proposition = apps.get_model("offers", "Proposition")
    DeploymentRequest = apps.get_model("offers", "DeploymentRequest")
    Delivery = apps.get_model("campaign", "Delivery")

    design = Offer.objects.filter(environment__kind="design")
    design.filter(status__in=["approved", "live"]).update(
        content_approval="approved",
        eligibility_approval="approved",
        content_decided_at=Coalesce("approved_at", "updated_at"),
        eligibility_decided_at=Coalesce("approved_at", "updated_at"),
    )
    design.filter(status="pending_approval").update(content_approval="approved", content_decided_at=F("updated_at"))

    live = Offer.objects.filter(environment__kind="live")
    live.update(
        content_approval="approved",
        eligibility_approval="approved",
        deployed_at=Coalesce("approved_at", "updated_at"),
    )
    live.exclude(status="live").update(status="disabled", deactivated_at=F("updated_at"))

    same_name = OfferSpace.objects.filter(
        environment__kind="design", environment__live=OuterRef("environment"), name=OuterRef("name")
    ).values("pk")[:1]
    OfferSpace.objects.filter(environment__kind="live", design_space__isnull=True).update(
        design_space=Subquery(same_name)
    )

    of_delivery = Delivery.objects.filter(pk=OuterRef("delivery_id")).values("channel_id")[:1]
    Proposition.objects.filter(channel__isnull=True, delivery__isnull=False).update(channel=Subquery(of_delivery))
    of_space = OfferSpace.objects.filter(pk=OuterRef("space_id")).values("channel_id")[:1]
    Proposition.objects.filter(channel__isnull=True, space__isnull=False).update(channel=Subquery(of_space))

    if not DeploymentRequest.objects.exists():
        DeploymentRequest.objects.create(pk=1)


class Migration(migrations.Migration):
    dependencies = [
        ("campaign", "0006_recipient_country_company_type"),
        ("offers", "0003_catalog_approvals_live"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
