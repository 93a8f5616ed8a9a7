"""`manage.py generate_data` / campaign.devtools.datagen: exact counts, referential
consistency, determinism, times in the window, every kind of row present, --truncate,
bad input, tables declared by the apps."""

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Sum
from django.db.models.functions import Length

from campaign.choices import FailureType, LogStatus, ProfileTable, QuarantineStatus
from campaign.devtools import datagen
from campaign.devtools.datagen import sql as datagen_sql
from campaign.management.commands.generate_data import Command as GenerateData
from campaign.models import (
    Delivery,
    DeliveryLog,
    Event,
    EventType,
    ExternalProfile,
    Quarantine,
    Recipient,
    RecipientList,
    TrackingHit,
    TrackingUrl,
)
from offers.choices import EnvironmentKind, OfferStatus
from offers.contributions import contributions as offers_contributions
from offers.models import Category, Environment, Offer, OfferSpace, Proposition
from workflows import plugins
from workflows.plugins import Contributions, GeneratedTable, generated_tables

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 11, 0, tzinfo=UTC)
NOW_ISO = "2026-03-01T12:00:00+01:00"  # the same instant
TINY = datagen.preset_counts("tiny")


def generate(*args):
    out = StringIO()
    call_command("generate_data", "--preset", "tiny", "--now", NOW_ISO, *args, stdout=out)
    return out.getvalue()


def table_counts():
    return {model.__name__: model.objects.count() for model in datagen.generated_models()}


def fingerprint():
    """Aggregates over every generated table: equal data gives equal fingerprints."""
    logs = DeliveryLog.objects.aggregate(
        n=Count("id"),
        profiles=Sum("profile_id"),
        size=Sum("message_size"),
        first=Min("event_at"),
        last=Max("event_at"),
        address=Sum(Length("address")),
        text=Sum(Length("error_text")),
        failed=Count("id", filter=Q(status=LogStatus.FAILED)),
        hard=Count("id", filter=Q(failure_type="hard")),
    )
    return {
        "logs": logs,
        "log_rows": list(
            DeliveryLog.objects.order_by("id").values_list(
                "id", "delivery_id", "profile_id", "status", "failure_reason", "event_at"
            )
        ),
        "recipients": list(Recipient.objects.order_by("id").values_list("email", "phone", "created_at")),
        "profiles": list(
            ExternalProfile.objects.order_by("id").values_list("kind", "external_id", "recipient_id")
        ),
        "deliveries": list(
            Delivery.objects.order_by("id").values_list(
                "label", "channel__code", "profile_table", "state", "started_at", "deleted"
            )
        ),
        "hits": list(
            TrackingHit.objects.order_by("id").values_list("url_id", "profile_id", "kind", "hit_at")
        ),
        "events": list(
            Event.objects.order_by("id").values_list("status", "email", "profile_id", "created_at")
        ),
        "quarantine": list(
            Quarantine.objects.order_by("id").values_list("address", "status", "last_error_at")
        ),
        "offers": list(Offer.objects.order_by("id").values_list("code", "status", "valid_from")),
        "propositions": list(
            Proposition.objects.order_by("id").values_list("offer_id", "profile_id", "status")
        ),
    }


def test_the_tiny_preset_creates_exactly_the_requested_counts():
    out = generate("--seed", "3")
    design_offers = Offer.objects.filter(environment__kind=EnvironmentKind.DESIGN)
    assert Recipient.objects.count() == TINY["recipients"]
    assert ExternalProfile.objects.count() == TINY["external_profiles"]
    assert dict(ExternalProfile.objects.values_list("kind").annotate(n=Count("id"))) == {
        "cookie": 30,
        "customer": 18,
        "mobile": 12,
    }
    assert Delivery.objects.count() == TINY["deliveries"]
    assert DeliveryLog.objects.count() == TINY["delivery_logs"]
    assert TrackingUrl.objects.count() == TINY["tracking_urls"]
    assert TrackingHit.objects.count() == TINY["tracking_hits"]
    assert EventType.objects.count() == TINY["event_types"]
    assert Event.objects.count() == TINY["events"]
    assert Quarantine.objects.count() == TINY["quarantine"]
    assert Category.objects.filter(environment__kind=EnvironmentKind.DESIGN).count() == TINY["categories"]
    assert OfferSpace.objects.filter(environment__kind=EnvironmentKind.DESIGN).count() == TINY["offer_spaces"]
    assert design_offers.count() == TINY["offers"]
    assert Proposition.objects.count() == TINY["propositions"]
    # The live environment holds what a past offerMgt run deployed: every category and
    # space, and a copy of each design offer in status "live".
    assert Category.objects.filter(environment__kind=EnvironmentKind.LIVE).count() == TINY["categories"]
    live = Offer.objects.filter(environment__kind=EnvironmentKind.LIVE)
    assert live.count() == design_offers.filter(status=OfferStatus.LIVE).count() > 0
    assert not live.exclude(design_offer__status=OfferStatus.LIVE).exists()
    assert "delivery_logs" in out and "2,000 rows" in out and "total" in out


