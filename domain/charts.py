"""Charts for the newsletter and the quarterly report: plain records in, PNG images with alt text out.

matplotlib is imported inside the functions, so importing this module costs nothing; each chart is drawn on a
fresh `Figure` with the Agg canvas (no pyplot, no display, no global state), one chart at a time, as matplotlib
is not thread-safe. Every chart is WIDTH x HEIGHT pixels, lettered to stay legible when an email shows it at
half that width, in the Okabe-Ito colour-blind-safe palette, with markers or hatching as well as colour. Its
alt text states the numbers in words. No data, or only zeros, gives a chart that says there is nothing yet.
User text drawn on a chart (partner names) is shown literally: never read as matplotlib's $maths$.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

WIDTH, HEIGHT, DPI = 1200, 600, 100
MAX_PARTNER_BARS = 10
MAX_NAME_CHARS = 32

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency.
ORANGE, SKY_BLUE, GREEN, YELLOW, BLUE, VERMILLION, PURPLE, BLACK = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#000000",
)
GREY = "#666666"

# Keys for the charts mappings that newsletter_html and report_html take; see standard_charts.
ACTIVITY, TIME_TO_HELP, AGREEMENTS, PARTNERS = "activity", "time_to_help", "agreements", "partners"

MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

_TITLE, _LABEL, _TICK = 24, 18, 16
_RENDER_LOCK = threading.Lock()


@dataclass(frozen=True)
class Chart:
    title: str
    png: bytes
    width: int
    height: int
    alt_text: str

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


@dataclass(frozen=True)
class MonthFigures:
    """One month's numbers, for the monthly charts. `month` is the first day of the month."""

    month: dt.date
    shares: int = 0
    requests: int = 0
    offers: int = 0
    resolved: int = 0
    median_days_to_help: float | None = None  # None when no request found help that month
    agreements_started: int = 0
    agreements_ended: int = 0
    reviews_on_time: int = 0
    reviews_late: int = 0


@dataclass(frozen=True)
class PartnerCredit:
    """How many times an organisation outside ours was credited (in agreements, offers of help)."""

    name: str
    count: int


def month_label(day: dt.date) -> str:
    """'November 2026', whatever the process's locale."""
    return f"{MONTH_NAMES[day.month - 1]} {day.year}"


def standard_charts(months: Sequence[MonthFigures], partners: Sequence[PartnerCredit]) -> dict[str, Chart]:
    """The four charts under the keys newsletter_html and report_html know."""
    return {
        ACTIVITY: activity_chart(months),
        TIME_TO_HELP: time_to_help_chart(months),
        AGREEMENTS: agreements_chart(months),
        PARTNERS: partner_credit_chart(partners),
    }


# ---- the charts ---------------------------------------------------------------------------------------------

_ACTIVITY_SERIES = (
    ("shares", "Practice shares", BLUE, "o", "-"),
    ("requests", "Collaboration requests", ORANGE, "s", "--"),
    ("offers", "Offers of help", GREEN, "^", "-."),
    ("resolved", "Collaborations resolved", VERMILLION, "D", ":"),
)


def activity_chart(months: Sequence[MonthFigures]) -> Chart:
    """Shares, requests, offers and resolved collaborations per month, one line each."""
    title = "Activity per month"
    months = sorted(months, key=lambda m: m.month)
    if not any(getattr(m, field) for m in months for field, *_ in _ACTIVITY_SERIES):
        return _empty(title, "No shares, requests or offers yet.", _span_prefix(title, months))

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        x = range(len(months))
        for field, label, colour, marker, style in _ACTIVITY_SERIES:
            values = [getattr(m, field) for m in months]
            ax.plot(x, values, label=label, color=colour, marker=marker, linestyle=style, linewidth=3, markersize=9)
        _month_axis(ax, months)
        _count_axis(ax, "Number in the month")
        ax.legend(fontsize=_TICK, ncols=2, frameon=False, loc="upper left")
        ax.set_ylim(top=ax.get_ylim()[1] * 1.3)  # room for the legend above the lines

    words = [
        _series_words(one, many, [getattr(m, field) for m in months], months)
        for field, one, many in (
            ("shares", "share", "shares"),
            ("requests", "request", "requests"),
            ("offers", "offer of help", "offers of help"),
            ("resolved", "collaboration resolved", "collaborations resolved"),
        )
    ]
    return _render(title, draw, f"{_span_prefix(title, months)}: {'; '.join(words)}.")


