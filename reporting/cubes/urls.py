"""The cubes app's URLs: admin pages under admin/cubes/ (namespace "cubes"), each
wrapped with its permission; the public intake under p/cubes/ (namespace
"cubes_public", no login: an API key)."""

from django.urls import path

from campaign.admin_pages import page

from . import endpoint, views
from .definitions import CUBES


def _cube_pages(cube):
    slug = cube.key.replace("_", "-")

    def report(request):
        return views.report(request, cube.key)

    def report_csv(request):
        return views.report_csv(request, cube.key)

    return [
        path(f"{slug}/", page(cube.permission)(report), name=cube.key),
        path(f"{slug}/export.csv", page(cube.permission)(report_csv), name=f"{cube.key}_csv"),
    ]


urlpatterns = [
    *(pattern for cube in CUBES for pattern in _cube_pages(cube)),
    path("intake-keys/", page("cubes.view_intakekey")(views.intake_keys), name="intake_keys"),
    path("intake-keys/issue/", page("cubes.add_intakekey")(views.issue_key), name="issue_key"),
    path("intake-keys/<int:pk>/revoke/", page("cubes.change_intakekey")(views.revoke_key), name="revoke_key"),
]

public_urlpatterns = [
    path("events/", endpoint.push_events, name="push_events"),
]
