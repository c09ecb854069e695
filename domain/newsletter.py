"""A champion's monthly newsletter, as Markdown and as an HTML email: no Slack, no database.

The caller fills a `Newsletter` with the month's content; every item given appears, none is cut. Shares are
shown most appreciated first (ties keep the order given); everything else keeps the order given. A person is
named only where the record carries their name: the caller decides consent and passes None for anyone else,
who appears as "a colleague". Every section is there even when it is empty, with a line that says so, and the
newsletter always closes with the two QUESTIONS.

User text is made inert: `agreements.md` for Markdown (no HTML, links, emphasis or Slack tokens of its own),
`html.escape` for HTML. The HTML is a whole document for pasting into an email: table layout, inline styles,
no external resources; charts are embedded as base64 data: URIs with their alt text.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeGuard

from domain.agreement_document import md
from domain.agreements import CREDITED, OUTCOMES
from domain.charts import MONTH_NAMES, Chart, month_label
from domain.text import shorten

QUESTIONS = (
    "What collaborative opportunities are there?",
    "Is there an opportunity to share any best practice?",
)
# Section key -> (heading, the line shown when it is empty).
SECTIONS: dict[str, tuple[str, str]] = {
    "highlights": ("Leaders’ highlights", "No leader highlighted a share this month."),
    "shares": ("Practice shared this month", "No practice was shared this month."),
    "collaborations": ("Collaborations that found a partner", "No collaboration request found a partner this month."),
    "agreements": ("Agreements started", "No agreements started this month."),
    "reviews": ("Agreement reviews completed", "No agreement reviews were completed this month."),
    "meetups": ("Events", "No events were held this month."),
}
CHARTS_HEADING = "The month in charts"
CLOSING_HEADING = "Over to you"
SOMEONE = "a colleague"
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# ---- records ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Highlight:
    """A share a leader (or several) highlighted. Names are None where the person is not to be named."""

    title: str | None
    body: str
    impact: str | None = None
    author: str | None = None
    highlighted_by: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class MonthShare:
    title: str | None
    what_we_did: str
    impact: str | None = None  # in the author's own words
    appreciation: int = 0
    author: str | None = None


@dataclass(frozen=True)
class Offer:
    person: str | None = None
    organisation: str | None = None  # their team or organisation


@dataclass(frozen=True)
class Collaboration:
    """A request for collaboration that found a partner, and who offered."""

    request: str
    offers: tuple[Offer, ...] = ()
    requester: str | None = None


@dataclass(frozen=True)
class AgreementStarted:
    title: str
    parties: tuple[str | None, ...]  # as the agreement names them; None for a person not to be named
    recognition: str  # how every party is credited, as the agreement says


@dataclass(frozen=True)
class ReviewCompleted:
    agreement: str  # its title
    outcome: str  # a key of agreements.OUTCOMES
    credited: str  # a key of agreements.CREDITED: was every party credited as agreed?
    achieved: str | None = None


@dataclass(frozen=True)
class MeetupHeld:
    """An event held in the month (a meetup, in the code) and how many went."""

    title: str
    day: dt.date
    attended: int


@dataclass(frozen=True)
class Newsletter:
    month: dt.date  # the first day of the month
    organisation: str
    introduction: str | None = None  # the champion's own words
    highlights: tuple[Highlight, ...] = ()
    shares: tuple[MonthShare, ...] = ()
    collaborations: tuple[Collaboration, ...] = ()
    agreements: tuple[AgreementStarted, ...] = ()
    reviews: tuple[ReviewCompleted, ...] = ()
    meetups: tuple[MeetupHeld, ...] = ()

    @property
    def attendance(self) -> int:
        return sum(meetup.attended for meetup in self.meetups)


# ---- reading the month --------------------------------------------------------------------------------------

_ISO_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_WORDS_MONTH = re.compile(r"([A-Za-z]+)\.?,?\s+(\d{4})")
_MONTH_BY_NAME = {name.lower()[:n]: i for i, name in enumerate(MONTH_NAMES, start=1) for n in (3, len(name))}
_MONTH_BY_NAME["sept"] = 9


def parse_month(text: str, today: dt.date) -> dt.date:
    """'2026-11' (or 'November 2026', 'Nov 2026') -> 2026-11-01. The month in progress is allowed, later ones
    are not. Raises ValueError with a kind sentence to show as it is."""
    value = (text or "").strip()
    if match := _ISO_MONTH.fullmatch(value):
        year, month = int(match.group(1)), int(match.group(2))
    elif (match := _WORDS_MONTH.fullmatch(value)) and match.group(1).lower() in _MONTH_BY_NAME:
        year, month = int(match.group(2)), _MONTH_BY_NAME[match.group(1).lower()]
    else:
        raise ValueError(f"Please give the month as the year and month, like {today:%Y-%m}.")
    if not 1 <= month <= 12:
        raise ValueError(f"There isn't a month {month}: please give a month from 01 to 12, like {today:%Y-%m}.")
    if year < 1:
        raise ValueError(f"Please give a year with four digits, like {today:%Y-%m}.")
    first = dt.date(year, month, 1)
    if first > today.replace(day=1):
        raise ValueError(
            f"{month_label(first)} hasn't started yet: please choose {month_label(today)} or an earlier month."
        )
    return first


# ---- Markdown -----------------------------------------------------------------------------------------------


def newsletter_markdown(n: Newsletter) -> str:
    blocks = [f"# {md(_line(n.organisation))}: {title(n)}"]
    if _has(n.introduction):
        blocks.append(md((n.introduction or "").strip()))
    blocks.append(f"**At a glance:** {at_a_glance(n)}")
    for key, items in _sections(n):
        heading, empty = SECTIONS[key]
        blocks.append(f"## {heading}")
        if key == "meetups" and n.meetups:
            blocks.append(_meetups_total(n))
        blocks += [block for item in items for block in _md_item(item)] or [empty]
    blocks += [f"## {CLOSING_HEADING}", "\n".join(f"- {question}" for question in QUESTIONS)]
    return "\n\n".join(block for block in blocks if block) + "\n"


def _md_item(item: object) -> list[str]:
    blocks = [f"### {md(_line(headline(item)))}"]
    for kind, text in details(item):
        if kind == "meta":
            blocks.append(f"*{md(text)}*")
        elif kind == "text":
            blocks.append(md(text.strip()))
        else:
            blocks += [f"**{kind}**", _md_quote(text)]
    return blocks


def _md_quote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in md(text.strip()).splitlines())


# ---- HTML email ---------------------------------------------------------------------------------------------

_FONT = "font-family:Arial,Helvetica,sans-serif;"
_H1 = f"{_FONT}margin:0 0 8px 0;font-size:26px;line-height:32px;color:#1a1a1a;font-weight:bold;"
_H2 = (
    f"{_FONT}margin:0 0 12px 0;padding:0 0 6px 0;font-size:21px;line-height:27px;color:#0072B2;"
    "font-weight:bold;border-bottom:2px solid #0072B2;"
)
_H3 = f"{_FONT}margin:0 0 4px 0;font-size:17px;line-height:23px;color:#1a1a1a;font-weight:bold;"
_P = f"{_FONT}margin:0 0 12px 0;font-size:15px;line-height:22px;color:#333333;"
_META = f"{_FONT}margin:0 0 8px 0;font-size:13px;line-height:19px;color:#555555;"
_QUOTE = "border-left:4px solid #E69F00;padding:4px 0 4px 12px;"
_CELL = "padding:16px 32px;"


def newsletter_html(n: Newsletter, charts: Mapping[str, Chart]) -> str:
    """The newsletter as a whole HTML document for an email. Charts appear in the mapping's order."""
    rows = [_row(f'<h1 style="{_H1}">{_e(_line(n.organisation))}</h1><p style="{_META}">{_e(title(n))}</p>')]
    intro = _paragraphs(n.introduction or "") if _has(n.introduction) else ""
    rows.append(_row(intro + f'<p style="{_P}"><strong>At a glance:</strong> {_e(at_a_glance(n))}</p>'))
    for key, items in _sections(n):
        heading, empty = SECTIONS[key]
        body = [f'<h2 style="{_H2}">{_e(heading)}</h2>']
        if key == "meetups" and n.meetups:
            body.append(f'<p style="{_P}">{_e(_meetups_total(n))}</p>')
        if not items:
            body.append(f'<p style="{_P}">{_e(empty)}</p>')
        body += [_html_item(item) for item in items]
        rows.append(_row("".join(body)))
    if charts:
        body = [f'<h2 style="{_H2}">{_e(CHARTS_HEADING)}</h2>']
        body += [_html_chart(chart) for chart in charts.values()]
        rows.append(_row("".join(body)))
    questions = "".join(f'<li style="{_P}">{_e(q)}</li>' for q in QUESTIONS)
    rows.append(
        _row(f'<h2 style="{_H2}">{_e(CLOSING_HEADING)}</h2><ul style="margin:0;padding:0 0 0 20px;">{questions}</ul>')
    )
    page_title = _e(f"{_line(n.organisation)}: {title(n)}")
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{page_title}</title>\n</head>\n"
        '<body style="margin:0;padding:0;background-color:#f2f2f2;">\n'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        'style="background-color:#f2f2f2;">\n<tr><td align="center" style="padding:24px 8px;">\n'
        '<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" '
        'style="width:100%;max-width:600px;background-color:#ffffff;">\n' + "\n".join(rows) + "\n</table>\n"
        "</td></tr>\n</table>\n</body>\n</html>\n"
    )


