"""System checks: every declared cube's fact and aggregate models exist, and each
aggregate has the columns its cube's declaration says it has (queries.aggregate_columns)."""

from django.apps import apps
from django.core import checks
from django.core.exceptions import FieldDoesNotExist

from workflows.plugins import cubes

from . import queries


@checks.register()
def check_cubes(app_configs=None, **kwargs):
    problems = []
    for cube in cubes():
        for label in filter(None, (cube.fact, cube.aggregate)):
            try:
                apps.get_model(label)
            except (LookupError, ValueError):
                problems.append(checks.Error(f"cube {cube.key}: no model {label}", id="cubes.E001"))
        if not cube.aggregate or any(p.id == "cubes.E001" for p in problems):
            continue
        model = apps.get_model(cube.aggregate)
        for column in queries.aggregate_columns(cube):
            try:
                model._meta.get_field(column)
            except FieldDoesNotExist:
                problems.append(
                    checks.Error(
                        f"cube {cube.key}: {cube.aggregate} has no column {column!r}", id="cubes.E002"
                    )
                )
    return problems