def test_every_row_names_rows_that_exist_in_the_right_table():
    generate("--seed", "4")
    profile_exists = {
        ProfileTable.RECIPIENT: Exists(Recipient.objects.filter(pk=OuterRef("profile_id"))),
        **{
            kind: Exists(ExternalProfile.objects.filter(kind=kind, pk=OuterRef("profile_id")))
            for kind in (ProfileTable.COOKIE, ProfileTable.CUSTOMER, ProfileTable.MOBILE)
        },
    }
    for model in (DeliveryLog, TrackingHit, Proposition, Event):
        rows = model.objects.exclude(profile_id=None)
        assert rows.exists(), model
        for table, exists in profile_exists.items():
            assert not rows.filter(profile_table=table).exclude(exists).exists(), (model, table)
        assert set(rows.values_list("profile_table", flat=True)) <= set(profile_exists)
    delivery_exists = Exists(Delivery.objects.filter(pk=OuterRef("delivery_id")))
    for model in (DeliveryLog, TrackingHit, TrackingUrl):
        assert not model.objects.exclude(delivery_exists).exists(), model
    # A log names a profile of its delivery's target table.
    assert not DeliveryLog.objects.exclude(profile_table=F("delivery__profile_table")).exists()
    # Every external target table is used, and logs cover exactly the sent deliveries.
    assert set(DeliveryLog.objects.values_list("profile_table", flat=True)) == set(ProfileTable.values)
    assert not Delivery.objects.filter(started_at=None, logs__isnull=False).exists()
    # A hit comes from a profile whose log of that delivery succeeded, on one of its URLs.
    received = DeliveryLog.objects.filter(
        delivery=OuterRef("delivery"),
        profile_table=OuterRef("profile_table"),
        profile_id=OuterRef("profile_id"),
        status__in=[LogStatus.SENT, LogStatus.DELIVERED],
        event_at__lte=OuterRef("hit_at"),
    )
    assert not TrackingHit.objects.exclude(Exists(received)).exists()
    assert not TrackingHit.objects.exclude(url=None).exclude(url__delivery=F("delivery")).exists()
    assert not TrackingHit.objects.exclude(url=None).exclude(kind=F("url__kind")).exists()
    # Propositions present live offers; those made in a delivery go to one of its targets.
    assert not Proposition.objects.exclude(offer__environment__kind=EnvironmentKind.LIVE).exists()
    assert (
        not Proposition.objects.exclude(space=None)
        .exclude(space__environment__kind=EnvironmentKind.LIVE)
        .exists()
    )
    targeted = DeliveryLog.objects.filter(delivery=OuterRef("delivery"), profile_id=OuterRef("profile_id"))
    linked = Proposition.objects.exclude(delivery=None)
    assert linked.exists() and not linked.exclude(Exists(targeted)).exists()
    # Live copies point at their design rows.
    assert not Category.objects.filter(environment__kind=EnvironmentKind.LIVE, design_category=None).exists()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_key_check")
            assert cursor.fetchall() == []


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    generate("--seed", "5", "--truncate")
    first = fingerprint()
    generate("--seed", "5", "--truncate")
    assert fingerprint() == first
    generate("--seed", "6", "--truncate")
    other = fingerprint()
    assert other["logs"]["n"] == first["logs"]["n"]
    for key in (
        "logs",
        "log_rows",
        "recipients",
        "deliveries",
        "hits",
        "events",
        "quarantine",
        "propositions",
    ):
        assert other[key] != first[key], key


