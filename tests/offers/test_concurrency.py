"""offerMgt and approvals on two database connections at once: an approval committed
while the hourly run works is deployed by that run, once; an edit of an offer being
deployed waits for the deployment to commit (PostgreSQL's row lock)."""

import threading

import pytest
from django.db import OperationalError, connection, connections, transaction

from offers import approvals, deployment, triggers
from offers.choices import Approval, OfferStatus
from offers.models import Offer
from workflows.api import RunStatus, Trigger, WorkflowRun, run_by_name

from .conftest import NOW

pytestmark = pytest.mark.django_db(transaction=True)


class Worker(threading.Thread):
    """Runs `target` on its own database connection, keeping its result or error."""

    def __init__(self, target):
        super().__init__(daemon=True)
        self.target = target
        self.result = self.error = None

    def run(self):
        try:
            self.result = self.target()
        except Exception as exc:  # reported by the test
            self.error = exc
        finally:
            connections.close_all()


def test_an_approval_committed_during_the_hourly_run_is_deployed_by_it_once(catalog, monkeypatch):
    ask_the_engine = triggers.deploy_soon
    monkeypatch.setattr(triggers, "deploy_soon", lambda user=None: None)  # the setup's own approvals
    root = catalog.category("Root")
    catalog.approve(catalog.offer("early", root))
    late = catalog.approve(catalog.offer("late", root), kinds=("content",))
    monkeypatch.setattr(triggers, "deploy_soon", ask_the_engine)
    monkeypatch.setattr(triggers, "follow_up", lambda: None)
    first_pass_done, approval_done = threading.Event(), threading.Event()
    real_deploy = deployment.deploy

    def deploy_waiting_after_the_first_pass(now):
        counts = real_deploy(now)
        if not first_pass_done.is_set():
            first_pass_done.set()
            assert approval_done.wait(30), "the approval never came"
        return counts

    monkeypatch.setattr(deployment, "deploy", deploy_waiting_after_the_first_pass)
    hourly = Worker(lambda: run_by_name("offerMgt", trigger=Trigger.SCHEDULE))
    hourly.start()
    assert first_pass_done.wait(30), (hourly.error, hourly.result and hourly.result.error)
    # The operator's request, on this thread's own connection, while the run holds offerMgt.
    with transaction.atomic():
        approvals.decide(late.pk, "eligibility", Approval.APPROVED, catalog.approver, NOW, version=1)
    approval_done.set()
    hourly.join(60)
    assert not hourly.is_alive() and hourly.error is None, hourly.error

    run = hourly.result
    assert run.status == RunStatus.SUCCEEDED and run.metrics["passes"] == 2
    assert run.metrics["offers_published"] == 2
    skipped = WorkflowRun.objects.get(workflow__name="offerMgt", status=RunStatus.SKIPPED)
    assert skipped.trigger == Trigger.EVENT
    assert Offer.objects.live().filter(code="late").count() == 1
    assert triggers.pending_requests() == 0 and triggers.deploy_if_requested() == "nothing"


@pytest.mark.postgres
def test_an_edit_of_an_offer_being_deployed_waits_for_the_deployment(catalog, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises whole transactions")
    monkeypatch.setattr(triggers, "deploy_soon", lambda user=None: None)  # no engine run here
    offer = catalog.approve(catalog.offer("locked", catalog.category("Root")))
    marked, release = threading.Event(), threading.Event()
    real_rows = deployment._rows

    def rows_pausing_after_the_marking(cursor, sql, params):
        rowcount = real_rows(cursor, sql, params)
        if sql is deployment.OFFERS_APPROVED:
            marked.set()
            assert release.wait(30)
        return rowcount

    monkeypatch.setattr(deployment, "_rows", rows_pausing_after_the_marking)
    deploying = Worker(lambda: deployment.deploy(NOW))
    deploying.start()
    assert marked.wait(30)
    with pytest.raises(OperationalError, match="lock timeout"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '500ms'")
        Offer.objects.filter(pk=offer.pk).update(label="edited meanwhile")
    release.set()
    deploying.join(60)
    assert deploying.error is None, deploying.error
    offer.refresh_from_db()
    assert offer.status == OfferStatus.LIVE and offer.label == offer.code.title()
    assert catalog.live_copy(offer).version == 1
