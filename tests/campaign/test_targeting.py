"""Saved filters (campaign.targeting): one format for offers' eligibility and forecasting."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from campaign.models import Recipient, RecipientList
from campaign.targeting import check, recipients

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def people():
    rows = [
        ("ann@gmail.com", "FR", T0),
        ("bob@orange.fr", "FR", datetime(2025, 6, 1, tzinfo=UTC)),
        ("cid@gmail.com", "BE", T0),
        ("dan@yahoo.com", "", T0),
    ]
    Recipient.objects.bulk_create(Recipient(email=e, country=c, created_at=t) for e, c, t in rows)
    return {r.email.split("@")[0]: r for r in Recipient.objects.all()}


def emails(saved, recipient_list=None):
    return sorted(r.email.split("@")[0] for r in recipients(saved, recipient_list))


def test_conditions_combine_with_all_any_not(people):
    assert emails({}) == ["ann", "bob", "cid", "dan"]
    assert emails({"field": "email", "op": "endswith", "value": "@GMAIL.com"}) == ["ann", "cid"]
    both = {
        "all": [
            {"field": "country", "op": "eq", "value": "FR"},
            {"field": "email", "op": "contains", "value": "gmail"},
        ]
    }
    assert emails(both) == ["ann"]
    either = {"any": [{"field": "country", "op": "in", "value": ["BE"]}, {"field": "country", "op": "empty"}]}
    assert emails(either) == ["cid", "dan"]
    assert emails({"not": {"field": "created_at", "op": "lt", "value": "2025-12-31T00:00:00+00:00"}}) == [
        "ann",
        "cid",
        "dan",
    ]
    assert emails({"any": []}) == []


def test_a_list_selects_its_members_alone_or_with_a_filter(people):
    vip = RecipientList.objects.create(name="VIP")
    vip.recipients.add(people["ann"], people["bob"])
    assert emails({"list": vip.pk}) == ["ann", "bob"]
    assert emails({"field": "email", "op": "endswith", "value": "gmail.com"}, recipient_list=vip) == ["ann"]


@pytest.mark.parametrize(
    "saved, message",
    [
        ([], "a filter is an object"),
        ({"field": "shoe_size", "op": "eq", "value": "9"}, "unknown field 'shoe_size'"),
        ({"field": "email", "op": "like", "value": "x"}, "unknown operator 'like'"),
        ({"field": "created_at", "op": "contains", "value": "x"}, "applies to text fields"),
        ({"field": "created_at", "op": "lt", "value": "yesterday"}, "not a date and time"),
        ({"field": "email", "op": "in", "value": []}, "takes a list of 1 to"),
        ({"list": 999}, "there is no recipient list #999"),
        ({"all": [{"field": "email", "op": "eq"}]}, r"filter.all\[0\]: 'eq' needs a value"),
        ({"foo": 1}, "expected all, any, not, list or field/op/value"),
    ],
)
def test_a_bad_filter_is_refused_with_a_message_naming_the_problem(saved, message):
    with pytest.raises(ValidationError, match=message):
        check(saved)
