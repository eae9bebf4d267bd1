"""Schedules: keywords, cron fields, and when a pipeline is due."""

from __future__ import annotations

from datetime import UTC, datetime

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
