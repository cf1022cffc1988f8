"""Which Graph API version the Meta connectors call, and when Meta retires each version.

Meta keeps a version for about two years after the next one ships, then answers calls to
it with errors. The dates are Meta's published "Available Until" column of the Graph API
changelog (developers.facebook.com/docs/graph-api/changelog/versions); None means Meta has
not published an end date yet. A test fails when the pinned version is within 60 days of
its end, so moving on is a one-line change here (or options.graph_version per account).
"""

from __future__ import annotations

from datetime import date

GRAPH_VERSION = "v26.0"
GRAPH_HOST = "https://graph.facebook.com"
END_OF_LIFE: dict[str, date | None] = {
    "v26.0": None,
    "v25.0": date(2028, 7, 29),
    "v24.0": date(2028, 2, 18),
    "v23.0": date(2027, 10, 8),
    "v22.0": date(2027, 5, 20),
    "v21.0": date(2027, 1, 21),
}
WARN_BEFORE_DAYS = 60


def graph_url(version: str = GRAPH_VERSION) -> str:
    return f"{GRAPH_HOST}/{version}"


def days_left(version: str, today: date) -> int | None:
    """Days until Meta retires `version` (None: no end date published yet)."""
    if version not in END_OF_LIFE:
        raise KeyError(f"Graph API version {version} is not in the table of end dates")
    end = END_OF_LIFE[version]
    return None if end is None else (end - today).days
