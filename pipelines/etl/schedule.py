"""Schedules: ``hourly``, ``daily``, ``weekly``, ``monthly`` or a five-field cron expression, in local time.

``opendata run --due`` is meant to be called often (every few minutes by cron or a systemd timer); a pipeline is
due when a scheduled moment has passed since its last run started, or when it has never run. The schedule only
decides *when*; a due run whose source did not change still publishes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

KEYWORDS = {"hourly": "0 * * * *", "daily": "0 1 * * *", "weekly": "0 1 * * 1", "monthly": "0 1 1 * *"}
FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7))


@dataclass(frozen=True)
class Schedule:
    text: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday, as in cron
    any_day: bool
    any_weekday: bool

    def day_matches(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        in_month = day.day in self.days
        in_week = (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:  # cron: when one of the two is '*', the other decides
            return in_month and in_week
        return in_month or in_week

    def previous(self, now: datetime) -> datetime | None:
        """The latest scheduled moment at or before ``now`` (naive local time), within about five years."""
        for back in range(0, 366 * 5):
            day = (now - timedelta(days=back)).date()
            if not self.day_matches(day):
                continue
            for hour in sorted(self.hours, reverse=True):
                for minute in sorted(self.minutes, reverse=True):
                    moment = datetime(day.year, day.month, day.day, hour, minute)
                    if moment <= now:
                        return moment
        return None


def _field(text: str, name: str, low: int, high: int) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise ValueError(f"{name}: bad step {step_text!r}")
            step = int(step_text)
        if part == "*":
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            if not (a.isdigit() and b.isdigit()):
                raise ValueError(f"{name}: bad range {part!r}")
            start, end = int(a), int(b)
        elif part.isdigit():
            start = end = int(part)
            if step != 1:
                end = high
        else:
            raise ValueError(f"{name}: {part!r} is not a number, range or '*'")
        if not (low <= start <= high and low <= end <= high and start <= end):
            raise ValueError(f"{name}: {part!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return values


def parse(text: str) -> Schedule:
    """Parse a schedule; ``ValueError`` says what is wrong."""
    expression = KEYWORDS.get(text.strip().lower(), text.strip())
    parts = expression.split()
    if len(parts) != 5:
        raise ValueError(f"schedule {text!r} is not hourly, daily, weekly, monthly or a cron expression with five "
                         "fields (minute hour day-of-month month day-of-week), e.g. '0 6 * * *'")
    sets = [_field(p, name, low, high) for p, (name, low, high) in zip(parts, FIELDS, strict=True)]
    weekdays = {d % 7 for d in sets[4]}
    return Schedule(text, tuple(sorted(sets[0])), tuple(sorted(sets[1])), frozenset(sets[2]), frozenset(sets[3]),
                    frozenset(weekdays), parts[2] == "*", parts[4] == "*")


def is_due(schedule: str, last_started_at: str | None, now: datetime | None = None) -> bool:
    """Due when a scheduled moment lies after the last run's start (UTC ISO text), or when it never ran."""
    if not last_started_at:
        return True
    local_now = (now or datetime.now(UTC)).astimezone().replace(tzinfo=None)
    moment = parse(schedule).previous(local_now)
    if moment is None:
        return False
    last = datetime.strptime(last_started_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return moment.astimezone(UTC) > last  # a naive moment is local time
