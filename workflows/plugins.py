"""Plug-in points: the typed, data-only declarations an app contributes to the platform.

An installed app of ours contributes by having a module `contributions.py` that
defines one `contributions = Contributions(...)`. Nothing else lists what an app
brings: adding a workflow area is adding one app (with its `contributions.py`) and one
`INSTALLED_APPS` line. The declarations are data; the engine and `campaign`'s core
run them:

- purge steps and the child tables of a delivery (cleanup, in `order`, statistics
  always last), retention data classes (the Purge data screen);
- settings (the audited Settings screen), tables for `generate_data` and the demo;
- permissions of the seeded groups and of the `billing` operator;
- explorer folders and entries (the sidebar), the app's URLs, home-page blocks;
- worker queues (besides those its workflows declare);
- fields an enumeration governs, and cubes over its fact tables.

Every declaration has a stable `key` (never a translated label) and an explicit
`order`, an integer slot independent of `INSTALLED_APPS` order; leave gaps (100, 200…)
so another app can slot in between. Keys are unique per kind across the platform
(`check_contributions` reports duplicates at start-up).

This module imports nothing of ours and no model: it is read by every layer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from importlib import import_module
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from django.apps import AppConfig, apps
from django.core.signals import setting_changed
from django.db.models import Model, Q
from django.db.models.expressions import Combinable
from django.utils.module_loading import module_has_submodule

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from django.http import HttpRequest
    from django.utils.functional import _StrOrPromise as Text
else:
    Text = str

MODULE_NAME = "contributions"


# --- Seeded groups ------------------------------------------------------------------


class Role(StrEnum):
    """The seeded operator groups (stable keys) and the `billing` operator."""

    ADMINISTRATORS = "administrators"
    WORKFLOW_SUPERVISORS = "workflow_supervisors"
    DELIVERY_OPERATORS = "delivery_operators"
    OFFER_MANAGERS = "offer_managers"
    REPORT_READERS = "report_readers"
    BILLING_OPERATOR = "billing_operator"

    @property
    def group_name(self) -> str:
        """The name of the seeded group (stored, hence not translated)."""
        return GROUP_NAMES[self]


GROUP_NAMES: dict[Role, str] = {
    Role.ADMINISTRATORS: "Administrators",
    Role.WORKFLOW_SUPERVISORS: "Workflow supervisors",
    Role.DELIVERY_OPERATORS: "Delivery operators",
    Role.OFFER_MANAGERS: "Offer managers",
    Role.REPORT_READERS: "Report readers",
    Role.BILLING_OPERATOR: "billing",  # a user, not a group: its username
}


@dataclass(frozen=True)
class RolePermissions:
    """Which of the declaring app's permissions ("app_label.codename") a seeded group,
    or the `billing` operator, holds. Administrators hold every permission anyway."""

    role: Role
    permissions: tuple[str, ...]


# --- Cleanup ------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchOperation:
    """One batched statement over one table: delete the rows matching `where`, or set
    `values` on them. An update must take its rows out of `where` (the batches stop
    when one comes back short). `keyset` names a time field whose index PostgreSQL's
    batches walk in order."""

    model: type[Model]
    where: Q
    what: str
    values: Mapping[str, Any] | None = None
    keyset: str | None = None

    @property
    def action(self) -> str:
        return "delete" if self.values is None else "update"

    @property
    def table(self) -> str:
        return str(self.model._meta.db_table)


class PurgeContext(Protocol):
    """What a purge step is given by cleanup: the run's `now` and the retention."""

    now: datetime

    def retention_days(self, data_class: str) -> int | None:
        """Days kept for a data class; None keeps the data forever."""
        ...

    def cutoff(self, data_class: str) -> datetime | None:
        """`now` minus the retention of a data class; None keeps the data forever."""
        ...


Operations = Callable[[PurgeContext], Sequence[BatchOperation] | None]


def model_or_none(label: str) -> type[Model] | None:
    """The model named "app_label.Model", or None when its app is not installed."""
    try:
        return apps.get_model(label)
    except LookupError:
        return None


