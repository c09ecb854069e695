"""Meetups: `/event` opens a form; the meetup is posted with Going and Interested buttons whose counts stay
current on every message that shows it (its channel, other channels invited, and invitations by direct message).
The Home tabs of the people invited, and of whoever answers, show it too.

The form's title, place and description go through the personal-data check: when it finds something, the form
is shown again with the words kept and what was found at its top (handlers.personal_data), until they change or,
outside strict mode, the author ticks that it holds no child's or private personal data (audited).
"""

from __future__ import annotations

from collections.abc import Iterable

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import SQLAlchemyError

import handlers.meetups.blocks as mb
from domain import meetups as mt
from domain import text as t
from domain.meetups import MeetupCard, MeetupForm
from domain.quiet import Notice
from domain.words import HELP_WORDS
from handlers import forms
from handlers import personal_data as pd
from handlers.context import Deps, Job, after_ack, respond_to
from handlers.home.refresh import refresh_homes
from handlers.ids import Block
from handlers.jobs import Held, JobRun
from handlers.metadata import ModalContext, from_metadata, to_metadata
from handlers.publish import NotPosted, Posted, update_message
from storage import meetups as ms
from storage.meetups import MeetupCopy

NOT_SAVED = "Sorry, I couldn't save this just now. Your event is still here: please try again in a minute."
FIELDS = {
    "title": Block.MEETUP_TITLE,
    "date": Block.MEETUP_DATE,
    "time": Block.MEETUP_TIME,
    "place": Block.PLACE,
    "about": Block.ABOUT,
}
REFRESHES = 3  # passes over an event's messages when answers arrive at the same moment


