"""Agreements without Slack or a database: checking forms, review dates, nudge moments, digest lines, export."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from domain import agreement_document as doc
from domain import agreements as ag
from domain.agreements import AgreementRecord, Party, Review, ReviewDue, ReviewForm, Terms, Version

LONDON = ZoneInfo("Europe/London")
TODAY = dt.date(2026, 11, 27)


def terms(**changes) -> Terms:
    values = {
        "responsibilities": ("Book the hall", "Bring the coaches"),
        "start_date": dt.date(2026, 12, 1),
        "end_date": dt.date(2027, 6, 30),
        "comms_internal": "A line in each team meeting",
        "comms_external": "Joint posts on both websites",
        "recognition": "Both logos on every poster",
        "review_date": dt.date(2026, 12, 7),
        "review_every_days": 28,
    }
    return Terms(**(values | changes))


def record(**changes) -> AgreementRecord:
    values = {
        "id": 7,
        "team_id": "T1",
        "number": 3,
        "title": "Summer sports hall",
        "channel_id": "C1",
        "created_by": "U_A",
        "status": ag.AGREED,
        "version": 2,
        "start_date": dt.date(2026, 12, 1),
        "end_date": dt.date(2027, 6, 30),
        "comms_internal": "Team meetings",
        "comms_external": "Websites",
        "recognition": "Logos on posters",
        "review_every_days": 28,
        "next_review": dt.date(2027, 1, 4),
        "parties": (
            Party(user_id="U_A", responsibility="Book the hall", confirmed=True),
            Party(organisation="Riverside Trust", contact="Sam Patel", responsibility="Bring the coaches"),
        ),
        "created_at": dt.datetime(2026, 11, 27, 10, tzinfo=dt.UTC),
    }
    return AgreementRecord(**(values | changes))


# ---- the first step ------------------------------------------------------------------------------------------


def test_organisation_lines_are_read_and_blank_lines_ignored():
    found, problem = ag.parse_organisations("Riverside Trust, Sam Patel\n\n  Youth Music ,  Jo Bloggs  \n")
    assert problem is None
    assert found == (ag.Organisation("Riverside Trust", "Sam Patel"), ag.Organisation("Youth Music", "Jo Bloggs"))


@pytest.mark.parametrize("line", ["Riverside Trust", "Riverside Trust,", ", Sam Patel"])
def test_an_organisation_line_without_a_contact_says_which_line_and_shows_the_form(line):
    found, problem = ag.parse_organisations(f"Youth Music, Jo Bloggs\n{line}")
    assert found == ()
    assert "Line 2" in problem and "comma" in problem and "Sam Patel" in problem
    assert problem == (
        f"Line 2 (“{line.strip()}”) needs the organisation, a comma, then a contact name, like "
        "“Riverside Trust, Sam Patel”."
    )


def test_a_contact_with_a_phone_number_is_read_as_written_for_the_personal_data_check_to_ask_about():
    found, problem = ag.parse_organisations("Riverside Trust, Sam 07700 900123")
    assert (found, problem) == ((ag.Organisation("Riverside Trust", "Sam 07700 900123"),), None)


def test_an_agreement_needs_two_parties_and_someone_in_slack():
    _, errors = ag.check_parties("Hall", ["U_A"], "")
    assert errors == {
        "users": "An agreement needs at least two parties. Add the other people here, or organisations outside "
        "Slack below."
    }
    _, errors = ag.check_parties("Hall", [], "Riverside Trust, Sam\nYouth Music, Jo")
    assert errors == {
        "users": "Please include at least one person in Slack (usually you), so someone can confirm it here."
    }
    orgs, errors = ag.check_parties("Hall", ["U_A"], "Riverside Trust, Sam")
    assert errors == {} and len(orgs) == 1


def test_a_missing_title_is_asked_for():
    _, errors = ag.check_parties("", ["U_A", "U_B"], "")
    assert set(errors) == {"title"}
    assert errors == {"title": "Please give the agreement a short title, like “Summer sports hall”."}


# ---- the second step and changes ---------------------------------------------------------------------------


def test_good_terms_have_no_errors():
    assert ag.check_terms(terms(), today=TODAY) == {}


def test_personal_data_in_the_terms_is_not_a_mistake_here_the_personal_data_check_asks_about_it():
    assert ag.check_terms(terms(comms_external="Call Jo on 07700 900123"), today=TODAY) == {}


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        (
            {"end_date": dt.date(2026, 11, 30)},
            "end_date",
            "This is before the start (Tuesday 1 December 2026). Please choose a later end date.",
        ),
        ({"review_date": dt.date(2026, 11, 20)}, "review_date", "Please choose a review date after today."),
        ({"review_date": TODAY}, "review_date", "Please choose a review date after today."),
        (
            {"review_date": dt.date(2027, 7, 1)},
            "review_date",
            "This is after the agreement ends (Wednesday 30 June 2027). Please choose a date up to then.",
        ),
        (
            {"recognition": "  "},
            "recognition",
            "Please say how each party will be recognised, like logos on posters or thanks in a newsletter.",
        ),
        ({"responsibilities": ("Book the hall", "")}, "responsibility:1", "Please say what this party will do."),
        ({"review_every_days": 5}, "review_every", "Please choose how often to review it."),
    ],
)
def test_each_mistake_in_the_terms_is_named_on_its_field(changes, field, words):
    errors = ag.check_terms(terms(**changes), today=TODAY)
    assert set(errors) == {field}
    assert errors == {field: words}


def test_a_change_may_keep_a_review_date_that_has_passed_but_not_choose_one():
    overdue = dt.date(2026, 11, 20)
    assert ag.check_terms(terms(review_date=overdue), today=TODAY, current_review=overdue) == {}
    assert ag.check_terms(terms(review_date=overdue), today=TODAY, current_review=dt.date(2026, 12, 7)) == {
        "review_date": "Please choose a review date after today."
    }


def test_a_change_needs_a_note():
    assert ag.check_note(" ") == {"note": "Please say what changed and why, so the others can see it at a glance."}
    assert ag.check_note("Moved to Saturdays") == {}


# ---- reviews ---------------------------------------------------------------------------------------------------


def review(**changes) -> ReviewForm:
    values = {
        "outcome": "on_track",
        "achieved": "Twelve sessions",
        "credited": "yes",
        "credit_note": "",
        "next_review": dt.date(2027, 1, 4),
    }
    return ReviewForm(**(values | changes))


def test_a_review_not_fully_credited_needs_a_note():
    end = dt.date(2027, 6, 30)
    assert ag.check_review(review(), today=TODAY, end_date=end) == {}
    assert (
        "who hasn't been credited"
        in ag.check_review(review(credited="partly"), today=TODAY, end_date=end)["credit_note"]
    )
    assert ag.check_review(review(credited="no", credit_note="Logo missing"), today=TODAY, end_date=end) == {}


def test_the_next_review_must_be_after_today_and_by_the_end_unless_it_has_ended():
    end = dt.date(2027, 6, 30)
    assert ag.check_review(review(next_review=TODAY), today=TODAY, end_date=end) == {
        "next_review": "Please choose a date after today for the next review."
    }
    assert ag.check_review(review(next_review=dt.date(2027, 7, 1)), today=TODAY, end_date=end) == {
        "next_review": "The agreement ends on Wednesday 30 June 2027. Please choose a date up to then."
    }
    assert ag.check_review(review(outcome="ended", next_review=None), today=TODAY, end_date=end) == {}
    over = ag.check_review(review(), today=end, end_date=end)["next_review"]
    assert over == (
        "The agreement ends on Wednesday 30 June 2027, so there's no date left for another review. "
        "Choose “Ended”, or propose a change to extend it."
    )


def test_the_next_review_is_a_cadence_later_after_today_and_never_after_the_end():
    end = dt.date(2027, 6, 30)
    assert ag.suggested_next_review(dt.date(2026, 12, 7), 28, end, dt.date(2026, 12, 7)) == dt.date(2027, 1, 4)
    late = ag.suggested_next_review(dt.date(2026, 12, 7), 14, end, dt.date(2026, 12, 30))
    assert late == dt.date(2027, 1, 4)  # 21 Dec has passed: the one after
    assert ag.suggested_next_review(dt.date(2027, 6, 20), 28, end, dt.date(2027, 6, 20)) == end
    assert ag.suggested_next_review(end, 28, end, end) is None


# ---- nudge moments -------------------------------------------------------------------------------------------


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_stages_are_three_days_before_on_the_day_then_weekly_at_nine():
    stages = ag.stages(dt.date(2026, 12, 7), LONDON)
    first = [next(stages) for _ in range(5)]
    assert [s.name for s in first] == ["d-3", "d0", "d+7", "d+14", "d+21"]
    assert [s.at for s in first[:3]] == [utc(2026, 12, 4, 9), utc(2026, 12, 7, 9), utc(2026, 12, 14, 9)]
    assert [s.escalates for s in first] == [False, False, False, True, True]


def test_stages_keep_to_nine_local_across_the_spring_clock_change():
    stages = ag.stages(dt.date(2026, 3, 29), LONDON)  # the last Sunday of March
    assert [next(stages).at for _ in range(3)] == [utc(2026, 3, 26, 9), utc(2026, 3, 29, 8), utc(2026, 4, 5, 8)]


def test_the_latest_stage_is_the_only_one_due_after_downtime():
    day = dt.date(2026, 12, 7)
    assert ag.latest_stage(day, utc(2026, 12, 4, 8, 59), LONDON) is None
    assert ag.latest_stage(day, utc(2026, 12, 7, 8, 59), LONDON).name == "d-3"
    assert ag.latest_stage(day, utc(2026, 12, 7, 9), LONDON).name == "d0"
    assert ag.latest_stage(day, utc(2026, 12, 23, 12), LONDON).name == "d+14"
    assert ag.escalation_moment(day, LONDON) == utc(2026, 12, 21, 9)


# ---- the digest's lines ----------------------------------------------------------------------------------------


def test_reviews_section_lists_soonest_first_flags_overdue_and_escapes_titles():
    parties = (Party(user_id="U_A"), Party(organisation="Riverside & Co", contact="Sam"))
    section = ag.reviews_section(
        [
            ReviewDue(3, "Summer <sports> hall", dt.date(2026, 12, 1), parties),
            ReviewDue(2, "Holiday meals", dt.date(2026, 11, 24), parties[:1]),
        ],
        today=TODAY,
    )
    assert section.title == "🔁 Agreement reviews due"
    assert section.lines == (
        "⚠️ #2 Holiday meals — review overdue since Tue 24 Nov (3 days ago) · <@U_A>",
        "#3 Summer &lt;sports&gt; hall — review due Tue 1 Dec (in 4 days) · <@U_A>, Riverside &amp; Co",
    )


# ---- the document ------------------------------------------------------------------------------------------


def test_the_document_names_every_party_responsibility_review_and_version():
    snapshot_1 = doc.snapshot(record(version=1, end_date=dt.date(2027, 5, 31)))
    done = record(
        reviews=(
            Review(
                dt.date(2026, 12, 7),
                "on_track",
                "Twelve sessions",
                "partly",
                "Logo missing",
                None,
                "U_B",
                utc(2026, 12, 7, 10),
            ),
        ),
        versions=(
            Version(1, "U_A", None, utc(2026, 11, 27, 10), snapshot_1),
            Version(2, "U_B", "Ran longer", utc(2026, 11, 30, 10), doc.snapshot(record())),
        ),
    )
    document = doc.export_markdown(done, {"U_A": "Amira Khan", "U_B": "Ben Ode"}, today=TODAY, tz=LONDON)
    assert document.startswith("# Agreement #3: Summer sports hall\n")
    for words in (
        "### @Amira Khan (confirmed)",
        "> Book the hall",
        "### Riverside Trust (contact: Sam Patel)",
        "> Bring the coaches",
        "> Logos on posters",
        "Review of Monday 7 December 2026: On track",
        "Recorded by @Ben Ode",
        "> Twelve sessions",
        "Partly",
        "> Logo missing",
        "### Version 2: Monday 30 November 2026, by @Ben Ode",
        "> Ran longer",
        "Changed: end date.",
    ):
        assert words in document, words


def test_the_document_cannot_carry_slack_tokens_markup_or_forged_headings():
    sneaky = record(
        title="<!channel> xoxb-1234-secret",
        parties=(Party(user_id="U0AMIRA", responsibility="# Heading\n<script>alert(1)</script> [link](http://x)"),),
    )
    document = doc.export_markdown(sneaky, {}, today=TODAY, tz=LONDON)
    assert "<!channel>" not in document and "xoxb-" not in document and "<script>" not in document
    assert "(removed)" in document
    assert "> \\# Heading" in document and "\\[link\\]" in document
    assert "### @U0AMIRA" in document and "<@U0AMIRA>" not in document
