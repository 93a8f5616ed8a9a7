"""Non deliverables management screens: who may open what, the Deliverability page, the
rules (ruleset rules read-only, custom rules editable), the qualification list and its
actions, CSV exports through the platform's safe writer, the settings, and no N+1."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from campaign.deliverability.choices import QualificationStatus, RuleOrigin
from campaign.deliverability.models import InboundBounce, LogQualification, QualificationRule
from tests.query_counts import assert_no_n_plus_one

pytestmark = pytest.mark.django_db

STATUS = "/admin/deliverability/status/"
RULES = "/admin/deliverability/qualificationrule/"
QUALIFICATION = "/admin/deliverability/logqualification/"
BOUNCES = "/admin/deliverability/inboundbounce/"


@pytest.fixture
def operator(make_operator):
    return make_operator("olga", groups=["Delivery operators"])


@pytest.fixture
def reader(make_operator):
    return make_operator("rita", groups=["Report readers"])


def entries(count, **fields):
    now = timezone.now()
    LogQualification.objects.bulk_create(
        LogQualification(
            text_hash=f"{n:064d}",
            text=fields.get("text", f"599 odd reply #{n}"),
            first_text=fields.get("first_text", f"599 odd reply {n}"),
            failure_type="soft",
            failure_reason="unknown",
            first_seen_at=now,
            last_seen_at=now,
            updated_at=now,
        )
        for n in range(count)
    )


def test_who_may_open_what(client, administrator, operator, reader):
    for user, allowed in ((administrator, True), (operator, True), (reader, False)):
        client.force_login(user)
        for url in (STATUS, RULES, QUALIFICATION, BOUNCES, "/admin/deliverability/mxrule/"):
            assert client.get(url).status_code == (200 if allowed else 403), (user, url)
    client.logout()
    assert client.get(STATUS).status_code == 302


def test_the_explorer_has_the_non_deliverables_folder(client, administrator, operator, reader):
    client.force_login(administrator)
    html = client.get("/admin/").content.decode()
    assert "Non deliverables management" in html
    for url in (STATUS, "/admin/campaign/quarantine/", RULES, QUALIFICATION, BOUNCES):
        assert f'href="{url}"' in html
    client.force_login(operator)
    assert f'href="{STATUS}"' in client.get("/admin/").content.decode()
    client.force_login(reader)
    assert "Non deliverables management" not in client.get("/admin/").content.decode()


def test_the_deliverability_page_shows_the_module_rules_and_bounces(administrator_client):
    InboundBounce.objects.create(
        message_key="k", kind="bounce", recipient="a@example.com", received_at=timezone.now()
    )
    response = administrator_client.get(STATUS)
    html = response.content.decode()
    assert 'data-installed="no"' in html
    assert "Not installed: Deliverability update changes nothing" in html
    rules = {row["label"]: row for row in response.context["rules"]}
    assert rules["Bounce qualification rules"]["feed"] == QualificationRule.objects.from_feed().count()
    assert response.context["series"][-1]["counts"][0] == 1  # today's bounce
    assert 'id="bounce-chart"' in html and "vendor/chartjs/chart.umd.min.js" in html
    assert "Non deliverables management" in html  # breadcrumbs


def test_the_page_tries_the_rules_on_a_text_without_changing_anything(administrator_client):
    response = administrator_client.get(STATUS, {"text": "550 5.1.1 <x@example.com>: User unknown"})
    assert 'data-type="hard" data-reason="user_unknown"' in response.content.decode()
    response = administrator_client.get(STATUS, {"text": "599 never seen"})
    assert "No rule matches" in response.content.decode()
    assert not LogQualification.objects.exists()


def test_ruleset_rules_are_read_only_and_custom_rules_editable(administrator_client):
    feed_rule = QualificationRule.objects.from_feed().first()
    page = administrator_client.get(
        reverse("admin:deliverability_qualificationrule_change", args=[feed_rule.pk])
    )
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    response = administrator_client.post(
        reverse("admin:deliverability_qualificationrule_add"),
        {
            "pattern": "(unclosed",
            "match_kind": "regex",
            "failure_type": "hard",
            "failure_reason": "user_unknown",
            "priority": 5,
            "description": "",
        },
    )
    assert "Not a valid regular expression" in response.content.decode()
    response = administrator_client.post(
        reverse("admin:deliverability_qualificationrule_add"),
        {
            "pattern": "no such mailbox here",
            "match_kind": "substring",
            "failure_type": "hard",
            "failure_reason": "user_unknown",
            "priority": 5,
            "description": "ours",
        },
    )
    assert response.status_code == 302
    custom = QualificationRule.objects.get(pattern="no such mailbox here")
    assert (custom.origin, custom.key) == (RuleOrigin.CUSTOM, "")


def test_an_operator_cannot_qualify_texts(client, operator):
    entries(1)
    client.force_login(operator)
    entry = LogQualification.objects.get()
    response = client.post(QUALIFICATION, {"action": "mark_keep", "_selected_action": [entry.pk]})
    entry.refresh_from_db()
    assert entry.status == QualificationStatus.TO_QUALIFY
    assert response.status_code in (200, 302, 403)


def test_an_administrator_keeps_or_ignores_texts(administrator_client):
    entries(3)
    keep, ignore, other = LogQualification.objects.order_by("id")
    administrator_client.post(QUALIFICATION, {"action": "mark_keep", "_selected_action": [keep.pk]})
    administrator_client.post(QUALIFICATION, {"action": "mark_ignore", "_selected_action": [ignore.pk]})
    statuses = dict(LogQualification.objects.values_list("pk", "status"))
    assert (
        statuses[keep.pk] == "keep" and statuses[ignore.pk] == "ignore" and statuses[other.pk] == "to_qualify"
    )


def test_csv_exports_neutralise_formulas(administrator_client):
    entries(1, first_text='=HYPERLINK("http://evil.example","x")')
    entry = LogQualification.objects.get()
    response = administrator_client.post(
        QUALIFICATION, {"action": "export_qualifications", "_selected_action": [entry.pk]}
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "text" and rows[1][1].startswith("'=HYPERLINK")
    bounce = InboundBounce.objects.create(
        message_key="k",
        kind="bounce",
        recipient="a@example.com",
        subject="@SUM(A1)",
        received_at=timezone.now(),
    )
    response = administrator_client.post(
        BOUNCES, {"action": "export_bounces", "_selected_action": [bounce.pk]}
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1][2] == "a@example.com" and rows[1][9] == "'@SUM(A1)"


def test_the_settings_screen_has_the_deliverability_settings(administrator_client):
    html = administrator_client.get(reverse("campaign:settings")).content.decode()
    for label in (
        "Deliverability module installed",
        "Ruleset URL (HTTPS)",
        "Maximum number of errors before quarantine",
    ):
        assert label in html


def add_entries(count):
    start = LogQualification.objects.count()
    now = timezone.now()
    LogQualification.objects.bulk_create(
        LogQualification(
            text_hash=f"{start + n:064d}",
            text=f"599 odd reply #{start + n}",
            first_text="599 odd reply",
            failure_type="soft",
            failure_reason="unknown",
            first_seen_at=now,
            last_seen_at=now,
            updated_at=now,
        )
        for n in range(count)
    )


def add_bounces(count):
    start = InboundBounce.objects.count()
    InboundBounce.objects.bulk_create(
        InboundBounce(
            message_key=f"k{start + n}", kind="bounce", recipient="r@example.com", received_at=timezone.now()
        )
        for n in range(count)
    )


def add_rules(count):
    now = timezone.now()
    QualificationRule.objects.bulk_create(
        QualificationRule(
            pattern=f"text {n}", failure_type="soft", failure_reason="refused", created_at=now, updated_at=now
        )
        for n in range(count)
    )


@pytest.mark.parametrize(
    "url, add_rows", [(QUALIFICATION, add_entries), (BOUNCES, add_bounces), (RULES, add_rules)]
)
def test_lists_cost_the_same_queries_for_1_or_300_rows(administrator_client, url, add_rows):
    assert_no_n_plus_one(administrator_client, url, add_rows)


def test_permissions_are_the_app_s_own(db):
    codenames = set(
        Permission.objects.filter(content_type__app_label="deliverability").values_list("codename", flat=True)
    )
    assert {"view_qualificationrule", "change_logqualification", "view_rulesetstate"} <= codenames
