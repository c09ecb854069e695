"""The quarterly report for boards and funders, and charts on request, end to end over signed HTTP: the figures are
what happened in a scripted quarter beside the one before, in HTML, PDF and CSV files sent only to the person who
asked; every chart is a PNG of its stated size with alt text; bad input is refused and nothing is sent."""

from __future__ import annotations

import csv
import datetime as dt
import io
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from domain.report import parse_quarter
from handlers.ids import Action, Block, Command, View
from storage import reports
from storage import shares as ss
from storage.figures import month_figures
from tests.helpers.agreements import confirm, write_agreement
from tests.helpers.newsletter import (
    AMIRA,
    BEN,
    CHLOE,
    DEV,
    LEO,
    PRACTICE,
    STAFF,
    alt_texts,
    at,
    command,
    offer,
    people,
    png_size,
    posted_with,
    roles,
    settle,
    share_with_form,
    uploads,
)

HALL, SPEAKER = "Looking for a hall for the summer scheme", "A speaker on online safety for parents"
MENTORS_IMPACT = "Attendance rose from 12 to 30 young people."
HOMEWORK_IMPACT = "Parents said the texts helped.\n\nTwo families came back."
HEADINGS = [
    "At a glance",
    "The quarter in numbers",
    "Sharing practice and collaborating",
    "Collaboration agreements and reviews",
    "Events and partner organisations",
    "Impact, in people’s own words",
]
FIGURES = [
    ["measure", "description", "this_quarter", "last_quarter", "change"],
    ["shares", "Practice shares", "3", "2", "up 1 on last quarter"],
    ["requests", "Collaboration requests", "2", "1", "up 1 on last quarter"],
    ["offers", "Offers of help", "3", "1", "up 2 on last quarter"],
    ["resolved", "Collaborations resolved", "1", "0", "up 1 on last quarter"],
    ["median_days_to_help", "Median days for a request to find help", "1.5", "3", "1.5 days quicker than last quarter"],
    ["agreements_active", "Agreements active", "2", "1", "up 1 on last quarter"],
    ["agreements_started", "Agreements started", "1", "1", "the same as last quarter"],
    ["agreements_ended", "Agreements ended", "1", "0", "up 1 on last quarter"],
    ["reviews_on_time", "Agreement reviews on time", "1", "0", "up 1 on last quarter"],
    ["reviews_late", "Agreement reviews late", "1", "0", "up 1 on last quarter"],
    ["meetups", "Events held", "1", "0", "up 1 on last quarter"],
    ["attendance", "Attendance at events", "2", "0", "up 2 on last quarter"],
    ["partner_organisations", "Partner organisations credited", "2", "1", "up 1 on last quarter"],
    ["impact_statements", "Impact statements written", "2", "0", "up 2 on last quarter"],
]
SENT = (
    "📊 I've sent you the report for Q3 2026 (July to September 2026). It's in our direct messages: as HTML and PDF, "
    "to share with boards and funders, and the figures, partner organisations and impact statements as CSV files for "
    "a spreadsheet."
)


