"""The champions' monthly newsletter: every item given and no other, kind empty sections, inert user text, an
email-ready HTML document, names only where given, and the two questions at the end."""

from __future__ import annotations

import base64
import datetime as dt
import re
from html.parser import HTMLParser

import pytest

from domain import charts as c
from domain import newsletter as nl
from domain.newsletter import (
    AgreementStarted,
    Collaboration,
    Highlight,
    MeetupHeld,
    MonthShare,
    Newsletter,
    Offer,
    ReviewCompleted,
)

TODAY = dt.date(2026, 11, 27)
HOSTILE = "<script>alert('x')</script> <!here> Tom & Jerry *bold* [link](http://evil.example)"


def full() -> Newsletter:
    return Newsletter(
        month=dt.date(2026, 11, 1),
        organisation="Riverside & District Council",
        introduction="Welcome to November's round-up.\n\nThank you all for sharing.",
        highlights=(
            Highlight(
                title="Peer mentoring for year 7s",
                body="We paired year 7s with year 10s for weekly check-ins.",
                impact="Attendance rose from 82% to 91%.",
                author="Priya Shah",
                highlighted_by=("Tom Lee", None),
            ),
        ),
        shares=(
            MonthShare("Family hub drop-in", "A weekly drop-in at the library.", "Twelve families returned.", 2, None),
            MonthShare("Transition toolkit", "Cards for the move to secondary.", None, 7, "Sam Patel"),
            MonthShare("Youth voice panel", "Young people interview new staff.", "Better hires.", 0, "Ana Costa"),
        ),
        collaborations=(
            Collaboration(
                request="A hall for 30 young people on Saturdays",
                offers=(Offer("Ann Jones", "Northside Youth Service"), Offer(None, "Riverside Trust")),
                requester="Ravi Kumar",
            ),
            Collaboration(request="A speaker on online safety", offers=(Offer(None, None),)),
        ),
        agreements=(
            AgreementStarted("Summer sports hall", ("Riverside Trust", "Ann Jones", None), "Both logos on posters"),
        ),
        reviews=(
            ReviewCompleted("Holiday food club", "on_track", "yes", "Fed 140 children over half term."),
            ReviewCompleted("Mentoring pilot", "needs_attention", "partly"),
        ),
        meetups=(
            MeetupHeld("Practice café", dt.date(2026, 11, 12), 23),
            MeetupHeld("Safeguarding update", dt.date(2026, 11, 19), 41),
        ),
    )


def empty() -> Newsletter:
    return Newsletter(month=dt.date(2026, 11, 1), organisation="Riverside")


def sections_md(text: str) -> dict[str, list[str]]:
    """Each '## ' heading -> the '### ' item headings under it."""
    out: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:]
            out[current] = []
        elif line.startswith("### "):
            out[current].append(line[4:])
    return out


