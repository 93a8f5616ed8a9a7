"""The Deliverability page (Administration › Campaign Management › Non deliverables
management › Deliverability): the module and its ruleset, the rules in force, the
quarantine by status, the inbound bounces of the last 30 days (chart and table), and a
form that tries the rules on a text. Reading it changes nothing."""

from datetime import timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.admin_pages import page, page_context
from campaign.choices import FailureReason, FailureType, QuarantineStatus
from campaign.models import Quarantine
from workflows.api import last_run

from .choices import MessageKind, RuleOrigin
from .conf import DeliverabilitySettings
from .forms import QualifyForm
from .models import DomainRule, InboundBounce, LogQualification, MxRule, QualificationRule, RulesetState
from .qualification import Qualifier, operator_decision

VIEW_PERMISSION = "deliverability.view_rulesetstate"
WORKFLOW = "deliverabilityUpdate"
CHART_DAYS = 30


def rule_counts():
    """Per kind of rule: in force from the ruleset, custom, retired (one query each)."""
    figures = {
        "feed": Count("pk", filter=Q(origin=RuleOrigin.FEED, retired_at__isnull=True)),
        "custom": Count("pk", filter=Q(origin=RuleOrigin.CUSTOM, retired_at__isnull=True)),
        "retired": Count("pk", filter=Q(retired_at__isnull=False)),
    }
    kinds = [
        (
            _("Bounce qualification rules"),
            QualificationRule,
            "admin:deliverability_qualificationrule_changelist",
        ),
        (_("Domain rules"), DomainRule, "admin:deliverability_domainrule_changelist"),
        (_("MX rules"), MxRule, "admin:deliverability_mxrule_changelist"),
    ]
    return [
        {"label": label, "url": reverse(url_name), **model.objects.aggregate(**figures)}
        for label, model, url_name in kinds
    ]


def quarantine_counts():
    found = dict(Quarantine.objects.order_by().values_list("status").annotate(total=Count("pk")))
    return [
        {"status": status, "label": label, "total": found.get(status, 0)}
        for status, label in QuarantineStatus.choices
    ]


def bounce_series(now):
    """Inbound messages per local day and kind over the last CHART_DAYS days."""
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
        days=CHART_DAYS - 1
    )
    rows = (
        InboundBounce.objects.filter(received_at__gte=start)
        .annotate(day=TruncDate("received_at", tzinfo=timezone.get_current_timezone()))
        .order_by()
        .values_list("day", "kind")
        .annotate(total=Count("pk"))
    )
    days = [(start + timedelta(days=offset)).date() for offset in range(CHART_DAYS)]
    per_kind = {kind: dict.fromkeys(days, 0) for kind in MessageKind.values}
    for day, kind, total in rows:
        if day in per_kind.get(kind, {}):
            per_kind[kind][day] = total
    table = [{"day": day, "counts": [per_kind[kind][day] for kind in MessageKind.values]} for day in days]
    chart = {
        "labels": [day.isoformat() for day in days],
        "datasets": [
            {"label": str(label), "values": list(per_kind[kind].values())}
            for kind, label in MessageKind.choices
        ],
        "yLabel": _("messages per day"),
    }
    return table, chart


@page(VIEW_PERMISSION)
def status(request):
    now = timezone.now()
    settings = DeliverabilitySettings.load()
    form = QualifyForm(request.GET or None)
    qualified = decided = None
    if form.is_valid():
        text = form.cleaned_data["text"]
        decided = operator_decision(text)
        qualified = decided or Qualifier.from_database().qualify(text)
    table, chart = bounce_series(now)
    run = last_run(WORKFLOW)
    context = {
        **page_context(request, _("Deliverability")),
        "settings": settings,
        "settings_url": reverse("campaign:settings"),
        "state": RulesetState.objects.filter(pk=RulesetState.SINGLETON_ID).first(),
        "rules": rule_counts(),
        "quarantine": quarantine_counts(),
        "quarantine_url": reverse("admin:campaign_quarantine_changelist"),
        "to_qualify": LogQualification.objects.to_qualify().count(),
        "qualification_url": reverse("admin:deliverability_logqualification_changelist"),
        "bounces_url": reverse("admin:deliverability_inboundbounce_changelist"),
        "kinds": [label for _kind, label in MessageKind.choices],
        "series": table,
        "chart": chart,
        "chart_days": CHART_DAYS,
        "run": run,
        "run_url": reverse("admin:workflows_workflowrun_change", args=[run.pk]) if run else None,
        "form": form,
        "qualified": qualified,
        "decided": decided is not None,
        "qualified_labels": {
            "type": FailureType(qualified.failure_type).label,
            "reason": FailureReason(qualified.failure_reason).label,
        }
        if qualified
        else None,
    }
    return TemplateResponse(request, "deliverability/status.html", context)
