"""process_bounces reads an IMAP mailbox: a real Dovecot server (Debian's dovecot-imapd)
started for the test, messages appended with imaplib, then moved to sibling folders."""

import imaplib
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from campaign.deliverability.models import InboundBounce
from campaign.devtools.ports import free_port, listening
from tests.live import wait_until

from .test_bounces import dsn

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]  # other processes

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "bounces", "s3cret"
CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = 1
mail_location = maildir:{root}/home/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@pytest.fixture
def dovecot():
    if not Path(DOVECOT).exists():
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd)")
    root = Path(f"/tmp/dovecot-{os.getpid()}-{free_port()}")  # short: Dovecot's socket paths are limited
    (root / "home").mkdir(parents=True)
    shutil.chown(root / "home", "nobody", "nogroup")
    root.chmod(0o755)
    port = free_port()
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    (root / "dovecot.conf").write_text(CONFIG.format(root=root, port=port))
    subprocess.run([DOVECOT, "-c", str(root / "dovecot.conf")], check=True)
    wait_until(lambda: listening(port), 10, "Dovecot did not start", interval=0.1)
    yield port
    master = int((root / "run" / "master.pid").read_text())
    os.kill(master, signal.SIGTERM)
    for _ in range(50):
        try:
            os.kill(master, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    shutil.rmtree(root, ignore_errors=True)


def imap(port):
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login(USER, PASSWORD)
    return client


def count(client, folder):
    status, data = client.select(folder, readonly=True)
    return int(data[0]) if status == "OK" else 0


def test_bounces_are_read_from_an_imap_mailbox(dovecot, world, monkeypatch, capsys):
    log = world.log(world.delivery(), "jane@example.com", world.delivery().created_at)
    client = imap(dovecot)
    client.append("INBOX", None, None, dsn("jane@example.com", log_id=log.id))
    client.append("INBOX", None, None, b"\x00 garbage without headers")
    client.logout()
    monkeypatch.setenv("DELIVERABILITY_IMAP_URL", f"imap://{USER}:{PASSWORD}@127.0.0.1:{dovecot}/INBOX")

    call_command("process_bounces", "--json")
    figures = json.loads(capsys.readouterr().out)["mailboxes"][0]
    assert figures["mailbox"] == f"imap://{USER}@127.0.0.1:{dovecot}/INBOX"  # no password
    assert (figures["bounce"], figures["malformed"], figures["logs_failed"]) == (1, 1, 1)
    assert InboundBounce.objects.filter(kind="bounce", log_id=log.id).exists()

    client = imap(dovecot)
    assert (count(client, "INBOX"), count(client, "Processed"), count(client, "Malformed")) == (0, 1, 1)
    client.logout()
    call_command("process_bounces", "--json")  # nothing left: processed once
    assert json.loads(capsys.readouterr().out)["mailboxes"][0]["messages"] == 0


def test_a_wrong_imap_password_fails_with_one_line(dovecot, monkeypatch, db):
    monkeypatch.setenv("DELIVERABILITY_IMAP_URL", f"imap://{USER}:wrong@127.0.0.1:{dovecot}/INBOX")
    with pytest.raises(CommandError) as caught:
        call_command("process_bounces")
    assert caught.value.returncode == 4
    assert f"IMAP 127.0.0.1:{dovecot}" in str(caught.value) and "wrong" not in str(caught.value)
