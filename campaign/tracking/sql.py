"""The few SQL spellings that differ between PostgreSQL and SQLite, and quoting."""

from django.db import connection

BUCKET_SECONDS = 300  # consolidated tracking statistics: 5-minute periods


def q(name):
    return connection.ops.quote_name(name)


def table(model):
    return q(model._meta.db_table)


def postgres():
    return connection.vendor == "postgresql"


def bucket(column):
    """The start of the 5-minute period holding the timestamp `column`."""
    if postgres():
        return f"to_timestamp(floor(extract(epoch FROM {column}) / {BUCKET_SECONDS}) * {BUCKET_SECONDS})"
    return (
        f"datetime(CAST(strftime('%%s', {column}) AS INTEGER) / {BUCKET_SECONDS} * {BUCKET_SECONDS}, "
        "'unixepoch')"
    )


def timestamp_type():
    return "timestamptz" if postgres() else "datetime"


def db_value(moment):
    """A timestamp as this database takes it in a raw statement's parameters."""
    return connection.ops.adapt_datetimefield_value(moment)


def in_list(values):
    """ "%s, %s, …" for a list of parameters (never empty: callers check)."""
    return ", ".join(["%s"] * len(values))