def test_times_fall_in_the_18_months_before_now_and_after_their_delivery_start():
    generate("--seed", "7")
    start = datagen.window_start(NOW)
    assert start == datetime(2024, 9, 1, 11, 0, tzinfo=UTC)
    checks = [
        (DeliveryLog, "event_at"),
        (TrackingHit, "hit_at"),
        (Event, "created_at"),
        (Proposition, "proposed_at"),
        (Delivery, "started_at"),
        (Quarantine, "last_error_at"),
    ]
    for model, column in checks:
        bounds = model.objects.aggregate(first=Min(column), last=Max(column))
        assert start <= bounds["first"] <= bounds["last"] <= NOW, (model, column, bounds)
    assert not DeliveryLog.objects.filter(event_at__lt=F("delivery__started_at")).exists()
    assert not TrackingHit.objects.filter(consolidated_at__gt=NOW).exists()
    assert not TrackingHit.objects.filter(consolidated_at__lt=F("hit_at")).exists()
    assert not Event.objects.filter(processed_at__lt=F("created_at")).exists()
    provisional = Delivery.objects.provisional()
    assert provisional.exists() and not provisional.filter(planned_at__lte=NOW).exists()
    assert not provisional.filter(logs__isnull=False).exists()
    # The window is spread over: logs in both its first and its last two months.
    assert DeliveryLog.objects.filter(event_at__lt=datetime(2024, 11, 1, tzinfo=UTC)).exists()
    assert DeliveryLog.objects.filter(event_at__gt=datetime(2026, 1, 1, tzinfo=UTC)).exists()


def test_the_tiny_data_set_has_every_kind_of_row():
    generate("--seed", "8")
    social = Delivery.objects.filter(channel__is_social=True, logs__isnull=False)
    assert set(social.values_list("channel__code", flat=True)) == {"facebook", "twitter"}
    assert set(Delivery.objects.filter(logs__isnull=False).values_list("channel__code", flat=True)) == {
        "email",
        "sms",
        "push",
        "mail",
        "facebook",
        "twitter",
    }
    assert Delivery.objects.provisional().exists()
    assert Delivery.objects.filter(deleted=True, deleted_at__isnull=False, logs__isnull=False).exists()
    assert set(Delivery.objects.values_list("state", flat=True)) >= {
        "finished",
        "in_progress",
        "edition",
        "pending",
    }
    assert set(DeliveryLog.objects.values_list("status", flat=True)) >= {
        "sent",
        "delivered",
        "failed",
        "ignored",
    }
    failed = DeliveryLog.objects.filter(status=LogStatus.FAILED)
    assert set(failed.values_list("failure_type", flat=True)) == {"hard", "soft", "ignored"}
    assert set(failed.values_list("failure_reason", flat=True)) >= {
        "user_unknown",
        "mailbox_full",
        "unreachable",
    }
    assert not failed.filter(error_text="").exists()
    assert set(Quarantine.objects.values_list("status", flat=True)) == set(QuarantineStatus.values)
    assert TrackingHit.objects.filter(consolidated_at=None).exists()
    assert TrackingHit.objects.filter(consolidated_at__isnull=False).exists()
    assert set(TrackingUrl.objects.values_list("kind", flat=True)) >= {"open", "click"}
    assert (
        Event.objects.filter(profile_id__isnull=False).exists()
        and Event.objects.filter(profile_id=None).exists()
    )
    assert ExternalProfile.objects.filter(recipient__isnull=False).exists()
    assert Offer.objects.filter(
        status=OfferStatus.APPROVED, environment__kind=EnvironmentKind.DESIGN
    ).exists()