def handle_meetup_command(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    text = t.unescape(body.get("text") or "").strip()
    if text.lower() in HELP_WORDS:
        ack(blocks=mb.meetup_help_blocks(deps.tz), response_type="ephemeral")
        return
    ack()
    metadata = to_metadata(ModalContext(channel_id=body.get("channel_id")))
    # Text too long for a title is kept whole under "What it is", for them to trim, rather than cut silently.
    title = t.shorten(text, mt.MAX_TITLE_CHARS) if text else None
    about = t.shorten(text, mt.MAX_ABOUT_CHARS) if len(text) > mt.MAX_TITLE_CHARS else None
    view = mb.meetup_modal(metadata, tz=deps.tz, title=title, about=about)
    client.views_open(trigger_id=body["trigger_id"], view=view)


# ---- the form ----------------------------------------------------------------------------------------------


def _unique(items: Iterable[str] | None, *, leave_out: str | None) -> list[str]:
    return [item for item in dict.fromkeys(items or ()) if item and item != leave_out]


def handle_meetup_submission(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    view = body["view"]
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    form = MeetupForm(
        title=forms.text(view, Block.MEETUP_TITLE),
        date=forms.value(view, Block.MEETUP_DATE).get("selected_date"),
        time=forms.value(view, Block.MEETUP_TIME).get("selected_time"),
        place=forms.text(view, Block.PLACE),
        about=forms.text(view, Block.ABOUT),
    )
    now = deps.clock()
    draft, problems = mt.check_meetup_form(form, now=now, tz=deps.tz)
    errors: dict[str, str] = {FIELDS[field]: message for field, message in problems.items()}
    channel_id = (
        forms.value(view, Block.CHANNEL).get("selected_conversation")
        or (from_metadata(ModalContext, view.get("private_metadata")) or ModalContext()).channel_id
    )
    if not channel_id:
        errors[Block.CHANNEL] = "Please choose a channel to post it in."
    people = _unique(forms.value(view, Block.INVITE_PEOPLE).get("selected_users"), leave_out=user_id)
    channels = _unique(forms.value(view, Block.INVITE_CHANNELS).get("selected_conversations"), leave_out=channel_id)
    if len(people) > mb.MAX_INVITED_PEOPLE:
        errors[Block.INVITE_PEOPLE] = f"Please invite up to {mb.MAX_INVITED_PEOPLE} people; add their channel instead."
    if len(channels) > mb.MAX_INVITED_CHANNELS:
        errors[Block.INVITE_CHANNELS] = f"Please choose up to {mb.MAX_INVITED_CHANNELS} channels."
    if errors or draft is None or not channel_id:  # no channel_id is one of the errors
        ack(response_action="errors", errors=errors)
        return
    flagged = pd.check([("Title", draft.title), ("Where", draft.place), ("What it is", draft.about)])
    if flagged and (again := pd.to_answer(view, flagged, strict=pd.is_strict(deps, team_id))) is not None:
        ack(response_action="update", view=again)
        return
    try:
        with deps.sessions.begin() as session:
            card, _ = ms.add_meetup(
                session,
                team_id=team_id,
                created_by=user_id,
                channel_id=channel_id,
                title=draft.title,
                starts_at=draft.starts_at,
                place=draft.place,
                about=draft.about,
                channels=[channel_id, *channels],
                invited_users=people,
                now=now,
            )
            if flagged:
                pd.record_override(
                    session,
                    team_id=team_id,
                    user_id=user_id,
                    subject=f"event:{card.id}",
                    flagged=flagged,
                    where=str(view.get("callback_id")),
                    now=now,
                )
            deps.hand_over_in(session, Job(send_out, (team_id, card.id)), body)
    except SQLAlchemyError:
        ack(response_action="errors", errors={Block.MEETUP_TITLE: NOT_SAVED})
        raise
    ack()


@after_ack
def send_out(run: JobRun, team_id: str, meetup_id: int) -> None:
    """Post every copy once, remember where each went, catch up with any answers given meanwhile, and tell its
    maker."""
    deps = run.deps
    with deps.sessions.begin() as session:
        card = ms.get_meetup(session, team_id=team_id, meetup_id=meetup_id)
        copies = ms.list_meetup_copies(session, team_id=team_id, meetup_id=meetup_id)
    if card is None:
        return  # deleted meanwhile
    results: list[tuple[MeetupCopy, Posted | NotPosted]] = []
    for copy in copies:
        if copy.message_ts:  # posted by an earlier try of this job
            results.append((copy, Posted(channel_id=copy.channel_id, ts=copy.message_ts, permalink=None)))
            continue
        shown = mb.meetup_message(card, deps.tz, invited=copy.invited_user is not None)
        text, step = mb.meetup_text(card, deps.tz), f"copy {copy.id}"
        if copy.invited_user is not None:  # an invitation: held while they are paused, counted with a link to it
            link = next((r.permalink for _, r in results if isinstance(r, Posted) and r.permalink), None)
            invited = run.notify_once(step, copy.channel_id, shown, text, notice=Notice.INVITATION, link=link)
            if isinstance(invited, Held):
                continue
            result = invited
        else:
            result = run.post_once(step, copy.channel_id, shown, text, permalink=True)
        if isinstance(result, Posted):
            with deps.sessions.begin() as session:
                ms.record_meetup_copy(
                    session,
                    team_id=team_id,
                    copy_id=copy.id,
                    channel_id=result.channel_id,
                    ts=result.ts,
                    permalink=result.permalink,
                )
        results.append((copy, result))
    _refresh(run, team_id=team_id, meetup_id=card.id, shown=card)
    channels = [(copy, result) for copy, result in results if copy.invited_user is None]
    posted = [copy.channel_id for copy, result in channels if isinstance(result, Posted)]
    note = mb.posted_note(
        card,
        posted=posted,
        not_posted=[(c.channel_id, f"{r.reason}.") for c, r in channels if isinstance(r, NotPosted)],
        invited=sum(1 for c, r in results if c.invited_user and isinstance(r, Posted)),
        not_invited=sum(1 for c, r in results if c.invited_user and isinstance(r, NotPosted)),
    )
    _tell(run, card.created_by, card.channel_id if card.channel_id in posted else None, note)
    refresh_homes(run, team_id, [copy.invited_user for copy in copies if copy.invited_user])


def _tell(run: JobRun, user_id: str, channel_id: str | None, note: list) -> None:
    """Tell someone, only them: in the channel if there is one to tell them in, else by direct message."""
    text = "Your event is posted"
    if channel_id:
        try:
            run.client.chat_postEphemeral(channel=channel_id, user=user_id, blocks=note, text=text)
            return
        except (SlackApiError, SlackClientError, OSError):
            pass  # they may have left the channel: tell them directly instead
    run.post_once("told maker", user_id, note, text)


# ---- answers -----------------------------------------------------------------------------------------------


def handle_going(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job:
    return Job(answer, (body, mt.GOING))


def handle_interested(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job:
    return Job(answer, (body, mt.INTERESTED))


@after_ack
def answer(run: JobRun, body: dict, clicked: str) -> None:
    """Store an answer (once: a click toggles, so doing it twice would take it back), tell whoever gave it, and
    show the new counts everywhere."""
    respond, deps = respond_to(body), run.deps
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    raw = str(body["actions"][0].get("value") or "")
    now = deps.clock()
    meetup_id = int(raw) if raw.isdigit() else 0

    def choose(current: str | None) -> str | None:
        return mt.rsvp_change(current, clicked).after

    if not run.done("answered"):
        with deps.sessions.begin() as session:  # the answer and the note that it was given commit together
            meetup = ms.get_meetup(session, team_id=team_id, meetup_id=meetup_id)
            open_ = meetup is not None and not mt.has_started(meetup.starts_at, now)
            before = (
                ms.save_answer(session, team_id=team_id, meetup_id=meetup_id, user_id=user_id, answer=choose, now=now)
                if open_
                else None
            )
            run.note(session, "answered", {"open": open_, "before": before})
    outcome = run.value("answered")
    with deps.sessions.begin() as session:
        card = ms.get_meetup(session, team_id=team_id, meetup_id=meetup_id)
    if card is None:
        note = mb.GONE_NOTE
    elif not outcome["open"]:
        note = mb.started_note(card.title)
    else:
        reminder_coming = now < mt.reminder_moment(card.starts_at, deps.tz)
        note = mb.answer_note(
            card, mt.rsvp_change(outcome["before"], clicked), deps.tz, reminder_coming=reminder_coming
        )
    respond(text=note, response_type="ephemeral", replace_original=False)
    if card is not None and outcome["open"]:
        _refresh(run, team_id=team_id, meetup_id=card.id, shown=None)
        refresh_homes(run, team_id, [user_id])


def _refresh(run: JobRun, *, team_id: str, meetup_id: int, shown: MeetupCard | None) -> None:
    """Bring every message showing the meetup up to date with the answers stored, unless they already show them.

    Answers given at the same moment can finish in either order, so after updating, the answers are read again
    and, if they changed meanwhile, shown again: whoever updates last has just read the latest answers.
    """
    client, deps = run.client, run.deps
    for _ in range(REFRESHES):
        with deps.sessions.begin() as session:
            card = ms.get_meetup(session, team_id=team_id, meetup_id=meetup_id)
            if card is None:
                return
            copies = ms.list_meetup_copies(session, team_id=team_id, meetup_id=meetup_id)
        if shown is not None and (card.going, card.interested) == (shown.going, shown.interested):
            return
        for copy in copies:
            if copy.message_ts:
                blocks = mb.meetup_message(card, deps.tz, invited=copy.invited_user is not None)
                update_message(client, copy.channel_id, copy.message_ts, blocks, mb.meetup_text(card, deps.tz))
        shown = card
