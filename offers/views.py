"""The offer screens that are not plain admin lists:

- an offer's approval page (design; Offers › <offer> › Approval): what is approved (the
  contents per space, the eligibility with the rules inherited from the categories), the
  two approvals, the live copy, the audit trail, and the POST-only actions (approve or
  reject content or eligibility, re-initialize, disable, enable), each checking its
  permission;
- the Deployment page (Offers › Deployment): offerMgt's last runs, the requests waiting,
  what a run would deploy now, the live catalog's figures, "Deploy now" and the CSV
  export of the live catalog;
- the home-page block.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaign.admin_pages import page, page_context
from campaign.csv_export import csv_response
from workflows.api import Workflow, WorkflowRun

from . import approvals, deployment, eligibility, triggers
from .choices import APPROVAL_COLORS, OFFER_STATUS_COLORS, Approval, ApprovalKind, OfferStatus
from .forms import DecisionForm
from .models import Category, Environment, Offer, OfferAudit, OfferContent, OfferSpace

VIEW_DESIGN = "offers.view_offer"
CHANGE_DESIGN = "offers.change_offer"
APPROVE = "offers.approve_offer"
VIEW_LIVE = "offers.view_live_offer"
DEPLOY = "offers.deploy_offers"

AUDIT_LINES = 50
RUNS_SHOWN = 15

# action: (permission, what it does)
ACTIONS = {
    "approve_content": APPROVE,
    "reject_content": APPROVE,
    "approve_eligibility": APPROVE,
    "reject_eligibility": APPROVE,
    "reinitialize": APPROVE,
    "disable": CHANGE_DESIGN,
    "enable": CHANGE_DESIGN,
}


def require(request, permission):
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _rules(found):
    return [
        {"rule": rule, "target": eligibility.describe(rule.target) if rule.target else ""}
        for rule in found.rules
    ]


def approval_page(request, model_admin, offer_id):
    """What the approvers approve, and their buttons."""
    require(request, VIEW_DESIGN)
    offer = (
        Offer.objects.design()
        .select_related(
            "environment", "category", "content_decided_by", "eligibility_decided_by", "approved_by"
        )
        .filter(pk=offer_id)
        .first()
    )
    if offer is None:
        raise Http404
    found = eligibility.of_offer(offer)
    live_copy = Offer.objects.live().filter(design_offer=offer).first()
    context = {
        **page_context(request, _("Approval of offer %(code)s") % {"code": offer.code}),
        "opts": Offer._meta,
        "offer": offer,
        "status_color": OFFER_STATUS_COLORS.get(offer.status),
        "content_color": APPROVAL_COLORS[offer.content_approval],
        "eligibility_color": APPROVAL_COLORS[offer.eligibility_approval],
        "contents": OfferContent.objects.filter(offer=offer).select_related("space__channel"),
        "eligibility": found,
        "rules": _rules(found),
        "effective_target": eligibility.describe(found.target),
        "target_size": eligibility.target_size(found.target) if request.GET.get("count") else None,
        "live_copy": live_copy,
        "audit": OfferAudit.objects.of_offer(offer)[:AUDIT_LINES],
        "form": DecisionForm(offer=offer),
        "can_approve": request.user.has_perm(APPROVE),
        "can_change": request.user.has_perm(CHANGE_DESIGN),
        "can_view_live": request.user.has_perm(VIEW_LIVE),
        "approved": Approval.APPROVED,
        "rejected": Approval.REJECTED,
        "disabled": offer.status == OfferStatus.DISABLED,
    }
    return TemplateResponse(request, "offers/approval.html", context)


@require_POST
def decide(request, model_admin, offer_id):
    """One action of the approval page, checked, compare-and-set, audited."""
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        raise Http404
    require(request, ACTIONS[action])
    back = HttpResponseRedirect(reverse("admin:offers_offer_approval", args=[offer_id]))
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete: reload the page and try again."))
        return back
    version, comment = form.cleaned_data["version"], form.cleaned_data["comment"]
    now = timezone.now()
    try:
        if action == "reinitialize":
            offer = approvals.reinitialize(offer_id, request.user, now, version=version, comment=comment)
            messages.success(
                request, _("The approvals of offer %(code)s are pending again.") % {"code": offer.code}
            )
        elif action in ("disable", "enable"):
            offer = approvals.set_enabled(offer_id, action == "enable", request.user, now, comment=comment)
            messages.success(request, _enabled_message(offer))
        else:
            verb, kind = action.split("_")
            decision = Approval.APPROVED if verb == "approve" else Approval.REJECTED
            offer = approvals.decide(
                offer_id, kind, decision, request.user, now, version=version, comment=comment
            )
            messages.success(request, _decision_message(offer, ApprovalKind(kind), decision))
    except approvals.Refused as refused:
        messages.error(request, str(refused))
    return back


def _decision_message(offer, kind, decision):
    messages_by_decision = {
        (ApprovalKind.CONTENT, Approval.APPROVED): _("Content of offer %(code)s approved."),
        (ApprovalKind.CONTENT, Approval.REJECTED): _("Content of offer %(code)s rejected."),
        (ApprovalKind.ELIGIBILITY, Approval.APPROVED): _("Eligibility of offer %(code)s approved."),
        (ApprovalKind.ELIGIBILITY, Approval.REJECTED): _("Eligibility of offer %(code)s rejected."),
    }
    text = messages_by_decision[(kind, decision)] % {"code": offer.code}
    if offer.status == OfferStatus.APPROVED:
        text += " " + _("Both approvals are granted: offerMgt deploys the offer to live within a minute.")
    return text


def _enabled_message(offer):
    if offer.status == OfferStatus.DISABLED:
        return _(
            "Offer %(code)s is disabled: its live copy is deactivated by the next deployment, requested now."
        ) % {"code": offer.code}
    return _("Offer %(code)s is enabled again.") % {"code": offer.code}


def live_offer_context(offer):
    """The live offer page's extra panel: effective eligibility, links."""
    found = eligibility.of_offer(offer)
    return {
        "eligibility": found,
        "rules": _rules(found),
        "effective_target": eligibility.describe(found.target),
        "propositions_url": reverse("admin:offers_proposition_changelist") + f"?offer__id__exact={offer.pk}",
        "design_url": reverse("admin:offers_offer_approval", args=[offer.design_offer_id])
        if offer.design_offer_id and Offer.objects.filter(pk=offer.design_offer_id).exists()
        else None,
    }


