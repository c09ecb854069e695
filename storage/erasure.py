"""Erasing a person from a workspace (`/talks erase me`, `/talks erase @name`), as storage.person_columns decides for
each column that can hold them.

Their own rows go (what they shared and asked, their offers, reactions, roles, answers, follows...), with the rows
that depend on them, and shares or requests captured from their messages (their words). Records others rely on
stay: their id is replaced by domain.words.ERASED (shown as "a former member"), the words they wrote there are
removed, and an agreement's party who was them becomes "a former member", in every version kept too. A concern
about something of theirs that goes keeps saying what was reported and decided (storage.concerns.forget_subjects).
The audit trail keeps what happened, not who. Work waiting in the outbox that carries their id or words is dropped.
Then every text column of every table is swept for their id, so what the naming convention can't see goes too.

Query functions: `verb_noun(session, *, ...)`; they never commit and never call Slack.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, Table, delete, or_, select, update
from sqlalchemy.orm import Session

from domain.words import ERASED, FORMER_MEMBER
from storage import audit
from storage import concerns as cs
from storage.db import count_changed
from storage.person_columns import Fate, columns_with
from storage.workspace_data import compact_search, delete_with_dependents, posted_messages, replace_everywhere, table

SWEPT_ELSEWHERE = frozenset({"jobs", "audit_entries"})  # a person's jobs are dropped, their audit entries forgotten
CONCERNED = {"shares": cs.Kind.SHARE, "collab_requests": cs.Kind.REQUEST, "events": cs.Kind.EVENT}


@dataclass(frozen=True)
class Erasure:
    """What erasing a person did, in counts by table (never their words), and what is left to do in Slack."""

    deleted: dict[str, int] = field(default_factory=dict)  # rows deleted, by table
    anonymised: dict[str, int] = field(default_factory=dict)  # rows kept with their id or words removed, by table
    messages: tuple[tuple[str, str], ...] = ()  # (channel, ts): the app's messages for them, to delete in Slack
    requests: tuple[int, ...] = ()  # others' requests whose message named them as offering help: to show again
    agreements: tuple[int, ...] = ()  # numbers of agreements whose summary named them: to show again
    meetups: tuple[int, ...] = ()  # events whose messages named them: to show again
    concerns: tuple[int, ...] = ()  # concerns whose messages to champions and admins named them or their words

    @property
    def counts(self) -> dict[str, int]:
        """For the audit trail: how many rows went, and how many were kept anonymised."""
        return {**{f"deleted_{k}": v for k, v in self.deleted.items()}, "anonymised": sum(self.anonymised.values())}

    def to_json(self) -> dict[str, Any]:
        return {
            "deleted": self.deleted,
            "anonymised": self.anonymised,
            "messages": [list(m) for m in self.messages],
            "requests": list(self.requests),
            "agreements": list(self.agreements),
            "meetups": list(self.meetups),
            "concerns": list(self.concerns),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Erasure:
        return cls(
            deleted=dict(data["deleted"]),
            anonymised=dict(data["anonymised"]),
            messages=tuple((channel, ts) for channel, ts in data["messages"]),
            requests=tuple(data["requests"]),
            agreements=tuple(data["agreements"]),
            meetups=tuple(data["meetups"]),
            concerns=tuple(data.get("concerns", ())),
        )


def erase_person(
    session: Session, *, team_id: str, user_id: str, now: dt.datetime, keep_job_id: int | None = None
) -> Erasure:
    """Erase everything the app holds about a person in a workspace (see the module's note), except the job doing
    it (`keep_job_id`, whose payload is emptied when it finishes). The caller adds the audit entry recording it."""
    if not user_id or not team_id or user_id == ERASED:
        raise ValueError("erase_person needs a workspace and a person")
    deleted: Counter[str] = Counter()
    anonymised: Counter[str] = Counter()
    to_refresh = _to_refresh(session, team_id, user_id)
    concerns = set(cs.concerns_naming(session, team_id=team_id, user_id=user_id))
    messages: list[tuple[str, str]] = []
    gone: dict[str, set[int]] = {}

    def remove(name: str, ids: list[int]) -> None:
        nonlocal deleted
        messages.extend(posted_messages(session, table_name=name, ids=ids))
        gone.setdefault(name, set()).update(ids)
        deleted += delete_with_dependents(session, table_name=name, ids=ids)

    for (name, column), rule in columns_with(Fate.OWN).items():
        t = table(name)
        if t is None or column not in t.c:
            continue
        mine = (t.c.team_id == team_id) & (t.c[column] == user_id)
        for referring in rule.also:  # rows theirs refer to, which go with them (captured from their messages)
            for fk in t.c[referring].foreign_keys:
                refs = [ref for ref in session.scalars(select(t.c[referring]).where(mine)) if ref is not None]
                remove(fk.column.table.name, refs)
        keys = list(t.primary_key.columns)
        if len(keys) == 1 and isinstance(keys[0].type, Integer):
            remove(name, list(session.scalars(select(keys[0]).where(mine))))
        else:
            deleted[name] += count_changed(session, delete(t).where(mine))
    for name, kind in CONCERNED.items():
        concerns.update(
            cs.forget_subjects(session, team_id=team_id, kind=kind, subject_ids=sorted(gone.get(name, ())), now=now)
        )
    anonymised += _leave_shared_records(session, team_id, user_id)
    deleted += _forget_jobs(session, team_id, user_id, keep_job_id)
    anonymised["audit_entries"] += audit.forget_person(session, team_id=team_id, user_id=user_id)
    anonymised += replace_everywhere(session, team_id=team_id, old=user_id, new=ERASED, leave=SWEPT_ELSEWHERE)
    compact_search(session)
    return Erasure(
        deleted={k: v for k, v in sorted(deleted.items()) if v},
        anonymised={k: v for k, v in sorted(anonymised.items()) if v},
        messages=tuple(dict.fromkeys(messages)),
        requests=to_refresh["requests"],
        agreements=to_refresh["agreements"],
        meetups=to_refresh["meetups"],
        concerns=tuple(sorted(concerns)),
    )


def _to_refresh(session: Session, team_id: str, user_id: str) -> dict[str, tuple[int, ...]]:
    """The messages that show the person among others, to show again once they are erased: others' requests they
    offered on, agreements naming them, events they answered or posted."""
    found: dict[str, tuple[int, ...]] = {"requests": (), "agreements": (), "meetups": ()}
    requests, offers = table("collab_requests"), table("collab_offers")
    if requests is not None and offers is not None:
        found["requests"] = tuple(
            session.scalars(
                select(requests.c.id)
                .join(offers, offers.c.request_id == requests.c.id)
                .where(
                    offers.c.team_id == team_id,
                    offers.c.user_id == user_id,
                    requests.c.requester_id != user_id,
                    requests.c.message_ts.is_not(None),
                )
                .order_by(requests.c.id)
            )
        )
    agreements = table("agreements")
    if agreements is not None:
        ids: set[int] = set(
            session.scalars(
                select(agreements.c.id).where(agreements.c.team_id == team_id, agreements.c.created_by == user_id)
            )
        )
        for name, column in (
            ("agreement_parties", "user_id"),
            ("agreement_versions", "changed_by"),
            ("agreement_reviews", "recorded_by"),
        ):
            if (t := table(name)) is not None:
                ids |= set(
                    session.scalars(select(t.c.agreement_id).where(t.c.team_id == team_id, t.c[column] == user_id))
                )
        found["agreements"] = tuple(
            session.scalars(
                select(agreements.c.number)
                .where(agreements.c.id.in_(sorted(ids)), agreements.c.message_ts.is_not(None))
                .order_by(agreements.c.number)
            )
        )
    events, rsvps = table("events"), table("event_rsvps")
    if events is not None and rsvps is not None:
        answered = select(rsvps.c.event_id).where(rsvps.c.team_id == team_id, rsvps.c.user_id == user_id)
        found["meetups"] = tuple(
            session.scalars(
                select(events.c.id)
                .where(events.c.team_id == team_id, or_(events.c.created_by == user_id, events.c.id.in_(answered)))
                .order_by(events.c.id)
            )
        )
    return found


def _leave_shared_records(session: Session, team_id: str, user_id: str) -> Counter[str]:
    """Records others rely on stay: the person's words there are removed (each SHARED column's `words`), a party who
    was them becomes "a former member" (in every version kept, too), and their id elsewhere is replaced by the
    sweep."""
    changed: Counter[str] = Counter()
    for (name, column), rule in columns_with(Fate.SHARED).items():
        t = table(name)
        words = [w for w in rule.words if t is not None and w in t.c]
        if t is None or column not in t.c or not words:
            continue
        blank = {w: None if t.c[w].nullable else "" for w in words}
        changed[name] += count_changed(
            session, update(t).where(t.c.team_id == team_id, t.c[column] == user_id).values(blank)
        )
    parties = table("agreement_parties")
    if parties is not None:
        changed["agreement_parties"] += count_changed(
            session,
            update(parties)
            .where(parties.c.team_id == team_id, parties.c.user_id == user_id)
            .values(user_id=None, organisation=FORMER_MEMBER, contact=None),
        )
    versions = table("agreement_versions")
    if versions is not None:
        rows = session.execute(
            select(versions.c.id, versions.c.snapshot).where(
                versions.c.team_id == team_id, versions.c.snapshot.contains(user_id, autoescape=True)
            )
        ).all()
        for version_id, snapshot in rows:
            session.execute(
                update(versions).where(versions.c.id == version_id).values(snapshot=_without(snapshot, user_id))
            )
        changed["agreement_versions"] += len(rows)
    return changed


def _without(snapshot: str, user_id: str) -> str:
    """An agreement's snapshot (JSON) with the person, where they were a party, as "a former member"."""
    try:
        data = json.loads(snapshot)
    except ValueError:
        return snapshot.replace(user_id, ERASED)
    for party in data.get("parties") or []:
        if isinstance(party, dict) and party.get("user_id") == user_id:
            party.update(user_id=None, organisation=FORMER_MEMBER, contact=None)
    return json.dumps(data).replace(user_id, ERASED)


def _forget_jobs(session: Session, team_id: str, user_id: str, keep_job_id: int | None) -> Counter[str]:
    """Work waiting in the outbox that carries the person's id or words (their share about to be posted, a command
    they typed) is dropped, so nothing of theirs is saved or posted after they are erased."""
    jobs: Table | None = table("jobs")
    if jobs is None:
        return Counter()
    query = delete(jobs).where(
        jobs.c.team_id == team_id,
        or_(jobs.c.payload.contains(user_id, autoescape=True), jobs.c.state.contains(user_id, autoescape=True)),
    )
    if keep_job_id is not None:
        query = query.where(jobs.c.id != keep_job_id)
    return Counter({"jobs": count_changed(session, query)})