@dataclass(frozen=True)
class PurgeStep:
    """A step of cleanup. `operations(context)` returns the batched statements to run,
    in order, or None when the step has nothing to do (`idle_reason` says why).
    `retention` names the data class the step purges, if any (the Purge data screen
    tells which classes have no table to purge)."""

    key: str
    order: int
    label: Text
    operations: Operations
    updates: bool = False
    retention: str | None = None
    idle_reason: Text = "nothing to do"

    @classmethod
    def by_age(
        cls,
        key: str,
        order: int,
        label: Text,
        *,
        model: str,
        time_field: str,
        retention: str | None = None,
        cutoff: Callable[[PurgeContext], datetime | None] | None = None,
        scope: Q | None = None,
    ) -> PurgeStep:
        """Delete the rows of `model` ("app_label.Model", of the declaring app) whose
        `time_field` is older than the retention of data class `retention`, or than
        `cutoff(context)`. `time_field` needs an index: PostgreSQL's batches walk it."""
        if (retention is None) == (cutoff is None):
            raise ValueError(f"purge step {key}: give either a retention data class or a cutoff")

        def operations(context: PurgeContext) -> Sequence[BatchOperation] | None:
            found = model_or_none(model)
            limit = context.cutoff(retention) if retention is not None else cutoff(context)  # type: ignore[misc]
            if found is None or limit is None:
                return None
            where = Q(**{f"{time_field}__lt": limit}) & (scope or Q())
            what = str(found._meta.verbose_name_plural)
            return [BatchOperation(found, where, what, keyset=time_field)]

        return cls(
            key=key,
            order=order,
            label=label,
            operations=operations,
            retention=retention,
            idle_reason="kept forever (no retention set)" if retention else "nothing to do",
        )


@dataclass(frozen=True)
class DeliveryChild:
    """A table whose rows go with their delivery when cleanup purges a deleted delivery:
    `model` ("app_label.Model", of the declaring app) and `fk`, its field to the
    delivery. Lower `order` is deleted first (rows pointing at other children first)."""

    key: str
    order: int
    model: str
    fk: str


@dataclass(frozen=True)
class DataClass:
    """A retention setting of the Purge data screen, owned by the app whose table it
    purges. `sentence` states the policy, with `%(days)s` (e.g. "180 days").
    `allow_forever`: whether an empty value (keep forever) is accepted."""

    key: str
    order: int
    label: Text
    default_days: int | None
    sentence: Text
    allow_forever: bool = True
    option: str = ""  # Adobe's option name, shown as a hint


# --- Settings -----------------------------------------------------------------------


class SettingKind(StrEnum):
    INTEGER = "integer"
    TEXT = "text"
    BOOLEAN = "boolean"
    CHOICE = "choice"
    URL = "url"
    EMAIL = "email"


@dataclass(frozen=True)
class Setting:
    """A setting of the declaring app, edited on the audited Settings screen and read
    with `campaign.configuration.value("<app_label>.<key>")`."""

    key: str
    order: int
    label: Text
    default: Any
    kind: SettingKind = SettingKind.INTEGER
    help_text: Text = ""
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[tuple[str, Text], ...] = ()
    required: bool = True


# --- Data generation ------------------------------------------------------------------


class Generation(Protocol):
    """What a table's generator is given by `generate_data` (campaign.devtools.datagen):
    the counts, the seed and `now`, and set-based SQL helpers so that no row is built
    in Python. `random(expression, salt)` is a deterministic pseudo-random whole number
    in SQL, `timestamp(offset)` a timestamp `offset` seconds after the window start,
    `first_id(model)` the id of this run's first row of a model ("app_label.Model"),
    `dialect` the database's SQL spellings (series, expand, timestamp, greatest, least,
    json, fence). `channels` are the platform's channels by code; `shared` holds what a
    generator leaves for those that run after it (e.g. the delivery plan).
    `bulk_load(model, rows)` wraps a large insert (PostgreSQL drops and rebuilds the
    table's indexes and constraints around it)."""

    counts: Mapping[str, int]
    seed: int
    now: datetime
    window_start: int
    window_seconds: int
    dialect: Any
    channels: Mapping[str, Any]
    shared: MutableMapping[str, Any]

    def count(self, key: str) -> int: ...

    def first_id(self, model: str) -> int: ...

    def random(self, expression: str, salt: str) -> str: ...

    def timestamp(self, offset: str) -> str: ...

    def sql(self, statement: str) -> int: ...

    def one(self, statement: str) -> Any: ...

    def insert_chunks(self, label: str, total: int, statement: Callable[[int, int], str]) -> int: ...

    def bulk_load(self, model: str, rows: int) -> AbstractContextManager[None]: ...