def time_to_help_chart(months: Sequence[MonthFigures]) -> Chart:
    """The median days a request waited for its first offer, per month; months with none are marked."""
    title = "Days for a request to find help"
    months = sorted(months, key=lambda m: m.month)
    known = [m for m in months if m.median_days_to_help is not None]
    if not known:
        return _empty(title, "No request has found help yet.", _span_prefix(title, months))

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        values = [m.median_days_to_help or 0 for m in months]
        bars = ax.bar(range(len(months)), values, color=BLUE, width=0.6)
        for bar, month in zip(bars, months, strict=True):
            days = month.median_days_to_help
            ax.annotate(
                _days_number(days),
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                xytext=(0, 4),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=_TICK,
                color=BLACK if days is not None else GREY,
            )
        _month_axis(ax, months)
        _count_axis(ax, "Median days", integer=False)
        ax.set_ylim(top=max(*values, 1) * 1.2)

    quickest = min(known, key=lambda m: m.median_days_to_help or 0)
    slowest = max(known, key=lambda m: m.median_days_to_help or 0)
    parts = []
    if len(known) == 1:
        parts.append(f"{_days(known[0].median_days_to_help)} in {month_label(known[0].month)}")
    else:
        first, last = known[0], known[-1]
        parts.append(
            f"{_days(first.median_days_to_help)} in {month_label(first.month)} and "
            f"{_days(last.median_days_to_help)} in {month_label(last.month)}"
        )
        parts.append(
            f"quickest {_days(quickest.median_days_to_help)} in {month_label(quickest.month)}, "
            f"slowest {_days(slowest.median_days_to_help)} in {month_label(slowest.month)}"
        )
    if missing := [m for m in months if m.median_days_to_help is None]:
        parts.append(f"no request found help in {_and(month_label(m.month) for m in missing)}")
    return _render(title, draw, f"Median {_span_prefix(title.lower(), months)}: {'; '.join(parts)}.")


def agreements_chart(months: Sequence[MonthFigures]) -> Chart:
    """Agreements started and ended (left), and reviews on time and late (right), per month."""
    title = "Agreements and reviews per month"
    months = sorted(months, key=lambda m: m.month)
    fields = ("agreements_started", "agreements_ended", "reviews_on_time", "reviews_late")
    if not any(getattr(m, field) for m in months for field in fields):
        return _empty(title, "No agreements or reviews yet.", _span_prefix(title, months))

    def draw(fig: Any) -> None:
        left, right = fig.subplots(1, 2, sharex=True)
        x = list(range(len(months)))
        started = [m.agreements_started for m in months]
        ended = [m.agreements_ended for m in months]
        left.bar([i - 0.2 for i in x], started, width=0.4, color=GREEN, label="Started")
        left.bar([i + 0.2 for i in x], ended, width=0.4, color=VERMILLION, hatch="//", label="Ended")
        left.set_title("Agreements", fontsize=_LABEL)
        on_time = [m.reviews_on_time for m in months]
        late = [m.reviews_late for m in months]
        right.bar(x, on_time, width=0.6, color=BLUE, label="Reviews on time")
        right.bar(x, late, width=0.6, bottom=on_time, color=ORANGE, hatch="xx", label="Reviews late")
        right.set_title("Reviews", fontsize=_LABEL)
        for ax in (left, right):
            _month_axis(ax, months, every=2 if len(months) > 6 else 1)
            _count_axis(ax, "Number in the month" if ax is left else None)
            ax.legend(fontsize=_TICK, frameon=False, loc="upper left")
            ax.set_ylim(top=max(ax.get_ylim()[1], 1) * 1.35)

    def total(field: str) -> int:
        return sum(getattr(m, field) for m in months)

    words = (
        f"{_count(total('agreements_started'), 'agreement')} started and {total('agreements_ended')} ended; "
        f"{_count(total('reviews_on_time'), 'review')} on time and {total('reviews_late')} late"
    )
    busiest = max(months, key=lambda m: m.agreements_started)
    if busiest.agreements_started and len(months) > 1:
        words += f"; most agreements started in {month_label(busiest.month)} ({busiest.agreements_started})"
    return _render(title, draw, f"{_span_prefix(title, months)}: {words}.")


