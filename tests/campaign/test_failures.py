"""Failures that read well: a command whose database, broker or settings are not there
says so in one line (and one JSON object with --json) with a documented exit code; the
web application with its database down answers a short 503 page in the operator's
language, and /healthz keeps its JSON. Real processes, pointed at a closed port."""

import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from django.conf import settings

from campaign.commands import EXIT_UNAVAILABLE, EXIT_USAGE
from campaign.devtools.ports import answers, free_port
from tests.live import wait_until

pytestmark = pytest.mark.slow

NOWHERE_DB = "postgres://nobody:secret-password@127.0.0.1:9/nowhere"


def manage(*args, **env):
    import os

    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "campaign.settings", **env}
    return subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_database_that_is_not_there_is_one_line_and_exit_code_4():
    result = manage("run_workflow", "cleanupPausedWorkflows", DATABASE_URL=NOWHERE_DB)
    assert result.returncode == EXIT_UNAVAILABLE
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("run_workflow: error: database unavailable (postgresql 127.0.0.1:9/nowhere)")
    assert "secret-password" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_with_json_it_is_exactly_one_json_object():
    result = manage("run_workflow", "cleanupPausedWorkflows", "--json", DATABASE_URL=NOWHERE_DB)
    assert result.returncode == EXIT_UNAVAILABLE
    payload = json.loads(result.stdout)  # the whole of stdout is one object
    assert payload["status"] == "error" and payload["exit_code"] == EXIT_UNAVAILABLE
    assert payload["reason"].startswith("database unavailable (postgresql 127.0.0.1:9/nowhere)")


def test_a_broker_that_is_not_there_is_one_line_and_exit_code_4(tmp_path):
    db = tmp_path / "db.sqlite3"
    assert manage("migrate", "-v0", DATABASE_URL=f"sqlite:///{db}").returncode == 0
    result = manage(
        "generate_data", "--help", DATABASE_URL=f"sqlite:///{db}"
    )  # a command that needs no broker still works
    assert result.returncode == 0
    from workflows.models import Workflow  # noqa: F401  (the models load in this process too)

    script = (
        "import django; django.setup();"
        "from workflows.api import Workflow, enqueue;"
        "print(enqueue(Workflow.objects.get(name='cleanupPausedWorkflows')).status)"
    )
    import os

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "campaign.settings",
        "DATABASE_URL": f"sqlite:///{db}",
        "CELERY_BROKER_URL": "redis://:hunter2@127.0.0.1:9/0",
    }
    queued = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert queued.stdout.strip() == "failed"  # the run does not stay queued forever
    assert "hunter2" not in queued.stdout + queued.stderr


def test_a_bad_setting_is_one_line_and_exit_code_4():
    result = manage("sync_workflows", "--json", WORKFLOW_HEARTBEAT_SECONDS="often")
    assert result.returncode == EXIT_UNAVAILABLE
    assert result.stderr.strip() == (
        "sync_workflows: error: bad setting: WORKFLOW_HEARTBEAT_SECONDS must be a whole number, not 'often'"
    )
    assert json.loads(result.stdout)["reason"].startswith("bad setting: WORKFLOW_HEARTBEAT_SECONDS")


def test_bad_arguments_are_one_line_and_exit_code_2():
    result = manage("run_workflow", "noSuchWorkflow", "--json")
    assert result.returncode == EXIT_USAGE
    assert result.stderr.strip().startswith("run_workflow: error: Unknown workflow 'noSuchWorkflow'")
    assert json.loads(result.stdout)["status"] == "error"


# Every command of ours but makecatalogs (Django's makemessages, a developer tool).
OUR_COMMANDS = {
    "run_workflow": ["cleanupPausedWorkflows"],
    "sync_workflows": [],
    "generate_data": ["--preset", "tiny"],
    "setup_demo": ["--no-data"],
    "benchmark": ["activeProfiles", "--scale", "tiny"],
    "backfill_active_profiles": ["--days", "2"],
    "process_bounces": ["--no-imap"],
    "load_ruleset": [],
}


# Commands that need no database: their own tests cover their failures.
NO_DATABASE = {"makecatalogs", "runall", "serve_ruleset"}


def test_the_list_covers_every_command_of_ours():
    from django.core.management import get_commands

    ours = {
        name
        for name, app in get_commands().items()
        if app.split(".")[0] in {"campaign", "workflows", "offers", "reporting"}
    }
    assert ours - NO_DATABASE == set(OUR_COMMANDS)


@pytest.mark.parametrize("command", sorted(OUR_COMMANDS))
def test_every_command_says_why_in_one_line_and_one_json_object(command):
    down = manage(command, *OUR_COMMANDS[command], "--json", DATABASE_URL=NOWHERE_DB)
    assert down.returncode == EXIT_UNAVAILABLE, down.stderr
    reason = json.loads(down.stdout)["reason"]  # the whole of stdout is one object
    assert reason.startswith("database unavailable (postgresql 127.0.0.1:9/nowhere): ")
    assert down.stderr.strip().splitlines() == [f"{command}: error: {reason}"]
    assert "secret-password" not in down.stderr + down.stdout

    wrong = manage(command, *OUR_COMMANDS[command], "--no-such-option", "--json")
    assert wrong.returncode == EXIT_USAGE
    assert wrong.stderr.strip().splitlines() == [
        f"{command}: error: unrecognized arguments: --no-such-option"
    ]
    assert json.loads(wrong.stdout)["exit_code"] == EXIT_USAGE


def test_runall_bad_arguments_are_one_line_too():
    result = manage("runall", "--concurrency", "many", "--json")
    assert result.returncode == EXIT_USAGE
    assert result.stderr.strip() == ("runall: error: argument --concurrency: invalid int value: 'many'")


@pytest.fixture
def web_without_database():
    import os

    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "campaign.settings", "DATABASE_URL": NOWHERE_DB}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "campaign.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", "1"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: answers(base + "/favicon.ico"), 30, "gunicorn did not start")
    yield base
    server.terminate()
    server.wait(10)


def fetch(url, language="en"):
    # A logged-in operator: the session cookie makes the page read the database.
    headers = {"Accept-Language": language, "Cookie": "sessionid=an-operators-session"}
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def test_the_web_application_answers_503_in_the_operators_language(web_without_database):
    status, headers, body = fetch(web_without_database + "/admin/", "fr")
    assert status == 503
    assert headers["Retry-After"] == "30"
    assert "La base de données est indisponible" in body
    assert "Traceback" not in body
    status, _, body = fetch(web_without_database + "/admin/workflows/workflow/", "en")
    assert status == 503 and "The database is unavailable" in body
    status, headers, body = fetch(web_without_database + "/healthz")
    assert status == 503 and headers["Content-Type"] == "application/json"
    assert json.loads(body)["database"]["ok"] is False
