"""Champions pausing a channel's digest or meeting prompt for a while: `/talks digest pause 2 weeks`,
`/talks prompt pause until 2027-01-04`, and `resume`. The scheduler records each slot in the pause as paused in the
ledger (never posted later); a digest after the pause still covers everything since the channel's last one.

Called from the digests and prompts verbs' jobs, once the person is known to be allowed. Recorded in the audit trail
(SETTING_CHANGED: the channel, what, and the day back).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from domain import text as t
from domain.pauses import PauseError, parse_pause
from domain.quiet import back_words
from handlers.context import TalksRequest
from storage import audit
from storage import prompts as store
from storage.prompts import Paused

WHAT = {Paused.DIGEST: "digest", Paused.PROMPT: "meeting prompt"}
VERB = {Paused.DIGEST: "digest", Paused.PROMPT: "prompt"}


def pause_channel(request: TalksRequest, what: Paused, words: str, *, running: bool) -> None:
    """Pause this channel's digest or prompt until the day `words` give ("2 weeks", "until 2027-01-04")."""
    if not running:
        request.say(f"This channel doesn't get the {WHAT[what]}, so there's nothing to pause.")
        return
    deps = request.deps
    try:
        back_on = parse_pause(words, deps.today())
    except PauseError as error:
        request.say(t.escape(str(error)))
        return
    now = deps.clock()
    ends_at = dt.datetime.combine(back_on, dt.time(0), tzinfo=deps.tz).astimezone(dt.UTC)
    channel_id = request.command["channel_id"]
    with deps.sessions.begin() as session:
        store.pause_channel(
            session,
            team_id=request.team_id,
            channel_id=channel_id,
            what=what,
            back_on=back_on,
            ends_at=ends_at,
            user_id=request.user_id,
            now=now,
        )
        _audit(session, request, what, channel_id, back_on.isoformat(), now)
    request.say(
        f"⏸️ This channel's {WHAT[what]} is paused until {back_words(back_on)}: any due before then won't be "
        f"posted. It starts again by itself; `/talks {VERB[what]} resume` starts it sooner."
    )


def resume_channel(request: TalksRequest, what: Paused) -> bool:
    """End this channel's pause of its digest or prompt now; whether it was paused (the caller says what next)."""
    deps = request.deps
    channel_id = request.command["channel_id"]
    now = deps.clock()
    with deps.sessions.begin() as session:
        resumed = store.resume_channel(session, team_id=request.team_id, channel_id=channel_id, what=what, now=now)
        if resumed:
            _audit(session, request, what, channel_id, None, now)
    if not resumed:
        request.say(f"This channel's {WHAT[what]} isn't paused, so there's nothing to resume.")
    return resumed


def paused_until(request: TalksRequest, what: Paused) -> store.ChannelPauseRecord | None:
    with request.deps.sessions.begin() as session:
        return store.get_channel_pause(
            session,
            team_id=request.team_id,
            channel_id=request.command["channel_id"],
            what=what,
            now=request.deps.clock(),
        )


def _audit(
    session: Session, request: TalksRequest, what: Paused, channel_id: str, back_on: str | None, now: dt.datetime
) -> None:
    audit.add_entry(
        session,
        team_id=request.team_id,
        actor_id=request.user_id,
        action=audit.Action.SETTING_CHANGED,
        now=now,
        subject=f"channel:{channel_id}",
        details={"setting": f"{what}_paused_until", "to": back_on},
    )
