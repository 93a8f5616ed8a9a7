"""The delivery report aggregates in `generate_data` and the demo (GeneratedTable
"delivery_report_aggregates"): the first build of reportingAggregates over the
generated delivery and tracking logs, as a platform that ran it every night would
hold. Its count is a switch (1: build; 0: nothing). Development tooling."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import aggregates

if TYPE_CHECKING:
    from workflows.plugins import Generation


def generate(generation: Generation) -> int:
    if not generation.count("delivery_report_aggregates"):
        return 0
    return aggregates.rebuild(generation.now).rows
