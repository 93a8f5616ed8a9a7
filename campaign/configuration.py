"""The settings store: the settings each app declares (workflows.plugins.Setting in its
contributions.py), their values, and the audit of every change.

    from campaign.configuration import value
    threshold = value("myapp.threshold")

A setting without a stored value has its declared default. Every change, made on the
Settings screen, the Purge data screen or by `save`, is a SettingChange row: who, when,
which setting, from what to what.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from workflows.plugins import Setting, SettingKind, settings_by_app

from .models import SettingChange, SettingValue


def declared():
    """{"<app_label>.<key>": Setting} of every installed app, in screen order."""
    return {
        f"{app_label}.{setting.key}": setting
        for app_label, settings in settings_by_app()
        for setting in settings
    }


def value(full_key):
    """The value of a declared setting: the stored one, else the default. Raises
    LookupError for a setting no installed app declares."""
    setting = declared().get(full_key)
    if setting is None:
        raise LookupError(f"no installed app declares the setting {full_key!r}")
    stored = SettingValue.objects.filter(key=full_key).values_list("value", flat=True).first()
    if stored is None and not SettingValue.objects.filter(key=full_key).exists():
        return setting.default
    return stored


def values(keys=None):
    """{full key: value} of the declared settings (or of `keys`), in two queries."""
    settings = declared()
    wanted = list(settings) if keys is None else list(keys)
    stored = dict(SettingValue.objects.filter(key__in=wanted).values_list("key", "value"))
    return {key: stored[key] if key in stored else settings[key].default for key in wanted}


def check_value(setting: Setting, raw):
    """The value a setting stores for `raw`, or ValidationError with the reason."""
    if raw is None or raw == "":
        if setting.required and setting.kind != SettingKind.BOOLEAN:
            raise ValidationError("a value is required")
        return None if setting.kind != SettingKind.BOOLEAN else False
    if setting.kind == SettingKind.INTEGER:
        number = int(raw)
        if setting.minimum is not None and number < setting.minimum:
            raise ValidationError(f"at least {setting.minimum}")
        if setting.maximum is not None and number > setting.maximum:
            raise ValidationError(f"at most {setting.maximum}")
        return number
    if setting.kind == SettingKind.BOOLEAN:
        return bool(raw)
    if setting.kind == SettingKind.CHOICE and raw not in {code for code, _label in setting.choices}:
        raise ValidationError(f"not one of {', '.join(code for code, _label in setting.choices)}")
    return str(raw)


def shown(value_or_none):
    """A value as the audit shows it."""
    if value_or_none is None:
        return ""
    if isinstance(value_or_none, bool):
        return "yes" if value_or_none else "no"
    return str(value_or_none)


def record_change(key, before, after, user, now):
    return SettingChange.objects.create(
        key=key, before=shown(before)[:500], after=shown(after)[:500], changed_by=user, changed_at=now
    )


@transaction.atomic
def save(changes, user, now=None):
    """Store {full key: value} (each checked again), auditing what changed; returns the
    keys whose value changed."""
    now = now or timezone.now()
    settings = declared()
    current = values(list(changes))
    changed = []
    for key, raw in changes.items():
        new = check_value(settings[key], raw)
        SettingValue.objects.update_or_create(
            key=key, defaults={"value": new, "updated_at": now, "updated_by": user}
        )
        if new != current[key]:
            record_change(key, current[key], new, user, now)
            changed.append(key)
    return changed
