"""The quarterly report's numbers: quarters, the figures of one, and how they compare with the last quarter.

No Slack, no database, no rendering: domain.report turns these into HTML, PDF and CSV. Quarters are calendar
quarters (Q1 is January to March); every heading names the months, so nobody has to guess.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from domain.charts import MONTH_NAMES, PartnerCredit

SOMEONE = "a colleague"

_QUARTER = re.compile(r"(\d{4})\s*[-/ ]?\s*Q(\d+)|Q(\d+)\s*[-/ ]?\s*(\d{4})", re.IGNORECASE)


# ---- records ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quarter:
    start: dt.date  # the first day
    end: dt.date  # the last day, inclusive
    label: str  # "Q3 2026"

    @property
    def key(self) -> str:
        """'2026-Q3', as parse_quarter reads it and as the CSV file names use it."""
        return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"

    @property
    def span(self) -> str:
        """'July to September 2026'."""
        return f"{MONTH_NAMES[self.start.month - 1]} to {MONTH_NAMES[self.end.month - 1]} {self.end.year}"

    def previous(self) -> Quarter:
        return quarter_of(self.start - dt.timedelta(days=1))


@dataclass(frozen=True)
class ImpactStatement:
    """What a share's author wrote about its impact. `author` is None where they are not to be named."""

    text: str
    share_title: str | None = None
    author: str | None = None


@dataclass(frozen=True)
class QuarterFigures:
    quarter: Quarter
    organisation: str
    shares: int = 0
    requests: int = 0
    offers: int = 0
    median_days_to_help: float | None = None  # from request to first offer; None when no request found help
    resolved: int = 0  # collaborations resolved
    agreements_active: int = 0  # agreed at any time in the quarter
    agreements_started: int = 0
    agreements_ended: int = 0
    reviews_on_time: int = 0
    reviews_late: int = 0
    meetups: int = 0  # events held
    attendance: int = 0  # people who went, over all of them
    partners: tuple[PartnerCredit, ...] = ()
    impact: tuple[ImpactStatement, ...] = ()

    @property
    def partner_organisations(self) -> int:
        return len({line(p.name) for p in self.partners if p.count > 0})

    @property
    def impact_statements(self) -> int:
        return len(self.impact)


# What the report counts, in order: (attribute of QuarterFigures, what it is called).
MEASURES: tuple[tuple[str, str], ...] = (
    ("shares", "Practice shares"),
    ("requests", "Collaboration requests"),
    ("offers", "Offers of help"),
    ("resolved", "Collaborations resolved"),
    ("median_days_to_help", "Median days for a request to find help"),
    ("agreements_active", "Agreements active"),
    ("agreements_started", "Agreements started"),
    ("agreements_ended", "Agreements ended"),
    ("reviews_on_time", "Agreement reviews on time"),
    ("reviews_late", "Agreement reviews late"),
    ("meetups", "Events held"),
    ("attendance", "Attendance at events"),
    ("partner_organisations", "Partner organisations credited"),
    ("impact_statements", "Impact statements written"),
)


# ---- reading the quarter ------------------------------------------------------------------------------------


def quarter_of(day: dt.date) -> Quarter:
    """The calendar quarter `day` falls in."""
    first_month = (day.month - 1) // 3 * 3 + 1
    start = dt.date(day.year, first_month, 1)
    after = dt.date(day.year + 1, 1, 1) if first_month == 10 else dt.date(day.year, first_month + 3, 1)
    return Quarter(start=start, end=after - dt.timedelta(days=1), label=f"Q{(first_month - 1) // 3 + 1} {day.year}")


def parse_quarter(text: str, today: dt.date) -> Quarter:
    """'2026-Q3' (or '2026 Q3', 'Q3 2026'). The quarter in progress is allowed, later ones are not. Raises
    ValueError with a kind sentence to show as it is."""
    latest = quarter_of(today)
    match = _QUARTER.fullmatch((text or "").strip())
    if not match:
        raise ValueError(f"Please give a quarter as the year then Q1 to Q4, like {latest.key}.")
    year, number = int(match.group(1) or match.group(4)), int(match.group(2) or match.group(3))
    if not 1 <= number <= 4:
        raise ValueError(f"A year has four quarters, Q1 to Q4: please give one of those, like {latest.key}.")
    if year < 1:
        raise ValueError(f"Please give a year with four digits, like {latest.key}.")
    quarter = quarter_of(dt.date(year, number * 3, 1))
    if quarter.start > today:
        raise ValueError(
            f"{quarter.label} ({quarter.span}) hasn't started yet: the latest you can choose is {latest.key}."
        )
    return quarter


# ---- comparisons --------------------------------------------------------------------------------------------


def value(figures: QuarterFigures, measure: str) -> float | int | None:
    return getattr(figures, measure)


def change(measure: str, current: QuarterFigures, previous: QuarterFigures | None) -> str:
    """'up 3 on last quarter', 'down 2 on last quarter', 'the same as last quarter'; for the median days,
    'quicker' or 'slower'. Empty when there is no previous quarter."""
    if previous is None:
        return ""
    now, before = value(current, measure), value(previous, measure)
    if measure == "median_days_to_help":
        if now is None or before is None:
            return "none last quarter" if before is None and now is not None else "none this quarter"
        if now == before:
            return "the same as last quarter"
        faster = "quicker" if now < before else "slower"
        return f"{days(abs(now - before))} {faster} than last quarter"
    assert now is not None and before is not None
    if now == before:
        return "the same as last quarter"
    return f"{'up' if now > before else 'down'} {abs(now - before)} on last quarter"


def shown(figures: QuarterFigures | None, measure: str) -> str:
    """A figure as the report shows it: the median in days with one decimal at most, '–' when there is none."""
    figure = value(figures, measure) if figures is not None else None
    return "–" if figure is None else number(figure)


def partner_rows(current: QuarterFigures, previous: QuarterFigures | None) -> list[tuple[str, int, int]]:
    """(organisation, credits this quarter, credits last quarter), most credited this quarter first. The same
    name given twice is added up."""
    now = _credits(current.partners)
    before = _credits(previous.partners) if previous else {}
    names = [name for name in now if now[name]] + [name for name in before if name not in now and before[name]]
    rows = [(name, now.get(name, 0), before.get(name, 0)) for name in names]
    return sorted(rows, key=lambda row: (-row[1], -row[2], row[0].casefold()))


def _credits(partners: Sequence[PartnerCredit]) -> dict[str, int]:
    out: dict[str, int] = {}
    for partner in partners:
        name = line(partner.name)
        out[name] = out.get(name, 0) + partner.count
    return out


# ---- words --------------------------------------------------------------------------------------------------


def line(text: str | None) -> str:
    """Text on one line, its runs of whitespace made single spaces."""
    return " ".join((text or "").split())


def number(figure: float | int) -> str:
    """'3', '2.5': whole numbers without a decimal point, others to one place."""
    return str(int(figure)) if float(figure).is_integer() else f"{figure:.1f}"


def days(count: float) -> str:
    return f"{number(count)} {'day' if count == 1 else 'days'}"
