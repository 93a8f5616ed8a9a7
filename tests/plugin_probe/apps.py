from django.apps import AppConfig


class PluginProbeConfig(AppConfig):
    """A test app that declares one of each plug-in (tests/campaign/test_plugins.py shows
    each appears with no change outside it but its INSTALLED_APPS line)."""

    name = "tests.plugin_probe"
    label = "plugin_probe"
    verbose_name = "Plug-in probe"
