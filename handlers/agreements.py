"""Written collaboration agreements: `/agreement` (a two-step form), `list`, `show N`, `export N`;
confirming, proposing changes, and recording reviews.

Forms are checked field by field before acknowledging, and saved before acknowledging; Slack is told
(summary posted or updated, parties asked by direct message) only after the transaction has closed.
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from domain import agreements as ag
from domain import text as t
from handlers import agreement_blocks as ab
from handlers import forms
from handlers.capture import say
from handlers.commands import HELP_WORDS
from handlers.context import Deps, Job, OnePerKey, listener, respond_to
from handlers.ids import Action, Block, Command, View, responsibility_block
from handlers.publish import Posted, post_message, update_message
from handlers.roles import people
from storage import agreements as store
from storage.agreements import Confirmation

log = logging.getLogger(__name__)

NOT_SAVED = "Sorry, I couldn't save this just now. Your words are still here: please try again in a minute."
EXPIRED = "Sorry, this form has expired. Please close it and start again."
FIELD_BLOCKS = {
    "title": Block.AGREEMENT_TITLE,
    "channel": Block.CHANNEL,
    "users": Block.PARTY_USERS,
    "organisations": Block.PARTY_ORGANISATIONS,
    "start_date": Block.START_DATE,
    "end_date": Block.END_DATE,
    "comms_internal": Block.COMMS_INTERNAL,
    "comms_external": Block.COMMS_EXTERNAL,
    "recognition": Block.RECOGNITION,
    "review_date": Block.FIRST_REVIEW,
    "review_every": Block.REVIEW_EVERY,
    "note": Block.CHANGE_NOTE,
    "outcome": Block.OUTCOME,
    "achieved": Block.ACHIEVED,
    "credited": Block.CREDITED,
    "credit_note": Block.CREDIT_NOTE,
    "next_review": Block.NEXT_REVIEW,
}


def register(app: App, deps: Deps) -> None:
    app.command(Command.AGREEMENT)(listener(handle_agreement_command, deps))
    app.view(View.AGREEMENT_PARTIES)(listener(handle_parties_submission, deps))
    app.view(View.AGREEMENT_DETAILS)(listener(handle_details_submission, deps))
    app.view(View.AGREEMENT_CHANGE)(listener(handle_change_submission, deps))
    app.view(View.AGREEMENT_REVIEW)(listener(handle_review_submission, deps))
    app.action(Action.CONFIRM_AGREEMENT)(listener(handle_confirm, deps))
    app.action(Action.PROPOSE_CHANGE)(listener(handle_propose_change, deps))
    app.action(Action.RECORD_REVIEW)(listener(handle_record_review, deps))


# ---- /agreement -------------------------------------------------------------------------------------------------


def handle_agreement_command(ack: Ack, command: dict, respond: Respond, client: WebClient, deps: Deps) -> Job | None:
    words = t.unescape(command.get("text") or "").split()
    verb = words[0].lower() if words else ""
    if not verb:
        ack()
        client.views_open(trigger_id=command["trigger_id"], view=ab.parties_modal(command["user_id"]))
    elif verb in HELP_WORDS:
        ack(blocks=ab.help_blocks(), response_type="ephemeral")
    elif verb == "list":
        ack()
        return Job(_list, (command,))
    elif verb in ("show", "export"):
        number = _number(words[1] if len(words) > 1 else "")
        if number is None:
            example = f"For example `/agreement {verb} 3`. `/agreement list` shows yours."
            ack(text=f"Which agreement? {example}", response_type="ephemeral")
            return None
        ack()
        return Job(_show_or_export, (verb, number, command))
    else:
        ack(text=ab.usage_text(verb), response_type="ephemeral")
    return None


def _list(client: WebClient, deps: Deps, command: dict) -> None:
    respond = respond_to(command)
    with deps.sessions.begin() as session:
        mine = store.list_party_agreements(session, team_id=command["team_id"], user_id=command["user_id"])
    respond(blocks=ab.list_blocks(mine, deps.today()), response_type="ephemeral")


def _show_or_export(client: WebClient, deps: Deps, verb: str, number: int, command: dict) -> None:
    respond = respond_to(command)
    with deps.sessions.begin() as session:
        agreement = store.get_agreement(session, team_id=command["team_id"], number=number)
        record = agreement and store.agreement_record(session, agreement, versions=True)
    if record is None:
        respond(text=_unknown(number), response_type="ephemeral")
    elif verb == "show":
        respond(blocks=ab.show_blocks(record, command["user_id"], deps.today(), deps.tz), response_type="ephemeral")
    else:
        _export(record, command["user_id"], respond, client, deps)


def _export(record: ag.AgreementRecord, user_id: str, respond: Respond, client: WebClient, deps: Deps) -> None:
    people = [*record.slack_parties, *(v.changed_by for v in record.versions), *(r.recorded_by for r in record.reviews)]
    names = {person: name for person in dict.fromkeys(people) if (name := _display_name(client, person))}
    document = ag.export_markdown(record, names, today=deps.today(), tz=deps.tz)
    try:
        dm_id = client.conversations_open(users=user_id)["channel"]["id"]
        client.files_upload_v2(
            channel=dm_id,
            content=document,
            filename=f"agreement-{record.number}.md",
            title=f"Agreement #{record.number}: {t.shorten(record.title, 100)}",
        )
    except (SlackApiError, SlackClientError, OSError) as error:
        log.warning("could not send agreement %s to %s: %s", record.number, user_id, error)
        respond(
            text="Sorry, I couldn't send you the document just now. Please try again in a minute.",
            response_type="ephemeral",
        )
        return
    respond(
        text=f"📄 I've sent you agreement #{record.number} as a document, in our direct messages.",
        response_type="ephemeral",
    )


def _display_name(client: WebClient, user_id: str) -> str | None:
    try:
        profile = client.users_info(user=user_id)["user"]
    except (SlackApiError, SlackClientError, OSError):
        return None
    shown = profile.get("profile") or {}
    return shown.get("display_name") or shown.get("real_name") or profile.get("real_name") or profile.get("name")


# ---- the two-step form ------------------------------------------------------------------------------------------


def handle_parties_submission(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    view = body["view"]
    title = forms.text(view, Block.AGREEMENT_TITLE)
    user_ids = tuple(dict.fromkeys(forms.value(view, Block.PARTY_USERS).get("selected_users") or ()))
    channel_id = forms.value(view, Block.CHANNEL).get("selected_conversation") or ""
    organisations, errors = ag.check_parties(title, user_ids, forms.text(view, Block.PARTY_ORGANISATIONS))
    if not channel_id:
        errors["channel"] = "Please choose the channel this agreement belongs to."
    step = ab.PartiesStep(title, channel_id, user_ids, tuple((o.name, o.contact) for o in organisations))
    if not errors and len(step.to_json()) > ab.METADATA_CHARS:
        errors["organisations"] = "That's more than I can carry to the next step: please shorten some names."
    if errors:
        ack(response_action="errors", errors=_block_errors(errors))
        return
    ack(response_action="update", view=ab.details_modal(step, deps.today()))


def handle_details_submission(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job | None:
    view = body["view"]
    step = ab.read_metadata(ab.PartiesStep, view.get("private_metadata"))
    if step is None:
        ack(response_action="errors", errors={Block.RECOGNITION: EXPIRED})
        return None
    terms = _terms(view, len(step.parties))
    if errors := ag.check_terms(terms, today=deps.today()):
        ack(response_action="errors", errors=_block_errors(errors))
        return None
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    try:
        with deps.sessions.begin() as session:
            number = store.add_agreement(
                session,
                team_id=team_id,
                created_by=user_id,
                title=step.title,
                channel_id=step.channel_id,
                user_ids=step.user_ids,
                organisations=[ag.Organisation(name, contact) for name, contact in step.organisations],
                terms=terms,
                now=deps.clock(),
            ).number
    except SQLAlchemyError:
        ack(response_action="errors", errors={Block.RECOGNITION: NOT_SAVED})
        raise
    ack()
    return Job(_announce, (team_id, number, user_id))


def _announce(client: WebClient, deps: Deps, team_id: str, number: int, user_id: str) -> None:
    """Post the new agreement's summary, ask the other Slack parties to confirm, and tell its writer."""
    record, posted = _publish(client, deps, team_id, number)
    others = [u for u in record.waiting_for if u != user_id]
    _ask(client, deps, record, others, ab.written_intro(user_id))
    where = (
        f"posted in <#{record.channel_id}>" if posted else f"saved, but I couldn't post it in <#{record.channel_id}>"
    )
    if record.status == ag.AGREED:
        said = f"✅ Agreement #{number} is agreed and {where}."
    else:
        said = (
            f"✅ Agreement #{number} is {where}. I've asked {people(others)} to confirm it; it's a draft until they do."
        )
    if not posted:
        said += " If the channel is private, type `/invite @Programme Talks` there; I'll post it when anything changes."
    post_message(client, user_id, [ab.section(said)], f"Agreement #{number} saved", permalink=False)