def _row(content: str) -> str:
    return f'<tr><td style="{_CELL}">{content}</td></tr>'


def _html_item(item: object) -> str:
    out = [f'<h3 style="{_H3}">{_e(_line(headline(item)))}</h3>']
    for kind, text in details(item):
        if kind == "meta":
            out.append(f'<p style="{_META}">{_e(text)}</p>')
        elif kind == "text":
            out.append(_paragraphs(text))
        else:
            out.append(
                f'<p style="{_P}margin-bottom:4px;"><strong>{_e(kind)}</strong></p>'
                '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
                f'style="margin:0 0 12px 0;"><tr><td style="{_QUOTE}">{_paragraphs(text, last_margin=0)}</td></tr>'
                "</table>"
            )
    return f'<div style="margin:0 0 20px 0;">{"".join(out)}</div>'


def _html_chart(chart: Chart) -> str:
    return (
        f'<img src="{chart.data_uri}" width="536" height="{round(536 * chart.height / chart.width)}" '
        f'alt="{_e(chart.alt_text)}" style="display:block;width:100%;max-width:536px;height:auto;border:0;'
        'margin:0 0 16px 0;">'
    )


def _paragraphs(text: str, *, last_margin: int | None = None) -> str:
    parts = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    out = []
    for i, part in enumerate(parts):
        style = _P if last_margin is None or i < len(parts) - 1 else f"{_P}margin-bottom:{last_margin}px;"
        out.append(f'<p style="{style}">' + "<br>".join(_e(line) for line in part.splitlines()) + "</p>")
    return "".join(out)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


