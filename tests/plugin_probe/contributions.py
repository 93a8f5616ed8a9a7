"""One declaration of each plug-in point."""

from workflows.plugins import (
    Contributions,
    DataClass,
    DeliveryChild,
    ExplorerEntry,
    ExplorerFolder,
    GeneratedTable,
    HomeBlock,
    PurgeStep,
    Role,
    RolePermissions,
    Setting,
    Urls,
    WorkerQueue,
)

from .models import ProbeRow


def generate_rows(generation):
    """One probe row per delivery, up to the count, noted a day apart (set-based)."""
    total = generation.count("probe_rows")
    first_delivery = generation.first_id("campaign.Delivery")
    deliveries = generation.count("deliveries")
    first_row = generation.first_id("plugin_probe.ProbeRow")
    noted = generation.timestamp(f"{generation.window_seconds} - (i % 30) * 86400")

    def statement(low, high):
        return (
            "INSERT INTO plugin_probe_proberow (id, delivery_id, noted_at) "
            f"SELECT {first_row} + i, {first_delivery} + 1 + (i - 1) % {deliveries}, {noted} "
            f"FROM {generation.dialect.series(low, high)}"
        )

    return generation.insert_chunks("probe rows", total, statement)


def home_context(request, now):
    return {"rows": ProbeRow.objects.count()}


contributions = Contributions(
    purge_steps=[
        PurgeStep.by_age(
            "probe_rows",
            650,
            "Probe rows",
            model="plugin_probe.ProbeRow",
            time_field="noted_at",
            retention="probe_rows",
        )
    ],
    delivery_children=[DeliveryChild("probe_rows", 500, "plugin_probe.ProbeRow", "delivery")],
    data_classes=[
        DataClass(
            "probe_rows", 1200, "Probe rows", 15, "Probe rows are deleted %(days)s after they were noted."
        )
    ],
    settings=[
        Setting("threshold", 100, "Probe threshold", 5, minimum=1, maximum=10, help_text="How many probes.")
    ],
    generated_tables=[
        GeneratedTable(
            "probe_rows",
            5000,
            "Probe rows",
            models=("plugin_probe.ProbeRow",),
            counts={"tiny": 10, "demo": 20, "bench": 100},
            generate=generate_rows,
            requires=("deliveries",),
        )
    ],
    role_permissions=[RolePermissions(Role.REPORT_READERS, ("plugin_probe.view_proberow",))],
    explorer_folders=[ExplorerFolder("probe", 950, "Probe folder")],
    explorer_entries=[
        ExplorerEntry(
            "probe_rows", "probe", 100, "Probe rows", "plugin_probe:rows", "plugin_probe.view_proberow"
        )
    ],
    urls=Urls(prefix="probe", module="tests.plugin_probe.urls"),
    home_blocks=[
        HomeBlock(
            "probe",
            50,
            "Probe block",
            "plugin_probe/home.html",
            "plugin_probe.view_proberow",
            home_context,
        )
    ],
    queues=[WorkerQueue("probe", "The probe's own queue")],
)