def test_status_failure_and_size_mixes_are_consistent():
    generate("--seed", "9")
    success = DeliveryLog.objects.filter(status__in=[LogStatus.SENT, LogStatus.DELIVERED])
    assert not success.exclude(failure_type="", failure_reason="", error_text="").exists()
    assert not DeliveryLog.objects.filter(status=LogStatus.FAILED, failure_type="").exists()
    ignored = DeliveryLog.objects.filter(status=LogStatus.IGNORED)
    assert ignored.exists() and not ignored.exclude(failure_type=FailureType.IGNORED, message_size=0).exists()
    email = success.filter(delivery__channel__code="email").aggregate(
        low=Min("message_size"), high=Max("message_size")
    )
    assert 12_000 <= email["low"] <= email["high"] < 72_000
    sms = set(success.filter(delivery__channel__code="sms").values_list("message_size", flat=True))
    assert sms <= {160, 320, 480} and sms
    # About nine in ten logs succeed.
    assert 0.8 < success.count() / DeliveryLog.objects.count() < 0.99
    # Addresses are the profile's own: a recipient's email for email logs.
    email_logs = DeliveryLog.objects.filter(
        delivery__channel__code="email", profile_table=ProfileTable.RECIPIENT
    )
    mismatched = email_logs.exclude(
        Exists(Recipient.objects.filter(pk=OuterRef("profile_id"), email=OuterRef("address")))
    )
    assert email_logs.exists() and not mismatched.exists()


def test_some_recipients_are_never_targeted_and_some_only_by_social_channels():
    generate("--seed", "10")
    logs = DeliveryLog.objects.filter(profile_table=ProfileTable.RECIPIENT)
    by_social = set(logs.filter(delivery__channel__is_social=True).values_list("profile_id", flat=True))
    by_others = set(logs.filter(delivery__channel__is_social=False).values_list("profile_id", flat=True))
    everyone = set(Recipient.objects.values_list("id", flat=True))
    assert by_social - by_others, "some recipients are reached only through social channels"
    assert everyone - by_social - by_others, "some recipients are never targeted"
    assert len(by_others) > len(everyone) // 2


def test_truncate_empties_the_generated_tables_first():
    generate("--seed", "1")
    listed = RecipientList.objects.create(name="VIP")
    listed.recipients.add(Recipient.objects.first())
    generate("--seed", "1")  # appends after the existing ids: unique constraints hold
    assert Recipient.objects.count() == 2 * TINY["recipients"]
    assert DeliveryLog.objects.count() == 2 * TINY["delivery_logs"]
    assert Quarantine.objects.count() == 2 * TINY["quarantine"]
    assert not DeliveryLog.objects.exclude(profile_table=F("delivery__profile_table")).exists()
    out = generate("--seed", "1", "--truncate")
    counts = table_counts()
    assert counts["Recipient"] == TINY["recipients"] and counts["DeliveryLog"] == TINY["delivery_logs"]
    assert counts["Quarantine"] == TINY["quarantine"] and counts["TrackingHit"] == TINY["tracking_hits"]
    assert Recipient.objects.aggregate(first=Min("id"))["first"] == 1  # ids restart
    assert RecipientList.objects.get().recipients.count() == 0  # links to emptied rows go too
    assert "truncate" in out


def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing():
    generate("--seed", "2")
    before, data = table_counts(), fingerprint()
    refused = [
        (["--recipients", "-5", "--truncate"], "whole numbers >= 0: recipients=-5"),
        (["--deliveries", "0", "--truncate"], "delivery_logs needs deliveries > 0"),
        (["--event-types", "0"], "events needs event_types > 0"),
        (["--now", "yesterday", "--truncate"], "--now must be an ISO date"),
    ]
    for args, message in refused:
        with pytest.raises(CommandError, match=message):
            generate(*args)
    with pytest.raises(CommandError, match="invalid choice: 'huge'"):
        call_command("generate_data", "--preset", "huge", "--truncate")
    # Valid counts that cannot be met are found after truncating: all is rolled back.
    with pytest.raises(CommandError, match="tracking hits need successful"):
        generate("--deliveries", "1", "--delivery-logs", "1", "--truncate")
    assert table_counts() == before
    assert fingerprint() == data


