"""The one timestamp format of reports, stores and pages: ISO 8601 in UTC."""
from __future__ import annotations

from datetime import datetime, timezone


#: ``2026-12-06T04:22:59Z``
ISO_UTC = '%Y-%m-%dT%H:%M:%SZ'


def iso(when: datetime | None) -> str | None:
    """``when`` in UTC as :data:`ISO_UTC` (None stays None; naive times are taken as UTC)."""
    if when is None:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc)
    return when.strftime(ISO_UTC)


def parse_iso(text: str) -> datetime:
    """The inverse of :func:`iso`: a timezone-aware UTC time."""
    return datetime.strptime(text, ISO_UTC).replace(tzinfo=timezone.utc)
