"""The quarterly report: reading quarters, comparing with the last one, and the HTML, PDF and CSV documents."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from html.parser import HTMLParser

import pytest
from pypdf import PdfReader

from domain import charts as c
from domain import report as r
from domain.charts import MonthFigures, PartnerCredit
from domain.report import ImpactStatement, Quarter, QuarterFigures

TODAY = dt.date(2026, 11, 27)
Q3 = Quarter(dt.date(2026, 7, 1), dt.date(2026, 9, 30), "Q3 2026")
Q2 = Quarter(dt.date(2026, 4, 1), dt.date(2026, 6, 30), "Q2 2026")
HEADINGS = [
    "At a glance",
    "The quarter in numbers",
    "Sharing practice and collaborating",
    "Collaboration agreements and reviews",
    "Events and partner organisations",
    "Impact, in people’s own words",
]


def current(**changes) -> QuarterFigures:
    values = {
        "quarter": Q3,
        "organisation": "Riverside & District Council",
        "shares": 30,
        "requests": 9,
        "offers": 14,
        "median_days_to_help": 2.5,
        "resolved": 6,
        "agreements_active": 5,
        "agreements_started": 3,
        "agreements_ended": 1,
        "reviews_on_time": 9,
        "reviews_late": 2,
        "meetups": 4,
        "attendance": 87,
        "partners": (
            PartnerCredit("Riverside Trust", 7),
            PartnerCredit("Northside Youth Service", 4),
            PartnerCredit("Riverside  Trust", 1),  # the same organisation, typed differently
        ),
        "impact": (
            ImpactStatement("Attendance rose from 12 to 30 young people.", "Peer mentoring", "Priya Shah"),
            ImpactStatement("Parents said the drop-in helped.\n\nTwo families were referred on.", None, None),
        ),
    }
    return QuarterFigures(**(values | changes))


def previous(**changes) -> QuarterFigures:
    values = {
        "quarter": Q2,
        "organisation": "Riverside & District Council",
        "shares": 27,
        "requests": 10,
        "offers": 11,
        "median_days_to_help": 3.5,
        "resolved": 6,
        "agreements_active": 4,
        "agreements_started": 2,
        "agreements_ended": 1,
        "reviews_on_time": 6,
        "reviews_late": 3,
        "meetups": 3,
        "attendance": 60,
        "partners": (PartnerCredit("Riverside Trust", 5), PartnerCredit("Old Partner", 2)),
    }
    return QuarterFigures(**(values | changes))


@pytest.fixture(scope="module")
def charts() -> dict[str, c.Chart]:
    months = [
        MonthFigures(dt.date(2026, m, 1), shares=10, requests=3, offers=5, resolved=2, median_days_to_help=2.5)
        for m in (7, 8, 9)
    ]
    return c.standard_charts(months, current().partners)


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.h2: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.cells: list[str] = []
        self.text: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "img":
            self.images.append(dict(attrs))
        if tag in ("h2", "td"):
            self._in = tag
            (self.h2 if tag == "h2" else self.cells).append("")

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        self.text.append(data)
        if self._in == "h2":
            self.h2[-1] += data
        elif self._in == "td":
            self.cells[-1] += data


def parse(document: str) -> Page:
    page = Page()
    page.feed(document)
    page.close()
    return page


def pdf_pages(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


# ---- quarters -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("2026-Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30), "Q3 2026"),
        ("2026 q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31), "Q1 2026"),
        ("Q2 2025", dt.date(2025, 4, 1), dt.date(2025, 6, 30), "Q2 2025"),
        ("2026-Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31), "Q4 2026"),  # in progress: allowed
    ],
)
def test_quarters_are_read(text, start, end, label):
    assert r.parse_quarter(text, TODAY) == Quarter(start, end, label)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-Q7", "A year has four quarters, Q1 to Q4: please give one of those, like 2026-Q4."),
        ("2026-Q0", "A year has four quarters, Q1 to Q4: please give one of those, like 2026-Q4."),
        ("nonsense", "Please give a quarter as the year then Q1 to Q4, like 2026-Q4."),
        ("", "Please give a quarter as the year then Q1 to Q4, like 2026-Q4."),
        ("2026-07", "Please give a quarter as the year then Q1 to Q4, like 2026-Q4."),
        ("2027-Q1", "Q1 2027 (January to March 2027) hasn't started yet: the latest you can choose is 2026-Q4."),
    ],
)
def test_bad_and_future_quarters_get_a_kind_sentence(text, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        r.parse_quarter(text, TODAY)


def test_a_quarter_knows_its_key_months_and_the_one_before():
    q1 = r.parse_quarter("2026-Q1", TODAY)
    assert (q1.key, q1.span) == ("2026-Q1", "January to March 2026")
    assert q1.previous() == Quarter(dt.date(2025, 10, 1), dt.date(2025, 12, 31), "Q4 2025")
    assert Q3.previous() == Q2


# ---- comparisons --------------------------------------------------------------------------------------------


def test_changes_are_said_in_words():
    now, before = current(), previous()
    assert r.change("shares", now, before) == "up 3 on last quarter"
    assert r.change("requests", now, before) == "down 1 on last quarter"
    assert r.change("resolved", now, before) == "the same as last quarter"
    assert r.change("partner_organisations", now, before) == "the same as last quarter"  # 2 (merged) and 2
    assert r.change("median_days_to_help", now, before) == "1 day quicker than last quarter"
    assert (
        r.change("median_days_to_help", current(median_days_to_help=5), before) == "1.5 days slower than last quarter"
    )
    assert r.change("median_days_to_help", current(median_days_to_help=None), before) == "none this quarter"
    assert r.change("median_days_to_help", now, previous(median_days_to_help=None)) == "none last quarter"
    assert r.change("shares", now, None) == ""


def test_partner_credits_add_up_the_same_name_and_keep_last_quarters_partners():
    assert r.partner_rows(current(), previous()) == [
        ("Riverside Trust", 8, 5),
        ("Northside Youth Service", 4, 0),
        ("Old Partner", 0, 2),
    ]


# ---- HTML ---------------------------------------------------------------------------------------------------


def test_html_has_every_heading_the_figures_and_the_comparisons(charts):
    page = parse(r.report_html(current(), previous(), charts))
    assert page.h2 == HEADINGS
    text = " ".join(page.text)
    assert "Riverside & District Council: quarterly report" in text
    assert "Programme Talks, Q3 2026 (July to September 2026), compared with Q2 2026 (April to June 2026)." in text
    assert "30 practice shares (up 3 on last quarter)." in text
    assert "The median request found help in 2.5 days (1 day quicker than last quarter)." in text
    assert "4 events, 87 people went (up 27 on last quarter)." in text
    cells = page.cells
    for measure, label in r.MEASURES:
        row = cells.index(label)
        assert cells[row + 1 : row + 4] == [
            r.shown(current(), measure),
            r.shown(previous(), measure),
            r.change(measure, current(), previous()) or "–",
        ]
    assert cells[cells.index("Practice shares") + 1 : cells.index("Practice shares") + 4] == [
        "30",
        "27",
        "up 3 on last quarter",
    ]


def test_html_places_each_chart_with_its_alt_text_and_adds_unknown_ones_at_the_end(charts):
    extra = c.activity_chart([])
    page = parse(r.report_html(current(), previous(), {**charts, "extra": extra}))
    assert [image["alt"] for image in page.images] == [
        charts[c.ACTIVITY].alt_text,
        charts[c.TIME_TO_HELP].alt_text,
        charts[c.AGREEMENTS].alt_text,
        charts[c.PARTNERS].alt_text,
        extra.alt_text,
    ]
    assert all(image["src"].startswith("data:image/png;base64,") for image in page.images)
    assert "More charts" in page.h2


def test_html_escapes_user_text():
    hostile = "<script>alert(1)</script> & <!here>"
    document = r.report_html(
        current(organisation=hostile, partners=(PartnerCredit(hostile, 2),), impact=(ImpactStatement(hostile),)),
        None,
        {},
    )
    page = parse(document)
    assert "script" not in page.tags
    assert "<!here>" not in document and "&lt;!here&gt;" in document
    assert " & " not in document
    assert sum(hostile in t for t in page.text) >= 3
    # Read back exactly as typed in the page's title, its heading, the partner's row and the impact statement.
    assert [t for t in page.text if hostile in t] == [
        f"{hostile}: quarterly report, {Q3.label}",
        f"{hostile}: quarterly report",
        hostile,
        hostile,
    ]


def test_without_a_previous_quarter_the_report_says_so():
    page = parse(r.report_html(current(), None, {}))
    text = " ".join(page.text)
    assert "30 practice shares." in text
    assert "(no figures for last quarter)" in text
    assert page.cells[page.cells.index("Practice shares") + 1 : page.cells.index("Practice shares") + 4] == [
        "30",
        "–",
        "–",
    ]


def test_impact_statements_name_only_those_who_are_named():
    page = parse(r.report_html(current(), previous(), {}))
    text = " ".join(page.text)
    assert "Priya Shah, on “Peer mentoring”" in text
    assert "a colleague" in text


# ---- PDF ----------------------------------------------------------------------------------------------------


def test_pdf_has_a_page_a_section_with_the_headings_and_figures(charts):
    pages = pdf_pages(r.report_pdf(current(), previous(), charts))
    assert len(pages) == 5
    assert "Riverside & District Council: quarterly report" in pages[0]
    assert "At a glance" in pages[0] and "The quarter in numbers" in pages[0]
    assert "Practice shares 30 27 up 3 on last quarter" in pages[0]
    assert "Attendance at events 87 60 up 27 on last quarter" in pages[0]
    assert "Median days for a request to find help 2.5 3.5 1 day quicker than last quarter" in pages[0]
    assert "Sharing practice and collaborating" in pages[1]
    assert "Collaboration agreements and reviews" in pages[2]
    assert "Of 11 reviews, 9 took place on time and 2 late (82% on time)." in pages[2]
    assert "Events and partner organisations" in pages[3]
    assert "Riverside Trust 8 5" in pages[3]
    assert "Impact, in people’s own words" in pages[4]
    assert "Attendance rose from 12 to 30 young people." in pages[4]
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of 5" in page


def test_pdf_is_tagged_so_screen_readers_get_each_charts_alt_text(charts):
    root = PdfReader(io.BytesIO(r.report_pdf(current(), previous(), charts))).trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    alts: list[str] = []

    def walk(node) -> None:
        node = node.get_object()
        if node.get("/S") == "/Figure":
            alts.append(str(node["/Alt"]))
        kids = node.get("/K")
        kids = kids.get_object() if kids is not None else []
        for kid in kids if isinstance(kids, list) else [kids]:
            if hasattr(kid.get_object(), "get"):
                walk(kid)

    walk(root["/StructTreeRoot"])
    assert alts == [chart.alt_text for chart in charts.values()]


def test_pdf_runs_on_to_more_pages_when_there_is_more_to_say():
    many = tuple(ImpactStatement(f"Statement {i}: " + "the young people told us it mattered. " * 8) for i in range(60))
    pages = pdf_pages(r.report_pdf(current(impact=many), previous(), {}))
    assert len(pages) > 5  # a bound: how many pages 60 long statements fill is the PDF engine's layout
    assert "Statement 0:" in pages[4]
    assert "Statement 59:" in pages[-1]


# ---- CSV ----------------------------------------------------------------------------------------------------


def test_csvs_parse_back_to_the_figures_given():
    files = r.report_csvs(current(), previous())
    assert sorted(files) == [
        "programme-talks-2026-Q3-figures.csv",
        "programme-talks-2026-Q3-impact.csv",
        "programme-talks-2026-Q3-partners.csv",
    ]
    rows = {row["measure"]: row for row in csv.DictReader(io.StringIO(files["programme-talks-2026-Q3-figures.csv"]))}
    assert list(rows) == [measure for measure, _ in r.MEASURES]
    for measure in ("shares", "requests", "offers", "resolved", "meetups", "attendance", "reviews_late"):
        assert int(rows[measure]["this_quarter"]) == getattr(current(), measure)
        assert int(rows[measure]["last_quarter"]) == getattr(previous(), measure)
    assert float(rows["median_days_to_help"]["this_quarter"]) == 2.5
    assert rows["shares"]["change"] == "up 3 on last quarter"
    assert rows["impact_statements"]["this_quarter"] == "2"
    partners = list(csv.DictReader(io.StringIO(files["programme-talks-2026-Q3-partners.csv"])))
    assert [(p["organisation"], int(p["this_quarter"]), int(p["last_quarter"])) for p in partners] == [
        ("Riverside Trust", 8, 5),
        ("Northside Youth Service", 4, 0),
        ("Old Partner", 0, 2),
    ]
    impact = list(csv.DictReader(io.StringIO(files["programme-talks-2026-Q3-impact.csv"])))
    assert [(s["share"], s["author"], s["impact"]) for s in impact] == [
        ("Peer mentoring", "Priya Shah", "Attendance rose from 12 to 30 young people."),
        ("", "", "Parents said the drop-in helped.\n\nTwo families were referred on."),
    ]


def test_csv_cells_of_user_text_never_start_a_formula():
    figures = current(
        partners=(PartnerCredit('=HYPERLINK("http://evil.example","x")', 1),),
        impact=(ImpactStatement("+1 for this", "@everyone", "-dash"),),
    )
    files = r.report_csvs(figures, None)
    partner = next(csv.DictReader(io.StringIO(files["programme-talks-2026-Q3-partners.csv"])))
    assert partner["organisation"] == '\'=HYPERLINK("http://evil.example","x")'
    impact = next(csv.DictReader(io.StringIO(files["programme-talks-2026-Q3-impact.csv"])))
    assert (impact["share"], impact["author"], impact["impact"]) == ("'@everyone", "'-dash", "'+1 for this")


def test_csv_without_a_previous_quarter_leaves_last_quarter_blank():
    rows = list(csv.DictReader(io.StringIO(r.report_csvs(current(), None)["programme-talks-2026-Q3-figures.csv"])))
    assert {row["last_quarter"] for row in rows} == {""}
    assert {row["change"] for row in rows} == {""}
