"""What alias cleansing brings to the platform through the plug-in points: the purge of
its audit (with two retention data classes), the permissions of workflow supervisors,
its screen in the explorer (Administration › Platform › Alias cleansing), its URLs and
its data for `generate_data` and the demo (datagen.py)."""

from django.utils.translation import gettext_lazy as _

from workflows.plugins import (
    Contributions,
    DataClass,
    ExplorerEntry,
    PurgeStep,
    Role,
    RolePermissions,
    Urls,
)

from . import purge
from .datagen import GENERATED_TABLES

contributions = Contributions(
    purge_steps=[
        PurgeStep(
            "alias_changes",
            850,
            _("Alias cleansing: rewritten rows"),
            operations=purge.alias_changes,
            retention="alias_changes",
            idle_reason=_("kept forever (no retention set)"),
        ),
        PurgeStep(
            "alias_cleansing_runs",
            860,
            _("Alias cleansing: runs and their figures"),
            operations=purge.cleansing_runs,
            retention="alias_cleansing_runs",
            idle_reason=_("kept forever (no retention set)"),
        ),
    ],
    data_classes=[
        DataClass(
            "alias_changes",
            900,
            _("Alias cleansing: rewritten rows"),
            30,
            _(
                "Which rows an alias cleansing run changed, and from what, is kept %(days)s (the "
                "history of a workflow): until then the run can be reverted."
            ),
        ),
        DataClass(
            "alias_cleansing_runs",
            910,
            _("Alias cleansing: runs"),
            360,
            _("Alias cleansing runs and their rows rewritten per field and alias are kept %(days)s."),
        ),
    ],
    role_permissions=[
        RolePermissions(
            Role.WORKFLOW_SUPERVISORS,
            ("aliases.view_cleansingrun", "aliases.view_aliasrewrite", "aliases.cleanse_values"),
        ),
    ],
    explorer_entries=[
        ExplorerEntry(
            "alias_cleansing",
            "administration.platform",
            150,
            _("Alias cleansing"),
            "aliases:cleansing",
            "aliases.view_cleansingrun",
        ),
    ],
    urls=Urls(prefix="aliases", module="campaign.aliases.urls"),
    generated_tables=GENERATED_TABLES,
)
