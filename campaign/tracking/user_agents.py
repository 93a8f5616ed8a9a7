"""User agents: each distinct string is stored once and parsed once with ua-parser
(uap-core's rules, the well-kept parser behind most analytics), never by our own
regular expressions. Consolidation adds the strings of a batch it has not seen yet
(one set-based INSERT), then parses those: the loop runs over new distinct strings,
a few per batch once a platform has been running, never over hits."""

from ua_parser import parse

from .models import UserAgent
from .sql import db_value, table

UNKNOWN = "Other"
ROBOT_DEVICES = {"Spider"}
VERSION_MAX = UserAgent._meta.get_field("browser_version").max_length
NAME_MAX = UserAgent._meta.get_field("browser").max_length


def _version(part):
    numbers = [n for n in (part.major, part.minor) if n] if part else []
    return ".".join(numbers)[:VERSION_MAX]


def describe(text):
    """The parsed fields of one user-agent string (ua-parser), for a UserAgent row."""
    result = parse(text) if text else None
    agent = result.user_agent if result else None
    system = result.os if result else None
    device = result.device if result else None
    return {
        "browser": (agent.family if agent else UNKNOWN)[:NAME_MAX],
        "browser_version": _version(agent),
        "os": (system.family if system else UNKNOWN)[:NAME_MAX],
        "os_version": _version(system),
        "device": (device.family if device else "")[:NAME_MAX],
        "is_robot": bool(device and device.family in ROBOT_DEVICES),
        "parsed": True,
    }


def add_from(cursor, source, where, now):
    """Insert the distinct user agents of `source` (a table or work table, rows matching
    `where`) that are not stored yet; returns how many."""
    cursor.execute(
        f"INSERT INTO {table(UserAgent)} (text, browser, browser_version, os, os_version, device, "
        "is_robot, parsed, first_seen_at) "
        f"SELECT DISTINCT b.user_agent, '', '', '', '', '', %s, %s, %s FROM {source} b "
        f"WHERE {where} AND NOT EXISTS (SELECT 1 FROM {table(UserAgent)} u WHERE u.text = b.user_agent)",
        [False, False, db_value(now)],
    )
    return max(cursor.rowcount, 0)


def parse_new():
    """Parse the stored user agents not parsed yet; returns how many."""
    rows = list(UserAgent.objects.filter(parsed=False).only("id", "text"))
    for row in rows:
        for name, value in describe(row.text).items():
            setattr(row, name, value)
    fields = ["browser", "browser_version", "os", "os_version", "device", "is_robot", "parsed"]
    UserAgent.objects.bulk_update(rows, fields, batch_size=500)
    return len(rows)