# ---- what both formats say ----------------------------------------------------------------------------------


def title(n: Newsletter) -> str:
    return f"Programme Talks newsletter, {month_label(n.month)}"


def at_a_glance(n: Newsletter) -> str:
    parts = [
        _count(len(n.highlights), "highlight from leaders", "highlights from leaders"),
        _count(len(n.shares), "practice share"),
        _count(len(n.collaborations), "collaboration that found a partner", "collaborations that found a partner"),
        _count(len(n.agreements), "agreement started", "agreements started"),
        _count(len(n.reviews), "review completed", "reviews completed"),
        _count(len(n.meetups), "event") + (f" ({_count(n.attendance, 'person', 'people')} went)" if n.meetups else ""),
    ]
    if not any(items for _, items in _sections(n)):
        return "A quiet month: nothing has been shared, agreed or held yet."
    return ", ".join(parts[:-1]) + " and " + parts[-1] + "."


def headline(item: object) -> str:
    """The item's heading: a share's title (or the start of it), a request, an agreement or an event."""
    match item:
        case Highlight(title=heading, body=body) | MonthShare(title=heading, what_we_did=body):
            first_line = next((line for line in body.splitlines() if line.strip()), "A share")
            return _line(heading) or shorten(first_line.strip(), 80)
        case Collaboration(request=request):
            return shorten(_line(request), 90)
        case AgreementStarted(title=heading) | MeetupHeld(title=heading):
            return heading
        case ReviewCompleted(agreement=agreement):
            return f"Review of “{_line(agreement)}”"
    raise TypeError(f"not a newsletter item: {item!r}")