def test_the_api_takes_counts_or_a_preset_name():
    counts = {"recipients": 30, "deliveries": 5, "delivery_logs": 100, "event_types": 1, "events": 10}
    result = datagen.generate(counts, seed=11, now=NOW)
    assert result.rows["recipients"] == 30 and result.rows["delivery_logs"] == 100
    assert result.rows["tracking_hits"] == 0 and result.total_seconds > 0
    assert Recipient.objects.count() == 30 and not Proposition.objects.exists()
    assert datagen.count_problems({"recipients": -1}) == ["counts must be whole numbers >= 0: recipients=-1"]
    assert datagen.count_problems({"propositions": 3, "offers": 1, "categories": 1, "recipients": 1}) == []
    with pytest.raises(datagen.GenerationError, match="unknown preset 'nope'"):
        datagen.generate("nope", now=NOW)
    with pytest.raises(datagen.GenerationError, match="aware"):
        datagen.generate("tiny", now=datetime(2026, 3, 1))
    assert datagen.generate("tiny", seed=11, now=NOW, truncate=True).rows["delivery_logs"] == 2_000


def test_window_start_clamps_the_day_of_month():
    assert datagen.window_start(datetime(2026, 8, 31, 5, tzinfo=UTC)) == datetime(2025, 2, 28, 5, tzinfo=UTC)
    assert datagen.window_start(datetime(2025, 8, 31, tzinfo=UTC)) == datetime(2024, 2, 29, tzinfo=UTC)


@pytest.mark.slow  # generates the demo data set
def test_the_demo_preset_fills_every_table():
    out = StringIO()
    call_command("generate_data", "--preset", "demo", "--now", NOW_ISO, stdout=out)
    demo = datagen.preset_counts("demo")
    assert DeliveryLog.objects.count() == demo["delivery_logs"]
    assert Recipient.objects.count() == demo["recipients"]
    assert Proposition.objects.count() == demo["propositions"]
    assert Event.objects.filter(status="pending").exists()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the bulk-load path is PostgreSQL's")
def test_a_bulk_load_rebuilds_the_same_indexes_and_constraints(monkeypatch):
    monkeypatch.setattr(datagen_sql, "BULK_LOAD_MIN_ROWS", 100)
    tables = [m._meta.db_table for m in datagen.generated_models()]

    def schema():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
                "WHERE indrelid::regclass::text = ANY(%s) ORDER BY 1",
                [tables],
            )
            indexes = cursor.fetchall()
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid::regclass::text = ANY(%s) ORDER BY 1",
                [tables],
            )
            return indexes, cursor.fetchall()

    before = schema()
    out = generate("--seed", "12", "--truncate")
    assert "indexes and" in out and "constraints rebuilt" in out
    assert schema() == before
    assert DeliveryLog.objects.count() == TINY["delivery_logs"]
    assert not DeliveryLog.objects.exclude(profile_table=F("delivery__profile_table")).exists()


def test_counts_given_on_the_command_line_replace_only_those_of_the_preset():
    generate("--seed", "13", "--recipients", "150", "--quarantine", "0")
    counts = table_counts()
    assert counts["Recipient"] == 150 and counts["Quarantine"] == 0
    assert counts["DeliveryLog"] == TINY["delivery_logs"] and counts["Event"] == TINY["events"]


def test_the_tables_an_app_declares_are_generated_with_an_option_each():
    """The offers app declares its tables in offers/contributions.py: generate_data knows
    them (an option each, rows per preset) without the core naming them."""
    declared = {table.key: table for table in generated_tables()}
    assert [key for key in declared if key in ("categories", "offer_spaces", "offers", "propositions")] == [
        "categories",
        "offer_spaces",
        "offers",
        "propositions",
    ]
    assert declared["propositions"].models == ("offers.Proposition",)
    assert declared["propositions"].requires == ("offers", "recipients")
    assert {table.key for table in offers_contributions.generated_tables} == {
        "categories",
        "offer_spaces",
        "offers",
        "propositions",
    }
    parser = GenerateData().create_parser("manage.py", "generate_data")
    options = {action.dest: action.option_strings for action in parser._actions}
    assert options["offer_spaces"] == ["--offer-spaces"] and options["propositions"] == ["--propositions"]
    assert options["delivery_logs"] == ["--delivery-logs"] and options["quarantine"] == ["--quarantine"]
    assert "environments" not in options  # made whenever categories or spaces are, no count of its own

    out = generate(
        "--seed", "14", "--categories", "4", "--offer-spaces", "2", "--offers", "7", "--propositions", "90"
    )
    assert "propositions" in out and "90 rows" in out
    design = EnvironmentKind.DESIGN
    assert Category.objects.filter(environment__kind=design).count() == 4
    assert OfferSpace.objects.filter(environment__kind=design).count() == 2
    assert Offer.objects.filter(environment__kind=design).count() == 7
    assert Proposition.objects.count() == 90
    assert Proposition.objects.exclude(delivery=None).count() == 90 * 60 // 100  # from the delivery plan
    with pytest.raises(CommandError, match="propositions needs offers > 0"):
        generate("--offers", "0", "--truncate")


