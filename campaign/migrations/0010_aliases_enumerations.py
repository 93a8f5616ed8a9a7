# Enumerations for alias cleansing (issue 11): open or closed, the cleansing flag, case-
# and space-insensitive matching; values and aliases keyed by their match key; aliases
# belong to an enumeration and may have no target yet, with hits. Seeds the two
# enumerations the core binds (recipient country and company type).

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Lower, Trim

SEEDED = [("country", "Country"), ("company_type", "Company type")]


def fill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # The FK updates below queue deferred checks; the ALTER TABLEs that follow in this
        # migration would refuse to run with "pending trigger events".
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    Enumeration = apps.get_model("campaign", "Enumeration")
    EnumerationValue = apps.get_model("campaign", "EnumerationValue")
    EnumerationAlias = apps.get_model("campaign", "EnumerationAlias")
    for alias in EnumerationAlias.objects.select_related("value"):
        EnumerationAlias.objects.filter(pk=alias.pk).update(enumeration_id=alias.value.enumeration_id)
    # Every existing enumeration ignores case and spaces (the new default).
    EnumerationValue.objects.update(match_key=Lower(Trim(F("value"))))
    EnumerationAlias.objects.update(match_key=Lower(Trim(F("alias"))))
    for name, label in SEEDED:
        Enumeration.objects.get_or_create(
            name=name, defaults={"label": label, "kind": "open", "alias_cleansing": True, "ignore_case": True}
        )
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):

    dependencies = [
        # After the migrations already on main (the lead orders the 0007_* of every area).
        ('campaign', '0009_forecasting_delivery_target'),
    ]

    operations = [
        migrations.AddField(
            model_name="enumeration",
            name="kind",
            field=models.CharField(
                choices=[("open", "Open"), ("closed", "Closed")],
                default="open",
                help_text="Open: a value typed in a form is added after the operator confirms it. Closed: only the listed values.",
                max_length=10,
                verbose_name="type",
            ),
        ),
        migrations.AddField(
            model_name="enumeration",
            name="alias_cleansing",
            field=models.BooleanField(
                default=False,
                help_text="Every night, collect the spellings found in the bound fields that are neither a value nor an alias, and rewrite aliased spellings to their value.",
                verbose_name="alias cleansing",
            ),
        ),
        migrations.AddField(
            model_name="enumeration",
            name="ignore_case",
            field=models.BooleanField(
                default=True,
                help_text="“ france ” and “FRANCE” then match the value “France”.",
                verbose_name="ignore case and surrounding spaces",
            ),
        ),
        migrations.AddField(
            model_name="enumerationvalue",
            name="match_key",
            field=models.CharField(default="", editable=False, max_length=200, verbose_name="match key"),
        ),
        migrations.AlterField(
            model_name="enumerationvalue",
            name="enumeration",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="values",
                to="campaign.enumeration",
                verbose_name="enumeration",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="enumerationalias",
            name="campaign_alias_unique_alias",
        ),
        migrations.AlterModelOptions(
            name="enumerationalias",
            options={"ordering": ["enumeration", "alias"], "verbose_name": "alias", "verbose_name_plural": "aliases"},
        ),
        migrations.AddField(
            model_name="enumerationalias",
            name="enumeration",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="aliases",
                to="campaign.enumeration",
                verbose_name="enumeration",
            ),
        ),
        migrations.AddField(
            model_name="enumerationalias",
            name="match_key",
            field=models.CharField(default="", editable=False, max_length=200, verbose_name="match key"),
        ),
        migrations.AlterField(
            model_name="enumerationalias",
            name="value",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty: no target yet; the spelling is left as it is.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="aliases",
                to="campaign.enumerationvalue",
                verbose_name="value",
            ),
        ),
        migrations.AlterField(
            model_name="enumerationalias",
            name="hits",
            field=models.PositiveBigIntegerField(
                default=0,
                help_text="An estimate of how many times this spelling was entered.",
                verbose_name="hits",
            ),
        ),
        migrations.AddField(
            model_name="enumerationalias",
            name="rows_found",
            field=models.PositiveBigIntegerField(
                default=0,
                help_text="Rows holding it at the last cleansing, before rewriting.",
                verbose_name="rows found",
            ),
        ),
        migrations.AddField(
            model_name="enumerationalias",
            name="rows_pending",
            field=models.PositiveBigIntegerField(
                default=0,
                help_text="Rows still holding it after the last cleansing.",
                verbose_name="rows holding it",
            ),
        ),
        migrations.AddField(
            model_name="enumerationalias",
            name="last_seen_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="last found"),
        ),
        migrations.AddField(
            model_name="enumerationalias",
            name="source",
            field=models.CharField(
                choices=[
                    ("operator", "Entered by an operator"),
                    ("cleansing", "Collected by alias cleansing"),
                    ("conversion", "Converted from a value"),
                ],
                default="operator",
                max_length=20,
                verbose_name="source",
            ),
        ),
        migrations.AddField(
            model_name="enumerationalias",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="created"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="enumerationalias",
            name="enumeration",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="aliases",
                to="campaign.enumeration",
                verbose_name="enumeration",
            ),
        ),
        migrations.AddConstraint(
            model_name="enumerationvalue",
            constraint=models.UniqueConstraint(fields=("enumeration", "match_key"), name="campaign_enumvalue_unique_key"),
        ),
        migrations.AddConstraint(
            model_name="enumerationalias",
            constraint=models.UniqueConstraint(fields=("enumeration", "match_key"), name="campaign_alias_unique_key"),
        ),
    ]
