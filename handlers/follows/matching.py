"""What follows a share or request being posted: matching it to people.

`after_posting(run, kind, team_id, record_id)` is called by whatever posted it (the posting of shares and requests,
and the message shortcuts), once it is in its channel. It hands over `match_posted`, keyed by the record, so
however often it is called (a retried post, "Try posting again") the matching is done once:

- followers of any of its tags get a notice for their daily bundle (never its author); a request's tags are the
  #tags in its words and the followed tags it names without a # (domain.matching.tags_named);
- a new request's author is shown, by direct message, the three best-matching earlier shares and who shared them
  ("Practice that may help"), each share once per request;
- a new share that is now among the best matches for someone's open request tells that request's author, once
  per pair;
- the author's Home tab is refreshed when a new request is among their open ones.
"""

from __future__ import annotations

import handlers.follows.blocks as blocks
from domain.matching import tags_named
from domain.quiet import Notice
from domain.records import ShareCard
from domain.text import find_tags
from handlers.context import Job, after_ack
from handlers.home.refresh import refresh_homes
from handlers.jobs import JobRun
from storage import follows, matching
from storage import requests as rs
from storage import shares as ss
from storage.db import Sessions

SHARE, REQUEST = "share", "request"


def after_posting(run: JobRun, kind: str, team_id: str, record_id: int) -> None:
    """Hand over matching a share or request just posted (once per record, however often this is called).
    Raises when the outbox would not take it, so the caller's job is tried again (its post is not repeated)."""
    key = {"team_id": team_id, "event_id": f"posted:{kind}:{record_id}"}
    if not run.deps.hand_over(Job(match_posted, (kind, team_id, record_id)), key):
        raise RuntimeError(f"could not hand over matching {kind} {record_id}")


@after_ack
def match_posted(run: JobRun, kind: str, team_id: str, record_id: int) -> None:
    if kind == REQUEST:
        _match_request(run, team_id, record_id)
    else:
        _match_share(run, team_id, record_id)


def _match_request(run: JobRun, team_id: str, request_id: int) -> None:
    sessions, now = run.deps.sessions, run.deps.clock()
    with sessions.begin() as session:
        request = rs.get_request(session, team_id=team_id, request_id=request_id)
    if request is None or request.hidden:
        return
    if not run.done("followers"):
        with sessions.begin() as session:
            followed = follows.followed_tags(session, team_id=team_id)
            tags = tuple(dict.fromkeys(find_tags(request.body) + tags_named(request.body, followed)))
            told = follows.add_notices(
                session, team_id=team_id, author_id=request.requester_id, tags=tags, now=now, request_id=request_id
            )
            run.note(session, "followers", told)
    if not run.done("suggested"):
        with sessions.begin() as session:
            found = matching.practice_for_request(session, team_id=team_id, request_id=request_id)
            new = matching.add_suggestions(
                session, team_id=team_id, request_id=request_id, share_ids=[s.id for s in found], now=now
            )
            run.note(session, "suggested", new)
    if suggested := run.value("suggested"):
        shares = _shares(sessions, team_id, suggested)
        run.notify_once(
            "told practice",
            request.requester_id,
            blocks.practice_blocks(request, shares),
            blocks.practice_text(request),
            notice=Notice.MATCH,
            link=request.permalink,
        )
    refresh_homes(run, team_id, [request.requester_id])


def _match_share(run: JobRun, team_id: str, share_id: int) -> None:
    sessions, now = run.deps.sessions, run.deps.clock()
    with sessions.begin() as session:
        share = ss.get_share(session, team_id=team_id, share_id=share_id)
    if share is None or share.hidden:
        return
    if not run.done("followers"):
        with sessions.begin() as session:
            told = follows.add_notices(
                session, team_id=team_id, author_id=share.author_id, tags=share.tags, now=now, share_id=share_id
            )
            run.note(session, "followers", told)
    if not run.done("helped"):
        with sessions.begin() as session:
            helped = [
                request.id
                for request in matching.requests_helped_by(session, team_id=team_id, share_id=share_id)
                if matching.add_suggestions(
                    session, team_id=team_id, request_id=request.id, share_ids=[share_id], now=now
                )
            ]
            run.note(session, "helped", helped)
    for request_id in run.value("helped") or []:
        with sessions.begin() as session:
            request = rs.get_request(session, team_id=team_id, request_id=request_id)
        if request is not None and not request.resolved:
            said = blocks.helped_blocks(share, request)
            text = blocks.helped_text(share)
            run.notify_once(
                f"told {request_id}", request.requester_id, said, text, notice=Notice.MATCH, link=share.permalink
            )


def _shares(sessions: Sessions, team_id: str, ids: list[int]) -> list[ShareCard]:
    with sessions.begin() as session:
        cards = [ss.get_share(session, team_id=team_id, share_id=share_id) for share_id in ids]
    return [card for card in cards if card is not None]