def second_and_third_quarters(sandbox, clock) -> None:
    """April to September 2026 (British Summer Time: a day starts at 23:00 UTC the evening before).

    Q2: two shares; one request, offered on 3 days later; Ben's agreement with Old Partner Ltd from 1 May.
    Q3: Amira (agreeing to be named) and Ben share with impact, Ben in one line too; Chloe's request is offered on
    after 2 days (and again), and resolved; Sam's after 1; Chloe and Dev's agreement with Riverside Trust starts on
    15 July and is reviewed late once and on time once; Ben's ends on 15 August; Amira's event has two going.
    A share at 00:30 on 1 October, London time, is the fourth quarter's.
    """
    people(sandbox)
    clock.set(at(4, 20))
    roles(sandbox)
    write_agreement(
        sandbox,
        BEN,
        step_one={
            Block.AGREEMENT_TITLE: "Reading buddies",
            Block.PARTY_USERS: [BEN],
            Block.PARTY_ORGANISATIONS: "Old Partner Ltd, Jo Bloggs",
        },
        **{Block.START_DATE: "2026-05-01", Block.END_DATE: "2026-08-15", Block.FIRST_REVIEW: "2026-06-01"},
    )
    settle(sandbox)
    clock.set(at(5, 5))
    command(sandbox, AMIRA, Command.SHARE, "Breakfast club before exams")
    clock.set(at(5, 6))
    command(sandbox, BEN, Command.SHARE, "Walking bus to school")
    clock.set(at(5, 10))
    command(sandbox, CHLOE, Command.COLLAB, "A minibus for a trip")
    clock.set(at(5, 13))
    offer(sandbox, DEV, posted_with(sandbox, PRACTICE, "A minibus for a trip"))
    clock.set(at(7, 1))
    write_agreement(
        sandbox,
        CHLOE,
        step_one={Block.AGREEMENT_TITLE: "Summer sports", Block.PARTY_USERS: [CHLOE, DEV]},
        **{Block.START_DATE: "2026-07-15", Block.END_DATE: "2026-12-31", Block.FIRST_REVIEW: "2026-08-01"},
    )
    confirm(sandbox, DEV)
    settle(sandbox)
    clock.set(at(7, 3))
    share_with_form(
        sandbox,
        AMIRA,
        title="Peer mentors",
        body="Older students met new starters.",
        impact=MENTORS_IMPACT,
        name_me=True,
    )
    clock.set(at(7, 4))
    share_with_form(
        sandbox, BEN, title="Homework texts", body="We texted parents.", impact=HOMEWORK_IMPACT, name_me=False
    )
    clock.set(at(7, 6))
    command(sandbox, CHLOE, Command.COLLAB, HALL)
    clock.set(at(7, 8))
    offer(sandbox, DEV, posted_with(sandbox, PRACTICE, HALL))
    clock.set(at(7, 9))
    offer(sandbox, AMIRA, posted_with(sandbox, PRACTICE, HALL))
    clock.set(at(7, 20))
    command(sandbox, STAFF, Command.COLLAB, SPEAKER)
    clock.set(at(7, 21))
    offer(sandbox, BEN, posted_with(sandbox, PRACTICE, SPEAKER))
    clock.set(at(8, 1))
    resolved, _ = sandbox.sim.click(
        posted_with(sandbox, PRACTICE, HALL), Action.RESOLVE_REQUEST, user=CHLOE, channel=PRACTICE
    )
    assert resolved.status == 200
    settle(sandbox)
    clock.set(at(8, 3))
    review_summer_sports(sandbox, "2026-08-29")  # due 1 August: late
    clock.set(at(8, 10))
    command(sandbox, BEN, Command.SHARE, "Quiet room at lunchtime")
    clock.set(at(8, 28))
    review_summer_sports(sandbox, "2026-09-26")  # due 29 August: on time
    clock.set(at(9, 10))
    forum = meetup_on(sandbox, "2026-09-17")
    for user in (BEN, DEV):
        sandbox.sim.click(
            posted_with(sandbox, PRACTICE, "Youth forum"), Action.MEETUP_GOING, user=user, channel=PRACTICE
        )
        settle(sandbox)
    assert forum
    clock.set(at(9, 30, 23, 30))
    command(sandbox, AMIRA, Command.SHARE, "Night-time share that belongs to October")


def review_summer_sports(sandbox, next_review: str) -> None:
    summary = next(m for m in sandbox.slack.messages(PRACTICE) if m["text"].startswith("Agreement #2:"))
    forms = len(sandbox.slack.calls_to("views.open"))
    sandbox.sim.click(summary, Action.RECORD_REVIEW, user=CHLOE, channel=PRACTICE)
    form = sandbox.slack.wait_for("views.open", count=forms + 1)[-1].args["view"]
    assert form["callback_id"] == View.AGREEMENT_REVIEW
    values = {
        Block.OUTCOME: "on_track",
        Block.ACHIEVED: "Sessions ran",
        Block.CREDITED: "yes",
        Block.NEXT_REVIEW: next_review,
    }
    assert sandbox.sim.submit(form, values, user=CHLOE).body == ""
    settle(sandbox)


