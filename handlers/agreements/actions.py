"""Buttons on agreements: confirm a version, propose a change, record a review."""

from __future__ import annotations

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

import handlers.agreements.messages as messages
import handlers.agreements.modals as modals
from domain import agreements as ag
from domain.quiet import Notice
from domain.words import mention
from handlers.agreements.publishing import (
    ask_creator,
    parse_number,
    publish_summary,
    read_agreement,
    refresh_parties,
)
from handlers.blocks import notice_view, section
from handlers.context import Deps, Job, after_ack, respond_to
from handlers.home.refresh import home_changed
from handlers.jobs import JobRun
from handlers.publish import say
from storage import agreements as store
from storage.agreements import Confirmation


def handle_confirm(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job:
    return Job(confirm, (body,))


@after_ack
def confirm(run: JobRun, body: dict) -> None:
    respond, deps = respond_to(body), run.deps
    number, _, version = body["actions"][0].get("value", "").partition(":")
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    if not run.done("confirmed"):
        with deps.sessions.begin() as session:  # the confirmation and the note that it was made commit together
            made = store.confirm_agreement(
                session,
                team_id=team_id,
                number=parse_number(number) or 0,
                user_id=user_id,
                version=parse_number(version) or 0,
                now=deps.clock(),
            )
            run.note(session, "confirmed", made)
    outcome = Confirmation(run.value("confirmed")) if run.value("confirmed") else None
    with deps.sessions.begin() as session:
        record = (
            store.get_agreement(session, team_id=team_id, number=parse_number(number) or 0)
            if outcome is not None
            else None
        )
    if record is None:
        say(respond, "That agreement is no longer here.")
    elif outcome is Confirmation.NOT_PARTY:
        say(respond, f"Only the people named in agreement #{record.number} can confirm it. {ask_creator(record)}")
    elif outcome is Confirmation.ENDED:
        say(respond, f"Agreement #{record.number} has ended, so there's nothing to confirm.")
    elif outcome is Confirmation.ALREADY:
        say(respond, f"You've already confirmed version {record.version} of agreement #{record.number}. Thank you!")
    elif outcome is Confirmation.STALE:
        intro = f"Agreement #{record.number} has changed since that message. Here is version {record.version}:"
        respond(blocks=messages.confirm_request(record, intro, deps.today()), replace_original=False)
    else:
        publish_summary(run, team_id, record.number)
        thanks = f"✅ Thank you, you've confirmed agreement #{record.number}."
        if outcome is Confirmation.AGREED:
            thanks = f"✅ Thank you. Everyone has confirmed, so agreement #{record.number} is agreed."
            note = section(f"🎉 Everyone has confirmed agreement #{record.number}: it's agreed.")
            for party in record.slack_parties:
                if party != user_id:
                    said = f"Agreement #{record.number} is agreed"
                    run.notify_once(
                        f"agreed {party}", party, [note], said, notice=Notice.AGREEMENT_NEWS, link=record.permalink
                    )
        if (body.get("channel") or {}).get("id", "").startswith("D"):  # their request to confirm: show it's done
            respond(blocks=messages.confirmed_blocks(record, thanks, deps.today()), text=thanks, replace_original=True)
        else:
            say(respond, thanks)
        if outcome is Confirmation.AGREED:  # a confirmation that leaves it a draft changes nobody's Home tab
            refresh_parties(run, record)


def handle_propose_change(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    ack()
    record = read_agreement(deps, body["team"]["id"], body["actions"][0].get("value", ""))
    if record is None:
        say(respond, "That agreement is no longer here.")
    elif not record.is_party(body["user"]["id"]):
        say(respond, f"Only the people named in agreement #{record.number} can change it. {ask_creator(record)}")
    elif record.status == ag.ENDED:
        say(
            respond,
            f"Agreement #{record.number} has ended. To work together again, type `/agreement` to write a new one.",
        )
    else:
        client.views_open(trigger_id=body["trigger_id"], view=modals.change_modal(record))


def handle_record_review(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    ack()
    number, _, day = body["actions"][0].get("value", "").partition(":")
    team_id, user_id = body["team"]["id"], body["user"]["id"]
    record, today = read_agreement(deps, team_id, number), deps.today()

    def tell(text: str) -> None:
        if body.get("response_url"):  # a nudge's button: answered beside it
            say(respond, text)
            return
        # The Home tab's button: there is no message to answer beside, so a small window says it, and their tab
        # (which showed a review to record) is brought up to date.
        client.views_open(trigger_id=body["trigger_id"], view=notice_view("Record review", text))
        home_changed(deps, body, team_id, [user_id])

    if record is None:
        tell("That agreement is no longer here.")
        return
    if not record.is_party(user_id):
        tell(f"Only the people named in agreement #{record.number} can record its reviews. {ask_creator(record)}")
        return
    if record.status == ag.ENDED or record.next_review is None:
        tell(f"Agreement #{record.number} has ended, so there are no more reviews to record.")
        return
    review_date = record.next_review
    done = next((r for r in reversed(record.reviews) if r.review_date.isoformat() == day), None)
    if done is not None and day != review_date.isoformat():
        tell(
            f"{mention(done.recorded_by, first=True)} already recorded the review due "
            f"{ag.short_date(done.review_date, today)}. The next one is on {ag.long_date(review_date)}."
        )
        return
    suggested = ag.suggested_next_review(review_date, record.review_every_days, record.end_date, today)
    client.views_open(trigger_id=body["trigger_id"], view=modals.review_modal(record, review_date, suggested))
