"""Following tags and matching people to requests: `/talks follow #send #youth-voice`, `/talks unfollow #send`,
`/talks follow` alone to list them.

New shares and requests with a followed tag reach followers in a daily bundle (the scheduler's duty,
bot.delivery.follows); matching a new request to earlier practice, and a new share to open requests, follows each
post (handlers.follows.matching.after_posting).
"""

from __future__ import annotations

import re

from slack_bolt import App

import handlers.follows.blocks as blocks
from domain import text as t
from handlers.context import Deps, Job, TalksRequest, TalksVerb, after_ack
from handlers.home.refresh import refresh_homes
from handlers.jobs import JobRun, talks_request
from storage import follows as store


def register(app: App, deps: Deps) -> None:
    """Following has no listeners of its own: its words arrive through TALKS_VERBS."""


def typed_tags(text: str) -> list[str]:
    """The tags in "#send #youth-voice", "send, youth-voice" or "#youth voice": each word (or #-led words) a tag."""
    pieces = re.split(r"[\s,]+", text.strip()) if "#" not in text else re.split(r"#|,", text)
    return list(dict.fromkeys(tag for piece in pieces for tag in t.parse_tags(piece)))


def _follow(request: TalksRequest) -> Job | None:
    if not request.rest:
        request.ack()
        with request.deps.sessions.begin() as session:
            follows = store.list_follows(session, team_id=request.team_id, user_id=request.user_id)
        request.say(blocks.follows_text(follows))
        return None
    return _change(request, unfollow=False)


def _unfollow(request: TalksRequest) -> Job | None:
    if not request.rest:
        request.ack(text="Which tag? For example `/talks unfollow #send`.", response_type="ephemeral")
        return None
    return _change(request, unfollow=True)


def _change(request: TalksRequest, *, unfollow: bool) -> Job | None:
    tags = typed_tags(request.rest)
    if not tags:
        example = "`/talks unfollow #send`" if unfollow else "`/talks follow #send #youth-voice`"
        request.ack(text=f"Which tags? For example {example}.", response_type="ephemeral")
        return None
    return Job(change_follows, (request.command, tags, unfollow))


@after_ack
def change_follows(run: JobRun, command: dict, tags: list[str], unfollow: bool) -> None:
    """Follow or unfollow, answer, and refresh the person's Home tab (it lists what they follow)."""
    request, sessions = talks_request(run, command), run.deps.sessions
    if not run.done("changed"):
        with sessions.begin() as session:
            if unfollow:
                changed = store.unfollow_tags(session, team_id=request.team_id, user_id=request.user_id, tags=tags)
            else:
                changed = store.follow_tags(
                    session, team_id=request.team_id, user_id=request.user_id, tags=tags, now=run.deps.clock()
                )
            run.note(session, "changed", changed)
    done: list[str] = run.value("changed")
    with sessions.begin() as session:
        follows = store.list_follows(session, team_id=request.team_id, user_id=request.user_id)
    unchanged = [tag for tag in tags if tag not in done]
    if unfollow:
        request.say(blocks.unfollowed_text(done, unchanged, follows))
    else:
        already = [tag for tag in unchanged if tag in follows]
        full = len(follows) >= store.MAX_FOLLOWS and len(already) < len(unchanged)
        request.say(blocks.followed_text(done, already, follows, full=full))
    refresh_homes(run, request.team_id, [request.user_id])


TALKS_VERBS: dict[str, TalksVerb] = {"follow": _follow, "unfollow": _unfollow}
