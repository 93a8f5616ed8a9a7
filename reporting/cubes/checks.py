"""System checks: every declared cube's fact, aggregate and summary models exist, and
each aggregate or summary has the columns its cube's declaration says it has
(queries.target_columns)."""

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
        for target in queries.targets(cube):
            try:
                model = target.model_class
            except (LookupError, ValueError):
                problems.append(checks.Error(f"cube {cube.key}: no model {target.model}", id="cubes.E001"))
                continue
            for column in queries.target_columns(cube, target):
                try:
                    model._meta.get_field(column)
                except FieldDoesNotExist:
                    problems.append(
                        checks.Error(
                            f"cube {cube.key}: {target.model} has no column {column!r}", id="cubes.E002"
                        )
                    )
    return problems
