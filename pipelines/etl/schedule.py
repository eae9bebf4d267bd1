"""Schedules: ``hourly``, ``daily``, ``weekly``, ``monthly`` or a five-field cron expression, in local time.

``opendata run --due`` is meant to be called often (every few minutes by cron or a systemd timer); a pipeline is
due when a scheduled moment has passed since its last run started, or when it has never run. The schedule only
decides *when*; a due run whose source did not change still publishes nothing.

Cron syntax and its calendar arithmetic (steps, ranges, the day-of-month/day-of-week rule, leap years) are
``croniter``'s; this module adds only our keywords, the five-field rule, upward ranges, and local time: a
schedule is read in the machine's time zone (Asia/Ho_Chi_Minh on the city's servers), the history in UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from croniter import CroniterBadDateError, CroniterError, croniter

from catalog.i18n import N_, _

KEYWORDS = {"hourly": "0 * * * *", "daily": "0 1 * * *", "weekly": "0 1 * * 1", "monthly": "0 1 1 * *"}
FIELD_NAMES = (N_("phút"), N_("giờ trong ngày"), N_("ngày trong tháng"), N_("tháng trong năm"),  # translated
               N_("ngày trong tuần"))  # where a message shows them
SEARCH_YEARS = 5  # a schedule with no moment in this many years (30 February) is never due
_RANGE = re.compile(r"(\d+)-(\d+)(?:/\d+)?")


@dataclass(frozen=True)
class Schedule:
    text: str
    expression: str  # the five cron fields
    expanded: list = field(repr=False, compare=False)  # croniter's values per field; ['*'] for every value

    @property
    def minutes(self) -> tuple[int, ...]:
        return self._values(0, range(60))

    @property
    def hours(self) -> tuple[int, ...]:
        return self._values(1, range(24))

    def _values(self, index: int, every: range) -> tuple[int, ...]:
        values = self.expanded[index]
        return tuple(every) if values == ["*"] else tuple(sorted(values))

    def previous(self, now: datetime) -> datetime | None:
        """The latest scheduled moment at or before ``now`` (naive local time), within about five years."""
        after = now.replace(second=0, microsecond=0) + timedelta(minutes=1)  # croniter looks strictly before
        try:
            return croniter(self.expression, after, max_years_between_matches=SEARCH_YEARS).get_prev(datetime)
        except CroniterBadDateError:
            return None


def _plain_ranges(parts: list[str]) -> str:
    """Ranges as cron reads them: ``5-1`` is refused (croniter would wrap it round the hour) and ``5-5`` is
    minute 5 (croniter would widen it to the whole hour)."""
    fields = []
    for part, name in zip(parts, FIELD_NAMES, strict=True):
        pieces = []
        for piece in part.split(","):
            found = _RANGE.fullmatch(piece)
            if found and int(found[1]) > int(found[2]):
                raise ValueError(_("{field}: khoảng {piece} đi ngược (hãy viết số nhỏ hơn trước)", field=_(name),
                                   piece=repr(piece)))
            pieces.append(found[1] if found and found[1] == found[2] else piece)
        fields.append(",".join(pieces))
    return " ".join(fields)


def parse(text: str) -> Schedule:
    """Parse a schedule; ``ValueError`` says what is wrong."""
    expression = KEYWORDS.get(text.strip().lower(), text.strip())
    parts = expression.split()
    if len(parts) != 5:
        raise ValueError(_("lịch chạy {schedule} không phải hourly, daily, weekly, monthly hay một biểu thức cron gồm năm "
                           "trường (phút giờ ngày-trong-tháng tháng ngày-trong-tuần), ví dụ '0 6 * * *'",
                           schedule=repr(text)))
    expression = _plain_ranges(parts)
    try:
        expanded, _nth = croniter.expand(expression)
    except CroniterError as error:
        raise ValueError(_("lịch chạy {schedule}: {error}", schedule=repr(text), error=error)) from None
    return Schedule(text, expression, expanded)


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