@dataclass(frozen=True)
class GeneratedTable:
    """A table `generate_data` fills. `counts` gives its rows per preset ("tiny",
    "demo", "bench"); `requires` the tables that must have rows when this one has;
    `models` ("app_label.Model", of the declaring app) are emptied by --truncate and
    analysed afterwards; `generate(generation)` inserts the rows, returns how many."""

    key: str
    order: int
    label: Text
    models: tuple[str, ...]
    counts: Mapping[str, int]
    generate: Callable[[Generation], int]
    requires: tuple[str, ...] = ()


# --- Screens ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ExplorerFolder:
    """A folder of the sidebar's explorer tree; `parent` is a folder key or None."""

    key: str
    order: int
    label: Text
    parent: str | None = None


@dataclass(frozen=True)
class ExplorerEntry:
    """A leaf of the explorer tree, shown to operators who hold `permission`."""

    key: str
    folder: str
    order: int
    label: Text
    url_name: str
    permission: str


@dataclass(frozen=True)
class Urls:
    """The app's URLs: `module` ("app.urls") has `urlpatterns`, mounted under
    `admin/<prefix>/` (admin pages: wrap each view with campaign.admin_pages.page),
    and may have `public_urlpatterns`, mounted under `p/<prefix>/` with no login."""

    prefix: str
    module: str


@dataclass(frozen=True)
class HomeBlock:
    """A block of the operations home page (/admin/): `template` rendered with
    `context(request, now)`, shown to operators who hold `permission`."""

    key: str
    order: int
    label: Text
    template: str
    permission: str
    context: Callable[[HttpRequest, datetime], Mapping[str, Any]]


@dataclass(frozen=True)
class WorkerQueue:
    """A Celery queue the platform's workers consume, besides those of the workflows."""

    name: str
    description: Text = ""


# --- Data model extensions ---------------------------------------------------------------


@dataclass(frozen=True)
class EnumerationBinding:
    """A field of the declaring app whose values an enumeration governs (forms accept
    its values; alias cleansing rewrites aliased spellings): `model` ("app_label.Model")
    and `field`, bound to the enumeration named `enumeration`."""

    key: str
    enumeration: str
    model: str
    field: str


@dataclass(frozen=True)
class CubeDimension:
    """An axis of a cube. `field` is a field path on the fact model
    ("delivery__channel") or an expression over it (Coalesce of two paths); `related`
    ("app_label.Model") names the model whose ids the values are, labelled by str() in
    reports (values with choices are labelled by them). A date dimension lists the
    levels it can be grouped by (`LEVELS`, coarsest first), in TIME_ZONE."""

    LEVELS: ClassVar[tuple[str, ...]] = ("year", "month", "week", "day", "hour")
    # The levels that rows grouped at one level can be added up to.
    DERIVED_LEVELS: ClassVar[dict[str, tuple[str, ...]]] = {
        "year": ("year",),
        "month": ("year", "month"),
        "week": ("week",),
        "day": ("year", "month", "week", "day"),
        "hour": ("year", "month", "week", "day", "hour"),
    }

    key: str
    label: Text
    field: str | Combinable
    date_levels: tuple[str, ...] = ()
    related: str | None = None

    def __post_init__(self) -> None:
        unknown = set(self.date_levels) - set(self.LEVELS)
        if unknown:
            raise ValueError(f"cube dimension {self.key}: unknown date levels {sorted(unknown)}")

    @property
    def is_date(self) -> bool:
        return bool(self.date_levels)


