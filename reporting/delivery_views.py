"""The delivery report pages (Campaigns › Delivery statistics), admin pages through
campaign.admin_pages: the statistics across deliveries with filters and CSV export,
and the report of one delivery. Each states when its aggregate was built."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.admin_pages import page, page_context
from campaign.csv_export import csv_response
from campaign.models import Delivery

from . import delivery_reports
from .delivery_forms import DeliveryStatisticsForm

VIEW_PERMISSION = "reporting.view_deliveryday"
PER_PAGE = 50


def _filters(request):
    """The filters of the query string (none: the last 30 days, every channel)."""
    form = DeliveryStatisticsForm(request.GET)
    return form, form.is_valid()


def _built(context):
    context["build"] = delivery_reports.latest_build()
    context["consolidated_at"] = delivery_reports.last_consolidation()
    return context


@page(VIEW_PERMISSION)
def delivery_statistics(request):
    form, valid = _filters(request)
    context = _built({**page_context(request, _("Delivery statistics")), "form": form})
    if valid:
        found = delivery_reports.statistics(
            form.cleaned_data["start"], form.cleaned_data["end"], form.cleaned_data["channel"]
        )
        totals = found.totals
        context.update(
            {
                "page": Paginator(found.rows, PER_PAGE).get_page(request.GET.get("page")),
                "totals": totals,
                "rates": {
                    "failure": delivery_reports.share(totals["failed"], totals["targeted"]),
                    "open": delivery_reports.share(totals["unique_opens"], totals["sent"]),
                    "click": delivery_reports.share(totals["unique_clicks"], totals["sent"]),
                },
                "chart": {
                    "labels": [row["day"].isoformat() for row in found.daily],
                    "series": [
                        {"label": _("Sent"), "values": [row["sent"] for row in found.daily]},
                        {"label": _("Opens"), "values": [row["opens"] for row in found.daily]},
                        {"label": _("Clicks"), "values": [row["clicks"] for row in found.daily]},
                    ],
                    "y": _("messages / hits per day"),
                },
                "query": _without_page(request.GET),
                "start": form.cleaned_data["start"],
                "end": form.cleaned_data["end"],
            }
        )
    return TemplateResponse(request, "reporting/delivery_statistics.html", context)


CSV_FIGURES = delivery_reports.ADDITIVE


def _without_page(query):
    kept = query.copy()
    kept.pop("page", None)
    return kept.urlencode()


@page(VIEW_PERMISSION)
def delivery_statistics_csv(request):
    """The statistics page's rows, every page, streamed through the safe CSV writer."""
    form, valid = _filters(request)
    if not valid:
        return TemplateResponse(
            request,
            "reporting/delivery_statistics.html",
            _built({**page_context(request, _("Delivery statistics")), "form": form}),
            status=400,
        )
    data = form.cleaned_data
    found = delivery_reports.statistics(data["start"], data["end"], data["channel"])
    header = ["delivery_id", "delivery", "channel", "first_day", *CSV_FIGURES]

    def rows():
        for row in found.rows.iterator(chunk_size=500):
            yield [row["delivery_id"], row["label"], row["channel_label"], row["first_day"].isoformat()] + [
                row[name] or 0 for name in CSV_FIGURES
            ]

    name = f"delivery-statistics-{data['start']:%Y%m%d}-{data['end']:%Y%m%d}.csv"
    return csv_response(name, header, rows())


def _series(report):
    hourly = {
        "labels": [timezone.localtime(hour).strftime("%m-%d %H:00") for hour, _o, _c in report.hourly],
        "series": [
            {"label": _("Opens"), "values": [opens for _h, opens, _c in report.hourly]},
            {"label": _("Clicks"), "values": [clicks for _h, _o, clicks in report.hourly]},
        ],
        "y": _("hits per hour"),
    }
    daily = {
        "labels": [day.isoformat() for day, *_rest in report.daily],
        "series": [
            {"label": _("Opens"), "values": [row[2] for row in report.daily]},
            {"label": _("Clicks"), "values": [row[3] for row in report.daily]},
            {"label": _("Unique opens"), "values": [row[4] for row in report.daily]},
        ],
        "y": _("hits / recipients per day"),
    }
    return hourly, daily


@page(VIEW_PERMISSION)
def delivery_report(request, pk):
    delivery = get_object_or_404(Delivery.objects.select_related("channel"), pk=pk)
    report = delivery_reports.delivery_report(delivery)
    hourly, daily = _series(report)
    indicators = report.indicators
    context = _built(
        {
            **page_context(request, delivery.label),
            "delivery": delivery,
            "report": report,
            "indicators": indicators,
            "hourly_chart": hourly,
            "daily_chart": daily,
            "failure_rate": delivery_reports.share(delivery.failed, delivery.processed),
            "percent": {
                name: round(100 * value, 1) if value is not None else None
                for name, value in (
                    ("open", indicators.open_rate if indicators else None),
                    ("click", indicators.click_rate if indicators else None),
                    ("reactivity", indicators.reactivity if indicators else None),
                    ("opt_out", indicators.opt_out_rate if indicators else None),
                )
            },
            "statistics_url": reverse("reporting:delivery_statistics"),
        }
    )
    return TemplateResponse(request, "reporting/delivery_report.html", context)
