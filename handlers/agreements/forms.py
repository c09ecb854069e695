"""Agreement form submissions: the two steps of writing one, proposing a change, and recording a review.

Each is checked field by field (domain.agreements) and saved before acknowledging, so a person whose words
could not be saved still has them in the open form. Slack is told (summary posted or updated, parties asked
by direct message) after, as a job.

Then the personal-data check on every text (title, organisations and contacts, who does what, communication and
recognition, change and review notes): when it finds something, the form is shown again with the words kept and
what was found at its top (handlers.personal_data), until the words change or, outside strict mode, the author
ticks that it holds no child's or private personal data (recorded in the audit trail).
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

import handlers.agreements.messages as messages
import handlers.agreements.modals as modals
from domain import agreements as ag
from domain.words import mentions
from handlers import forms
from handlers import personal_data as pd
from handlers.agreements.publishing import ask_to_confirm, publish, publish_summary, refresh_parties
from handlers.blocks import section
from handlers.context import Deps, Job, after_ack
from handlers.ids import Block, responsibility_block
from handlers.jobs import JobRun
from handlers.metadata import METADATA_CHARS, from_metadata, to_metadata
from storage import agreements as store

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


# ---- writing one: two steps ---------------------------------------------------------------------------------


def handle_parties_submission(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    view = body["view"]
    title = forms.text(view, Block.AGREEMENT_TITLE)
    user_ids = tuple(dict.fromkeys(forms.value(view, Block.PARTY_USERS).get("selected_users") or ()))
    channel_id = forms.value(view, Block.CHANNEL).get("selected_conversation") or ""
    organisations, errors = ag.check_parties(title, user_ids, forms.text(view, Block.PARTY_ORGANISATIONS))
    if not channel_id:
        errors["channel"] = "Please choose the channel this agreement belongs to."
    step = modals.PartiesStep(title, channel_id, user_ids, tuple((o.name, o.contact) for o in organisations))
    if not errors and len(to_metadata(step)) > METADATA_CHARS:
        errors["organisations"] = "That's more than I can carry to the next step: please shorten some names."
    if errors:
        ack(response_action="errors", errors=_block_errors(errors))
        return
    flagged = pd.check([("Title", title), ("Organisations outside Slack", forms.text(view, Block.PARTY_ORGANISATIONS))])
    if flagged:
        strict = pd.is_strict(deps, body["team"]["id"])
        if (again := pd.to_answer(view, flagged, strict=strict)) is not None:
            ack(response_action="update", view=again)
            return
        with deps.sessions.begin() as session:  # nothing is saved until step 2: the override is noted now
            pd.record_override(
                session,
                team_id=body["team"]["id"],
                user_id=body["user"]["id"],
                subject=None,
                flagged=flagged,
                where=str(view.get("callback_id")),
                now=deps.clock(),
            )
    ack(response_action="update", view=modals.details_modal(step, deps.today()))


def handle_details_submission(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    view = body["view"]
    step = from_metadata(modals.PartiesStep, view.get("private_metadata"))
    if step is None:
        ack(response_action="errors", errors={Block.RECOGNITION: EXPIRED})
        return None
    terms = _terms(view, len(step.parties))
    if errors := ag.check_terms(terms, today=deps.today()):
        ack(response_action="errors", errors=_block_errors(errors))
        return None
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    flagged = pd.check(_texts(step.parties, terms))
    if flagged and (again := pd.to_answer(view, flagged, strict=pd.is_strict(deps, team_id))) is not None:
        ack(response_action="update", view=again)
        return None
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
            _note_override(session, deps, body, flagged, number)
            deps.hand_over_in(session, Job(announce, (team_id, number, user_id)), body)
    except SQLAlchemyError:
        ack(response_action="errors", errors={Block.RECOGNITION: NOT_SAVED})
        raise
    ack()


@after_ack
def announce(run: JobRun, team_id: str, number: int, user_id: str) -> None:
    """Post the new agreement's summary, ask the other Slack parties to confirm, and tell its writer."""
    record, posted = publish_summary(run, team_id, number)
    others = [u for u in record.waiting_for if u != user_id]
    ask_to_confirm(run, record, others, messages.written_intro(user_id))
    where = (
        f"posted in <#{record.channel_id}>" if posted else f"saved, but I couldn't post it in <#{record.channel_id}>"
    )
    if record.status == ag.AGREED:
        said = f"✅ Agreement #{number} is agreed and {where}."
    else:
        said = f"✅ Agreement #{number} is {where}. I've asked {mentions(others)} to confirm it; "
        said += "it's a draft until they do."
    if not posted:
        said += " If the channel is private, type `/invite @Programme Talks` there; I'll post it when anything changes."
    run.post_once("told writer", user_id, [section(said)], f"Agreement #{number} saved")
    refresh_parties(run, record)


# ---- proposing a change -------------------------------------------------------------------------------------