@dataclass(frozen=True)
class CubeMeasure:
    """A figure of a cube. `function` is one of `FUNCTIONS`: count (rows; `field` None),
    sum, avg, min, max, count_distinct, percentile (`fraction`, e.g. 0.95) over `field`
    (a field path or an expression over the fact model), or ratio (`numerator` /
    `denominator`, keys of two count or sum measures of the cube). `filter` says which
    facts count. `unit` is shown beside the figure ("%": a ratio shown as a percentage).

    An aggregate answers count, sum, min, max, avg and ratio at any coarser grain (it
    stores sums and counts); count_distinct and percentile only at its own grain."""

    FUNCTIONS: ClassVar[tuple[str, ...]] = (
        "count",
        "sum",
        "avg",
        "min",
        "max",
        "count_distinct",
        "percentile",
        "ratio",
    )
    EXACT_GRAIN_ONLY: ClassVar[tuple[str, ...]] = ("count_distinct", "percentile")

    key: str
    label: Text
    function: str
    field: str | Combinable | None = None
    filter: Q | None = None
    numerator: str | None = None
    denominator: str | None = None
    fraction: float | None = None
    unit: str = ""

    def __post_init__(self) -> None:
        if self.function not in self.FUNCTIONS:
            raise ValueError(f"cube measure {self.key}: unknown function {self.function!r}")
        if self.function == "ratio" and not (self.numerator and self.denominator):
            raise ValueError(f"cube measure {self.key}: a ratio needs a numerator and a denominator")
        if self.function not in ("count", "ratio") and self.field is None:
            raise ValueError(f"cube measure {self.key}: {self.function} needs a field")
        if self.function == "percentile" and not (self.fraction and 0 < self.fraction < 1):
            raise ValueError(f"cube measure {self.key}: a percentile needs a fraction between 0 and 1")

    @property
    def rolls_up(self) -> bool:
        """Whether coarser groups can be computed from finer ones (sums, counts…)."""
        return self.function not in self.EXACT_GRAIN_ONLY


@dataclass(frozen=True)
class Cube:
    """A cube over a fact table ("app_label.Model", of the declaring app or of an app
    below it), read by the operators who hold `permission`.

    Its Full aggregate is the materialised table `aggregate` ("app_label.Model", of the
    declaring app), grouped by `aggregate_dimensions` (dimension keys; the date one at
    `aggregate_level`, a day or coarser) and rebuilt in full by the workflow `workflow`.
    The aggregate has a column per grouped dimension named after its key, except the
    date one, named after `aggregate_level` and holding the local start date of the
    period; and per measure: its key (count, sum, min, max, count_distinct, percentile),
    or `<key>_sum` and `<key>_count` (avg); ratios are computed when read. The first
    count measure without a filter counts the fact rows.

    `summaries` are smaller aggregates rolled up from the Full aggregate in the same
    rebuild, for reports over long periods; reports read the first that covers them
    (declare the smallest first), then the Full aggregate, then the facts."""

    @dataclass(frozen=True)
    class Summary:
        """An aggregate rolled up from the Full aggregate: `model` ("app_label.Model"),
        grouped by `dimensions` (some of the aggregate's) and the date at `level` (the
        aggregate's or one it adds up to); columns as the Full aggregate's, without the
        measures that do not add up (distinct counts, percentiles)."""

        model: str
        dimensions: tuple[str, ...]
        level: str = "day"

    key: str
    order: int
    label: Text
    fact: str
    dimensions: tuple[CubeDimension, ...]
    measures: tuple[CubeMeasure, ...]
    permission: str = ""
    aggregate: str | None = None
    aggregate_dimensions: tuple[str, ...] = ()
    aggregate_level: str = "day"
    workflow: str = ""
    description: Text = ""
    summaries: tuple[Cube.Summary, ...] = ()

    def __post_init__(self) -> None:
        dimensions = {dimension.key for dimension in self.dimensions}
        measures = {measure.key for measure in self.measures}
        if len(dimensions) != len(self.dimensions) or len(measures) != len(self.measures):
            raise ValueError(f"cube {self.key}: dimension and measure keys must be unique")
        missing = set(self.aggregate_dimensions) - dimensions
        if missing:
            raise ValueError(f"cube {self.key}: the aggregate groups by unknown dimensions {sorted(missing)}")
        for measure in self.measures:
            for part in (measure.numerator, measure.denominator):
                if part is not None and part not in measures:
                    raise ValueError(f"cube {self.key}: measure {measure.key} divides unknown {part!r}")
        if len([dimension for dimension in self.dimensions if dimension.is_date]) > 1:
            raise ValueError(f"cube {self.key}: at most one date dimension")
        if self.aggregate and self.date_dimension is not None:
            if self.aggregate_level not in self.date_dimension.date_levels or self.aggregate_level == "hour":
                raise ValueError(f"cube {self.key}: the aggregate level is a date level, a day or coarser")
        if self.counter is None:
            raise ValueError(f"cube {self.key}: needs a count measure without a filter (the fact rows)")
        for summary in self.summaries:
            if not self.aggregate or not set(summary.dimensions) <= set(self.aggregate_dimensions):
                raise ValueError(
                    f"cube {self.key}: summary {summary.model} groups by what the aggregate does not"
                )
            if summary.level not in CubeDimension.DERIVED_LEVELS[self.aggregate_level]:
                raise ValueError(f"cube {self.key}: summary {summary.model} cannot be by {summary.level}")

    def dimension(self, key: str) -> CubeDimension:
        return next(dimension for dimension in self.dimensions if dimension.key == key)

    def measure(self, key: str) -> CubeMeasure:
        return next(measure for measure in self.measures if measure.key == key)

    @property
    def date_dimension(self) -> CubeDimension | None:
        return next((dimension for dimension in self.dimensions if dimension.is_date), None)

    @property
    def counter(self) -> CubeMeasure | None:
        """The measure counting every fact row (the aggregate's build records its sum)."""
        found = (m for m in self.measures if m.function == "count" and m.filter is None)
        return next(found, None)


