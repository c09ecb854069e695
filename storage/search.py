"""Full-text search over shares and requests with the database's own engine.

SQLite: an FTS5 table per kind, keyed by row id and kept by triggers (migration 0004), ranked by bm25.
PostgreSQL: GIN indexes on tsvector expressions, ranked by ts_rank. Both match any of the words (prefixes
too) and rank documents matching more of them higher. Shares and requests hidden while a reported concern is
reviewed are never found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session, selectinload

from domain.records import RequestCard, ShareCard
from storage.models import CollabRequest, Share
from storage.requests import request_card
from storage.shares import share_card

# Must match the index expressions in migration 0001 exactly, or PostgreSQL will not use the indexes.
SHARE_TSV = "to_tsvector('english', coalesce(title, '') || ' ' || body || ' ' || coalesce(impact, '') || ' ' || tags)"
REQUEST_TSV = "to_tsvector('english', body)"
MAX_TERMS = 12


@dataclass(frozen=True)
class SearchResults:
    shares: list[ShareCard]
    requests: list[RequestCard]
    order: list[tuple[str, int]]  # ("share" | "request", id), best first

    def ranked(self) -> list[ShareCard | RequestCard]:
        """Shares and requests together, best match first."""
        cards: dict[tuple[str, int], ShareCard | RequestCard] = {("share", s.id): s for s in self.shares}
        cards |= {("request", r.id): r for r in self.requests}
        return [cards[key] for key in self.order if key in cards]


def search_terms(words: str) -> list[str]:
    """The searchable words in what someone typed: letters and digits only, so no query syntax leaks in."""
    terms = [term.lower() for term in re.findall(r"\w+", words) if len(term) > 1 or term.isdigit()]
    return list(dict.fromkeys(terms))[:MAX_TERMS]


def search(session: Session, *, team_id: str, words: str, limit: int = 10) -> SearchResults:
    terms = search_terms(words)
    if not terms:
        return SearchResults([], [], [])
    if session.get_bind().dialect.name == "postgresql":
        ranked = _search_postgresql(session, team_id, terms, limit)
    else:
        ranked = _search_sqlite(session, team_id, terms, limit)
    share_ids = [ref for kind, ref in ranked if kind == "share"]
    request_ids = [ref for kind, ref in ranked if kind == "request"]
    shares = session.scalars(select(Share).where(Share.team_id == team_id, Share.id.in_(share_ids)))
    requests = session.scalars(
        select(CollabRequest)
        .where(CollabRequest.team_id == team_id, CollabRequest.id.in_(request_ids))
        .options(selectinload(CollabRequest.offers))
    )
    return SearchResults([share_card(s) for s in shares], [request_card(r) for r in requests], ranked)


def _search_sqlite(session: Session, team_id: str, terms: list[str], limit: int) -> list[tuple[str, int]]:
    query = " OR ".join(f'"{term}"*' for term in terms)
    rows = session.execute(
        text(
            "SELECT * FROM ("
            "SELECT 'share' AS kind, rowid AS id, bm25(shares_fts) AS rank FROM shares_fts "
            "WHERE shares_fts MATCH :query AND team_id = :team_id "
            "AND rowid NOT IN (SELECT id FROM shares WHERE team_id = :team_id AND hidden_at IS NOT NULL) "
            "UNION ALL SELECT 'request', rowid, bm25(requests_fts) FROM requests_fts "
            "WHERE requests_fts MATCH :query AND team_id = :team_id "
            "AND rowid NOT IN (SELECT id FROM collab_requests WHERE team_id = :team_id AND hidden_at IS NOT NULL)"
            ") ORDER BY rank LIMIT :limit"
        ),
        {"query": query, "team_id": team_id, "limit": limit},
    )
    return [(kind, int(ref_id)) for kind, ref_id, _rank in rows]


def _search_postgresql(session: Session, team_id: str, terms: list[str], limit: int) -> list[tuple[str, int]]:
    query = " | ".join(f"{term}:*" for term in terms)
    rows = session.execute(
        text(
            f"SELECT 'share' AS kind, id, ts_rank({SHARE_TSV}, q) AS rank "
            f"FROM shares, to_tsquery('english', :query) q "
            f"WHERE team_id = :team_id AND hidden_at IS NULL AND {SHARE_TSV} @@ q "
            f"UNION ALL SELECT 'request', id, ts_rank({REQUEST_TSV}, q) "
            f"FROM collab_requests, to_tsquery('english', :query) q "
            f"WHERE team_id = :team_id AND hidden_at IS NULL AND {REQUEST_TSV} @@ q "
            "ORDER BY rank DESC, id DESC LIMIT :limit"
        ),
        {"query": query, "team_id": team_id, "limit": limit},
    )
    return [(kind, int(ref_id)) for kind, ref_id, _rank in rows]