def details(item: object) -> list[tuple[str, str]]:
    """(kind, text) under the item's heading: kind is "meta" (a small line), "text" (paragraphs of user
    text) or a label for a quoted block of user text."""
    match item:
        case Highlight():
            by = f"Shared by {person(item.author)}"
            if item.highlighted_by:
                by += f" · highlighted by {people(item.highlighted_by)}"
            out = [("meta", by), ("text", item.body)]
            return out + ([("Impact, in their own words", item.impact)] if _has(item.impact) else [])
        case MonthShare():
            meta = f"Shared by {person(item.author)}"
            if item.appreciation:
                meta += f" · {_count(item.appreciation, 'appreciation')}"
            out = [("meta", meta), ("text", item.what_we_did)]
            return out + ([("Impact, in their own words", item.impact)] if _has(item.impact) else [])
        case Collaboration():
            offers = [
                f"{person(o.person)} from {_line(o.organisation or '')}" if _has(o.organisation) else person(o.person)
                for o in item.offers
            ]
            meta = f"Asked by {person(item.requester)}"
            meta += f" · help offered by {_and(offers)}" if offers else ""
            full = [("text", item.request)] if shorten(_line(item.request), 90) != _line(item.request) else []
            return [("meta", meta), *full]
        case AgreementStarted():
            return [("meta", f"Between {people(item.parties)}"), ("How every party is credited", item.recognition)]
        case ReviewCompleted():
            outcome = OUTCOMES.get(item.outcome, item.outcome)
            credited = CREDITED.get(item.credited, item.credited)
            out = [("meta", f"Outcome: {outcome} · every party credited as agreed: {credited}")]
            return out + ([("What has been achieved", item.achieved)] if _has(item.achieved) else [])
        case MeetupHeld():
            went = _count(item.attended, "person", "people") + " went"
            return [("meta", f"{_DAYS[item.day.weekday()]} {item.day.day} {month_label(item.day)} · {went}")]
    raise TypeError(f"not a newsletter item: {item!r}")


def person(name: str | None) -> str:
    return _line(name) if _has(name) else SOMEONE


def people(names: Iterable[str | None]) -> str:
    """'Priya Shah, Tom Lee and 2 colleagues': the named first, in order, then a count of the others."""
    names = list(names)
    named = [_line(name) for name in names if _has(name)]
    others = len(names) - len(named)
    if others:
        named.append(SOMEONE if others == 1 else f"{others} colleagues")
    return _and(named) if named else SOMEONE


def _sections(n: Newsletter) -> list[tuple[str, Sequence[object]]]:
    shares = sorted(n.shares, key=lambda share: -share.appreciation)  # stable: ties keep the order given
    items = (n.highlights, shares, n.collaborations, n.agreements, n.reviews, n.meetups)
    return list(zip(SECTIONS, items, strict=True))


def _meetups_total(n: Newsletter) -> str:
    return f"{_count(len(n.meetups), 'event')}, {_count(n.attendance, 'person', 'people')} went in all."


def _line(text: str | None) -> str:
    return " ".join((text or "").split())


def _has(text: str | None) -> TypeGuard[str]:
    """Whether there is anything but spaces (so, a string)."""
    return bool(text and text.strip())


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def _and(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
