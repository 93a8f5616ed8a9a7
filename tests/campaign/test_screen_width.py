"""No screen scrolls sideways at 1,280 px, in English or in French: every page the
explorer links to (all of them, for an administrator) and the pages one click below."""

from pathlib import Path

import pytest
from django.urls import reverse

from campaign.navigation import explorer_tree
from tests.builders import NOW, days_ago
from workflows.models import Workflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 1280


def explorer_urls(user):
    urls = []

    def walk(nodes):
        for node in nodes:
            if node.url:
                urls.append(node.url)
            walk(node.children)

    walk(explorer_tree(user, "/"))
    return urls


SCRIPT = (Path(__file__).parent / "screen_width.js").read_text()


def widest(page):
    return page.evaluate(SCRIPT, {"limit": WIDTH, "what": "offenders"})


def overflow(page, url):
    page.goto(url)
    return page.evaluate(SCRIPT, {"limit": WIDTH, "what": "width"})


@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_screen_is_wider_than_1280_px(page, live_server, log_in, make_operator, world, language):
    from django.core.management import call_command

    call_command("generate_data", "--preset", "tiny", "--seed", "4", "--now", NOW.isoformat(), verbosity=0)
    admin = make_operator("wide", groups=["Administrators"], password="secret-pw-1", is_superuser=True)
    world.logs(world.delivery(), [1], days_ago(1))
    page.set_viewport_size({"width": WIDTH, "height": 900})
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    log_in(page, "wide", "secret-pw-1")
    workflow = Workflow.objects.get(name="cleanup")
    pages = [
        reverse("admin:index"),
        reverse("admin:models"),
        *explorer_urls(admin),
        reverse("admin:workflows_workflow_change", args=[workflow.pk]),
        reverse("admin:workflows_workflow_schedule", args=[workflow.pk]),
    ]
    too_wide = {}
    for url in pages:
        width = overflow(page, live_server.url + url)
        if width > WIDTH:
            too_wide[url] = (width, widest(page))
    assert not too_wide, f"wider than {WIDTH} px in {language}: {too_wide}"
