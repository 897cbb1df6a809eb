"""What the REFI-QDA project reader and writer share: the namespace, the schema, guids and times."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

from lxml import etree

NS = "urn:QDA-XML:project:1.0"
SCHEMA_PATH = Path(__file__).parent / "schema" / "Project.xsd"
ORIGIN = "Cocode"
_GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://cocode.invalid/refi-qda/project")


def q(tag: str) -> str:
    """Clark name of a project element: q("Code") -> "{urn:QDA-XML:project:1.0}Code"."""
    return f"{{{NS}}}{tag}"


@cache
def schema() -> etree.XMLSchema:
    """The published REFI-QDA Project.xsd (a verbatim copy kept beside this module)."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def derived_guid(kind: str, *key: object) -> str:
    """A guid derived from what the thing is, so exporting the same project twice gives the same file."""
    return str(uuid.uuid5(_GUID_NAMESPACE, kind + "\x1f" + "\x1f".join(str(k) for k in key)))


def clean_guid(value: str | None) -> str | None:
    """'{ABC...}' -> 'abc...': tools write guids upper-case and in braces; we compare and store them bare."""
    if not value:
        return None
    return value.strip().strip("{}").lower() or None


def xml_datetime(value: datetime | None) -> str | None:
    """xsd:dateTime in UTC with a Z (SQLite hands back naive datetimes, which we store as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
