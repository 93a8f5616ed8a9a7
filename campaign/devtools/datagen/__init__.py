"""A consistent synthetic data set, generated set-based inside the database
(`manage.py generate_data`, the benchmarks, the tests)::

    from campaign.devtools import datagen
    result = datagen.generate("tiny", seed=1, now=timezone.now())
    counts = datagen.preset_counts("demo", recipients=1000, delivery_logs=5000)
    result = datagen.generate(counts, seed=7, now=now, stdout=sys.stdout, truncate=True)
    result.rows["delivery_logs"], result.seconds["delivery_logs"], result.total_seconds

Which tables exist is declared by the apps (`GeneratedTable` in their contributions.py):
the core's are in `tables` (profiles, deliveries and logs, tracking, Message Center,
quarantine), the offers app declares its catalog and propositions. Counts are
{table key: rows}; `PRESETS` are "tiny" (tests), "demo" (every screen meaningful,
seconds on SQLite) and "bench" (1M recipients, 10M delivery logs: minutes on
PostgreSQL).

Modules: `run` (counts, truncate, order, sequences, ANALYZE: the `Generation` context),
`sql` (the toolkit: dialects, pseudo-random function, chunked and bulk inserts),
`vocabulary` (fixed names and mixes), one generator module per group of core tables
(`profiles`, `deliveries`, `tracking`, `message_center`, `quarantine`) and `tables`.

Determinism: every value is a function of the row number, the seed and the counts
(a modular hash, identical on PostgreSQL and SQLite); ids continue after the existing
rows, so the same seed on the same starting state (e.g. after `truncate`) gives the
same data. Speed: no row is built in Python. PostgreSQL uses `INSERT … SELECT` over
`generate_series` (LATERAL per delivery for logs, hits, propositions) and loads large
batches without secondary indexes and constraints, rebuilt afterwards; SQLite uses
recursive CTEs and a temporary numbers table, in chunks. All in one transaction: a
failure leaves the database as it was.
"""

from .run import (
    PRESETS,
    GenerationError,
    Result,
    count_problems,
    generate,
    generated_models,
    preset_counts,
    window_start,
)

__all__ = [
    "PRESETS",
    "GenerationError",
    "Result",
    "count_problems",
    "generate",
    "generated_models",
    "preset_counts",
    "window_start",
]
