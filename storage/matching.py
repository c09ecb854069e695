"""Matching requests to practice, with the database's own full-text search (the indexes storage.search uses).

`practice_for_request`: the earlier shares that best match a request (not its author's, not hidden), best first.
`requests_helped_by`: the open requests a new share would now be among the best matches for. Both match on
domain.matching's words (a request's own words, not those every request uses) and rank with the database:
SQLite FTS5's bm25 (which discounts words many shares use) or PostgreSQL's ts_rank (which does not, and
normalises by length here, so one long share does not win on length alone). They rank differently, so both
are measured (tests/test_follows.py, on tests/data/matching_set.json).

A request's words match much of a large workspace (a 100,000-share workspace can hold 60,000 shares with one of
them), and ranking costs a read of each match (on PostgreSQL, its tsvector built again from the expression the
index is on). So a request is ranked against the latest RANKED shares that match it, not all: the work, and the
time a job takes, stay bounded however large the workspace grows, and practice from years ago gives way to
recent practice only in workspaces with more than RANKED matches.

Suggestions made to a request's author are recorded (`add_suggestions`), so each share is suggested for each
request once. Query functions: they never commit and never call Slack.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import bindparam, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from domain.matching import match_terms
from domain.records import RequestCard, ShareCard
from domain.text import find_tags
from storage.models import CollabRequest, PracticeSuggestion, Share, UTCDateTime
from storage.requests import request_card
from storage.search import REQUEST_TSV, SHARE_TSV
from storage.shares import share_card

SUGGESTED = 3  # practice shown to a request's author
CANDIDATES = 5  # open requests a new share is checked against (the best matches of its words)
RANKED = 5_000  # matching shares ranked for a request: the latest this many (a bound on the database's work)
LENGTH_NORMALISATION = 1  # ts_rank: divide by 1 + the logarithm of the document's length


def practice_for_request(session: Session, *, team_id: str, request_id: int, limit: int = SUGGESTED) -> list[ShareCard]:
    """The shares made before this request that best match it, best first: never its author's, never hidden."""
    request = session.get(CollabRequest, request_id)
    if request is None or request.team_id != team_id:
        return []
    ids = _ranked_shares(
        session,
        team_id,
        match_terms(request.body, find_tags(request.body)),
        made_by=request.created_at,
        leave_out_author=request.requester_id,
        limit=limit,
    )
    return _shares(session, team_id, ids)


def requests_helped_by(session: Session, *, team_id: str, share_id: int) -> list[RequestCard]:
    """Open requests (not the share's author's, not hidden, made before it) for which this share is now among the
    best SUGGESTED matches: the candidates the share's words find, each checked as `practice_for_request` ranks."""
    share = session.get(Share, share_id)
    if share is None or share.team_id != team_id or share.hidden_at is not None:
        return []
    words = " ".join(part for part in (share.title, share.body, share.impact) if part)
    candidates = _ranked_requests(
        session, team_id, match_terms(words, share.tag_list), made_by=share.created_at, leave_out=share.author_id
    )
    helped = []
    for request in candidates:
        terms = match_terms(request.body, find_tags(request.body))
        best = _ranked_shares(
            session,
            team_id,
            terms,
            made_by=share.created_at + dt.timedelta(microseconds=1),
            leave_out_author=request.requester_id,
            limit=SUGGESTED,
        )
        if share_id in best:
            helped.append(request)
    return [request_card(request) for request in helped]


def add_suggestions(
    session: Session, *, team_id: str, request_id: int, share_ids: Sequence[int], now: dt.datetime
) -> list[int]:
    """Record that these shares were suggested for this request; the ids not suggested before, in order."""
    added = []
    for share_id in dict.fromkeys(share_ids):
        suggestion = PracticeSuggestion(team_id=team_id, request_id=request_id, share_id=share_id, created_at=now)
        try:
            with session.begin_nested():
                session.add(suggestion)
            added.append(share_id)
        except IntegrityError:
            continue
    return added


