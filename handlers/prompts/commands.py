"""`/talks prompt`: the two questions before a channel's team meeting.

`/talks prompt here weekly tue 09:45` (or `daily 09:15`, `fortnightly thu 14:00`: the digest's schedule words) posts
the two questions in this channel at that time, in the workspace's time zone: the time typed is when they arrive, so
people choose a few minutes before their meeting starts. `off` stops them, `now` posts them at once, `pause 2 weeks`
(or `pause until 2027-01-04`) skips them for a while and `resume` ends that. Champions and admins change them;
anyone may see how they stand (`/talks prompt`). Changes are recorded in the audit trail.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from domain import text as t
from domain.calendar import zone_time
from domain.quiet import back_words
from domain.schedule import Schedule, ScheduleError, next_run, parse_schedule
from handlers.blocks import section
from handlers.context import Job, TalksRequest, after_ack
from handlers.jobs import JobRun, talks_request
from handlers.permissions import refusal
from handlers.prompts.pausing import pause_channel, paused_until, resume_channel
from handlers.publish import NotPosted
from storage import audit
from storage import prompts as store
from storage.prompts import Paused

EXAMPLE = "`/talks prompt here weekly tue 09:45`"
CHANGES = ("here", "off", "stop", "now", "pause", "resume")


def handle_prompt(request: TalksRequest) -> Job | None:
    words = request.rest.split(maxsplit=1)
    action = words[0].lower() if words else ""
    if action in CHANGES:
        return Job(change_prompt, (request.command, action, words[1] if len(words) > 1 else ""))
    request.ack()
    if action in ("", "status", "schedule"):
        _show(request)
    else:
        request.say(
            f"I don't know `/talks prompt {t.escape(t.shorten(action, 30))}`. Try {EXAMPLE} (the time the questions "
            "arrive, a few minutes before your team meeting), `/talks prompt now`, `/talks prompt pause 2 weeks` or "
            "`/talks prompt off`."
        )
    return None


@after_ack
def change_prompt(run: JobRun, command: dict, action: str, words: str) -> None:
    """Start, stop, post or pause a channel's prompt, once the person who asked is known to be allowed."""
    request = talks_request(run, command)
    if why := refusal(request, "change a channel's meeting prompt", champions_may=True):
        request.say(why)
    elif action == "here":
        _start(run, request, words)
    elif action in ("off", "stop"):
        _stop(request)
    elif action == "now":
        assert run.deps.digests is not None, "create_app hands every process a digest desk"
        request.say(run.deps.digests.prompt_now(request.team_id, _channel(request), run.deps.clock()))
    elif action == "pause":
        pause_channel(request, Paused.PROMPT, words, running=_running(request))
    elif resume_channel(request, Paused.PROMPT):
        prompt = _prompt(request)
        when = f" The next is on {_when(request, parse_schedule(prompt.schedule))}." if prompt and prompt.active else ""
        request.say(f"▶️ This channel's meeting prompt is back on.{when}")


def _start(run: JobRun, request: TalksRequest, words: str) -> None:
    try:
        schedule = parse_schedule(words, today=request.deps.today())
    except ScheduleError as error:  # the digest's kind words, about the questions
        request.say(t.escape(str(error).replace("the digest", "the questions").replace("digest", "prompt")))
        return
    now = request.deps.clock()
    with request.deps.sessions.begin() as session:
        store.save_prompt(
            session,
            team_id=request.team_id,
            channel_id=_channel(request),
            schedule=schedule.to_text(),
            user_id=request.user_id,
            now=now,
        )
        _audit(session, request, schedule.to_text(), now)
    announcement = section(
        f"🗓️ <@{request.user_id}> set up the team meeting questions here: {schedule.describe()}. I'll post the two "
        "questions, with what's still open in this channel, so your meeting can talk about what to share and who "
        "to work with."
    )
    posted = run.post_once("announced", _channel(request), [announcement], "Team meeting questions set up")
    warning = f"\n⚠️ But I can't post here yet: {posted.reason}." if isinstance(posted, NotPosted) else ""
    request.say(
        f"✅ Done: this channel will get the two questions {schedule.describe()} ({zone_time(request.deps.tz)}), "
        f"ahead of your team meeting. The first is on {_when(request, schedule)}.{warning}"
    )


def _stop(request: TalksRequest) -> None:
    now = request.deps.clock()
    with request.deps.sessions.begin() as session:
        channel_id = _channel(request)
        stopped = store.stop_prompt(session, team_id=request.team_id, channel_id=channel_id, reason=None, now=now)
        if stopped:
            _audit(session, request, None, now)
    if stopped:
        request.say(f"Meeting prompt stopped for this channel. You can start it again at any time with {EXAMPLE}.")
    else:
        request.say("This channel doesn't get the meeting prompt, so there was nothing to stop.")


def _show(request: TalksRequest) -> None:
    prompt = _prompt(request)
    if prompt is None or (not prompt.active and not prompt.paused_because):
        request.say(
            f"This channel doesn't get the two questions before its team meeting. Champions and admins can start "
            f"them with {EXAMPLE}: the time is when they arrive, so choose a few minutes before your meeting."
        )
        return
    schedule = parse_schedule(prompt.schedule)
    if not prompt.active:
        request.say(
            f"This channel's meeting prompt ({schedule.describe()}) is stopped: {prompt.paused_because}. "
            f"To start it again, type `/talks prompt here {schedule.to_text()}`."
        )
        return
    pause = paused_until(request, Paused.PROMPT)
    after = pause.ends_at if pause else None
    paused = f" It's paused until {back_words(pause.back_on)}." if pause else ""
    request.say(
        f"This channel gets the two questions {schedule.describe()} ({zone_time(request.deps.tz)}), ahead of its "
        f"team meeting.{paused} The next is on {_when(request, schedule, after=after)}."
    )


def _running(request: TalksRequest) -> bool:
    prompt = _prompt(request)
    return prompt is not None and prompt.active


def _prompt(request: TalksRequest) -> store.Prompt | None:
    with request.deps.sessions.begin() as session:
        return store.get_prompt(session, team_id=request.team_id, channel_id=_channel(request))


def _channel(request: TalksRequest) -> str:
    return request.command["channel_id"]


def _when(request: TalksRequest, schedule: Schedule, *, after: dt.datetime | None = None) -> str:
    start = max(request.deps.clock(), after) if after else request.deps.clock()
    moment = next_run(schedule, start, request.deps.tz).astimezone(request.deps.tz)
    return f"{moment:%A} {moment.day} {moment:%B} at {moment:%H:%M}"


def _audit(session: Session, request: TalksRequest, schedule: str | None, now: dt.datetime) -> None:
    audit.add_entry(
        session,
        team_id=request.team_id,
        actor_id=request.user_id,
        action=audit.Action.SETTING_CHANGED,
        now=now,
        subject=f"channel:{_channel(request)}",
        details={"setting": "meeting_prompt", "to": schedule},
    )