# --- What an app brings ----------------------------------------------------------------


@dataclass(frozen=True)
class Contributions:
    """Everything an app contributes; defined once per app in its contributions.py."""

    purge_steps: Sequence[PurgeStep] = ()
    delivery_children: Sequence[DeliveryChild] = ()
    data_classes: Sequence[DataClass] = ()
    settings: Sequence[Setting] = ()
    generated_tables: Sequence[GeneratedTable] = ()
    role_permissions: Sequence[RolePermissions] = ()
    explorer_folders: Sequence[ExplorerFolder] = ()
    explorer_entries: Sequence[ExplorerEntry] = ()
    urls: Urls | None = None
    home_blocks: Sequence[HomeBlock] = ()
    queues: Sequence[WorkerQueue] = ()
    enumeration_bindings: Sequence[EnumerationBinding] = ()
    cubes: Sequence[Cube] = ()


@dataclass(frozen=True)
class Contributed:
    """One declaration with the label of the app that made it."""

    app_label: str
    declaration: Any


def _contributions_of(app_config: AppConfig) -> Contributions | None:
    if not module_has_submodule(app_config.module, MODULE_NAME):
        return None
    module = import_module(f"{app_config.name}.{MODULE_NAME}")
    found = getattr(module, "contributions", None)
    if not isinstance(found, Contributions):
        raise TypeError(f"{app_config.name}.{MODULE_NAME} must define contributions = Contributions(...)")
    return found


@functools.cache
def by_app() -> tuple[tuple[str, Contributions], ...]:
    """(app label, contributions) of every installed app that has some, in
    INSTALLED_APPS order (which decides nothing: declarations carry their order)."""
    found = []
    for app_config in apps.get_app_configs():
        contributions = _contributions_of(app_config)
        if contributions is not None:
            found.append((app_config.label, contributions))
    return tuple(found)


def _clear_cache(**kwargs: Any) -> None:
    if kwargs.get("setting") == "INSTALLED_APPS":
        by_app.cache_clear()


setting_changed.connect(_clear_cache)

T = TypeVar("T")