# --- Deployment page ------------------------------------------------------------------------


def _runs():
    runs = WorkflowRun.objects.filter(workflow__name=triggers.WORKFLOW).select_related("triggered_by")
    return [
        {"run": run, "changes": (run.metrics or {}).get("changes")}
        for run in runs.order_by("-created_at", "-id")[:RUNS_SHOWN]
    ]


def live_figures():
    """Per live environment: active and deactivated offers, categories, spaces (one
    grouped query per table)."""
    environments = list(Environment.objects.live().order_by("name"))
    offers = {
        row["environment"]: row
        for row in Offer.objects.live()
        .order_by()
        .values("environment")
        .annotate(
            active=Count("pk", filter=Q(deactivated_at__isnull=True)),
            inactive=Count("pk", filter=Q(deactivated_at__isnull=False)),
        )
    }
    categories = dict(
        Category.objects.live()
        .order_by()
        .values("environment")
        .annotate(n=Count("pk"))
        .values_list("environment", "n")
    )
    spaces = dict(
        OfferSpace.objects.live()
        .order_by()
        .values("environment")
        .annotate(n=Count("pk"))
        .values_list("environment", "n")
    )
    return [
        {
            "environment": environment,
            "active": offers.get(environment.pk, {}).get("active", 0),
            "inactive": offers.get(environment.pk, {}).get("inactive", 0),
            "categories": categories.get(environment.pk, 0),
            "spaces": spaces.get(environment.pk, 0),
        }
        for environment in environments
    ]


def _chart(runs):
    """Rows changed per run, oldest first (the chart above the runs' table)."""
    shown = [item for item in reversed(runs) if item["changes"] is not None]
    return {
        "labels": [
            date_format(timezone.localtime(item["run"].created_at), "SHORT_DATETIME_FORMAT") for item in shown
        ],
        "values": [item["changes"] for item in shown],
        "label": _("Rows changed"),
    }


@page(VIEW_LIVE)
def deployment_page(request):
    request_flag = triggers.flag()
    runs = _runs()
    context = {
        **page_context(request, _("Deployment")),
        "runs": runs,
        "chart": _chart(runs),
        "flag": request_flag,
        "pending": triggers.pending_requests(),
        "plan": deployment.plan(timezone.now()),
        "figures": live_figures(),
        "awaiting": Offer.objects.awaiting_approval().count() if request.user.has_perm(VIEW_DESIGN) else None,
        "approved": Offer.objects.approved_for_deployment().count(),
        "can_deploy": request.user.has_perm(DEPLOY),
        "workflow_url": _workflow_url(request),
    }
    return TemplateResponse(request, "offers/deployment.html", context)


def _workflow_url(request):
    if not request.user.has_perm("workflows.view_workflow"):
        return None
    workflow = Workflow.objects.filter(name=triggers.WORKFLOW).first()
    return reverse("admin:workflows_workflow_change", args=[workflow.pk]) if workflow else None


@page(DEPLOY)
@require_POST
def deploy_now(request):
    """ "Deploy now": a deployment request, run through the engine (if a run is going,
    it deploys again once done)."""
    with transaction.atomic():
        triggers.request_deployment(request.user, timezone.now(), "Deploy now")
    messages.success(request, _("Deployment requested: offerMgt runs within a minute."))
    return HttpResponseRedirect(reverse("offers:deployment"))


@page(VIEW_LIVE)
def live_catalog_csv(request):
    """The live offers as CSV, streamed (the platform's safe CSV writer)."""
    header = [
        "environment",
        "code",
        "label",
        "category",
        "status",
        "version",
        "weight",
        "valid_from",
        "valid_until",
        "deployed_at",
        "deactivated_at",
    ]
    offers = (
        Offer.objects.live().select_related("environment", "category").order_by("environment__name", "code")
    )

    def when(moment):
        return timezone.localtime(moment).isoformat() if moment else ""

    def rows():
        for offer in offers.iterator(chunk_size=1000):
            yield [
                offer.environment.name,
                offer.code,
                offer.label,
                offer.category.name,
                offer.status,
                offer.version,
                offer.weight,
                when(offer.valid_from),
                when(offer.valid_until),
                when(offer.deployed_at),
                when(offer.deactivated_at),
            ]

    return csv_response("live-offers.csv", header, rows())


# --- Home page -------------------------------------------------------------------------------


def home_block_context(request, now):
    last = WorkflowRun.objects.filter(workflow__name=triggers.WORKFLOW).order_by("-created_at", "-id").first()
    return {
        "live_offers": Offer.objects.active_live().count(),
        "awaiting": Offer.objects.awaiting_approval().count() if request.user.has_perm(VIEW_DESIGN) else None,
        "approved": Offer.objects.approved_for_deployment().count(),
        "pending": triggers.pending_requests(),
        "last_run": last,
        "deployment_url": reverse("offers:deployment"),
    }
