"""Fixtures of the deliverability tests: the settings, a real HTTPS server for the
ruleset (trustme certificates), Maildir folders, and delivery logs to match bounces to."""

import json
import mailbox
import ssl
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trustme
from django.db.models import Max

from campaign import changes, configuration
from campaign.choices import LogStatus, ProfileTable
from campaign.deliverability import rules
from campaign.deliverability.feed_server import PATH, RulesetServer
from campaign.models import Channel, Delivery, DeliveryLog

DATA = Path(__file__).resolve().parent / "data"
CORPUS = DATA / "bounces"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def default_document():
    return json.loads(rules.DEFAULT_RULESET.read_text())


def settings(**values):
    """Save deliverability settings ({"installed": True, ...}) as an administrator would."""
    configuration.save({f"deliverability.{key}": value for key, value in values.items()}, user=None)


@pytest.fixture
def install(db):
    def install(**values):
        settings(installed=True, **values)

    return install


@pytest.fixture(scope="session")
def authority():
    return trustme.CA()


@pytest.fixture(scope="session")
def client_tls(authority):
    """What the platform trusts in these tests: the test CA only."""
    context = ssl.create_default_context()
    authority.configure_trust(context)
    return context


class Served:
    """What the test HTTPS server answers; tests change it between requests."""

    def __init__(self):
        self.body = json.dumps(default_document()).encode()
        self.modified = datetime(2026, 3, 1, tzinfo=UTC)

    def set_document(self, document, modified=None):
        self.body = json.dumps(document).encode()
        self.modified = modified or self.modified

    def __call__(self):
        return self.body, self.modified


@pytest.fixture
def served():
    return Served()


@pytest.fixture
def ruleset_server(authority, served):
    """A real HTTPS server (certificate for 127.0.0.1 and localhost from the test CA)."""
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(tls)
    server = RulesetServer(("127.0.0.1", 0), tls, served)
    server.start_in_thread()
    server.url = f"https://127.0.0.1:{server.port}{PATH}"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def maildir(tmp_path):
    """An empty Maildir folder and a helper that drops messages into new/."""
    folder = tmp_path / "bounces"
    box = mailbox.Maildir(folder, create=True)

    class Folder:
        path = folder

        def add(self, raw: bytes):
            return box.add(raw)

        def add_file(self, name):
            return box.add((CORPUS / "messages" / name).read_bytes())

        def count(self, sub=None):
            target = mailbox.Maildir(folder / f".{sub}", create=False) if sub else box
            return len(target) if (folder / f".{sub}" if sub else folder).exists() else 0

    return Folder()


class World:
    """Deliveries and logs the way the platform writes them."""

    def email(self):
        return Channel.objects.get(code="email")

    def delivery(self, label="Newsletter", channel="email", at=T0):
        return Delivery.objects.create(
            label=label,
            channel=Channel.objects.get(code=channel),
            profile_table=ProfileTable.RECIPIENT,
            started_at=at,
            created_at=at,
        )

    def log(self, delivery, address, at, status=LogStatus.SENT, profile_id=1):
        return DeliveryLog.objects.create(
            delivery=delivery,
            profile_table=ProfileTable.RECIPIENT,
            profile_id=profile_id,
            address=address,
            status=status,
            event_at=at,
        )


@pytest.fixture
def world(db):
    return World()


def settle_logs(seconds=120):
    """Wait until every delivery log written so far is below the change horizon. On
    PostgreSQL the horizon is the oldest transaction running on the server: on a shared
    server another session's open transaction holds it back for a while."""
    highest = DeliveryLog.objects.aggregate(highest=Max("change_order"))["highest"]
    deadline = time.monotonic() + seconds
    while highest is not None and changes.horizon("delivery_logs") <= highest:
        assert time.monotonic() < deadline, "another session kept a transaction open"
        time.sleep(0.5)