def test_without_offer_tables_no_environment_is_made_and_unknown_tables_are_refused():
    counts = {"recipients": 20, "deliveries": 3, "delivery_logs": 50}
    result = datagen.generate(counts, seed=15, now=NOW)
    assert result.rows["delivery_logs"] == 50 and result.rows["categories"] == 0
    assert not Environment.objects.exists() and not Category.objects.exists()
    with pytest.raises(datagen.GenerationError, match="unknown table.s. widgets; known: recipients, "):
        datagen.generate({"widgets": 3}, now=NOW)
    with pytest.raises(datagen.GenerationError, match="unknown table.s. widgets"):
        datagen.preset_counts("tiny", widgets=3)


def test_a_table_declared_by_any_app_gets_the_generation_context(monkeypatch):
    """A declaration in some app's contributions.py (here a test one) is generated in its
    order slot, with the counts, the first ids and the shared state of the run."""
    seen = {}

    def widgets(generation):
        seen["plan"] = generation.shared["campaign.delivery_plan"].table
        seen["first"] = generation.first_id("campaign.EventType")
        seen["event_types"] = generation.count("event_types")
        return generation.sql(
            "INSERT INTO campaign_eventtype (id, name, label) "
            f"SELECT {generation.first_id('campaign.EventType') + 100} + i, 'widget_' || i, 'Widget' "
            f"FROM {generation.dialect.series(1, generation.count('widgets'))}"
        )

    table = GeneratedTable("widgets", 950, "widgets", (), {"tiny": 5, "demo": 5, "bench": 5}, widgets)
    declared = plugins.by_app()
    monkeypatch.setattr(
        plugins, "by_app", lambda: (*declared, ("fixture_workflows", Contributions(generated_tables=[table])))
    )
    parser = GenerateData().create_parser("manage.py", "generate_data")
    assert any(action.option_strings == ["--widgets"] for action in parser._actions)
    out = generate("--seed", "16", "--widgets", "3")
    assert "widgets" in out and seen == {
        "plan": "datagen_plan",
        "first": 1,
        "event_types": TINY["event_types"],
    }
    assert EventType.objects.filter(name__startswith="widget_").count() == 3


def test_without_the_offers_app_its_tables_are_unknown(settings):
    # (The test app tests.plugin_probe, the area apps campaign.<area> and reporting.cubes,
    # which builds on offers, declare tables too: they are left out here.)
    left_out = ("offers", "reporting.cubes", "tests.plugin_probe")
    settings.INSTALLED_APPS = [
        app for app in settings.INSTALLED_APPS if app not in left_out and not app.startswith("campaign.")
    ]
    keys = [table.key for table in generated_tables()]
    assert not {"categories", "offer_spaces", "offers", "propositions"} & set(keys)
    # The core's tables, in order (other installed apps may add theirs after them).
    assert keys[:9] == [
        "recipients",
        "external_profiles",
        "deliveries",
        "delivery_logs",
        "tracking_urls",
        "tracking_hits",
        "event_types",
        "events",
        "quarantine",
    ]
    assert "propositions" not in datagen.preset_counts("tiny")
    out = generate("--seed", "17", "--truncate")
    assert "delivery_logs" in out and "propositions" not in out and "categories" not in out
    assert DeliveryLog.objects.count() == TINY["delivery_logs"]
    with pytest.raises(CommandError, match="unrecognized arguments: --propositions"):
        generate("--propositions", "3")
