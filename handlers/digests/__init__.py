"""Digest subscriptions: `/talks digest here weekly mon 09:00`, `off`, `preview`, `now`, and the schedule.

Champions and admins choose which channels get a digest and when; anyone may see the schedule or a preview.
The scheduler (bot.delivery) composes and posts digests with handlers.digests.blocks.
"""

from __future__ import annotations

from slack_bolt import App

from domain import text as t
from domain.calendar import zone_time
from domain.quiet import back_words
from domain.schedule import Schedule, ScheduleError, next_run, parse_schedule
from handlers.blocks import section
from handlers.context import Deps, Job, TalksRequest, TalksVerb, after_ack, respond_to
from handlers.jobs import JobRun, talks_request
from handlers.partnerships.reading import note_connected_channel
from handlers.permissions import refusal
from handlers.prompts.pausing import pause_channel, paused_until, resume_channel
from handlers.publish import NotPosted
from storage import subscriptions as subs
from storage.prompts import Paused

EXAMPLE = "`/talks digest here weekly mon 09:00`"


def register(app: App, deps: Deps) -> None:
    """Digests have no listeners of their own: `/talks digest` arrives through TALKS_VERBS."""


def handle_digest(request: TalksRequest) -> Job | None:
    words = request.rest.split(maxsplit=1)
    action = words[0].lower() if words else ""
    if action in ("here", "off", "stop", "now", "pause", "resume"):
        return Job(change_digest, (request.command, action, words[1] if len(words) > 1 else ""))
    if action == "preview":
        return Job(preview, (request.command,))
    request.ack()
    if action in ("", "status", "schedule"):
        _show(request)
    else:
        request.say(
            f"I don't know `/talks digest {t.escape(action)}`. Try {EXAMPLE}, `/talks digest daily 08:30`, "
            "`/talks digest off`, `/talks digest preview`, `/talks digest now` or `/talks digest pause 2 weeks`."
        )
    return None


@after_ack
def preview(run: JobRun, command: dict) -> None:
    """The digest this channel would get now, shown only to the person who asked."""
    deps = run.deps
    assert deps.digests is not None, "create_app hands every process a digest desk"
    note_connected_channel(deps, run.client, command["team_id"], command["channel_id"])  # shared with others?
    shown = deps.digests.preview(command["team_id"], command["channel_id"], deps.clock())
    respond_to(command)(blocks=shown, response_type="ephemeral")


@after_ack
def change_digest(run: JobRun, command: dict, action: str, words: str) -> None:
    """Start, stop or post a channel's digest, once the person who asked is known to be allowed."""
    request = talks_request(run, command)
    if why := refusal(request, "change a channel's digest", champions_may=True):
        request.say(why)
        return
    if action in ("here", "now"):  # is the channel shared with other organisations (Slack Connect)?
        note_connected_channel(run.deps, run.client, request.team_id, _channel(request))
    if action == "here":
        _subscribe(run, request, words)
    elif action in ("off", "stop"):
        _unsubscribe(request)
    elif action == "pause":
        subscription = _subscription(request)
        pause_channel(request, Paused.DIGEST, words, running=subscription is not None and subscription.active)
    elif action == "resume":
        if resume_channel(request, Paused.DIGEST):
            request.say("▶️ This channel's digest is back on: the next covers everything since its last one.")
    else:
        assert run.deps.digests is not None, "create_app hands every process a digest desk"
        said = run.deps.digests.post_now(request.team_id, _channel(request), run.deps.clock())
        request.say(said)


def _channel(request: TalksRequest) -> str:
    return request.command["channel_id"]


def _when(request: TalksRequest, schedule: Schedule) -> str:
    moment = next_run(schedule, request.deps.clock(), request.deps.tz).astimezone(request.deps.tz)
    return f"{moment:%A} {moment.day} {moment:%B} at {moment:%H:%M}"


def _subscription(request: TalksRequest) -> subs.Subscription | None:
    with request.deps.sessions.begin() as session:
        return subs.get_subscription(session, team_id=request.team_id, channel_id=_channel(request))


def _show(request: TalksRequest) -> None:
    subscription = _subscription(request)
    if subscription is None or (not subscription.active and not subscription.paused_because):
        request.say(f"This channel gets no digest. Champions and admins can start one with {EXAMPLE}.")
        return
    schedule = parse_schedule(subscription.schedule)
    if not subscription.active:
        request.say(
            f"This channel's digest ({schedule.describe()}) is paused: {subscription.paused_because}. "
            f"To start it again, type `/talks digest here {schedule.to_text()}`."
        )
        return
    if pause := paused_until(request, Paused.DIGEST):
        request.say(
            f"This channel gets a digest {schedule.describe()} ({zone_time(request.deps.tz)}), but it's paused until "
            f"{back_words(pause.back_on)}: the first after that covers everything since the last one. "
            "`/talks digest resume` starts it sooner."
        )
        return
    request.say(
        f"This channel gets a digest {schedule.describe()} ({zone_time(request.deps.tz)}). "
        f"The next one is on {_when(request, schedule)}."
    )


def _subscribe(run: JobRun, request: TalksRequest, words: str) -> None:
    try:
        schedule = parse_schedule(words, today=request.deps.today())
    except ScheduleError as error:
        request.say(t.escape(str(error)))
        return
    with request.deps.sessions.begin() as session:
        subs.save_subscription(
            session,
            team_id=request.team_id,
            channel_id=_channel(request),
            schedule=schedule.to_text(),
            user_id=request.user_id,
            now=request.deps.clock(),
        )
    announcement = section(
        f"📬 <@{request.user_id}> set up the Programme Talks digest here: {schedule.describe()}. It gathers "
        "leaders' highlights, new practice and open requests for collaboration."
    )
    posted = run.post_once("announced", _channel(request), [announcement], "Programme Talks digest set up")
    warning = ""
    if isinstance(posted, NotPosted):
        warning = f"\n⚠️ But I can't post here yet: {posted.reason}."
    request.say(
        f"✅ Done: this channel will get a digest {schedule.describe()} ({zone_time(request.deps.tz)}). "
        f"The first is on {_when(request, schedule)}.{warning}"
    )


def _unsubscribe(request: TalksRequest) -> None:
    with request.deps.sessions.begin() as session:
        stopped = subs.pause_subscription(
            session, team_id=request.team_id, channel_id=_channel(request), reason=None, now=request.deps.clock()
        )
    if stopped:
        request.say(f"Digest stopped for this channel. You can start it again at any time with {EXAMPLE}.")
    else:
        request.say("This channel doesn't get a digest, so there was nothing to stop.")


TALKS_VERBS: dict[str, TalksVerb] = {"digest": handle_digest}