def handle_change_submission(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    view = body["view"]
    ref = from_metadata(modals.AgreementRef, view.get("private_metadata"))
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    note = forms.text(view, Block.CHANGE_NOTE)
    again = None
    try:
        with deps.sessions.begin() as session:
            record = (
                store.get_agreement(session, team_id=team_id, number=ref.number, for_update=True)
                if ref is not None
                else None
            )
            if ref is None or record is None or record.status == ag.ENDED or record.version != ref.version:
                errors = {"note": "This agreement changed while you were writing. Please close this and open it again."}
            elif not record.is_party(user_id):
                errors = {"note": "Only the people named in this agreement can change it."}
            else:
                terms = _terms(view, len(record.parties))
                errors = ag.check_terms(terms, today=deps.today(), current_review=record.next_review)
                errors |= ag.check_note(note)
                flagged = pd.check([*_texts(record.parties, terms), ("What changed, and why?", note)])
                if not errors and flagged:
                    again = pd.to_answer(view, flagged, strict=pd.strict_in(session, team_id))
                if not errors and again is None:
                    _note_override(session, deps, body, flagged, ref.number)
                    store.change_agreement(
                        session,
                        team_id=team_id,
                        number=ref.number,
                        user_id=user_id,
                        terms=terms,
                        note=note,
                        now=deps.clock(),
                    )
                    deps.hand_over_in(session, Job(announce_change, (team_id, ref.number, user_id, note)), body)
    except SQLAlchemyError:
        ack(response_action="errors", errors={Block.CHANGE_NOTE: NOT_SAVED})
        raise
    if errors or ref is None:
        ack(response_action="errors", errors=_block_errors(errors))
        return
    if again is not None:
        ack(response_action="update", view=again)
        return
    ack()


@after_ack
def announce_change(run: JobRun, team_id: str, number: int, user_id: str, note: str) -> None:
    record, _ = publish_summary(run, team_id, number)
    waiting = [u for u in record.waiting_for if u != user_id]
    ask_to_confirm(run, record, waiting, messages.change_intro(record, user_id, note))
    refresh_parties(run, record)


# ---- recording a review -------------------------------------------------------------------------------------


def handle_review_submission(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    view = body["view"]
    ref = from_metadata(modals.AgreementRef, view.get("private_metadata"))
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    form = ag.ReviewForm(
        outcome=forms.option(view, Block.OUTCOME),
        achieved=forms.text(view, Block.ACHIEVED),
        credited=forms.option(view, Block.CREDITED),
        credit_note=forms.text(view, Block.CREDIT_NOTE),
        next_review=forms.date(view, Block.NEXT_REVIEW),
    )
    flagged = pd.check([("What has been achieved?", form.achieved), ("Who hasn't been credited yet", form.credit_note)])
    again = None
    try:
        with deps.sessions.begin() as session:
            record = (
                store.get_agreement(session, team_id=team_id, number=ref.number, for_update=True)
                if ref is not None
                else None
            )
            due = record.next_review if record else None
            if ref is None or record is None or due is None or due.isoformat() != ref.review_date:
                errors = {"achieved": "This review has just been recorded by someone else. Please close this form."}
            elif not record.is_party(user_id):
                errors = {"achieved": "Only the people named in this agreement can record its reviews."}
            elif errors := ag.check_review(form, today=deps.today(), end_date=record.end_date):
                pass  # a mistake to fix: nothing is saved
            elif flagged and (again := pd.to_answer(view, flagged, strict=pd.strict_in(session, team_id))):
                pass  # personal data for its author to decide about: nothing is saved
            else:
                _note_override(session, deps, body, flagged, ref.number)
                store.record_review(
                    session,
                    team_id=team_id,
                    number=ref.number,
                    review_date=due,
                    outcome=form.outcome or "",
                    achieved=form.achieved,
                    credited=form.credited or "",
                    credit_note=form.credit_note or None,
                    next_review=form.next_review,
                    user_id=user_id,
                    now=deps.clock(),
                )
                deps.hand_over_in(session, Job(publish, (team_id, ref.number)), body)
    except SQLAlchemyError:
        ack(response_action="errors", errors={Block.ACHIEVED: NOT_SAVED})
        raise
    if errors or ref is None:
        ack(response_action="errors", errors=_block_errors(errors))
        return
    if again is not None:
        ack(response_action="update", view=again)
        return
    ack()


# ---- the personal-data check --------------------------------------------------------------------------------


def _texts(parties: Sequence[ag.Party], terms: ag.Terms) -> list[tuple[str, str | None]]:
    """Every text of the terms, labelled as the form labels it, for the personal-data check."""
    texts: list[tuple[str, str | None]] = [
        (f"What {messages.party_label(party)} will do", text)
        for party, text in zip(parties, terms.responsibilities, strict=True)
    ]
    return [
        *texts,
        ("How you'll keep people informed inside your organisations", terms.comms_internal),
        ("How you'll talk about it outside", terms.comms_external),
        ("How each party will be recognised", terms.recognition),
    ]


def _note_override(session: Session, deps: Deps, body: dict, flagged: list[pd.Flagged], number: int) -> None:
    """In the transaction that saves it: the audit trail's note that its author posted what the check found."""
    if flagged:
        pd.record_override(
            session,
            team_id=body["team"]["id"],
            user_id=body["user"]["id"],
            subject=f"agreement:{number}",
            flagged=flagged,
            where=str(body["view"].get("callback_id")),
            now=deps.clock(),
        )


# ---- reading forms ------------------------------------------------------------------------------------------


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
