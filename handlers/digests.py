"""Digest subscriptions: `/talks digest here weekly mon 09:00`, `off`, `preview`, `now`, and the schedule."""

from __future__ import annotations

from domain import text as t
from domain.schedule import ScheduleError, next_run, parse_schedule
from handlers import blocks
from handlers.context import TalksRequest, TalksVerb
from handlers.publish import NotPosted, post_message
from handlers.roles import refusal
from storage import ledger

EXAMPLE = "`/talks digest here weekly mon 09:00`"


def handle_digest(request: TalksRequest) -> None:
    words = request.rest.split(maxsplit=1)
    action = words[0].lower() if words else ""
    request.ack()
    if action in ("", "status", "schedule"):
        _show(request)
    elif action not in ("here", "off", "stop", "preview", "now"):
        request.say(
            f"I don't know `/talks digest {t.escape(action)}`. Try {EXAMPLE}, `/talks digest daily 08:30`, "
            "`/talks digest off`, `/talks digest preview` or `/talks digest now`."
        )
    elif action == "preview":
        request.respond(
            blocks=request.deps.digests.preview(request.team_id, _channel(request), request.deps.clock()),
            response_type="ephemeral",
        )
    elif why := refusal(request, "change a channel's digest", champions_may=True):
        request.say(why)
    elif action == "here":
        _subscribe(request, words[1] if len(words) > 1 else "")
    elif action in ("off", "stop"):
        _unsubscribe(request)
    else:
        request.say(request.deps.digests.post_now(request.team_id, _channel(request), request.deps.clock()))


def _channel(request: TalksRequest) -> str:
    return request.command["channel_id"]


def _when(request: TalksRequest, schedule) -> str:
    moment = next_run(schedule, request.deps.clock(), request.deps.tz).astimezone(request.deps.tz)
    return f"{moment:%A} {moment.day} {moment:%B} at {moment:%H:%M}"


def _show(request: TalksRequest) -> None:
    with request.deps.sessions.begin() as session:
        subscription = ledger.get_subscription(session, team_id=request.team_id, channel_id=_channel(request))
        state = (subscription.schedule, subscription.active, subscription.disabled_reason) if subscription else None
    if state is None or (not state[1] and not state[2]):
        request.say(f"This channel gets no digest. Champions and admins can start one with {EXAMPLE}.")
        return
    schedule = parse_schedule(state[0])
    if not state[1]:
        request.say(
            f"This channel's digest ({schedule.describe()}) is paused: {state[2]}. "
            f"To start it again, type `/talks digest here {schedule.to_text()}`."
        )
        return
    request.say(
        f"This channel gets a digest {schedule.describe()} ({request.deps.tz.key} time). "
        f"The next one is on {_when(request, schedule)}."
    )


def _subscribe(request: TalksRequest, words: str) -> None:
    try:
        schedule = parse_schedule(words)
    except ScheduleError as error:
        request.say(t.escape(str(error)))
        return
    with request.deps.sessions.begin() as session:
        ledger.save_subscription(
            session,
            team_id=request.team_id,
            channel_id=_channel(request),
            schedule=schedule.to_text(),
            user_id=request.user_id,
            now=request.deps.clock(),
        )
    announcement = blocks.section(
        f"📬 <@{request.user_id}> set up the Programme Talks digest here: {schedule.describe()}. It gathers "
        "leaders' highlights, new practice and open requests for collaboration."
    )
    posted = post_message(request.client, _channel(request), [announcement], "Programme Talks digest set up")
    warning = ""
    if isinstance(posted, NotPosted):
        warning = f"\n⚠️ But I can't post here yet: {posted.reason}."
    request.say(
        f"✅ Done: this channel will get a digest {schedule.describe()} ({request.deps.tz.key} time). "
        f"The first is on {_when(request, schedule)}.{warning}"
    )


def _unsubscribe(request: TalksRequest) -> None:
    with request.deps.sessions.begin() as session:
        subscription = ledger.get_subscription(session, team_id=request.team_id, channel_id=_channel(request))
        stopped = subscription is not None and subscription.active
        if stopped:
            ledger.pause_subscription(session, subscription, reason=None, now=request.deps.clock())
    if stopped:
        request.say(f"Digest stopped for this channel. You can start it again at any time with {EXAMPLE}.")
    else:
        request.say("This channel doesn't get a digest, so there was nothing to stop.")


VERBS: dict[str, TalksVerb] = {"digest": handle_digest}
