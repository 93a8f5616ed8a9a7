"""Alias cleansing's data for `generate_data` and the demo: 30 aliased spellings in the
two bound fields spread over the recipients, a history of nightly runs whose row audit
is kept for the last 31 nights only (a first cleanup deletes a small share), runs that
can be reverted, and a first cleansing with work to do."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from campaign import cleanup
from campaign.aliases import cleansing, reverting
from campaign.aliases.choices import HitsMode, RunStatus
from campaign.aliases.datagen import COMPANY_ALIASES, COUNTRY_ALIASES
from campaign.aliases.models import AliasRewrite, CleansingRun, RewrittenRow
from campaign.devtools import datagen
from campaign.models import Enumeration, EnumerationAlias, Recipient

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 11, 0, tzinfo=UTC)
NIGHTS = 40


@pytest.fixture
def generated():
    counts = datagen.preset_counts(
        "tiny", recipients=2_000, recipient_spellings=2_000, alias_cleansing_runs=NIGHTS
    )
    return datagen.generate(counts, seed=3, now=NOW)


def test_the_enumerations_get_30_aliased_spellings_and_the_recipients_hold_some(generated):
    assert generated.rows["recipient_spellings"] == 2_000
    country, company = Enumeration.objects.get(name="country"), Enumeration.objects.get(name="company_type")
    assert (country.ignore_case, company.ignore_case, company.kind) == (True, False, "closed")
    targeted = EnumerationAlias.objects.filter(value__isnull=False)
    assert set(targeted.filter(enumeration=country).values_list("alias", flat=True)) == set(COUNTRY_ALIASES)
    assert set(targeted.filter(enumeration=company).values_list("alias", flat=True)) == set(COMPANY_ALIASES)

    countries = dict(Recipient.objects.values_list("country").annotate(n=Count("id")))
    assert max(countries, key=countries.get) == "France"
    aliased = sum(countries.get(spelling, 0) for spelling in COUNTRY_ALIASES)
    assert 20 <= aliased <= 120  # about 3 % of 2,000
    assert countries.get("", 0) > 50 and countries.get("Frnace", 0) > 0
    assert Recipient.objects.filter(company_type__in=list(COMPANY_ALIASES)).count() > 20


def test_the_history_has_one_run_a_night_and_rows_for_the_last_31(generated):
    runs = CleansingRun.objects.order_by("-ran_at")
    assert runs.count() == NIGHTS
    last = timezone.localtime(runs.first().ran_at)
    assert (last.hour, last.minute) == (3, 0) and runs.first().ran_at <= NOW
    assert runs.filter(status=RunStatus.REVERTED).count() == 1
    assert runs.filter(hits_mode=HitsMode.FULL).count() == NIGHTS // 7
    with_rows = set(RewrittenRow.objects.values_list("run_id", flat=True).distinct())
    kept = [run.pk for run in runs[:31] if run.status == RunStatus.APPLIED]
    assert with_rows == set(kept)
    for run in runs[:3]:  # the figures add up
        assert sum(item["rewritten"] for item in run.fields) == run.rows_rewritten
        total = AliasRewrite.objects.filter(run=run).values_list("rows_rewritten", flat=True)
        assert sum(total) == run.rows_rewritten
    # Hits as a full recount finds them.
    fr = EnumerationAlias.objects.get(alias="FR")
    rewritten = AliasRewrite.objects.filter(alias=fr).values_list("rows_rewritten", "rows_restored")
    assert fr.hits == sum(rows - restored for rows, restored in rewritten)


def test_a_first_cleanup_deletes_a_small_share(generated):
    preview = {(row.step, row.table): row.rows for row in cleanup.preview(NOW)}
    rows = RewrittenRow.objects.count()
    assert 0 < preview[("alias_changes", "aliases_rewrittenrow")] <= rows // 10
    assert preview[("alias_cleansing_runs", "aliases_cleansingrun")] == 0  # 40 nights < 360 days


def test_a_generated_run_can_be_reverted_and_the_next_cleansing_has_work(generated):
    run = CleansingRun.objects.filter(status=RunStatus.APPLIED).order_by("-ran_at")[2]
    done = reverting.revert(run, None, NOW)
    assert done.restored >= run.rows_rewritten - 2 and done.restored + done.kept == run.rows_rewritten

    result = cleansing.cleanse(NOW + timedelta(hours=1))
    assert result.rewritten > 40 and result.collected >= 1  # "??", "Unknown"… were never collected
    assert not Recipient.objects.filter(Q(country__in=list(COUNTRY_ALIASES)) | Q(country="FRANCE")).exists()
