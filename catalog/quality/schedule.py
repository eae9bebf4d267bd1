"""When a dataset's next update is due, from its declared frequency and its last version.

Why one place: data.gouv.fr's "updated on time" criterion and our freshness figure both compare the time since
the last version with the period the publisher promised. Months and years are calendar months and years (a
monthly dataset published on 31 January is due on 28/29 February), hours, days and weeks are fixed lengths.
Frequencies without a period (irregular, continuous, never) promise no date, so nothing can be late.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

# frequency -> (months, fixed length); codes as catalog/dcat_vocab.FREQUENCIES spells them
PERIODS: dict[str, tuple[int, timedelta]] = {
    "hourly": (0, timedelta(hours=1)), "daily": (0, timedelta(days=1)), "weekly": (0, timedelta(weeks=1)),
    "biweekly": (0, timedelta(weeks=2)), "monthly": (1, timedelta()), "quarterly": (3, timedelta()),
    "semiannual": (6, timedelta()), "yearly": (12, timedelta()), "annual": (12, timedelta()),
    "biennial": (24, timedelta()),
}
UNSCHEDULED = ("irregular", "continuous", "realtime", "never")


def normalize(frequency: str | None) -> str:
    return (frequency or "").strip().lower()


def add_months(when: datetime, months: int) -> datetime:
    year, month = divmod(when.month - 1 + months, 12)
    year += when.year
    day = min(when.day, calendar.monthrange(year, month + 1)[1])
    return when.replace(year=year, month=month + 1, day=day)


def next_due(last: datetime, frequency: str | None) -> datetime | None:
    """When the version after ``last`` is due; None for a frequency with no period (or none declared)."""
    period = PERIODS.get(normalize(frequency))
    if period is None:
        return None
    months, fixed = period
    return add_months(last, months) + fixed if months else last + fixed
