"""manage.py serve_ruleset: the development server of a ruleset over HTTPS, with its
throwaway certificate authority; and its one-line errors."""

import os
import ssl
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from campaign.deliverability import feed, rules


@pytest.mark.slow  # starts a process
def test_it_serves_the_ruleset_over_https_with_a_ca_to_trust(tmp_path):
    env = {**os.environ, "CAMPAIGN_VAR_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "serve_ruleset", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first = server.stdout.readline()
        second = server.stdout.readline()
        assert first.startswith("Serving ") and "https://127.0.0.1:" in first
        url = first.split(" at ")[1].split(" ")[0]
        ca_file = second.strip().split("SSL_CERT_FILE=")[1]
        download = feed.download(url, context=ssl.create_default_context(cafile=ca_file), timeout=10)
        assert rules.parse(download.body).revision == rules.load_file(rules.DEFAULT_RULESET).revision
        again = feed.download(url, etag=download.etag, context=ssl.create_default_context(cafile=ca_file))
        assert again.not_modified
        with pytest.raises(feed.FeedError, match="certificate not accepted"):
            feed.download(url, timeout=10)  # the system's authorities do not know it
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()


def test_bad_arguments_fail_with_one_line(tmp_path):
    with pytest.raises(CommandError, match="give both --certfile and --keyfile") as caught:
        call_command("serve_ruleset", "--certfile", str(tmp_path / "cert.pem"))
    assert caught.value.returncode == 2
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    with pytest.raises(CommandError, match="does not follow its format"):
        call_command("serve_ruleset", "--file", str(bad))