# ---- the database's search ------------------------------------------------------------------------------------


def _ranked_shares(
    session: Session, team_id: str, terms: list[str], *, made_by: dt.datetime, leave_out_author: str, limit: int
) -> list[int]:
    """Ids of shares made before `made_by` matching any of `terms`, best first, ranked among the latest RANKED
    that match (see the module's note)."""
    if not terms:
        return []
    params = {"team_id": team_id, "before": made_by, "author": leave_out_author, "limit": limit, "window": RANKED}
    if session.get_bind().dialect.name == "postgresql":
        statement = text(
            f"SELECT id FROM shares, to_tsquery('english', :query) q WHERE id IN ("
            f"SELECT id FROM shares, to_tsquery('english', :query) q WHERE team_id = :team_id AND {SHARE_TSV} @@ q "
            "AND created_at < :before AND author_id != :author AND hidden_at IS NULL ORDER BY id DESC LIMIT :window"
            f") ORDER BY ts_rank({SHARE_TSV}, q, {LENGTH_NORMALISATION}) DESC, id DESC LIMIT :limit"
        )
        params["query"] = " | ".join(terms)
    else:
        # FTS5 walks a match's rows in rowid order and takes a rowid range, so the window costs no ranking.
        statement = text(
            "SELECT s.id FROM shares_fts f JOIN shares s ON s.id = f.rowid "
            "WHERE shares_fts MATCH :query AND f.team_id = :team_id AND f.rowid >= coalesce(("
            "SELECT rowid FROM shares_fts WHERE shares_fts MATCH :query AND team_id = :team_id "
            "ORDER BY rowid DESC LIMIT 1 OFFSET :window - 1), 0) "
            "AND s.created_at < :before AND s.author_id != :author AND s.hidden_at IS NULL "
            "ORDER BY bm25(shares_fts), s.id DESC LIMIT :limit"
        )
        params["query"] = " OR ".join(f'"{term}"' for term in terms)
    return list(session.scalars(statement.bindparams(bindparam("before", type_=UTCDateTime())), params))


def _ranked_requests(
    session: Session, team_id: str, terms: list[str], *, made_by: dt.datetime, leave_out: str
) -> list[CollabRequest]:
    """Open requests made before `made_by` (not by `leave_out`) matching any of `terms`, best first."""
    if not terms:
        return []
    params = {"team_id": team_id, "before": made_by, "author": leave_out, "limit": CANDIDATES}
    if session.get_bind().dialect.name == "postgresql":
        statement = text(
            f"SELECT id FROM collab_requests, to_tsquery('english', :query) q "
            f"WHERE team_id = :team_id AND {REQUEST_TSV} @@ q AND status = 'open' AND created_at < :before "
            f"AND requester_id != :author AND hidden_at IS NULL "
            f"ORDER BY ts_rank({REQUEST_TSV}, q, {LENGTH_NORMALISATION}) DESC, id DESC LIMIT :limit"
        )
        params["query"] = " | ".join(terms)
    else:
        statement = text(
            "SELECT r.id FROM requests_fts f JOIN collab_requests r ON r.id = f.rowid "
            "WHERE requests_fts MATCH :query AND f.team_id = :team_id AND r.status = 'open' "
            "AND r.created_at < :before AND r.requester_id != :author AND r.hidden_at IS NULL "
            "ORDER BY bm25(requests_fts), r.id DESC LIMIT :limit"
        )
        params["query"] = " OR ".join(f'"{term}"' for term in terms)
    ids = list(session.scalars(statement.bindparams(bindparam("before", type_=UTCDateTime())), params))
    rows = session.scalars(
        select(CollabRequest).where(CollabRequest.id.in_(ids)).options(selectinload(CollabRequest.offers))
    )
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def _shares(session: Session, team_id: str, ids: list[int]) -> list[ShareCard]:
    rows = {row.id: row for row in session.scalars(select(Share).where(Share.team_id == team_id, Share.id.in_(ids)))}
    return [share_card(rows[i]) for i in ids if i in rows]
