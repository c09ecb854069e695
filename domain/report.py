"""The quarterly report for boards and funders: a quarter's numbers beside the last quarter's, as an HTML
document, a PDF made from that same document, and CSV files. No Slack, no database.

The records, quarters and comparisons live in domain.report_figures and are re-exported here. The previous
quarter's figures may be None (the first quarter reported): comparisons then say so.

The PDF is drawn by WeasyPrint from `report_html`, so the two never disagree. WeasyPrint is imported only
when a PDF is made (it takes most of a second, and needs Pango from the system: Debian's libpango-1.0-0 and
libpangoft2-1.0-0, with a font such as fonts-dejavu-core); it may fetch nothing but the data: URIs of the
charts. CSV cells that hold user text and start with = + - @ are prefixed with ' so that a spreadsheet shows
them rather than running them as formulas. Encode the CSVs as 'utf-8-sig' for Excel.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Mapping, Sequence

from domain.charts import ACTIVITY, AGREEMENTS, PARTNERS, TIME_TO_HELP, Chart, PartnerCredit
from domain.report_figures import (
    MEASURES,
    SOMEONE,
    ImpactStatement,
    Quarter,
    QuarterFigures,
    change,
    days,
    line,
    number,
    parse_quarter,
    partner_rows,
    quarter_of,
    shown,
    value,
)

__all__ = [
    "MEASURES",
    "ImpactStatement",
    "PartnerCredit",
    "Quarter",
    "QuarterFigures",
    "at_a_glance",
    "change",
    "parse_quarter",
    "partner_rows",
    "quarter_of",
    "report_csvs",
    "report_html",
    "report_pdf",
    "shown",
]

# ---- CSV ----------------------------------------------------------------------------------------------------


def report_csvs(current: QuarterFigures, previous: QuarterFigures | None) -> dict[str, str]:
    """File name -> CSV text: the figures, the partner credits and the impact statements."""
    stem = f"programme-talks-{current.quarter.key}"
    figures = [["measure", "description", "this_quarter", "last_quarter", "change"]]
    for measure, label in MEASURES:
        before = _csv_number(value(previous, measure)) if previous else ""
        figures.append(
            [measure, label, _csv_number(value(current, measure)), before, change(measure, current, previous)]
        )
    partners: list[list[object]] = [["organisation", "this_quarter", "last_quarter"]]
    partners += [[_cell(name), now, before] for name, now, before in partner_rows(current, previous)]
    impact = [["share", "author", "impact"]]
    impact += [[_cell(s.share_title or ""), _cell(s.author or ""), _cell(s.text)] for s in current.impact]
    return {
        f"{stem}-figures.csv": _csv(figures),
        f"{stem}-partners.csv": _csv(partners),
        f"{stem}-impact.csv": _csv(impact),
    }


def _csv(rows: Sequence[Sequence[object]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def _csv_number(figure: float | int | None) -> str:
    return "" if figure is None else number(figure)


def _cell(text: str) -> str:
    """User text for a spreadsheet: a leading = + - @ tab or return would make it a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# ---- HTML and PDF -------------------------------------------------------------------------------------------

_STYLE = """
@page { size: A4; margin: 18mm 16mm 20mm 16mm;
  @bottom-left { content: "Programme Talks quarterly report"; font: 8pt "DejaVu Sans", sans-serif; color: #666; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 8pt "DejaVu Sans", sans-serif;
    color: #666; } }
body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; color: #1a1a1a; font-size: 10.5pt;
  line-height: 1.45; max-width: 48em; margin: 0 auto; padding: 0 12px; }
h1 { font-size: 22pt; margin: 0 0 4pt 0; }
h2 { font-size: 15pt; color: #0072B2; border-bottom: 2px solid #0072B2; padding-bottom: 3pt; margin: 0 0 10pt 0; }
section.page { break-before: page; }
.lead { font-size: 12pt; color: #444; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: 6pt 0 14pt 0; }
th, td { text-align: left; padding: 4pt 6pt; border-bottom: 1px solid #ccc; vertical-align: top; }
th { background: #f0f0f0; }
td.n, th.n { text-align: right; white-space: nowrap; }
figure { margin: 8pt 0 14pt 0; break-inside: avoid; }
figure img { width: 100%; height: auto; }
blockquote { margin: 0 0 10pt 0; padding: 2pt 0 2pt 10pt; border-left: 4px solid #E69F00; break-inside: avoid; }
blockquote p { margin: 0 0 3pt 0; }
.who { font-size: 9pt; color: #555; }
"""


