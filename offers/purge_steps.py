"""The offer catalog's purge steps besides propositions (declared in contributions.py).
Adobe §8: deactivated live offers are deleted after the proposition retention period."""

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from campaign.configuration import value
from workflows.plugins import BatchOperation, PurgeContext

from .models import Offer, OfferAudit, OfferContent, Proposition

# The audit trail's retention is a setting of this app (Settings screen), not a data
# class of the Purge data screen: Adobe's is the platform-wide audit trail's.
AUDIT_TRAIL_SETTING = "audit_trail_days"
AUDIT_TRAIL_DAYS = 180


def deactivated_live_offers(context: PurgeContext):
    """Live copies deactivated longer ago than the proposition retention, once no
    proposition names them (theirs are older, so purged first), with their contents."""
    limit = context.cutoff("propositions")
    if limit is None:
        return None
    proposed = Exists(Proposition.objects.filter(offer=OuterRef("pk")))
    # Only live copies are ever deactivated (offers_offer_deactivated indexes them).
    offers = Offer._base_manager.filter(deactivated_at__lt=limit).exclude(proposed)
    return [
        BatchOperation(
            OfferContent, Q(offer__in=offers.values("pk")), _("contents of deactivated live offers")
        ),
        BatchOperation(Offer, Q(pk__in=offers.values("pk")), _("deactivated live offers")),
    ]


def offer_audit_trail(context: PurgeContext):
    """Lines of the offers' audit trail older than the setting (None: kept forever)."""
    days = value(f"offers.{AUDIT_TRAIL_SETTING}")
    if not days:
        return None
    limit = context.now - timedelta(days=days)
    return [BatchOperation(OfferAudit, Q(at__lt=limit), _("offer audit trail lines"), keyset="at")]
