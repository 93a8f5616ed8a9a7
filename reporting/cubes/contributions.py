"""What the cubes app brings to the platform through the plug-in points: its two cubes,
the purge of archived events (and of its own bookkeeping), their retention, the intake
settings, its tables for `generate_data` and the demo, the permissions of report
readers and offer managers, the Reports folder of the explorer, its pages and its
public intake endpoint."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from workflows.plugins import (
    Contributions,
    DataClass,
    ExplorerEntry,
    ExplorerFolder,
    GeneratedTable,
    PurgeStep,
    Role,
    RolePermissions,
    Setting,
    SettingKind,
    Urls,
)

from . import generation
from .definitions import CUBES

# Rate-limit counters are only read for the current minute.
INTAKE_WINDOW_DAYS = 2
# A year of daily build records, to compare durations (the latest one is what counts).
BUILD_HISTORY_DAYS = 400

contributions = Contributions(
    cubes=CUBES,
    purge_steps=[
        PurgeStep.by_age(
            "archived_events",
            750,
            _("Archived Message Center events"),
            model="cubes.ArchivedEvent",
            time_field="created_at",
            retention="archived_events",
        ),
        PurgeStep.by_age(
            "intake_windows",
            760,
            _("Event intake rate counters"),
            model="cubes.IntakeWindow",
            time_field="minute",
            cutoff=lambda context: context.now - timedelta(days=INTAKE_WINDOW_DAYS),
        ),
        PurgeStep.by_age(
            "aggregate_builds",
            770,
            _("Cube aggregate build records"),
            model="cubes.AggregateBuild",
            time_field="built_at",
            cutoff=lambda context: context.now - timedelta(days=BUILD_HISTORY_DAYS),
        ),
    ],
    data_classes=[
        DataClass(
            "archived_events",
            850,
            _("Archived Message Center events"),
            360,
            _(
                "Archived Message Center events are deleted %(days)s after they arrived; the Message "
                "Center cube and its reports read them."
            ),
            option="NmsCleanup_EventHistoPurgeDelay",
        ),
    ],
    settings=[
        Setting(
            "intake_batch_max",
            100,
            _("Events per intake request (at most)"),
            500,
            kind=SettingKind.INTEGER,
            help_text=_("A larger batch is refused whole, with HTTP 413."),
            minimum=1,
            maximum=5000,
        ),
        Setting(
            "intake_events_per_minute",
            200,
            _("Events per API key and minute (at most)"),
            6000,
            kind=SettingKind.INTEGER,
            help_text=_("A request that would exceed it is refused whole, with HTTP 429."),
            minimum=1,
            maximum=1_000_000,
        ),
    ],
    role_permissions=[
        RolePermissions(
            Role.REPORT_READERS,
            ("cubes.view_proposition_cube", "cubes.view_message_center_cube", "cubes.view_aggregatebuild"),
        ),
        RolePermissions(Role.OFFER_MANAGERS, ("cubes.view_proposition_cube",)),
    ],
    explorer_folders=[ExplorerFolder("reports", 400, _("Reports"))],
    explorer_entries=[
        ExplorerEntry(
            "offer_analysis",
            "reports",
            100,
            _("Offer analysis"),
            "cubes:propositions",
            "cubes.view_proposition_cube",
        ),
        ExplorerEntry(
            "message_center_history",
            "reports",
            200,
            _("Message Center events"),
            "cubes:message_center",
            "cubes.view_message_center_cube",
        ),
        ExplorerEntry(
            "archived_events",
            "campaigns",
            310,
            _("Archived Message Center events"),
            "admin:cubes_archivedevent_changelist",
            "cubes.view_archivedevent",
        ),
        ExplorerEntry(
            "intake_keys",
            "administration.platform",
            500,
            _("Event intake API keys"),
            "cubes:intake_keys",
            "cubes.view_intakekey",
        ),
    ],
    generated_tables=[
        GeneratedTable(
            key="archived_events",
            order=1500,
            label="archived Message Center events (besides the queue's own)",
            models=("cubes.ArchivedEvent",),
            # With the queue's 1,000,000 events, "bench" archives 5,000,000.
            counts={"tiny": 600, "demo": 20_000, "bench": 4_000_000},
            generate=generation.archived_events,
            requires=("event_types",),
        ),
        GeneratedTable(
            key="cube_aggregates",
            order=1600,
            label="cube aggregates (1: build them as their workflows do)",
            models=("cubes.PropositionAggregate", "cubes.MessageCenterAggregate", "cubes.AggregateBuild"),
            # The benchmarks build them themselves.
            counts={"tiny": 1, "demo": 1, "bench": 0},
            generate=generation.cube_aggregates,
            requires=("archived_events",),
        ),
    ],
    urls=Urls(prefix="cubes", module="reporting.cubes.urls"),
)
