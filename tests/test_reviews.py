"""Agreement review nudges, played by `programme-talks run-due`, and recording reviews from them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select

from domain.agreements import reviews_section
from handlers.ids import Action, Block, View
from storage import agreements as store
from storage.models import AgreementReview
from tests.helpers import all_text, printed, response_to, run_due, wait_until
from tests.helpers.agreements import (
    AMIRA,
    BEN,
    CHANNEL,
    agreement,
    confirm,
    opened,
    said,
    summary_updates,
    write_agreement,
)

ADMIN, CHAMPION = "U_ADMIN", "U_CHAMP"
LONDON = ZoneInfo("Europe/London")
PARTIES = "Parties: <@U_AMIRA>, <@U_BEN>, Riverside Trust (contact: Sam Patel)"
HOW_LONG = "It only takes a couple of minutes: how it's going, and whether everyone has been credited."


def nothing_to_do(when: str) -> str:
    """All a `run-due` prints when nothing is due: `when` is the local time, with its zone (GMT or BST)."""
    return f"run-due at {when}: nothing to do\n"


def nudged(when: str, key: str) -> tuple[str, list[str]]:
    """What a `run-due` at `when` prints having nudged the channel, Amira and Ben about `key` (and nothing else)."""
    return f"run-due at {when}: 3 things done", sorted(
        f"posted review_nudge to {target} {key}" for target in (CHANNEL, AMIRA, BEN)
    )


def agreed(sandbox, **changes) -> int:
    """Amira and Ben (and Riverside Trust) agree, with the first review on Monday 7 December."""
    number = write_agreement(sandbox, **changes)
    confirm(sandbox, BEN)
    wait_until(lambda: agreement(sandbox, number).status == "agreed")
    return number


def nudges(sandbox, target: str) -> list[dict]:
    return [m for m in sandbox.slack.messages(target) if "review due" in (m.get("text") or "")]


def posted(out: str, kind: str = "review_nudge") -> list[str]:
    return [line.strip() for line in out.splitlines() if line.strip().startswith(f"posted {kind} ")]


def appoint_champion(sandbox) -> None:
    sandbox.slack.add_user(ADMIN, is_admin=True)
    sandbox.sim.command("/talks", f"champion <@{CHAMPION}>", user=ADMIN)
    sandbox.slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == CHAMPION)


def record_review(sandbox, user: str, **values):
    nudge = nudges(sandbox, user)[-1]
    sandbox.sim.click(nudge, Action.RECORD_REVIEW, user=user, channel="D" + user)
    form = opened(sandbox, View.AGREEMENT_REVIEW)
    answers = {Block.OUTCOME: "on_track", Block.ACHIEVED: "Twelve Saturday sessions", Block.CREDITED: "yes"}
    return form, sandbox.sim.submit(form, answers | values, user=user)


# ---- when nudges come --------------------------------------------------------------------------------------------


def test_the_channel_and_each_slack_party_are_nudged_three_days_before_and_on_the_day_at_nine(sandbox, env, capsys):
    agreed(sandbox)
    assert run_due("2026-12-04T08:59", capsys) == nothing_to_do("2026-12-04 08:59 GMT")
    out = run_due("2026-12-04T09:00", capsys)
    assert sorted(posted(out)) == sorted(
        f"posted review_nudge to {target} 1:2026-12-07:d-3" for target in (CHANNEL, AMIRA, BEN)
    )
    assert printed(out) == nudged("2026-12-04 09:00 GMT", "1:2026-12-07:d-3")
    assert run_due("2026-12-04T09:00", capsys) == nothing_to_do("2026-12-04 09:00 GMT")
    assert run_due("2026-12-06T12:00", capsys) == nothing_to_do("2026-12-06 12:00 GMT")
    [early] = nudges(sandbox, BEN)
    assert all_text(early["blocks"]) == (
        f"⏰ Agreement *#1 Summer sports hall* is due for review on Mon 7 Dec (in 3 days).\n{HOW_LONG}\n"
        f"{PARTIES}\nRecord review"
    )
    out = run_due("2026-12-07T09:00", capsys)
    assert printed(out) == nudged("2026-12-07 09:00 GMT", "1:2026-12-07:d0")
    assert all_text(nudges(sandbox, CHANNEL)[-1]["blocks"]) == (
        f"⏰ Agreement *#1 Summer sports hall* is due for review on Mon 7 Dec (today).\n{HOW_LONG}\n"
        f"{PARTIES}\nRecord review"
    )
    assert run_due("2026-12-07T09:00", capsys) == nothing_to_do("2026-12-07 09:00 GMT")
    assert [len(nudges(sandbox, target)) for target in (CHANNEL, AMIRA, BEN)] == [2, 2, 2]


def test_an_unrecorded_review_is_nudged_every_week_and_champions_are_told_once_at_fourteen_days(sandbox, env, capsys):
    appoint_champion(sandbox)
    agreed(sandbox)
    run_due("2026-12-04T09:00", capsys)
    run_due("2026-12-07T09:00", capsys)
    out = run_due("2026-12-14T09:00", capsys)
    assert len(posted(out)) == 3 and posted(out, "review_escalation") == []
    assert printed(out) == nudged("2026-12-14 09:00 GMT", "1:2026-12-07:d+7")
    assert all_text(nudges(sandbox, BEN)[-1]["blocks"]) == (
        "⏰ The review of agreement *#1 Summer sports hall* was due on Mon 7 Dec (7 days ago) and hasn't been "
        f"recorded yet.\n{HOW_LONG}\n{PARTIES}\nRecord review"
    )
    out = run_due("2026-12-21T09:00", capsys)
    assert len(posted(out)) == 3
    assert posted(out, "review_escalation") == [f"posted review_escalation to {CHAMPION} 1:2026-12-07"]
    first, lines = nudged("2026-12-21 09:00 GMT", "1:2026-12-07:d+14")
    assert printed(out) == (
        first.replace("3 things", "4 things"),
        sorted([*lines, f"posted review_escalation to {CHAMPION} 1:2026-12-07"]),
    )
    out = run_due("2026-12-28T09:00", capsys)
    assert len(posted(out)) == 3 and posted(out, "review_escalation") == []
    assert printed(out) == nudged("2026-12-28 09:00 GMT", "1:2026-12-07:d+21")
    [told] = [m for m in sandbox.slack.messages(CHAMPION) if "overdue" in (m.get("text") or "")]
    assert all_text(told["blocks"]) == (
        "🔔 The review of agreement *#1 Summer sports hall* in <#C_PRACTICE> was due on Mon 7 Dec (14 days ago) "
        f"and hasn't been recorded. Could you check in with the parties?\n{PARTIES}"
    )


def test_after_downtime_only_the_latest_nudge_goes_out_however_late(sandbox, env, capsys):
    agreed(sandbox)
    out = run_due("2026-12-22T18:00", capsys)  # nothing ran for weeks
    assert sorted(posted(out)) == sorted(
        f"posted review_nudge to {target} 1:2026-12-07:d+14" for target in (CHANNEL, AMIRA, BEN)
    )
    assert printed(out) == nudged("2026-12-22 18:00 GMT", "1:2026-12-07:d+14")
    assert run_due("2026-12-22T18:05", capsys) == nothing_to_do("2026-12-22 18:05 GMT")


def test_drafts_are_not_nudged_until_everyone_has_confirmed(sandbox, env, capsys):
    write_agreement(sandbox)
    assert run_due("2026-12-07T09:00", capsys) == nothing_to_do("2026-12-07 09:00 GMT")
    confirm(sandbox, BEN)
    wait_until(lambda: agreement(sandbox, 1).status == "agreed")
    assert printed(run_due("2026-12-07T10:00", capsys)) == nudged("2026-12-07 10:00 GMT", "1:2026-12-07:d0")


def test_nudges_keep_to_nine_in_the_morning_across_the_spring_clock_change(sandbox, env, capsys, clock):
    clock.set(dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC))
    write_agreement(
        sandbox,
        **{Block.START_DATE: "2026-03-21", Block.FIRST_REVIEW: "2026-03-29", Block.END_DATE: "2026-06-30"},
    )
    confirm(sandbox, BEN)
    wait_until(lambda: agreement(sandbox, 1).status == "agreed")
    assert run_due("2026-03-26T08:59+00:00", capsys) == nothing_to_do("2026-03-26 08:59 GMT")
    out = run_due("2026-03-26T09:00+00:00", capsys)  # 09:00 GMT
    assert printed(out) == nudged("2026-03-26 09:00 GMT", "1:2026-03-29:d-3")
    assert run_due("2026-03-29T07:59+00:00", capsys) == nothing_to_do("2026-03-29 08:59 BST")
    out = run_due("2026-03-29T08:00+00:00", capsys)  # 09:00 BST, the day the clocks go forward
    assert printed(out) == nudged("2026-03-29 09:00 BST", "1:2026-03-29:d0")
    assert run_due("2026-04-05T07:59+00:00", capsys) == nothing_to_do("2026-04-05 08:59 BST")
    out = run_due("2026-04-05T08:00+00:00", capsys)
    assert printed(out) == nudged("2026-04-05 09:00 BST", "1:2026-03-29:d+7")


# ---- recording reviews ------------------------------------------------------------------------------------------


def test_recording_a_review_from_a_nudge_stops_that_dates_nudges_and_schedules_the_next(sandbox, env, capsys, clock):
    agreed(sandbox)
    run_due("2026-12-07T09:00", capsys)
    clock.set(dt.datetime(2026, 12, 7, 10, tzinfo=dt.UTC))
    form, answer = record_review(sandbox, BEN, **{Block.CREDITED: "partly", Block.NEXT_REVIEW: "2027-01-04"})
    shown = all_text(form["blocks"])
    assert "Both logos on every poster" in shown  # the recognition plan, to check against
    assert "*You agreed to recognise each party like this:*\nBoth logos on every poster; thanks in the newsletter" in [
        b["text"]["text"] for b in form["blocks"] if b["type"] == "section"
    ]
    next_review = next(b for b in form["blocks"] if b.get("block_id") == Block.NEXT_REVIEW)
    assert next_review["element"]["initial_date"] == "2027-01-04"  # four weeks on
    assert set(answer.json()["errors"]) == {Block.CREDIT_NOTE}
    assert answer.json()["errors"] == {
        Block.CREDIT_NOTE: "Please say who hasn't been credited yet, and what you'll do."
    }
    values = {
        Block.CREDITED: "partly",
        Block.CREDIT_NOTE: "Riverside's logo is missing",
        Block.NEXT_REVIEW: "2027-01-04",
    }
    assert (
        sandbox.sim.submit(form, {Block.OUTCOME: "on_track", Block.ACHIEVED: "Twelve sessions"} | values, user=BEN).body
        == ""
    )
    with sandbox.sessions() as session:
        [saved] = session.scalars(select(AgreementReview)).all()
    assert (saved.review_date, saved.credited, saved.next_review) == (
        dt.date(2026, 12, 7),
        "partly",
        dt.date(2027, 1, 4),
    )
    assert agreement(sandbox, 1).next_review == dt.date(2027, 1, 4)
    wait_until(lambda: any("Monday 4 January 2027" in text for text in summary_updates(sandbox)))

    assert run_due("2026-12-14T09:00", capsys) == nothing_to_do("2026-12-14 09:00 GMT")
    assert run_due("2026-12-21T09:00", capsys) == nothing_to_do("2026-12-21 09:00 GMT")
    out = run_due("2027-01-01T09:00", capsys)
    assert printed(out) == nudged("2027-01-01 09:00 GMT", "1:2027-01-04:d-3")
    _, url = sandbox.sim.click(nudges(sandbox, AMIRA)[0], Action.RECORD_REVIEW, user=AMIRA, channel="DU_AMIRA")
    assert said(sandbox, url) == (
        "<@U_BEN> already recorded the review due Mon 7 Dec. The next one is on Monday 4 January 2027."
    )


def test_a_review_that_ends_the_agreement_stops_every_nudge(sandbox, env, capsys, clock):
    agreed(sandbox)
    run_due("2026-12-07T09:00", capsys)
    clock.set(dt.datetime(2026, 12, 7, 10, tzinfo=dt.UTC))
    _, answer = record_review(sandbox, AMIRA, **{Block.OUTCOME: "ended", Block.NEXT_REVIEW: None})
    assert answer.body == ""
    found = agreement(sandbox, 1)
    assert (found.status, found.next_review) == ("ended", None)
    wait_until(lambda: any("Ended" in text for text in summary_updates(sandbox)))
    for at in ("2026-12-14T09:00", "2026-12-21T09:00", "2027-01-01T09:00"):
        assert run_due(at, capsys) == nothing_to_do(at.replace("T", " ") + " GMT")
    _, url = sandbox.sim.click(nudges(sandbox, BEN)[-1], Action.RECORD_REVIEW, user=BEN, channel="DU_BEN")
    assert said(sandbox, url) == "Agreement #1 has ended, so there are no more reviews to record."


def test_only_parties_can_record_a_review(sandbox, env, capsys):
    agreed(sandbox)
    run_due("2026-12-07T09:00", capsys)
    _, url = sandbox.sim.click(nudges(sandbox, CHANNEL)[-1], Action.RECORD_REVIEW, user="U_DAN", channel=CHANNEL)
    assert said(sandbox, url) == (
        "Only the people named in agreement #1 can record its reviews. "
        "If you think you should be one of them, have a word with <@U_AMIRA>, who wrote it."
    )
    sandbox.slack.assert_no_call("views.open", where=lambda c: c.args["view"]["callback_id"] == View.AGREEMENT_REVIEW)


# ---- for the digest ---------------------------------------------------------------------------------------------


def test_reviews_due_within_a_week_or_overdue_are_listed_for_the_digest(sandbox, clock):
    agreed(sandbox)  # #1: review on 7 December
    write_agreement(
        sandbox,
        step_one={Block.AGREEMENT_TITLE: "Later one", Block.PARTY_USERS: [AMIRA]},
        **{Block.FIRST_REVIEW: "2027-01-20"},
    )
    write_agreement(sandbox, step_one={Block.AGREEMENT_TITLE: "Still a draft"})
    now = dt.datetime(2026, 12, 2, 9, tzinfo=dt.UTC)
    with sandbox.sessions() as session:
        due = store.reviews_due(session, team_id="T0001", now=now, tz=LONDON)
    assert [item.number for item in due] == [1]
    section = reviews_section(due, now.date())
    assert section.lines == (
        "#1 Summer sports hall — review due Mon 7 Dec (in 5 days) · <@U_AMIRA>, <@U_BEN>, Riverside Trust",
    )
    with sandbox.sessions() as session:
        late = store.reviews_due(session, team_id="T0001", now=dt.datetime(2026, 12, 9, tzinfo=dt.UTC), tz=LONDON)
    assert reviews_section(late, dt.date(2026, 12, 9)).lines[0].startswith("⚠️ #1 Summer sports hall — review overdue")
    assert reviews_section(late, dt.date(2026, 12, 9)).lines == (
        "⚠️ #1 Summer sports hall — review overdue since Mon 7 Dec (2 days ago) · <@U_AMIRA>, <@U_BEN>, Riverside Trust",
    )


def test_the_weekly_digest_lists_agreement_reviews_due(sandbox, env, capsys):
    agreed(sandbox)  # review on Monday 7 December
    sandbox.slack.add_user("U_ADMIN", is_admin=True)
    _, url = sandbox.sim.command("/talks", "digest here weekly mon 09:00", user="U_ADMIN", channel="C_DIGEST")
    response_to(sandbox.slack, url)
    assert run_due("2026-11-30T09:00", capsys) == (
        "run-due at 2026-11-30 09:00 GMT: 1 thing done\n  posted digest to C_DIGEST 2026-11-30T09:00\n"
    )
    digest = [m for m in sandbox.slack.messages("C_DIGEST") if "Agreement reviews due" in all_text(m["blocks"])]
    assert len(digest) == 1
    assert "#1 Summer sports hall — review due Mon 7 Dec (in 7 days)" in all_text(digest[0]["blocks"])