def meetup_on(sandbox, day: str) -> dict:
    opened_before = len(sandbox.slack.calls_to("views.open"))
    sandbox.sim.command(Command.EVENT, "", user=AMIRA, channel=PRACTICE)
    form = sandbox.slack.wait_for("views.open", count=opened_before + 1)[-1].args["view"]
    values = {
        Block.MEETUP_TITLE: "Youth forum",
        Block.MEETUP_DATE: day,
        Block.MEETUP_TIME: "16:00",
        Block.PLACE: "Riverside Hall",
        Block.ABOUT: "Young people show their projects.",
        Block.CHANNEL: PRACTICE,
    }
    assert sandbox.sim.submit(form, values, user=AMIRA).body == ""
    settle(sandbox)
    return posted_with(sandbox, PRACTICE, "Youth forum")


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.h2: list[str] = []
        self.rows: list[list[str]] = []
        self.images: list[dict] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("h2", "td", "th"):
            self._in = tag
            if tag == "h2":
                self.h2.append("")
            else:
                self.rows[-1].append("")

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "h2":
            self.h2[-1] += data
        elif self._in in ("td", "th"):
            self.rows[-1][-1] += data


def rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


# ---- the report ---------------------------------------------------------------------------------------------------


def test_a_leader_gets_the_quarters_report_with_the_last_quarter_beside_it_as_html_pdf_and_csv(sandbox, clock):
    second_and_third_quarters(sandbox, clock)
    clock.set(at(10, 5))
    assert command(sandbox, LEO, "/talks", "report 2026-Q3") == SENT
    sent = {f["filename"]: f["content"] for f in sandbox.slack.uploaded_files() if f["channel_id"] == f"D{LEO}"}
    stem = "programme-talks-report-2026-Q3"
    assert sorted(sent) == [
        "programme-talks-2026-Q3-figures.csv",
        "programme-talks-2026-Q3-impact.csv",
        "programme-talks-2026-Q3-partners.csv",
        f"{stem}.html",
        f"{stem}.pdf",
    ]
    assert rows(sent["programme-talks-2026-Q3-figures.csv"]) == FIGURES
    assert rows(sent["programme-talks-2026-Q3-partners.csv"]) == [
        ["organisation", "this_quarter", "last_quarter"],
        ["Old Partner Ltd", "1", "1"],
        ["Riverside Trust", "1", "0"],
    ]
    assert rows(sent["programme-talks-2026-Q3-impact.csv"]) == [
        ["share", "author", "impact"],
        ["Peer mentors", "Amira Khan", MENTORS_IMPACT],
        ["Homework texts", "", HOMEWORK_IMPACT],  # Ben did not agree to be named
    ]
    page = Page()
    page.feed(sent[f"{stem}.html"].decode())
    page.close()
    assert page.h2 == HEADINGS
    assert page.rows[1:15] == [[label, now, was, change] for _, label, now, was, change in FIGURES[1:]]
    assert len(page.images) == 4 and all(image["alt"] for image in page.images)
    pdf = PdfReader(io.BytesIO(sent[f"{stem}.pdf"]))
    text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    assert "Test Team: quarterly report" in text
    for heading in HEADINGS:
        assert heading in text
    assert "Practice shares 3 2 up 1 on last quarter" in text
    assert "Median days for a request to find help 1.5 3 1.5 days quicker than last quarter" in text
    assert "Attendance rose from 12 to 30 young people. Amira Khan, on “Peer mentors”" in text


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("2026-Q7", "A year has four quarters, Q1 to Q4: please give one of those, like 2026-Q4. Nothing has changed."),
        (
            "2027-Q1",
            "Q1 2027 (January to March 2027) hasn't started yet: the latest you can choose is 2026-Q4. "
            "Nothing has changed.",
        ),
        ("next year", "Please give a quarter as the year then Q1 to Q4, like 2026-Q4. Nothing has changed."),
    ],
)
def test_a_bad_or_future_quarter_is_refused_kindly_and_nothing_is_sent(sandbox, typed, said):
    people(sandbox)
    roles(sandbox)
    assert command(sandbox, CHLOE, "/talks", f"report {typed}") == said
    assert sandbox.slack.uploaded_files() == []


def test_staff_cannot_get_the_report_and_nothing_is_sent(sandbox):
    people(sandbox)
    roles(sandbox)
    assert command(sandbox, STAFF, "/talks", "report 2026-Q3") == (
        "Sorry, only workspace owners, admins and Programme Talks champions and leaders can get the quarterly "
        f"report. The champion is <@{CHLOE}>. Nothing has changed."
    )
    assert sandbox.slack.uploaded_files() == []


