"""Quiet when people need it: `/talks pause 2 weeks` (or `until 2027-01-04`), `/talks resume`, `/talks pause` on its
own to see it, and `/talks dms` with `/talks dms follow off` to turn one kind of direct message off.

While someone is paused the app sends them no direct messages of its own: the delivery pipeline and work after
Slack's answer hold them back in one place each (bot.delivery.quiet, handlers.jobs.JobRun.notify_once). Messages
that wait for their answer (confirming an agreement they are party to, agreeing their words may be shared) still go.
When they are back they get one message with what they missed. These are each person's own choices: nobody else
can change them, and they are not audited.
"""

from __future__ import annotations

import datetime as dt

from slack_bolt import App

from domain import text as t
from domain.pauses import PauseError, parse_pause
from domain.quiet import BACK_AT, QuietError, read_choice
from handlers.context import Deps, Job, TalksRequest, TalksVerb, after_ack
from handlers.jobs import JobRun, talks_request
from handlers.quiet.blocks import choice_changed, dms_blocks, paused_words, resumed_words, showing_pause
from storage import quiet as store


def register(app: App, deps: Deps) -> None:
    """Quiet has no listeners of its own: its words arrive through TALKS_VERBS."""


def handle_pause(request: TalksRequest) -> Job | None:
    if not request.rest:
        request.ack()
        with request.deps.sessions.begin() as session:
            pause = store.get_pause(session, team_id=request.team_id, user_id=request.user_id, now=request.deps.clock())
        request.say(showing_pause(pause.back_on if pause else None))
        return None
    try:
        parse_pause(request.rest, request.deps.today())
    except PauseError as error:
        request.ack(text=t.escape(str(error)), response_type="ephemeral")
        return None
    return Job(start_pause, (request.command, request.rest))


def handle_resume(request: TalksRequest) -> Job:
    return Job(end_pause, (request.command,))


def handle_dms(request: TalksRequest) -> Job | None:
    if not request.rest:
        request.ack()
        now = request.deps.clock()
        with request.deps.sessions.begin() as session:
            off = store.turned_off(session, team_id=request.team_id, user_id=request.user_id)
            pause = store.get_pause(session, team_id=request.team_id, user_id=request.user_id, now=now)
        request.respond(blocks=dms_blocks(off, pause.back_on if pause else None), response_type="ephemeral")
        return None
    try:
        choice, on = read_choice(request.rest)
    except QuietError as error:
        request.ack(text=str(error), response_type="ephemeral")
        return None
    return Job(change_dms, (request.command, str(choice), on))


@after_ack
def start_pause(run: JobRun, command: dict, words: str) -> None:
    """Start (or move) someone's pause: direct messages are held until BACK_AT on the first day back."""
    request, deps = talks_request(run, command), run.deps
    try:
        back_on = parse_pause(words, deps.today())
    except PauseError as error:  # the day changed since Slack was answered
        request.say(t.escape(str(error)))
        return
    ends_at = dt.datetime.combine(back_on, BACK_AT, tzinfo=deps.tz).astimezone(dt.UTC)
    with deps.sessions.begin() as session:
        store.pause_person(
            session,
            team_id=request.team_id,
            user_id=request.user_id,
            back_on=back_on,
            ends_at=ends_at,
            now=deps.clock(),
        )
    request.say(paused_words(back_on))


@after_ack
def end_pause(run: JobRun, command: dict) -> None:
    """End someone's pause now, and send them at once what was held."""
    request, deps = talks_request(run, command), run.deps
    if not run.done("resumed"):
        with deps.sessions.begin() as session:
            pause = store.resume_person(session, team_id=request.team_id, user_id=request.user_id, now=deps.clock())
            run.note(session, "resumed", pause is not None)
    if not run.value("resumed"):
        request.say(showing_pause(None, resuming=True))
        return
    assert deps.digests is not None, "create_app hands every process a digest desk"
    request.say(resumed_words(deps.digests.catch_up_now(request.team_id, request.user_id, deps.clock())))


@after_ack
def change_dms(run: JobRun, command: dict, choice: str, on: bool) -> None:
    request, deps = talks_request(run, command), run.deps
    chosen, _ = read_choice(f"{choice} on")
    with deps.sessions.begin() as session:
        changed = store.set_choice(
            session, team_id=request.team_id, user_id=request.user_id, choice=chosen, on=on, now=deps.clock()
        )
    request.say(choice_changed(chosen, on, changed))


TALKS_VERBS: dict[str, TalksVerb] = {"pause": handle_pause, "resume": handle_resume, "dms": handle_dms}