def report_html(current: QuarterFigures, previous: QuarterFigures | None, charts: Mapping[str, Chart]) -> str:
    """The report as one self-contained HTML document; charts are placed by their keys (charts.ACTIVITY...),
    and any others follow in a section of their own."""
    q = current.quarter
    compared = f", compared with {previous.quarter.label} ({previous.quarter.span})" if previous else ""
    body = [
        f"<h1>{_e(line(current.organisation))}: quarterly report</h1>",
        f'<p class="lead">Programme Talks, {_e(q.label)} ({_e(q.span)}){_e(compared)}.</p>',
        "<h2>At a glance</h2>",
        "<ul>" + "".join(f"<li>{_e(sentence)}</li>" for sentence in at_a_glance(current, previous)) + "</ul>",
        "<h2>The quarter in numbers</h2>",
        _figures_table(current, previous),
    ]
    body += _section("Sharing practice and collaborating", _sharing_words(current, previous))
    body += [_figure(charts[key]) for key in (ACTIVITY, TIME_TO_HELP) if key in charts]
    body += _section("Collaboration agreements and reviews", _agreement_words(current, previous))
    body += [_figure(charts[AGREEMENTS])] if AGREEMENTS in charts else []
    body += _section("Events and partner organisations", _meetup_words(current, previous))
    body.append(_partner_table(current, previous))
    body += [_figure(charts[PARTNERS])] if PARTNERS in charts else []
    if others := [chart for key, chart in charts.items() if key not in (ACTIVITY, TIME_TO_HELP, AGREEMENTS, PARTNERS)]:
        body += _section("More charts", [])
        body += [_figure(chart) for chart in others]
    body += _section("Impact, in people’s own words", [] if current.impact else ["No impact statements this quarter."])
    body += [_impact(statement) for statement in current.impact]
    body.append("</section>")
    title = _e(f"{line(current.organisation)}: quarterly report, {q.label}")
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n<section>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def report_pdf(current: QuarterFigures, previous: QuarterFigures | None, charts: Mapping[str, Chart]) -> bytes:
    """The report as an A4 PDF, tagged for screen readers (the charts keep their alt text)."""
    import weasyprint

    fetcher = weasyprint.URLFetcher(allowed_protocols=("data",))
    document = weasyprint.HTML(string=report_html(current, previous, charts), url_fetcher=fetcher)
    return document.write_pdf(pdf_tags=True)


def at_a_glance(current: QuarterFigures, previous: QuarterFigures | None) -> list[str]:
    def versus(measure: str) -> str:
        words = change(measure, current, previous)
        return f" ({words})" if words else ""

    lines = [
        f"{_count(current.shares, 'practice share')}{versus('shares')}.",
        f"{_count(current.resolved, 'collaboration')} resolved{versus('resolved')}.",
        f"{_count(current.agreements_active, 'agreement')} active{versus('agreements_active')}.",
        f"{_count(current.meetups, 'event')}, {_count(current.attendance, 'person', 'people')} went"
        f"{versus('attendance')}.",
    ]
    if current.median_days_to_help is not None:
        lines.insert(
            2, f"The median request found help in {days(current.median_days_to_help)}{versus('median_days_to_help')}."
        )
    return lines


def _sharing_words(current: QuarterFigures, previous: QuarterFigures | None) -> list[str]:
    c = current
    out = [
        f"Colleagues shared {_count(c.shares, 'piece')} of practice ({_said('shares', c, previous)}). "
        f"They made {_count(c.requests, 'request')} for collaboration ({_said('requests', c, previous)}) and "
        f"{_count(c.offers, 'offer')} of help ({_said('offers', c, previous)}); "
        f"{_count(c.resolved, 'collaboration')} {_was(c.resolved)} resolved ({_said('resolved', c, previous)})."
    ]
    if c.median_days_to_help is None:
        out.append("No request found help this quarter.")
    else:
        out.append(
            f"Half of the requests that found help did so within {days(c.median_days_to_help)}"
            f" ({_said('median_days_to_help', c, previous)})."
        )
    return out