def test_without_a_quarter_the_report_is_the_last_quarter_to_end_with_nothing_before_it(sandbox, clock):
    people(sandbox)
    roles(sandbox)
    clock.set(at(8, 4))
    command(sandbox, AMIRA, Command.SHARE, "The only share, in August")
    clock.set(at(11, 27))
    assert command(sandbox, CHLOE, "/talks", "report").startswith(
        "📊 I've sent you the report for Q3 2026 (July to September 2026), the last quarter to end. It's in our direct"
    )
    [figures] = uploads(sandbox, f"D{CHLOE}", "-figures.csv")
    assert rows(figures["content"])[1] == ["shares", "Practice shares", "1", "", ""]  # no quarter before it


# ---- charts on request --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "file", "alt"),
    [
        (
            "activity 12 months",
            "programme-talks-activity-12-months.png",
            "Activity per month, December 2025 to November 2026: shares rose from 0 to 1 (2 in all, most in "
            "June 2026 with 1); no requests; no offers of help; no collaborations resolved.",
        ),
        (
            "time-to-help 6 months",
            "programme-talks-time-to-help-6-months.png",
            "Days for a request to find help, June 2026 to November 2026: nothing to show yet. No request has found "
            "help yet.",
        ),
        (
            "agreements 3",
            "programme-talks-agreements-3-months.png",
            "Agreements and reviews per month, September 2026 to November 2026: nothing to show yet. No agreements "
            "or reviews yet.",
        ),
        (
            "partners",
            "programme-talks-partners-12-months.png",
            "Credit across partner organisations: nothing to show yet. No partner organisation has been credited yet.",
        ),
    ],
)
def test_a_chart_on_request_is_a_png_of_its_size_with_alt_text_sent_to_whoever_asked(sandbox, clock, typed, file, alt):
    people(sandbox)
    clock.set(at(6, 15))
    command(sandbox, AMIRA, Command.SHARE, "A June share")
    clock.set(at(11, 20))
    command(sandbox, AMIRA, Command.SHARE, "A November share")
    assert command(sandbox, STAFF, "/talks", f"chart {typed}") == (
        "📈 I've sent you the chart in our direct messages, with a description for screen readers."
    )
    [chart] = uploads(sandbox, f"D{STAFF}", ".png")
    assert (chart["filename"], png_size(chart["content"])) == (file, (1200, 600))
    assert alt_texts(sandbox) == {file: alt}
    [call] = sandbox.slack.calls_to("files.completeUploadExternal")
    assert call.args["files"][0]["title"] and call.args["channel_id"] == f"D{STAFF}"


@pytest.mark.parametrize("typed", ["pie", "activity 99 months", "activity soon", ""])
def test_a_chart_that_cannot_be_read_gets_the_choices_and_nothing_is_sent(sandbox, typed):
    assert command(sandbox, STAFF, "/talks", f"chart {typed}".strip()) == (
        "Which chart? Try `/talks chart activity 12 months`, `/talks chart time-to-help 6 months`, "
        "`/talks chart agreements 12 months` or `/talks chart partners 12 months` (1 to 24 months)."
    )
    assert sandbox.slack.uploaded_files() == []


# ---- the counts themselves ------------------------------------------------------------------------------------------


def test_months_are_counted_in_the_workspaces_time_leaving_out_hidden_shares_and_other_workspaces(sandbox):
    def share(session, moment, team_id: str = "T0001"):
        return ss.add_share(session, team_id=team_id, author_id=AMIRA, channel_id=PRACTICE, body="Words", now=moment)

    with sandbox.sessions.begin() as session:
        share(session, at(9, 30, 22, 59))  # 23:59 on 30 September, British Summer Time
        share(session, at(9, 30, 23, 0))  # midnight: 1 October
        share(session, at(10, 31, 23, 59))  # the clocks went back on 25 October: still October
        share(session, at(11, 1, 0, 0))
        share(session, at(11, 15))
        hidden = share(session, at(11, 20))
        ss.set_share_hidden(session, team_id="T0001", share_id=hidden.id, hidden_at=at(11, 21))
        share(session, at(11, 2), team_id="T_OTHER")
    with sandbox.sessions() as session:
        figures = month_figures(
            session,
            team_id="T0001",
            months=[dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)],
            tz=ZoneInfo("Europe/London"),
            now=at(11, 27),
        )
        quarter = reports.quarter_content(
            session,
            team_id="T0001",
            quarter=parse_quarter("2026-Q4", dt.date(2026, 11, 27)),
            tz=ZoneInfo("Europe/London"),
            now=at(11, 27),
        )
    assert [m.shares for m in figures] == [1, 2, 2]
    assert quarter.figures.shares == 4
