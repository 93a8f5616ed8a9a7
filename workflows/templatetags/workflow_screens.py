"""Template filters of the workflow screens: durations, metrics, badges."""

from datetime import timedelta

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from ..choices import RUN_STATUS_COLORS, STATE_COLORS

register = template.Library()


@register.filter
def duration(value):
    """A timedelta as "0.4 s", "12 s", "3 min 05 s" or "1 h 02 min"."""
    if value is None or value == "":
        return "–"
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds < 1:
        return _("%(ms)d ms") % {"ms": round(seconds * 1000)}
    if seconds < 10:
        return _("%(s).1f s") % {"s": seconds}
    if seconds < 60:
        return _("%(s)d s") % {"s": seconds}
    if seconds < 3600:
        return _("%(m)d min %(s)02d s") % {"m": seconds // 60, "s": seconds % 60}
    return _("%(h)d h %(m)02d min") % {"h": seconds // 3600, "m": seconds % 3600 // 60}


@register.filter
def metrics_summary(metrics, limit=4):
    """The first few metrics as "key: value, …"."""
    if not metrics:
        return ""
    items = sorted(metrics.items())
    text = ", ".join(f"{key}: {value}" for key, value in items[:limit])
    return text + (" …" if len(items) > limit else "")


@register.simple_tag
def run_badge(run):
    if run is None:
        return format_html('<span class="wf-muted">{}</span>', _("never run"))
    return format_html(
        '<span class="wf-badge" data-status="{}" style="background:{}">{}</span>',
        run.status,
        RUN_STATUS_COLORS.get(run.status, "#6c757d"),
        run.get_status_display(),
    )


@register.simple_tag
def state_badge(workflow):
    color = STATE_COLORS.get(workflow.state, "#6c757d")
    return format_html(
        '<span class="wf-state" data-state="{}" style="border-color:{};color:{}">{}</span>',
        workflow.state,
        color,
        color,
        workflow.get_state_display(),
    )
