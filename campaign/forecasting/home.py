"""The home-page block of the provisional calendar: the next seven days."""

from datetime import timedelta

from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from .models import ChannelDayLoad, DeliveryForecast, Forecast


def week_ahead(request, now):
    """Deliveries forecast and capacity overruns from today to six days later."""
    today = timezone.localdate(now)
    last = today + timedelta(days=6)
    forecast = Forecast.objects.current().first()
    context = {"forecast": forecast, "calendar_url": reverse("forecasting:calendar") + "?view=week"}
    if forecast is None:
        return context
    deliveries = DeliveryForecast.objects.filter(forecast=forecast, day__gte=today, day__lte=last)
    figures = deliveries.aggregate(targeted=Sum("targeted"), excluded=Sum("excluded"))
    context.update(
        deliveries=deliveries.count(),
        volume=(figures["targeted"] or 0) - (figures["excluded"] or 0),
        overruns=list(
            ChannelDayLoad.objects.filter(forecast=forecast, day__gte=today, day__lte=last, overrun=True)
            .select_related("channel")
            .order_by("day", "channel__code")
        ),
    )
    return context