# ---- confirming and changing ------------------------------------------------------------------------------------


def handle_confirm(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job:
    ack()
    return Job(_confirm, (body,))


def _confirm(client: WebClient, deps: Deps, body: dict) -> None:
    respond = respond_to(body)
    number, _, version = body["actions"][0].get("value", "").partition(":")
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    with deps.sessions.begin() as session:
        agreement = store.get_agreement(session, team_id=team_id, number=_number(number) or 0, for_update=True)
        outcome = agreement and store.confirm_agreement(
            session, agreement, user_id=user_id, version=_number(version) or 0, now=deps.clock()
        )
        record = agreement and store.agreement_record(session, agreement)
    if record is None:
        say(respond, "That agreement is no longer here.")
    elif outcome is Confirmation.NOT_PARTY:
        say(respond, f"Only the people named in agreement #{record.number} can confirm it. {_ask_creator(record)}")
    elif outcome is Confirmation.ENDED:
        say(respond, f"Agreement #{record.number} has ended, so there's nothing to confirm.")
    elif outcome is Confirmation.ALREADY:
        say(respond, f"You've already confirmed version {record.version} of agreement #{record.number}. Thank you!")
    elif outcome is Confirmation.STALE:
        intro = f"Agreement #{record.number} has changed since that message. Here is version {record.version}:"
        respond(blocks=ab.confirm_request(record, intro, deps.today()), replace_original=False)
    else:
        _publish(client, deps, team_id, record.number)
        thanks = f"✅ Thank you, you've confirmed agreement #{record.number}."
        if outcome is Confirmation.AGREED:
            thanks = f"✅ Thank you. Everyone has confirmed, so agreement #{record.number} is agreed."
            note = ab.section(f"🎉 Everyone has confirmed agreement #{record.number}: it's agreed.")
            for party in record.slack_parties:
                if party != user_id:
                    post_message(client, party, [note], f"Agreement #{record.number} is agreed", permalink=False)
        if (body.get("channel") or {}).get("id", "").startswith("D"):  # their request to confirm: show it's done
            respond(blocks=ab.confirmed_blocks(record, thanks, deps.today()), text=thanks, replace_original=True)
        else:
            say(respond, thanks)


def handle_propose_change(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    ack()
    record = _record(deps, body["team"]["id"], body["actions"][0].get("value", ""))
    if record is None:
        say(respond, "That agreement is no longer here.")
    elif not record.is_party(body["user"]["id"]):
        say(respond, f"Only the people named in agreement #{record.number} can change it. {_ask_creator(record)}")
    elif record.status == ag.ENDED:
        say(
            respond,
            f"Agreement #{record.number} has ended. To work together again, type `/agreement` to write a new one.",
        )
    else:
        client.views_open(trigger_id=body["trigger_id"], view=ab.change_modal(record))


def handle_change_submission(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job | None:
    view = body["view"]
    ref = ab.read_metadata(ab.AgreementRef, view.get("private_metadata"))
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    note = forms.text(view, Block.CHANGE_NOTE)
    try:
        with deps.sessions.begin() as session:
            agreement = ref and store.get_agreement(session, team_id=team_id, number=ref.number, for_update=True)
            if agreement is None or agreement.status == ag.ENDED or agreement.version != ref.version:
                errors = {"note": "This agreement changed while you were writing. Please close this and open it again."}
            elif not any(p.user_id == user_id for p in agreement.parties):
                errors = {"note": "Only the people named in this agreement can change it."}
            else:
                terms = _terms(view, len(agreement.parties))
                today = deps.today()
                errors = ag.check_terms(terms, today=today, current_review=agreement.next_review) | ag.check_note(note)
                if not errors:
                    store.change_agreement(
                        session, agreement, user_id=user_id, terms=terms, note=note, now=deps.clock()
                    )
    except SQLAlchemyError:
        ack(response_action="errors", errors={Block.CHANGE_NOTE: NOT_SAVED})
        raise
    if errors:
        ack(response_action="errors", errors=_block_errors(errors))
        return None
    ack()
    return Job(_announce_change, (team_id, ref.number, user_id, note))


def _announce_change(client: WebClient, deps: Deps, team_id: str, number: int, user_id: str, note: str) -> None:
    record, _ = _publish(client, deps, team_id, number)
    _ask(client, deps, record, [u for u in record.waiting_for if u != user_id], ab.change_intro(record, user_id, note))


# ---- reviews -----------------------------------------------------------------------------------------------------


def handle_record_review(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    ack()
    number, _, day = body["actions"][0].get("value", "").partition(":")
    record, today = _record(deps, body["team"]["id"], number), deps.today()
    if record is None:
        say(respond, "That agreement is no longer here.")
        return
    if not record.is_party(body["user"]["id"]):
        say(
            respond,
            f"Only the people named in agreement #{record.number} can record its reviews. {_ask_creator(record)}",
        )
        return
    if record.status == ag.ENDED or record.next_review is None:
        say(respond, f"Agreement #{record.number} has ended, so there are no more reviews to record.")
        return
    review_date = record.next_review
    done = next((r for r in reversed(record.reviews) if r.review_date.isoformat() == day), None)
    if done is not None and day != review_date.isoformat():
        say(
            respond,
            f"<@{done.recorded_by}> already recorded the review due {ag.short_date(done.review_date, today)}. "
            f"The next one is on {ag.long_date(review_date)}.",
        )
        return
    suggested = ag.suggested_next_review(review_date, record.review_every_days, record.end_date, today)
    client.views_open(trigger_id=body["trigger_id"], view=ab.review_modal(record, review_date, suggested))


def handle_review_submission(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job | None:
    view = body["view"]
    ref = ab.read_metadata(ab.AgreementRef, view.get("private_metadata"))
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    form = ag.ReviewForm(
        outcome=forms.option(view, Block.OUTCOME),
        achieved=forms.text(view, Block.ACHIEVED),
        credited=forms.option(view, Block.CREDITED),
        credit_note=forms.text(view, Block.CREDIT_NOTE),
        next_review=forms.date(view, Block.NEXT_REVIEW),
    )
    try:
        with deps.sessions.begin() as session:
            agreement = ref and store.get_agreement(session, team_id=team_id, number=ref.number, for_update=True)
            due = agreement and agreement.next_review
            if agreement is None or due is None or due.isoformat() != ref.review_date:
                errors = {"achieved": "This review has just been recorded by someone else. Please close this form."}
            elif not any(p.user_id == user_id for p in agreement.parties):
                errors = {"achieved": "Only the people named in this agreement can record its reviews."}
            elif not (errors := ag.check_review(form, today=deps.today(), end_date=agreement.end_date)):
                store.record_review(
                    session,
                    agreement,
                    review_date=due,
                    outcome=form.outcome,
                    achieved=form.achieved,
                    credited=form.credited,
                    credit_note=form.credit_note or None,
                    next_review=form.next_review,
                    user_id=user_id,
                    now=deps.clock(),
                )
    except SQLAlchemyError:
        ack(response_action="errors", errors={Block.ACHIEVED: NOT_SAVED})
        raise
    if errors:
        ack(response_action="errors", errors=_block_errors(errors))
        return None
    ack()
    return Job(_publish, (team_id, ref.number))


# ---- talking to Slack after the transaction ----------------------------------------------------------------------


_PUBLISHING = OnePerKey()


def _publish(client: WebClient, deps: Deps, team_id: str, number: int) -> tuple[ag.AgreementRecord, bool]:
    """Bring the channel's summary up to date: update it, or post it if it never was or has been deleted.
    Returns the agreement and whether its summary is now in the channel.

    One agreement's summary is published by one thread at a time, so two parties confirming at the same
    moment never post it twice; each publishes what the database holds once it has its turn.
    """
    with _PUBLISHING.hold((team_id, number)):
        with deps.sessions.begin() as session:
            agreement = store.get_agreement(session, team_id=team_id, number=number)
            record = store.agreement_record(session, agreement)
        blocks, text = ab.summary_message(record, deps.today()), ab.summary_text(record)
        if record.message_ts:
            problem = update_message(client, record.channel_id, record.message_ts, blocks, text)
            if problem is None or problem.error != "message_not_found":
                return record, problem is None
        result = post_message(client, record.channel_id, blocks, text)  # first time, or its summary was deleted
        if not isinstance(result, Posted):
            return record, False
        with deps.sessions.begin() as session:
            agreement = store.get_agreement(session, team_id=team_id, number=number)
            store.record_posted(session, agreement, ts=result.ts, permalink=result.permalink)
        return record, True


def _ask(client: WebClient, deps: Deps, record: ag.AgreementRecord, user_ids: list[str], intro: str) -> None:
    """Ask each of these parties, by direct message, to confirm the current version."""
    message = ab.confirm_request(record, intro, deps.today())
    for user_id in user_ids:
        post_message(client, user_id, message, f"Please confirm agreement #{record.number}", permalink=False)


def _record(deps: Deps, team_id: str, number: str) -> ag.AgreementRecord | None:
    with deps.sessions.begin() as session:
        agreement = store.get_agreement(session, team_id=team_id, number=_number(number) or 0)
        return agreement and store.agreement_record(session, agreement)


# ---- reading forms and words --------------------------------------------------------------------------------------


def _terms(view: dict, parties: int) -> ag.Terms:
    every = forms.option(view, Block.REVIEW_EVERY) or ""
    return ag.Terms(
        responsibilities=tuple(forms.text(view, responsibility_block(i)) for i in range(parties)),
        start_date=forms.date(view, Block.START_DATE),
        end_date=forms.date(view, Block.END_DATE),
        comms_internal=forms.text(view, Block.COMMS_INTERNAL),
        comms_external=forms.text(view, Block.COMMS_EXTERNAL),
        recognition=forms.text(view, Block.RECOGNITION),
        review_date=forms.date(view, Block.FIRST_REVIEW),
        review_every_days=int(every) if every.isdigit() else None,
    )


def _block_errors(errors: dict[str, str]) -> dict[str, str]:
    return {FIELD_BLOCKS.get(f) or responsibility_block(int(f.partition(":")[2])): m for f, m in errors.items()}


def _number(word: str) -> int | None:
    word = word.strip().lstrip("#")
    return int(word) if word.isdigit() and len(word) < 9 else None


def _unknown(number: int) -> str:
    return f"I can't find agreement #{number} here. `/agreement list` shows the ones you're part of."


def _ask_creator(record: ag.AgreementRecord) -> str:
    return f"If you think you should be one of them, have a word with <@{record.created_by}>, who wrote it."
