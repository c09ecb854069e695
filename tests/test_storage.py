"""Storage on SQLite and PostgreSQL: the migrations build exactly the models, and rows stay in their workspace."""

from __future__ import annotations

import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage import requests as rs
from storage import shares as ss
from storage.db import kept_by_models, make_engine, make_sessions
from storage.models import Base
from storage.search import search, search_terms

NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)


def test_migrations_build_exactly_the_models(database_url):
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": kept_by_models, "compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_every_table_is_scoped_by_workspace():
    for table in Base.metadata.sorted_tables:
        assert "team_id" in table.columns, table.name


def test_offers_are_unique_per_person_and_request(database_url):
    sessions = make_sessions(make_engine(database_url))
    with sessions.begin() as session:
        request = rs.add_request(session, team_id="T1", requester_id="U1", channel_id="C1", body="Need a hall", now=NOW)
        assert rs.add_offer(session, team_id="T1", request_id=request.id, user_id="U2", now=NOW) is True
        assert rs.add_offer(session, team_id="T1", request_id=request.id, user_id="U2", now=NOW) is False
        assert rs.get_request(session, team_id="T1", request_id=request.id).offerers == ("U2",)


def test_search_follows_edits_and_deletes(database_url):
    sessions = make_sessions(make_engine(database_url))
    with sessions.begin() as session:
        share = ss.add_share(session, team_id="T1", author_id="U1", channel_id="C1", body="Walking bus", now=NOW)
    with sessions.begin() as session:
        assert [s.id for s in search(session, team_id="T1", words="walking").shares] == [share.id]
        edit = dict(now=NOW, body="Cycling club", title=None, impact=None, tags=(), link=None)
        ss.update_share(session, team_id="T1", share_id=share.id, **edit)
    with sessions.begin() as session:
        assert search(session, team_id="T1", words="walking").shares == []
        assert len(search(session, team_id="T1", words="cycling").shares) == 1
        ss.delete_share(session, team_id="T1", share_id=share.id)
    with sessions.begin() as session:
        assert search(session, team_id="T1", words="cycling").order == []


def test_search_terms_keep_only_words():
    assert search_terms('"attendance* AND (NEAR parents) -- ; x') == ["attendance", "and", "near", "parents"]
    assert search_terms("!!!") == []


def test_a_refused_claim_inside_a_transaction_leaves_the_rest_of_it_undecided(database_url):
    from storage import ledger

    sessions = make_sessions(make_engine(database_url))
    first = dict(team_id="T1", kind="digest", target="C1", period_key="2026-11-30T09:00", scheduled_for=NOW, now=NOW)
    with sessions.begin() as session:
        assert ledger.claim(session, **first) is not None
        assert ledger.claim(session, **{**first, "target": "C2"}) == 2  # the ledger's second row: claims return ids
    session = sessions()
    with session.begin():
        ss.add_share(session, team_id="T1", author_id="U1", channel_id="C1", body="Not kept", now=NOW)
        assert ledger.claim(session, **first) is None  # the savepoint rolls back, not the transaction
        session.rollback()
    with sessions() as session:
        assert search(session, team_id="T1", words="kept").order == []


def test_datetimes_come_back_aware_in_utc(database_url):
    sessions = make_sessions(make_engine(database_url))
    local = dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    with sessions.begin() as session:
        share_id = ss.add_share(session, team_id="T1", author_id="U1", channel_id="C1", body="x", now=local).id
    with sessions() as session:
        created = ss.get_share(session, team_id="T1", share_id=share_id).created_at
    assert created == local and created.tzinfo is not None and created.utcoffset() == dt.timedelta(0)
