"""Schedules: keywords, cron fields, and when a pipeline is due."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipelines.etl import schedule


def test_keywords_and_previous_moment():
    assert schedule.parse("hourly").previous(datetime(2024, 3, 1, 13, 20)) == datetime(2024, 3, 1, 13, 0)
    assert schedule.parse("daily").previous(datetime(2024, 3, 1, 0, 30)) == datetime(2024, 2, 29, 1, 0)
    assert schedule.parse("monthly").previous(datetime(2024, 3, 15)) == datetime(2024, 3, 1, 1, 0)
    assert schedule.parse("weekly").previous(datetime(2024, 3, 1, 12)) == datetime(2024, 2, 26, 1, 0)  # Monday


def test_cron_fields():
    s = schedule.parse("*/15 6-18 * * 1-5")
    assert s.minutes == (0, 15, 30, 45) and s.hours == tuple(range(6, 19))
    assert s.previous(datetime(2024, 3, 2, 12, 0)) == datetime(2024, 3, 1, 18, 45)  # Saturday → Friday evening
    assert schedule.parse("0 7 1,15 * *").previous(datetime(2024, 3, 10)) == datetime(2024, 3, 1, 7, 0)
    assert schedule.parse("30 2 * * 0").previous(datetime(2024, 3, 5)) == datetime(2024, 3, 3, 2, 30)  # Sunday


@pytest.mark.parametrize("bad", ["every day", "60 * * * *", "* * * *", "*/0 * * * *", "5-1 * * * *", "a * * * *"])
def test_bad_schedules(bad):
    with pytest.raises(ValueError):
        schedule.parse(bad)


def utc_text(local: datetime) -> str:
    """A naive local time as the history stores run starts (UTC, ISO, 'Z')."""
    return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_is_due():
    now = datetime(2024, 3, 1, 13, 20).astimezone(UTC)
    assert schedule.is_due("hourly", None, now)  # never ran
    assert schedule.is_due("hourly", utc_text(datetime(2024, 3, 1, 12, 59)), now)  # 13:00 passed since
    assert not schedule.is_due("hourly", utc_text(datetime(2024, 3, 1, 13, 5)), now)
    assert not schedule.is_due("daily", utc_text(datetime(2024, 3, 1, 1, 0, 1)), now)
    assert schedule.is_due("daily", utc_text(datetime(2024, 2, 29, 23, 0)), now)


def test_an_equal_range_is_one_value_and_a_downward_range_is_refused():
    assert schedule.parse("5-5 3-3 * * *").previous(datetime(2024, 3, 1, 12)) == datetime(2024, 3, 1, 3, 5)
    with pytest.raises(ValueError, match="đi ngược"):
        schedule.parse("0 18-6 * * *")


def test_day_of_month_and_day_of_week_follow_the_cron_rule():
    # both restricted: either one matches (the 15th, a Friday here, or any Monday)
    assert schedule.parse("0 8 15 * 1").previous(datetime(2024, 3, 14)) == datetime(2024, 3, 11, 8, 0)
    assert schedule.parse("0 8 15 * 1").previous(datetime(2024, 3, 16)) == datetime(2024, 3, 15, 8, 0)
    # one is '*': the other decides alone
    assert schedule.parse("0 8 15 * *").previous(datetime(2024, 3, 14)) == datetime(2024, 2, 15, 8, 0)
    assert schedule.parse("0 8 * * 1").previous(datetime(2024, 3, 16)) == datetime(2024, 3, 11, 8, 0)


def test_a_schedule_with_no_moment_in_five_years_is_never_due():
    assert schedule.parse("0 0 30 2 *").previous(datetime(2024, 3, 1)) is None
    assert not schedule.is_due("0 0 30 2 *", "2024-01-01T00:00:00.000000Z", datetime(2024, 3, 1, tzinfo=UTC))


def test_schedules_are_read_in_the_machines_time_zone_hanoi_here():
    """``daily`` is 01:00 in Hanoi, i.e. 18:00 UTC the day before; the history stores UTC."""
    probe = ("import sys; from datetime import datetime, UTC; from pipelines.etl import schedule; "
             "now = datetime(2024, 3, 1, 17, 30, tzinfo=UTC); "  # 00:30 on 2 March in Hanoi
             "print(schedule.is_due('daily', sys.argv[1], now), schedule.parse('daily').previous(datetime(2024, 3, 2)))")
    env = {**os.environ, "TZ": "Asia/Ho_Chi_Minh"}

    def ask(last: str) -> str:
        return subprocess.run([sys.executable, "-c", probe, last], env=env, capture_output=True, text=True,
                              check=True, cwd=Path(__file__).parent.parent).stdout.strip()

    assert ask("2024-02-29T18:30:00.000000Z") == "False 2024-03-01 01:00:00"  # ran after 01:00 Hanoi time
    assert ask("2024-02-29T17:30:00.000000Z") == "True 2024-03-01 01:00:00"  # ran before it
