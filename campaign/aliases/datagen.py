"""Alias cleansing's tables for `generate_data` and the demo (declared in
contributions.py), built with the core's toolkit (campaign.devtools.datagen).

- `recipient_spellings` (rows: recipients of this run given a country and a company
  type): the two enumerations the core binds get their values and 15 aliases each (30
  aliased spellings: country ignores case and spaces and is open; company type is
  matched exactly and closed), a few spellings collected earlier without a target; then
  one UPDATE gives this run's recipients a country and a company type the way a
  platform's data looks: most hold a value (France first), some are blank, about 3 %
  per field hold an aliased spelling entered since the last cleansing (imports and
  the API do not go through the forms), 0.5 % a case or spacing variant of a value and
  0.5 % a spelling nobody recognises yet.
- `alias_cleansing_runs` (rows: days of history): one run a night at 03:00 before
  `now`, each having rewritten about 0.2 % of the recipients per field through a few
  aliases, with its figures per field and alias; the rows it changed are kept for the
  last 31 nights only, as on a platform whose cleanup purges them after 30 days (so a
  first cleanup deletes one night's rows, not most), and the recipients they name hold
  the value the run wrote (a run can be reverted). One run three weeks ago is
  reverted; Sunday runs recounted hits in full.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from campaign.choices import AliasSource, EnumerationKind
from campaign.devtools.datagen.sql import case, choose, literal, literals, weighted
from campaign.devtools.datagen.vocabulary import DAY
from campaign.models import Enumeration, EnumerationAlias, EnumerationValue
from workflows.plugins import GeneratedTable

from .choices import HitsMode, RunStatus

if TYPE_CHECKING:
    from workflows.plugins import Generation

# (weight per 1,000 recipients, value): the values each enumeration holds.
COUNTRIES = [
    (380, "France"),
    (110, "Germany"),
    (90, "United Kingdom"),
    (70, "Spain"),
    (60, "Italy"),
    (50, "Belgium"),
    (35, "Switzerland"),
    (30, "Netherlands"),
    (20, "Portugal"),
    (15, "United States"),
    (10, "Canada"),
    (10, "Morocco"),
]
COMPANY_TYPES = [
    (300, "SME"),
    (120, "Large company"),
    (80, "Start-up"),
    (60, "Public sector"),
    (50, "Association"),
    (30, "Micro-enterprise"),
]
# Aliased spellings -> value (15 per field, 30 in all).
COUNTRY_ALIASES = {
    "FR": "France",
    "Frankreich": "France",
    "Francia": "France",
    "Deutschland": "Germany",
    "Allemagne": "Germany",
    "DE": "Germany",
    "UK": "United Kingdom",
    "U.K.": "United Kingdom",
    "Great Britain": "United Kingdom",
    "Royaume-Uni": "United Kingdom",
    "Espana": "Spain",
    "España": "Spain",
    "Italia": "Italy",
    "Belgique": "Belgium",
    "Schweiz": "Switzerland",
}
COMPANY_ALIASES = {
    "sme": "SME",
    "PME": "SME",
    "pme": "SME",
    "Grand compte": "Large company",
    "Large Company": "Large company",
    "GE": "Large company",
    "startup": "Start-up",
    "Start up": "Start-up",
    "Startup": "Start-up",
    "Secteur public": "Public sector",
    "public": "Public sector",
    "asso": "Association",
    "ASSOCIATION": "Association",
    "TPE": "Micro-enterprise",
    "Micro": "Micro-enterprise",
}
# Case and spacing variants of values (rewritten where the enumeration ignores case).
COUNTRY_VARIANTS = ["france", "FRANCE", " Germany", "united kingdom ", "spain"]
COMPANY_VARIANTS = ["SME "]  # matched exactly: collected as a spelling of its own
# Spellings nobody recognises: the first ones were collected by earlier runs.
COUNTRY_UNKNOWN = ["Frnace", "N/A", "Etats-Unis", "Unknown", "??"]
COMPANY_UNKNOWN = ["Freelance", "NGO", "Independant"]
COLLECTED_EARLIER = {"Frnace", "N/A", "Etats-Unis", "Freelance"}

BLANK_COUNTRY, BLANK_COMPANY = 60, 330  # per 1,000 recipients
ALIASED, VARIANT, UNKNOWN = 30, 5, 5  # per 1,000 recipients and field
REWRITTEN_PER_NIGHT = 500  # one recipient in 500 per field and night (0.2 %)
ROWS_KEPT_NIGHTS = 31  # rewritten rows kept: the purge retention (30 days) and one more night
ALIASES_PER_RUN = 3  # aliases each past run rewrote through, per field
REVERTED_NIGHT = 21  # this run, three weeks ago, was reverted

TEMPORARY_REWRITES = "datagen_alias_rewrites"


# --- enumerations ------------------------------------------------------------------------


def _enumeration(name: str, label: str, kind: str, ignore_case: bool) -> Enumeration:
    enumeration, _created = Enumeration.objects.get_or_create(name=name, defaults={"label": label})
    enumeration.kind, enumeration.alias_cleansing, enumeration.ignore_case = kind, True, ignore_case
    enumeration.save()
    return enumeration


def _fill(enumeration: Enumeration, values, aliases, unknown, now) -> None:
    """Values, aliases with a target and spellings collected earlier (no target)."""
    targets = {}
    for _weight, text in values:
        targets[text] = enumeration.values.filter(value=text).first()
        if targets[text] is None:
            targets[text] = EnumerationValue(enumeration=enumeration, value=text, label=text)
            targets[text].save()
    for number, (spelling, target) in enumerate(aliases.items()):
        if not enumeration.aliases.filter(alias=spelling).exists():
            alias = EnumerationAlias(
                enumeration=enumeration,
                alias=spelling,
                value=targets[target],
                source=AliasSource.CLEANSING if number % 3 else AliasSource.OPERATOR,
                created_at=now,
            )
            alias.save()
    for spelling in unknown:
        if spelling in COLLECTED_EARLIER and not enumeration.aliases.filter(alias=spelling).exists():
            EnumerationAlias(
                enumeration=enumeration, alias=spelling, source=AliasSource.CLEANSING, created_at=now
            ).save()


def enumerations(now) -> tuple[Enumeration, Enumeration]:
    """The country and company type enumerations, filled (kept as they are if present)."""
    country = _enumeration("country", "Country", EnumerationKind.OPEN, True)
    company = _enumeration("company_type", "Company type", EnumerationKind.CLOSED, False)
    _fill(country, COUNTRIES, COUNTRY_ALIASES, COUNTRY_UNKNOWN, now)
    _fill(company, COMPANY_TYPES, COMPANY_ALIASES, COMPANY_UNKNOWN, now)
    return country, company


# --- recipients' spellings -----------------------------------------------------------------


def spelling(generation: Generation, salt: str, blank: int, values, aliases, variants, unknown) -> str:
    """SQL choosing a field's spelling per recipient row (column `id`)."""
    canonical = 1000 - blank - ALIASED - VARIANT - UNKNOWN
    total = sum(weight for weight, _text in values)
    options = [(blank, "''")]
    options += [(max(1, weight * canonical // total), literal(text)) for weight, text in values]
    kinds = [(ALIASED, list(aliases)), (VARIANT, variants), (UNKNOWN, unknown)]
    for weight, texts in kinds:
        options.append((weight, choose(generation.random("id", salt + "which"), literals(texts))))
    return weighted(generation.random("id", salt), options)


def recipient_spellings(generation: Generation) -> int:
    recipients = min(generation.count("recipient_spellings"), generation.count("recipients"))
    if not recipients:
        return 0
    enumerations(generation.now)
    first = generation.first_id("campaign.Recipient")
    country = spelling(
        generation, "country", BLANK_COUNTRY, COUNTRIES, COUNTRY_ALIASES, COUNTRY_VARIANTS, COUNTRY_UNKNOWN
    )
    company = spelling(
        generation,
        "company",
        BLANK_COMPANY,
        COMPANY_TYPES,
        COMPANY_ALIASES,
        COMPANY_VARIANTS,
        COMPANY_UNKNOWN,
    )
    done = generation.sql(
        f"UPDATE campaign_recipient SET country = {country}, company_type = {company} "
        f"WHERE id >= {first} AND id < {first + recipients}"
    )
    collected_earlier(generation)
    return done


def collected_earlier(generation: Generation) -> None:
    """The spellings collected without a target by earlier runs: the rows holding them
    now (as the last run found them) and as many hits."""
    for enumeration, column in enumerations_and_columns(generation):
        key = f"LOWER(TRIM({column}))" if enumeration.ignore_case else column
        found = f"(SELECT COUNT(*) FROM campaign_recipient WHERE {key} = campaign_enumerationalias.match_key)"
        generation.sql(
            f"UPDATE campaign_enumerationalias "
            f"SET rows_pending = {found}, rows_found = {found}, hits = {found} "
            f"WHERE enumeration_id = {enumeration.pk} AND value_id IS NULL"
        )


def enumerations_and_columns(generation: Generation) -> list[tuple[Enumeration, str]]:
    country, company = enumerations(generation.now)
    return [(country, "country"), (company, "company_type")]


# --- past runs ----------------------------------------------------------------------------


def _aliases_sql(enumeration: Enumeration) -> list[tuple[int, str, str]]:
    """(alias id, spelling, target) of an enumeration's aliases with a target, by id."""
    return list(enumeration.aliases.with_target().order_by("id").values_list("id", "alias", "value__value"))


def last_night(generation: Generation) -> int:
    """The offset from the window start of the last 03:00 before `now`."""
    last = timezone.localtime(generation.now).replace(hour=3, minute=0, second=0, microsecond=0)
    if last > generation.now:
        last -= timedelta(days=1)
    return int(last.timestamp()) - generation.window_start


def _figures_sql(fields, per_field: int) -> str:
    """SQL of a run's figures per field (JSON text); one value collected on odd nights."""
    parts = []
    for key, label, enumeration, _column in fields:
        item = {"binding": key, "field": label, "enumeration": enumeration.name, "collected": -1}
        item.update(rewritten=per_field, hits_updated=ALIASES_PER_RUN)
        before, after = json.dumps(item).split("-1")
        parts.append(f"{literal(before)} || (i % 2) || {literal(after)}")
    return "'[' || " + " || ',' || ".join(parts) + " || ']'"


def alias_cleansing_runs(generation: Generation) -> int:
    nights = generation.count("alias_cleansing_runs")
    if not nights:
        return 0
    country, company = enumerations(generation.now)
    recipients = generation.one("SELECT COUNT(*), COALESCE(MIN(id), 0) FROM campaign_recipient")
    per_field = max(1, recipients[0] // REWRITTEN_PER_NIGHT) if recipients[0] else 0
    first_run = generation.first_id("aliases.CleansingRun")
    run_id = f"{first_run} - 1 + i"
    # Night i (1 = the last one) ran at 03:00 (TIME_ZONE), i - 1 days before the last.
    ran_at = generation.timestamp(f"{last_night(generation)} - (i - 1) * {DAY}")
    fields = [
        ("recipient_country", "campaign.Recipient.country", country, "country"),
        ("recipient_company_type", "campaign.Recipient.company_type", company, "company_type"),
    ]
    figures = _figures_sql(fields, per_field)
    reverted = f"i = {REVERTED_NIGHT}"
    done = generation.sql(
        "INSERT INTO aliases_cleansingrun (id, ran_at, workflow_run_id, hits_mode, values_collected, "
        "rows_rewritten, hits_updated, fields, status, reverted_at, reverted_by_id, rows_restored, "
        "rows_kept) "
        f"SELECT {run_id}, {ran_at}, NULL, "
        f"CASE WHEN i % 7 = 0 THEN {literal(HitsMode.FULL)} ELSE {literal(HitsMode.INCREMENTAL)} END, "
        f"2 * (i % 2), {2 * per_field}, {2 * ALIASES_PER_RUN}, {generation.dialect.json(figures)}, "
        f"CASE WHEN {reverted} THEN {literal(RunStatus.REVERTED)} ELSE {literal(RunStatus.APPLIED)} END, "
        f"CASE WHEN {reverted} THEN {ran_at} END, NULL, "
        f"CASE WHEN {reverted} THEN {2 * per_field} ELSE 0 END, 0 "
        f"FROM {generation.dialect.series(1, nights)}"
    )
    for key, label, enumeration, column in fields:
        done += _rewrites(
            generation, nights, per_field, first_run, key, label, enumeration, column, recipients
        )
    # Hits as a full recount would find them: the rows rewritten through each alias.
    generation.sql(
        "UPDATE campaign_enumerationalias SET hits = COALESCE(("
        "SELECT SUM(r.rows_rewritten - r.rows_restored) "
        "FROM aliases_aliasrewrite r WHERE r.alias_id = campaign_enumerationalias.id), 0) "
        f"WHERE value_id IS NOT NULL AND enumeration_id IN ({country.pk}, {company.pk})"
    )
    return done


def _rewrites(generation, nights, per_field, first_run, key, label, enumeration, column, recipients) -> int:
    """Each run's rows rewritten through a few aliases of one field; the rows themselves
    for the last nights, whose recipients then hold what the run wrote."""
    aliases = _aliases_sql(enumeration)
    if not aliases or not per_field:
        return 0
    pick = f"({generation.random('i * 10 + k', key)}) % {len(aliases)}"
    alias_id = case(pick, {n: alias[0] for n, alias in enumerate(aliases)})
    keys = {
        n: alias[1].strip().lower() if enumeration.ignore_case else alias[1]
        for n, alias in enumerate(aliases)
    }
    matched = case(pick, {n: literal(key) for n, key in keys.items()})
    spelled = case(pick, {n: literal(alias[1]) for n, alias in enumerate(aliases)})
    target = case(pick, {n: literal(alias[2]) for n, alias in enumerate(aliases)})
    share = f"({per_field} * k / {ALIASES_PER_RUN} - {per_field} * (k - 1) / {ALIASES_PER_RUN})"
    generation.sql(f"DROP TABLE IF EXISTS {TEMPORARY_REWRITES}")
    generation.sql(
        f"CREATE TEMPORARY TABLE {TEMPORARY_REWRITES} AS "
        f"SELECT {first_run} - 1 + i AS run_id, i AS night, k, {alias_id} AS alias_id, {matched} AS matched, "
        f"{spelled} AS spelled, {target} AS target, {share} AS rows_rewritten "
        f"FROM {generation.dialect.series(1, nights)} CROSS JOIN "
        f"(SELECT i AS k FROM {generation.dialect.series(1, ALIASES_PER_RUN)}) parts"
    )
    restored = f"CASE WHEN night = {REVERTED_NIGHT} THEN rows_rewritten ELSE 0 END"
    done = generation.sql(
        "INSERT INTO aliases_aliasrewrite (run_id, binding, field, enumeration_id, alias_id, matched, "
        "target, "
        "rows_rewritten, rows_restored) "
        f"SELECT run_id, {literal(key)}, {literal(label)}, {enumeration.pk}, alias_id, matched, target, "
        f"rows_rewritten, {restored} FROM {TEMPORARY_REWRITES} WHERE rows_rewritten > 0"
    )
    count, first_recipient = recipients
    numbers = f"(SELECT i AS n FROM {generation.dialect.series(1, per_field)}) numbers"
    roll = generation.random("r.night * 100000 + r.k * 10000 + n", key + "row")
    row = f"{first_recipient} + {roll} % {count}"
    done += generation.sql(
        "INSERT INTO aliases_rewrittenrow (run_id, binding, row_id, old_value, new_value, alias_id) "
        f"SELECT r.run_id, {literal(key)}, {row}, r.spelled, r.target, r.alias_id "
        f"FROM {TEMPORARY_REWRITES} r CROSS JOIN {numbers} "
        f"WHERE r.night <= {ROWS_KEPT_NIGHTS} AND r.night <> {REVERTED_NIGHT} AND n <= r.rows_rewritten"
    )
    # The recipients hold what the run wrote (the latest run naming a recipient wins).
    generation.sql(
        f"UPDATE campaign_recipient SET {column} = (SELECT w.new_value FROM aliases_rewrittenrow w "
        f"WHERE w.binding = {literal(key)} AND w.row_id = campaign_recipient.id ORDER BY w.run_id LIMIT 1) "
        f"WHERE id IN (SELECT row_id FROM aliases_rewrittenrow WHERE binding = {literal(key)} "
        f"AND run_id >= {first_run})"
    )
    generation.sql(f"DROP TABLE IF EXISTS {TEMPORARY_REWRITES}")
    return done


def _presets(tiny: int, demo: int, bench: int) -> dict[str, int]:
    return {"tiny": tiny, "demo": demo, "bench": bench}


GENERATED_TABLES = [
    GeneratedTable(
        key="recipient_spellings",
        order=1100,
        label="recipients' countries and company types (enumerations, aliases, spellings)",
        models=(),
        counts=_presets(200, 5_000, 1_000_000),
        generate=recipient_spellings,
        requires=("recipients",),
    ),
    GeneratedTable(
        key="alias_cleansing_runs",
        order=1110,
        label="alias cleansing runs (nights of history)",
        models=("aliases.CleansingRun", "aliases.AliasRewrite", "aliases.RewrittenRow"),
        counts=_presets(10, 365, 0),
        generate=alias_cleansing_runs,
        requires=("recipient_spellings",),
    ),
]