def partner_credit_chart(partners: Sequence[PartnerCredit]) -> Chart:
    """Credits per partner organisation, most first; beyond MAX_PARTNER_BARS the rest share one bar."""
    title = "Credit across partner organisations"
    ranked = sorted((p for p in partners if p.count > 0), key=lambda p: (-p.count, p.name.casefold()))
    if not ranked:
        return _empty(title, "No partner organisation has been credited yet.", title)
    shown, rest = ranked[:MAX_PARTNER_BARS], ranked[MAX_PARTNER_BARS:]
    if rest:  # keep the chart at MAX_PARTNER_BARS bars, the last for all the others
        shown, rest = ranked[: MAX_PARTNER_BARS - 1], ranked[MAX_PARTNER_BARS - 1 :]

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        names = [_literal(_shorten(p.name, MAX_NAME_CHARS)) for p in shown]
        counts = [p.count for p in shown]
        colours = [BLUE] * len(shown)
        if rest:
            names.append(f"{len(rest)} other organisations")
            counts.append(sum(p.count for p in rest))
            colours.append(GREY)
        y = list(range(len(names)))
        bars = ax.barh(y, counts, color=colours, height=0.65)
        ax.set_yticks(y, labels=names, fontsize=_TICK)
        ax.invert_yaxis()
        ax.bar_label(bars, padding=6, fontsize=_TICK)
        ax.set_xlabel("Times credited", fontsize=_LABEL)
        ax.tick_params(axis="x", labelsize=_TICK)
        ax.set_xlim(right=max(counts) * 1.15)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.spines[["top", "right"]].set_visible(False)

    total = sum(p.count for p in ranked)
    listed = _and(f"{p.name} {p.count}" for p in shown)
    words = f"{title}: {listed}"
    if rest:
        others = sum(p.count for p in rest)
        words += f", and {_count(len(rest), 'more organisation')} with {_count(others, 'credit')} between them"
    words += f" ({_count(total, 'credit')} across {_count(len(ranked), 'organisation')})."
    return _render(title, draw, words)


# ---- drawing ---------------------------------------------------------------------------------------------------


def _render(title: str, draw: Callable[[Any], None], alt_text: str) -> Chart:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with _RENDER_LOCK:
        fig = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)
        fig.suptitle(title, fontsize=_TITLE, fontweight="bold")
        draw(fig)
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return Chart(title=title, png=out.getvalue(), width=WIDTH, height=HEIGHT, alt_text=alt_text)


def _empty(title: str, message: str, alt_prefix: str) -> Chart:
    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.5, f"Nothing to show yet.\n{message}", ha="center", va="center", fontsize=_LABEL, color=GREY)

    return _render(title, draw, f"{alt_prefix}: nothing to show yet. {message}")


def _month_axis(ax: Any, months: Sequence[MonthFigures], every: int = 1) -> None:
    """Three-letter month names (every `every`th when space is short), and the span with years below them."""
    labels = [MONTH_NAMES[m.month.month - 1][:3] if i % every == 0 else "" for i, m in enumerate(months)]
    ax.set_xticks(range(len(months)), labels=labels, fontsize=_TICK)
    ax.set_xlim(-0.6, len(months) - 0.4)
    ax.set_xlabel(_span(months), fontsize=_TICK)


def _count_axis(ax: Any, label: str | None, *, integer: bool = True) -> None:
    if label:
        ax.set_ylabel(label, fontsize=_LABEL)
    ax.tick_params(axis="y", labelsize=_TICK)
    ax.set_ylim(bottom=0)
    if integer:
        ax.yaxis.get_major_locator().set_params(integer=True)
    ax.grid(axis="y", color="#DDDDDD")
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)


def _literal(text: str) -> str:
    """Text that matplotlib draws as typed: a $ would otherwise start mathtext, and a bad formula fails."""
    return text.replace("$", r"\$")


# ---- words -----------------------------------------------------------------------------------------------------


def _span(months: Sequence[MonthFigures]) -> str:
    """'December 2025 to November 2026', or one month's name, or '' for none."""
    if not months:
        return ""
    first, last = month_label(months[0].month), month_label(months[-1].month)
    return first if first == last else f"{first} to {last}"


def _span_prefix(title: str, months: Sequence[MonthFigures]) -> str:
    return f"{title}, {_span(months)}" if months else title


def _series_words(one: str, label: str, values: Sequence[int], months: Sequence[MonthFigures]) -> str:
    total = sum(values)
    if total == 0:
        return f"no {label}"
    if len(values) == 1:
        return f"{values[0]} {one if values[0] == 1 else label}"
    first, last = values[0], values[-1]
    if all(v == first for v in values):
        trend = f"{label} stayed at {first} a month"
    elif first == last:
        trend = f"{label} started and ended at {first}"
    else:
        trend = f"{label} {'rose' if last > first else 'fell'} from {first} to {last}"
    peak = max(range(len(values)), key=lambda i: values[i])
    if all(v == first for v in values):
        return f"{trend} ({total} in all)"
    return f"{trend} ({total} in all, most in {month_label(months[peak].month)} with {values[peak]})"


def _days_number(days: float | None) -> str:
    if days is None:
        return "none"
    return f"{days:.0f}" if float(days).is_integer() else f"{days:.1f}"


def _days(days: float | None) -> str:
    return f"{_days_number(days)} {'day' if days == 1 else 'days'}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _and(items: Any) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