def declared(kind: str) -> list[Contributed]:
    """Every declaration of one kind (a Contributions field name), with its app."""
    items: list[Contributed] = []
    for app_label, contributions in by_app():
        value = getattr(contributions, kind)
        if value is None:
            continue
        for declaration in value if isinstance(value, Iterable) else [value]:
            items.append(Contributed(app_label, declaration))
    return items


def ordered(kind: str) -> list[Any]:
    """The declarations of one kind, sorted by their order (then key)."""
    items = [item.declaration for item in declared(kind)]
    return sorted(items, key=lambda item: (item.order, item.key))


def purge_steps() -> list[PurgeStep]:
    return ordered("purge_steps")


def delivery_children() -> list[DeliveryChild]:
    return ordered("delivery_children")


def data_classes() -> list[DataClass]:
    return ordered("data_classes")


def generated_tables() -> list[GeneratedTable]:
    return ordered("generated_tables")


def explorer_folders() -> list[ExplorerFolder]:
    return ordered("explorer_folders")


def explorer_entries() -> list[ExplorerEntry]:
    return ordered("explorer_entries")


def home_blocks() -> list[HomeBlock]:
    return ordered("home_blocks")


def settings_by_app() -> list[tuple[str, list[Setting]]]:
    """(app label, its settings in order) for every app that declares settings."""
    return [
        (app_label, sorted(contributions.settings, key=lambda item: (item.order, item.key)))
        for app_label, contributions in by_app()
        if contributions.settings
    ]


def role_permissions() -> dict[Role, list[str]]:
    """Permissions per role, gathered from every app."""
    found: dict[Role, list[str]] = {role: [] for role in Role}
    for item in declared("role_permissions"):
        found[item.declaration.role].extend(item.declaration.permissions)
    return found


def url_mounts() -> list[tuple[str, Urls]]:
    """(app label, Urls) of every app that has URLs."""
    return [(item.app_label, item.declaration) for item in declared("urls")]


def queues() -> list[WorkerQueue]:
    return [item.declaration for item in declared("queues")]


def enumeration_bindings() -> list[EnumerationBinding]:
    return sorted((item.declaration for item in declared("enumeration_bindings")), key=lambda b: b.key)


def cubes() -> list[Cube]:
    return ordered("cubes")


@dataclass
class Problems:
    messages: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        self.messages.append(message)


KEYED_KINDS = (
    "purge_steps",
    "delivery_children",
    "data_classes",
    "settings",
    "generated_tables",
    "explorer_folders",
    "explorer_entries",
    "home_blocks",
    "enumeration_bindings",
    "cubes",
)


def check_contributions() -> list[str]:
    """Readable problems with the declarations of the installed apps (system check)."""
    problems = Problems()
    for kind in KEYED_KINDS:
        seen: dict[str, str] = {}
        for item in declared(kind):
            key = item.declaration.key
            if kind == "settings":
                key = f"{item.app_label}.{key}"
            if key in seen:
                problems.add(f"{kind}: key {key!r} is declared by {seen[key]} and {item.app_label}")
            seen[key] = item.app_label
    folders = {folder.key for folder in explorer_folders()}
    for folder in explorer_folders():
        if folder.parent is not None and folder.parent not in folders:
            problems.add(f"explorer folder {folder.key!r}: unknown parent folder {folder.parent!r}")
    for entry in explorer_entries():
        if entry.folder not in folders:
            problems.add(f"explorer entry {entry.key!r}: unknown folder {entry.folder!r}")
    tables = {table.key for table in generated_tables()}
    for table in generated_tables():
        for needed in table.requires:
            if needed not in tables:
                problems.add(f"generated table {table.key!r} requires {needed!r}, which nobody declares")
    prefixes: dict[str, str] = {}
    for app_label, urls in url_mounts():
        if urls.prefix in prefixes:
            problems.add(f"URL prefix {urls.prefix!r} is used by {prefixes[urls.prefix]} and {app_label}")
        prefixes[urls.prefix] = app_label
    for item in declared("role_permissions"):
        for permission in item.declaration.permissions:
            if permission.partition(".")[0] != item.app_label:
                problems.add(
                    f"{item.app_label} gives {permission!r} to {item.declaration.role}: an app gives "
                    "its own permissions only"
                )
    return problems.messages
