"""The two cubes (declared in contributions.py): Offer propositions (Adobe §11) and
Message Center events (Adobe §12).

The offer catalog is being reworked: the proposition cube relies only on the
Proposition fields named in PROPOSITION_PATHS (adjust them here if they move).
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from campaign.choices import EventStatus
from offers.choices import PropositionStatus
from workflows.plugins import Cube, CubeDimension, CubeMeasure

from .expressions import Seconds

# Every field path of offers.Proposition this app reads.
PROPOSITION_PATHS = {
    "date": "proposed_at",
    "status": "status",
    "offer": "offer",
    "delivery": "delivery",
    "space": "space",
    # The offer engine stamps it: the delivery's channel, else the offer space's.
    "channel": "channel",
}

# Measure labels have a context: "Sent" and the like are translated elsewhere as a
# status (singular); a measure counts (plural).

# A proposition that got an answer was presented first: presented counts them too, so
# that the acceptance rate (accepted / presented) stays between 0 and 1.
PRESENTED = (
    PropositionStatus.PRESENTED,
    PropositionStatus.INTERESTED,
    PropositionStatus.ACCEPTED,
    PropositionStatus.REJECTED,
)

PROPOSITIONS = Cube(
    key="propositions",
    order=100,
    label=_("Offer propositions"),
    description=_("Offer propositions made to profiles, by channel, delivery, offer, offer space and date."),
    fact="offers.Proposition",
    dimensions=(
        CubeDimension("date", _("Date"), PROPOSITION_PATHS["date"], date_levels=CubeDimension.LEVELS),
        CubeDimension("channel", _("Channel"), PROPOSITION_PATHS["channel"], related="campaign.Channel"),
        CubeDimension("delivery", _("Delivery"), PROPOSITION_PATHS["delivery"], related="campaign.Delivery"),
        CubeDimension("offer", _("Marketing offer"), PROPOSITION_PATHS["offer"], related="offers.Offer"),
        CubeDimension("space", _("Offer space"), PROPOSITION_PATHS["space"], related="offers.OfferSpace"),
    ),
    measures=(
        CubeMeasure("propositions", pgettext_lazy("cube measure", "Propositions"), "count"),
        CubeMeasure(
            "presented", pgettext_lazy("cube measure", "Presented"), "count", filter=Q(status__in=PRESENTED)
        ),
        CubeMeasure(
            "accepted",
            pgettext_lazy("cube measure", "Accepted"),
            "count",
            filter=Q(status=PropositionStatus.ACCEPTED),
        ),
        CubeMeasure(
            "rejected",
            pgettext_lazy("cube measure", "Rejected"),
            "count",
            filter=Q(status=PropositionStatus.REJECTED),
        ),
        CubeMeasure(
            "interested",
            pgettext_lazy("cube measure", "Interested"),
            "count",
            filter=Q(status=PropositionStatus.INTERESTED),
        ),
        CubeMeasure(
            "acceptance_rate",
            pgettext_lazy("cube measure", "Acceptance rate"),
            "ratio",
            numerator="accepted",
            denominator="presented",
            unit="%",
        ),
    ),
    permission="cubes.view_proposition_cube",
    aggregate="cubes.PropositionAggregate",
    aggregate_dimensions=("date", "channel", "delivery", "offer", "space"),
    aggregate_level="day",
    # The Full aggregate is nearly as large as its facts (each delivery proposes many
    # offers in many spaces): reports over weeks and months read these instead.
    summaries=(
        Cube.Summary("cubes.PropositionOfferSummary", ("channel", "offer"), "month"),
        Cube.Summary("cubes.PropositionDeliverySummary", ("channel", "delivery", "space"), "day"),
    ),
    workflow="agg_nmspropositionrcp_full",
)

# Seconds from reception to processing (NULL until processed: not counted).
PROCESSING_SECONDS = Seconds("processed_at", "created_at")

MESSAGE_CENTER = Cube(
    key="message_center",
    order=200,
    label=_("Message Center events"),
    description=_(
        "Message Center events, archived ones included (360 days), by channel, status, event type and "
        "date of reception."
    ),
    fact="cubes.ArchivedEvent",
    dimensions=(
        CubeDimension("date", _("Date"), "created_at", date_levels=CubeDimension.LEVELS),
        CubeDimension("channel", _("Channel"), "channel", related="campaign.Channel"),
        CubeDimension("status", _("Status"), "status"),
        CubeDimension("event_type", _("Event type"), "event_type", related="campaign.EventType"),
    ),
    measures=(
        CubeMeasure("events", pgettext_lazy("cube measure", "Events"), "count"),
        CubeMeasure(
            "sent", pgettext_lazy("cube measure", "Sent"), "count", filter=Q(status=EventStatus.SENT)
        ),
        CubeMeasure(
            "failed", pgettext_lazy("cube measure", "Failed"), "count", filter=Q(status=EventStatus.FAILED)
        ),
        CubeMeasure(
            "ignored", pgettext_lazy("cube measure", "Ignored"), "count", filter=Q(status=EventStatus.IGNORED)
        ),
        CubeMeasure(
            "expired", pgettext_lazy("cube measure", "Expired"), "count", filter=Q(status=EventStatus.EXPIRED)
        ),
        CubeMeasure(
            "processing_time",
            pgettext_lazy("cube measure", "Average processing time"),
            "avg",
            field=PROCESSING_SECONDS,
            unit="s",
        ),
        CubeMeasure(
            "processing_time_p95",
            pgettext_lazy("cube measure", "95th percentile of processing time"),
            "percentile",
            field=PROCESSING_SECONDS,
            fraction=0.95,
            unit="s",
        ),
    ),
    permission="cubes.view_message_center_cube",
    aggregate="cubes.MessageCenterAggregate",
    aggregate_dimensions=("date", "channel", "status", "event_type"),
    aggregate_level="day",
    workflow="agg_messageCenter_full",
)

CUBES = (PROPOSITIONS, MESSAGE_CENTER)
