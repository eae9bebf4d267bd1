"""One check of a quality score: passed or not, the points it gives, and what to do when it fails.

Why shared: data.gouv.fr's criteria, the EU MQA properties and the stars are all lists of checks that the API,
the dataset page and the CLI show the same way, with a hint in Vietnamese and English for each failing one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    id: str
    passed: bool
    points: float  # what the check gives (a share of ``max`` when it is scored over the files)
    max: float
    label: dict[str, str]  # {"vi": ..., "en": ...}
    hint: dict[str, str]  # what to do when it fails
    share: float | None = None  # the share of files that pass, for file-level checks

    def to_dict(self) -> dict:
        out = {"id": self.id, "passed": self.passed, "points": self.points, "max": self.max,
               "label": self.label, "hint": None if self.passed else self.hint}
        if self.share is not None:
            out["share"] = self.share
        return out


def check(id: str, passed: bool, max: float, label: tuple[str, str], hint: tuple[str, str]) -> Check:
    """An all-or-nothing check."""
    return Check(id, bool(passed), float(max) if passed else 0.0, float(max),
                 {"vi": label[0], "en": label[1]}, {"vi": hint[0], "en": hint[1]})


def shared_check(id: str, passing: int, total: int, max: float, label: tuple[str, str],
                 hint: tuple[str, str]) -> Check:
    """A check over files: ``max`` times the share of the ``total`` files that pass (no file: nothing)."""
    share = passing / total if total else 0.0
    return Check(id, bool(total) and passing == total, round(max * share, 2), float(max),
                 {"vi": label[0], "en": label[1]}, {"vi": hint[0], "en": hint[1]}, round(share, 4))


def total(checks: list[Check]) -> tuple[float, float]:
    return round(sum(c.points for c in checks), 2), round(sum(c.max for c in checks), 2)
