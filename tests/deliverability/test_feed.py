"""deliverabilityUpdate downloads its ruleset from a real local HTTPS server (a
trustme certificate authority): success, 304 Not Modified, and each failure mode, where
the run fails with one line and every rule stays as it was."""

import socket
import ssl
import threading

import pytest
import trustme
from django.utils import timezone

from campaign.deliverability.choices import RuleOrigin
from campaign.deliverability.feed_server import RulesetServer
from campaign.deliverability.models import DomainRule, MxRule, QualificationRule, RulesetState
from campaign.deliverability.qualification import Qualifier
from workflows.api import RunStatus, WorkflowLog, run_by_name

from .conftest import default_document

pytestmark = pytest.mark.django_db(transaction=True)

WORKFLOW = "deliverabilityUpdate"


@pytest.fixture(autouse=True)
def trust_the_test_authority(authority, tmp_path, monkeypatch):
    """The platform's default SSL context trusts the test CA (and nothing else)."""
    path = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(path))
    monkeypatch.setenv("SSL_CERT_FILE", str(path))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


def snapshot():
    return {
        model.__name__: sorted(
            model.objects.values_list("key", "origin", "retired_at", "updated_at", "created_at")
        )
        for model in (QualificationRule, DomainRule, MxRule)
    }


def journal(run):
    return [line.message for line in WorkflowLog.objects.filter(run=run).order_by("id")]


def next_revision(served, revision="2026.12.0"):
    document = default_document()
    document["revision"] = revision
    document["bounce_rules"][0]["priority"] += 1
    document["bounce_rules"].append(
        {
            "key": "feed.new",
            "pattern": "brand new reply",
            "match": "substring",
            "type": "soft",
            "reason": "refused",
            "priority": 7,
        }
    )
    served.set_document(document)
    return document


def test_a_new_ruleset_is_applied_and_custom_rules_are_kept(install, ruleset_server, served):
    now = timezone.now()
    custom = QualificationRule.objects.create(
        pattern="brand new reply",
        failure_type="ignored",
        failure_reason="error_ignored",
        priority=1,
        origin=RuleOrigin.CUSTOM,
        created_at=now,
        updated_at=now,
    )
    install(feed_url=ruleset_server.url)
    next_revision(served)
    run = run_by_name(WORKFLOW)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.metrics["rules_added"] == 1 and run.metrics["rules_updated"] == 1
    assert run.metrics["custom_rules_kept"] == 1
    lines = journal(run)
    assert any(
        line.startswith("Ruleset 2026.12.0 applied: bounce rules: 1 added, 1 updated, 0 retired")
        for line in lines
    )
    state = RulesetState.load()
    assert (state.revision, state.source) == ("2026.12.0", ruleset_server.url)
    assert state.etag.startswith('"') and state.last_modified.endswith("GMT")
    assert QualificationRule.objects.filter(key="feed.new", origin=RuleOrigin.FEED).exists()
    assert QualificationRule.objects.get(pk=custom.pk).retired_at is None
    # The custom rule, same pattern, wins over the new ruleset rule.
    assert Qualifier.from_database().qualify("a brand new reply").failure_type == "ignored"


def test_an_unchanged_ruleset_costs_a_304(install, ruleset_server, served):
    install(feed_url=ruleset_server.url)
    next_revision(served)
    assert run_by_name(WORKFLOW).status == RunStatus.SUCCEEDED
    before = snapshot()
    run = run_by_name(WORKFLOW)
    assert run.status == RunStatus.SUCCEEDED
    assert run.metrics["ruleset_not_modified"] == 1
    assert any("Ruleset 2026.12.0 not modified" in line for line in journal(run))
    assert snapshot() == before
    last = ruleset_server.requests[-1]
    assert last["if-none-match"] == RulesetState.load().etag
    assert last["if-modified-since"].endswith("GMT")


def failed_and_unchanged(expected):
    before = snapshot()
    revision = RulesetState.load().revision
    run = run_by_name(WORKFLOW)
    assert run.status == RunStatus.FAILED
    assert expected in run.error, run.error
    assert "\n" not in run.error
    assert snapshot() == before
    assert RulesetState.load().revision == revision
    return run


def test_a_url_that_is_not_https_is_refused(install, ruleset_server):
    install(feed_url=ruleset_server.url.replace("https://", "http://"))
    failed_and_unchanged("the ruleset URL must use HTTPS")


def test_no_url_fails_with_a_clear_line(install):
    install()
    failed_and_unchanged("no ruleset URL is set")


def test_an_unreachable_host_fails(install):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    install(feed_url=f"https://127.0.0.1:{port}/ruleset.json")
    failed_and_unchanged("127.0.0.1 refused the connection")


def test_a_certificate_from_an_unknown_authority_fails(install, served):
    stranger = trustme.CA()  # not trusted by the platform
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    stranger.issue_cert("127.0.0.1").configure_cert(tls)
    server = RulesetServer(("127.0.0.1", 0), tls, served)
    server.start_in_thread()
    try:
        install(feed_url=f"https://127.0.0.1:{server.port}/ruleset.json")
        failed_and_unchanged("TLS failure with 127.0.0.1: certificate not accepted")
    finally:
        server.shutdown()
        server.server_close()


def test_a_certificate_for_another_host_fails(install, authority, served):
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("rules.example.com").configure_cert(tls)
    server = RulesetServer(("127.0.0.1", 0), tls, served)
    server.start_in_thread()
    try:
        install(feed_url=f"https://127.0.0.1:{server.port}/ruleset.json")
        failed_and_unchanged("certificate not accepted")
    finally:
        server.shutdown()
        server.server_close()


def test_an_http_error_fails(install, ruleset_server):
    install(feed_url=ruleset_server.url.replace("ruleset.json", "missing.json"))
    failed_and_unchanged("HTTP 404")


def test_invalid_json_fails(install, ruleset_server, served):
    served.body = b'{"format": "campaign-deliverability-ruleset", '
    install(feed_url=ruleset_server.url)
    failed_and_unchanged("Ruleset refused, rules unchanged: the ruleset is not valid JSON")


def test_a_ruleset_that_breaks_the_format_fails(install, ruleset_server, served):
    document = default_document()
    document["mx_rules"][0]["max_connections"] = 0
    served.set_document(document)
    install(feed_url=ruleset_server.url)
    failed_and_unchanged("mx_rules[0].max_connections: 0 is less than the minimum of 1")


def test_a_ruleset_above_the_size_limit_fails(install, ruleset_server, served):
    served.body = b" " * (17 * 1024) + served.body  # 17 KiB of leading white space
    install(feed_url=ruleset_server.url, feed_max_kilobytes=16)
    failed_and_unchanged("above the limit of 16,384")


def test_a_server_that_does_not_answer_times_out(install):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the TCP connection, never speaks TLS
    held = []
    thread = threading.Thread(target=lambda: held.append(listener.accept()), daemon=True)
    thread.start()
    try:
        install(
            feed_url=f"https://127.0.0.1:{listener.getsockname()[1]}/ruleset.json", feed_timeout_seconds=1
        )
        failed_and_unchanged("127.0.0.1 did not answer within 1 s")
    finally:
        for connection, _address in held:
            connection.close()
        listener.close()