def _agreement_words(current: QuarterFigures, previous: QuarterFigures | None) -> list[str]:
    c = current
    reviews = c.reviews_on_time + c.reviews_late
    out = [
        f"{_count(c.agreements_active, 'written agreement')} {_was(c.agreements_active)} active "
        f"({_said('agreements_active', c, previous)}): "
        f"{c.agreements_started} started ({_said('agreements_started', c, previous)}) and {c.agreements_ended} "
        f"ended ({_said('agreements_ended', c, previous)})."
    ]
    if reviews:
        out.append(
            f"Of {_count(reviews, 'review')}, {c.reviews_on_time} took place on time and {c.reviews_late} late "
            f"({round(100 * c.reviews_on_time / reviews)}% on time)."
        )
    else:
        out.append("No agreement reviews were due this quarter.")
    return out


def _meetup_words(current: QuarterFigures, previous: QuarterFigures | None) -> list[str]:
    c = current
    return [
        f"{_count(c.meetups, 'event')} held ({_said('meetups', c, previous)}), with "
        f"{_count(c.attendance, 'person', 'people')} going in all ({_said('attendance', c, previous)}).",
        f"{_count(c.partner_organisations, 'partner organisation')} credited "
        f"({_said('partner_organisations', c, previous)}):"
        if c.partner_organisations
        else "No partner organisation was credited this quarter.",
    ]


def _said(measure: str, current: QuarterFigures, previous: QuarterFigures | None) -> str:
    return change(measure, current, previous) or "no figures for last quarter"


def _section(heading: str, paragraphs: Sequence[str]) -> list[str]:
    return ["</section>", '<section class="page">', f"<h2>{_e(heading)}</h2>", *(f"<p>{_e(p)}</p>" for p in paragraphs)]


def _figures_table(current: QuarterFigures, previous: QuarterFigures | None) -> str:
    before = previous.quarter.label if previous else "Last quarter"
    head = (
        f'<tr><th>Measure</th><th class="n">{_e(current.quarter.label)}</th><th class="n">{_e(before)}</th>'
        "<th>Change</th></tr>"
    )
    rows = [
        f'<tr><td>{_e(label)}</td><td class="n">{shown(current, m)}</td><td class="n">{shown(previous, m)}</td>'
        f"<td>{_e(change(m, current, previous) or '–')}</td></tr>"
        for m, label in MEASURES
    ]
    return f"<table>\n<thead>{head}</thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>"


def _partner_table(current: QuarterFigures, previous: QuarterFigures | None) -> str:
    rows = partner_rows(current, previous)
    if not rows:
        return ""
    before = previous.quarter.label if previous else "Last quarter"
    head = (
        f'<tr><th>Organisation</th><th class="n">{_e(current.quarter.label)}</th><th class="n">{_e(before)}</th></tr>'
    )
    body = "\n".join(
        f'<tr><td>{_e(name)}</td><td class="n">{now}</td><td class="n">{was if previous else "–"}</td></tr>'
        for name, now, was in rows
    )
    return f"<table>\n<thead>{head}</thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def _figure(chart: Chart) -> str:
    return (
        f'<figure><img src="{chart.data_uri}" width="{chart.width}" height="{chart.height}" '
        f'alt="{_e(chart.alt_text)}"></figure>'
    )


def _impact(statement: ImpactStatement) -> str:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", statement.text.strip()) if p.strip()]
    text = "".join("<p>" + "<br>".join(_e(line) for line in p.splitlines()) + "</p>" for p in paragraphs)
    who = line(statement.author) or SOMEONE
    about = f", on “{_e(line(statement.share_title))}”" if line(statement.share_title) else ""
    return f'<blockquote>{text}<p class="who">{_e(who)}{about}</p></blockquote>'


# ---- words --------------------------------------------------------------------------------------------------


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _was(n: int) -> str:
    return "was" if n == 1 else "were"


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"
