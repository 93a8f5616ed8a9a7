"""Reverting one alias cleansing run: only rows that still hold the value the run wrote
are restored, once; hits follow; a run whose row audit is purged cannot be reverted."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from campaign.aliases import cleansing, reverting
from campaign.aliases.choices import RunStatus
from campaign.aliases.models import AliasRewrite, RewrittenRow
from campaign.models import EnumerationAlias, Recipient

from .conftest import NOW, column, recipients

pytestmark = pytest.mark.django_db


@pytest.fixture
def cleansed(catalog):
    catalog.alias(catalog.country, "FR", "France")
    catalog.alias(catalog.country, "Deutschland", "Germany")
    catalog.alias(catalog.company, "pme", "SME")
    ids = recipients("country", ["fr", "FR ", "Deutschland", "germany", "Spain"])
    recipients("company_type", ["pme", "pme"])
    return ids, cleansing.cleanse(NOW).run


def test_revert_restores_the_rows_that_still_hold_what_the_run_wrote(cleansed):
    ids, run = cleansed
    assert column("country")[:5] == ["France", "France", "Germany", "Germany", "Spain"]
    Recipient.objects.filter(pk=ids[0]).update(country="Belgium")  # changed since the run
    user = get_user_model().objects.create_user("rev")

    done = reverting.revert(run, user, NOW + timedelta(hours=2))

    assert column("country")[:5] == ["Belgium", "FR ", "Deutschland", "germany", "Spain"]
    assert column("company_type")[-2:] == ["pme", "pme"]
    assert (done.restored, done.kept) == (5, 1)
    run.refresh_from_db()
    assert (run.status, run.reverted_by, run.rows_restored, run.rows_kept) == (RunStatus.REVERTED, user, 5, 1)
    fr = AliasRewrite.objects.get(run=run, alias__alias="FR")
    assert (fr.rows_rewritten, fr.rows_restored) == (2, 1)
    # The restored rows no longer count as hits.
    assert EnumerationAlias.objects.get(alias="FR").hits == 1
    assert EnumerationAlias.objects.get(alias="pme").hits == 0


def test_a_run_is_reverted_once(cleansed):
    _ids, run = cleansed
    reverting.revert(run, None, NOW)
    with pytest.raises(reverting.RevertRefused, match="already reverted"):
        reverting.revert(run, None, NOW)
    assert column("country")[0] == "fr"


def test_the_next_run_rewrites_restored_spellings_whose_alias_keeps_its_target(cleansed):
    _ids, run = cleansed
    reverting.revert(run, None, NOW)
    again = cleansing.cleanse(NOW + timedelta(days=1))
    assert again.run.rows_rewritten == 6 and column("country")[0] == "France"


def test_a_run_that_rewrote_nothing_or_whose_audit_is_purged_is_refused(cleansed):
    _ids, run = cleansed
    empty = cleansing.cleanse(NOW + timedelta(days=1)).run
    with pytest.raises(reverting.RevertRefused, match="rewrote no row"):
        reverting.revert(empty, None, NOW)
    RewrittenRow.objects.filter(run=run).delete()
    with pytest.raises(reverting.RevertRefused, match="no longer recorded"):
        reverting.revert(run, None, NOW)
    run.refresh_from_db()
    assert run.status == RunStatus.APPLIED and column("country")[0] == "France"


def test_full_hits_after_a_revert_no_longer_count_the_restored_rows(cleansed):
    _ids, run = cleansed
    reverting.revert(run, None, NOW)
    EnumerationAlias.objects.filter(alias="FR").update(value=None)  # the alias was wrong
    cleansing.cleanse(NOW + timedelta(days=1), full_hits=True)
    fr = EnumerationAlias.objects.get(alias="FR")
    assert (fr.value_id, fr.hits, fr.rows_pending) == (None, 2, 2)  # the 2 rows holding it now