class Page(HTMLParser):
    """What a reader (and a mail client) finds: headings by section, tags, images, text, and anything odd."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.sections: dict[str, list[str]] = {}
        self.h1: list[str] = []
        self.text: list[str] = []
        self.odd: list[str] = []  # comments, declarations other than the doctype, processing instructions
        self._in: str | None = None
        self._buffer = ""
        self._section: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "img":
            self.images.append(dict(attrs))
        if tag in ("h1", "h2", "h3"):
            self._in, self._buffer = tag, ""

    def handle_endtag(self, tag):
        if tag == self._in:
            if tag == "h1":
                self.h1.append(self._buffer)
            elif tag == "h2":
                self._section = self._buffer
                self.sections[self._section] = []
            else:
                self.sections[self._section].append(self._buffer)
            self._in = None

    def handle_data(self, data):
        self.text.append(data)
        if self._in:
            self._buffer += data

    def handle_comment(self, data):
        self.odd.append(f"comment {data}")

    def handle_decl(self, decl):
        if decl.lower() != "doctype html":
            self.odd.append(f"declaration {decl}")

    def unknown_decl(self, data):
        self.odd.append(f"unknown {data}")

    def handle_pi(self, data):
        self.odd.append(f"pi {data}")


def parse(document: str) -> Page:
    page = Page()
    page.feed(document)
    page.close()
    return page


HEADINGS = [heading for heading, _ in nl.SECTIONS.values()]


# ---- Markdown -----------------------------------------------------------------------------------------------


def test_markdown_has_every_item_given_and_no_other():
    found = sections_md(nl.newsletter_markdown(full()))
    assert list(found) == [*HEADINGS, nl.CLOSING_HEADING]
    assert found["Leaders’ highlights"] == ["Peer mentoring for year 7s"]
    # Most appreciated first; ties keep the order given.
    assert found["Practice shared this month"] == ["Transition toolkit", "Family hub drop-in", "Youth voice panel"]
    assert found["Collaborations that found a partner"] == [
        "A hall for 30 young people on Saturdays",
        "A speaker on online safety",
    ]
    assert found["Agreements started"] == ["Summer sports hall"]
    assert found["Agreement reviews completed"] == ["Review of “Holiday food club”", "Review of “Mentoring pilot”"]
    assert found["Events"] == ["Practice café", "Safeguarding update"]


def test_markdown_says_what_each_item_is_about():
    text = nl.newsletter_markdown(full())
    assert (
        "**At a glance:** 1 highlight from leaders, 3 practice shares, 2 collaborations that found a partner, "
        "1 agreement started, 2 reviews completed and 2 events (64 people went)."
    ) in text
    assert "*Shared by Priya Shah · highlighted by Tom Lee and a colleague*" in text
    assert "*Shared by Sam Patel · 7 appreciations*" in text
    assert "*Shared by a colleague · 2 appreciations*" in text
    assert "*Shared by Ana Costa*" in text  # no appreciation, no count
    assert "*Asked by Ravi Kumar · help offered by Ann Jones from Northside Youth Service and " in text
    assert "a colleague from Riverside Trust*" in text
    assert "*Asked by a colleague · help offered by a colleague*" in text
    assert "*Between Riverside Trust, Ann Jones and a colleague*" in text
    assert "> Both logos on posters" in text
    assert "*Outcome: On track · every party credited as agreed: Yes, every party*" in text
    assert "*Outcome: Needs attention · every party credited as agreed: Partly*" in text
    assert "2 events, 64 people went in all." in text
    assert "*Thursday 12 November 2026 · 23 people went*" in text


def test_markdown_ends_with_the_two_questions_exactly():
    for n in (full(), empty()):
        text = nl.newsletter_markdown(n)
        assert text.endswith(
            "## Over to you\n\n"
            "- What collaborative opportunities are there?\n"
            "- Is there an opportunity to share any best practice?\n"
        )


def test_an_empty_month_has_every_section_with_a_kind_line():
    text = nl.newsletter_markdown(empty())
    found = sections_md(text)
    assert list(found) == [*HEADINGS, nl.CLOSING_HEADING]
    assert all(items == [] for items in found.values())
    assert found == {heading: [] for heading in [*HEADINGS, nl.CLOSING_HEADING]}
    for heading, line in nl.SECTIONS.values():
        assert f"## {heading}\n\n{line}\n" in text
    assert "No agreements started this month." in text
    assert "A quiet month: nothing has been shared, agreed or held yet." in text


def test_markdown_makes_hostile_text_inert():
    n = Newsletter(
        month=dt.date(2026, 11, 1),
        organisation=HOSTILE,
        introduction="# Not a heading\n- not a list",
        shares=(MonthShare(HOSTILE, HOSTILE, HOSTILE, 1, HOSTILE),),
    )
    text = nl.newsletter_markdown(n)
    assert "<" not in text.replace("\\<", "")
    assert "\\<script\\>" in text and "\\<!here\\>" in text
    assert "Tom \\& Jerry" in text and "\\*bold\\*" in text and "\\[link\\]" in text
    assert "\n\\# Not a heading\n\\- not a list\n" in text
    assert len(sections_md(text)["Practice shared this month"]) == 1


def test_a_share_without_a_title_is_headed_by_its_first_words():
    shares = (MonthShare(None, "\n  We ran a café.\nMore detail."), MonthShare("  ", ""))
    n = Newsletter(dt.date(2026, 11, 1), "Riverside", shares=shares)
    assert sections_md(nl.newsletter_markdown(n))["Practice shared this month"] == ["We ran a café.", "A share"]


# ---- HTML ---------------------------------------------------------------------------------------------------


def test_html_parses_with_every_heading_and_exactly_the_items_given():
    page = parse(nl.newsletter_html(full(), {}))
    assert page.h1 == ["Riverside & District Council"]
    assert list(page.sections) == [*HEADINGS, nl.CLOSING_HEADING]
    assert page.sections == sections_md(nl.newsletter_markdown(full()))
    assert page.odd == []


def test_html_is_an_email_ready_document():
    document = nl.newsletter_html(full(), {})
    page = parse(document)
    assert document.startswith("<!DOCTYPE html>")
    assert page.tags[:4] == ["html", "head", "meta", "meta"]
    assert page.tags.count("table") >= 2  # the layout is tables, as Outlook needs
    # Two for the layout, and one for each quoted block in full(): a highlight's impact, two shares' impacts, an
    # agreement's recognition and a review's achievements.
    assert page.tags.count("table") == 2 + 5
    assert not {"style", "link", "script", "iframe", "object"} & set(page.tags)  # inline styles, nothing fetched
    assert 'role="presentation"' in document
    assert "http" not in document.replace("http-equiv", "")
    assert "class=" not in document


def test_html_escapes_hostile_text_everywhere():
    n = Newsletter(
        month=dt.date(2026, 11, 1),
        organisation=HOSTILE,
        introduction=HOSTILE,
        highlights=(Highlight(HOSTILE, HOSTILE, HOSTILE, HOSTILE, (HOSTILE,)),),
        shares=(MonthShare(HOSTILE, HOSTILE, HOSTILE, 1, HOSTILE),),
        collaborations=(Collaboration(HOSTILE, (Offer(HOSTILE, HOSTILE),), HOSTILE),),
        agreements=(AgreementStarted(HOSTILE, (HOSTILE,), HOSTILE),),
        reviews=(ReviewCompleted(HOSTILE, HOSTILE, HOSTILE, HOSTILE),),
        meetups=(MeetupHeld(HOSTILE, dt.date(2026, 11, 3), 4),),
    )
    document = nl.newsletter_html(n, {})
    page = parse(document)
    assert "script" not in page.tags and "a" not in page.tags
    assert page.odd == []
    assert "<!here>" not in document and "&lt;!here&gt;" in document
    assert "Tom & Jerry" not in document and "Tom &amp; Jerry" in document
    assert HOSTILE in "".join(page.text)  # shown to the reader exactly as typed
    assert page.h1 == [HOSTILE]


def test_html_empty_month_has_every_section_with_its_kind_line():
    page = parse(nl.newsletter_html(empty(), {}))
    assert list(page.sections) == [*HEADINGS, nl.CLOSING_HEADING]
    text = " ".join(page.text)
    for _, line in nl.SECTIONS.values():
        assert line in text


def test_html_closes_with_the_two_questions():
    page = parse(nl.newsletter_html(full(), {}))
    words = [t.strip() for t in page.text if t.strip()]
    assert words[-3:] == ["Over to you", *nl.QUESTIONS]


def test_html_embeds_each_chart_as_a_data_uri_with_its_alt_text():
    charts = {
        c.ACTIVITY: c.activity_chart([c.MonthFigures(dt.date(2026, 11, 1), shares=3)]),
        c.PARTNERS: c.partner_credit_chart([c.PartnerCredit("Riverside & Co <Trust>", 2)]),
    }
    page = parse(nl.newsletter_html(full(), charts))
    assert nl.CHARTS_HEADING in page.sections
    assert len(page.images) == 2
    for image, chart in zip(page.images, charts.values(), strict=True):
        assert image["alt"] == chart.alt_text
        assert base64.b64decode(image["src"].removeprefix("data:image/png;base64,")) == chart.png
        assert int(image["width"]) <= 600
        assert (image["width"], image["height"]) == ("536", "268")  # the 600px column less its padding; 2:1
    assert "Riverside & Co <Trust> 2" in page.images[1]["alt"]


def test_people_not_named_are_a_colleague():
    assert nl.people([None]) == "a colleague"
    assert nl.people([None, None, None]) == "3 colleagues"
    assert nl.people(["Priya Shah", None, "Tom Lee", None]) == "Priya Shah, Tom Lee and 2 colleagues"
    assert nl.people(["  "]) == "a colleague"
    assert nl.person(None) == "a colleague"


# ---- the month ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11", dt.date(2026, 11, 1)),
        (" 2026-3 ", dt.date(2026, 3, 1)),
        ("November 2026", dt.date(2026, 11, 1)),
        ("sept 2025", dt.date(2025, 9, 1)),
        ("Jan 2020", dt.date(2020, 1, 1)),
    ],
)
def test_months_are_read(text, expected):
    assert nl.parse_month(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Please give the month as the year and month, like 2026-11."),
        ("last month", "Please give the month as the year and month, like 2026-11."),
        ("Smarch 2026", "Please give the month as the year and month, like 2026-11."),
        ("2026-13", "There isn't a month 13: please give a month from 01 to 12, like 2026-11."),
        ("2026-00", "There isn't a month 0: please give a month from 01 to 12, like 2026-11."),
        ("2026-12", "December 2026 hasn't started yet: please choose November 2026 or an earlier month."),
        ("2031-01", "January 2031 hasn't started yet: please choose November 2026 or an earlier month."),
    ],
)
def test_bad_or_future_months_get_a_kind_sentence(text, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        nl.parse_month(text, TODAY)
