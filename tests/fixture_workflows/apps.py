from django.apps import AppConfig


class FixtureWorkflowsConfig(AppConfig):
    """Test-only workflows (installed by campaign.settings_test, never in production)."""

    name = "tests.fixture_workflows"
    label = "fixture_workflows"
    verbose_name = "Test workflows"
