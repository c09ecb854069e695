"""Everything the app holds about one person in a workspace, and erasing it.

`find_person_data` gathers it for `/talks my data`: a section for each kind of record that names them (what they
shared and asked, their offers, reactions, roles, agreements, events, reports...), every other row in any table
that holds their user id, and what the audit trail records about them. Other people's ids in those rows are shown
as "(someone else)", and who reported a concern about what they posted is never shown.

`erase_person` erases them: rows that are theirs go (their shares, requests, offers, reactions, highlights, roles,
answers to events, follows...), with the rows that depend on them, and shares or requests captured from their
messages (their words); in joint records (agreements, events they posted, reviews they recorded) their id is
replaced by a marker, an agreement's party becomes "a former member", and the words they wrote there are removed,
so their partners keep a usable record. Then every column of every table is swept for their id, so a table added
later is covered too; what tables' rows are theirs is declared in OWN_ROWS.

Tables are read through the schema (Base.metadata) by name, so a table another feature renames or has not yet
added is simply skipped. Query functions: `verb_noun(session, *, ...)`; they never commit and never call Slack.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, String, Table, delete, func, or_, select, update
from sqlalchemy.orm import Session

from storage import audit
from storage.db import count_changed
from storage.workspace_data import (
    WITHHELD,
    compact_search,
    delete_with_dependents,
    plain,
    posted_messages,
    replace_everywhere,
    secret,
    table,
    tables_with_team_id,
)

ERASED = audit.ERASED  # what replaces an erased person's id in the records that stay
FORMER_MEMBER = "a former member"  # what an erased party of an agreement is called
NO_CONTACT = "none"
SOMEONE_ELSE = "(someone else)"  # another person's id, in what is shown to someone about themselves
_USER_ID = re.compile(r"[UW][A-Z0-9_]{2,31}")
# Bookkeeping tables: what they hold about anyone is the app's own (claims, leases), shown by no section.
BOOKKEEPING = frozenset({"jobs", "leases", "processed_events", "oauth_states", "audit_entries"})
SWEPT_ELSEWHERE = frozenset({"jobs", "audit_entries"})  # a person's jobs are dropped, their audit entries forgotten


@dataclass(frozen=True)
class Join:
    """Columns of a parent row to show beside a section's row (an agreement's number beside a party)."""

    table: str
    via: str  # the section's column referring to the parent
    key: str  # the parent's column it refers to
    shown: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    """A kind of record naming a person, as `/talks my data` shows it."""

    key: str  # its name in the JSON document
    title: str  # its heading in the readable summary
    table: str
    column: str  # the column holding the person's id
    shown: tuple[str, ...]  # the columns shown (never another person's words)
    join: Join | None = None


_AGREEMENT = Join("agreements", "agreement_id", "id", ("number", "title", "status"))
_AGREEMENT_DATES = Join("agreements", "agreement_id", "id", ("number", "title", "status", "start_date", "end_date"))
_EVENT = Join("events", "event_id", "id", ("title", "starts_at"))
_CONCERN = "kind subject_id reported_at status"
# (key, title, table, the column naming them, the columns shown, a parent's columns shown beside them)
SECTIONS: tuple[Section, ...] = tuple(
    Section(key, title, table_name, column, tuple(shown.split()), join)
    for key, title, table_name, column, shown, join in (
        ("shares", "Practice you shared", "shares", "author_id",
         "id created_at channel_id title body impact tags link permalink", None),
        ("requests", "Collaboration requests you made", "collab_requests", "requester_id",
         "id created_at channel_id body needed_by status resolved_at permalink", None),
        ("offers", "Offers of help you made", "collab_offers", "user_id", "request_id created_at", None),
        ("reactions", "Reactions you made on shares", "reactions", "user_id", "share_id emoji created_at", None),
        ("highlights", "Shares you highlighted as a leader", "highlights", "leader_id", "share_id created_at", None),
        ("roles", "Your roles", "roles", "user_id", "role appointed_by created_at", None),
        ("appointments", "People you appointed", "roles", "appointed_by", "role user_id created_at", None),
        ("agreements", "Agreements you are a party to", "agreement_parties", "user_id",
         "responsibility confirmed_version confirmed_at", _AGREEMENT_DATES),
        ("agreements_written", "Agreements you wrote", "agreements", "created_by",
         "number title status start_date end_date created_at", None),
        ("agreement_changes", "Versions of agreements you wrote or changed", "agreement_versions", "changed_by",
         "version note created_at", _AGREEMENT),
        ("agreement_reviews", "Agreement reviews you recorded", "agreement_reviews", "recorded_by",
         "review_date outcome achieved credited credit_note next_review recorded_at", _AGREEMENT),
        ("events", "Events you posted", "events", "created_by",
         "id title starts_at place about channel_id created_at", None),
        ("event_answers", "Your answers to events", "event_rsvps", "user_id", "answer updated_at", _EVENT),
        ("event_invitations", "Events you were invited to", "event_posts", "invited_user", "event_id", _EVENT),
        ("digests", "Digests you set up", "digest_subscriptions", "created_by",
         "channel_id schedule active created_at", None),
        ("scheduled_messages", "Scheduled messages sent to you (digests, reminders, nudges)", "deliveries",
         "target", "kind scheduled_for status", None),
        ("reports", "Concerns you reported", "concerns", "reported_by", _CONCERN, None),
        ("concerns_about_your_posts", "Concerns reported about what you posted (who reported them is not shown)",
         "concerns", "author_id", _CONCERN, None),
        ("concerns_decided", "Concerns you decided as a champion or admin", "concerns", "decided_by",
         "kind subject_id status decided_at", None),
        ("concern_notices", "Concerns you were told about", "concern_notices", "user_id", "concern_id", None),
        ("held_posts", "Words held for you to check after the personal-data check", "held_posts", "author_id",
         "kind text created_at expires_at", None),
        ("follows", "Tags you follow", "tag_follows", "user_id", "tag created_at", None),
        ("follow_notices", "New posts waiting for your daily bundle", "follow_notices", "user_id",
         "share_id request_id tags created_at", None),
        ("captured_from_you", "Shares and requests captured from your messages", "message_credits",
         "source_author", "share_id request_id status created_at", None),
        ("captured_by_you", "Messages you captured as shares or requests", "message_credits", "captured_by",
         "share_id request_id status created_at", None),
        ("home", "Your visits to the Home tab", "home_visits", "user_id",
         "visits first_opened_at last_opened_at", None),
    )
)  # fmt: skip

# Tables whose rows belong to one person, by the column naming them: erasing the person deletes these rows (and
# the rows depending on them). Rows of every other table that name them are kept, with their id replaced.
OWN_ROWS: Mapping[str, str] = {
    "shares": "author_id",
    "collab_requests": "requester_id",
    "collab_offers": "user_id",
    "reactions": "user_id",
    "highlights": "leader_id",
    "roles": "user_id",
    "event_rsvps": "user_id",
    "event_posts": "invited_user",  # invitations sent to them by direct message
    "deliveries": "target",  # the ledger's record of scheduled messages sent to them
    "home_visits": "user_id",
    "tag_follows": "user_id",
    "follow_notices": "user_id",
    "held_posts": "author_id",
    "concern_notices": "user_id",  # direct messages that told them of a concern
}
# Words a person wrote into joint records, removed when they are erased: (table, their column, words column, blank).
OWN_WORDS: tuple[tuple[str, str, str, str | None], ...] = (
    ("agreement_versions", "changed_by", "note", None),
    ("agreement_reviews", "recorded_by", "achieved", ""),
    ("agreement_reviews", "recorded_by", "credit_note", None),
    ("events", "created_by", "about", ""),
)


# ---- what the app holds -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """The rows of one section (or one other table) naming the person, as plain values."""

    key: str
    title: str
    table: str
    rows: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class PersonData:
    team_id: str
    user_id: str
    found: tuple[Found, ...]  # sections with rows, in SECTIONS' order, then any other table naming them
    audit: tuple[dict[str, Any], ...]  # what the audit trail records about them
    reactions_received: int  # on their shares, from anyone

    def count(self, key: str) -> int:
        return sum(len(f.rows) for f in self.found if f.key == key)

    @property
    def empty(self) -> bool:
        return not self.found and not self.audit

    @property
    def tables(self) -> frozenset[str]:
        """The tables whose rows naming them are shown."""
        return frozenset(f.table for f in self.found) | ({"audit_entries"} if self.audit else frozenset())

    def as_json(self) -> dict[str, Any]:
        return {
            "workspace": self.team_id,
            "user_id": self.user_id,
            **{f.key: list(f.rows) for f in self.found},
            "reactions_received_on_your_shares": self.reactions_received,
            "audit_trail": list(self.audit),
        }


def find_person_data(session: Session, *, team_id: str, user_id: str) -> PersonData:
    """Everything the app holds about a person in a workspace (see the module's note)."""
    found = [f for section in SECTIONS if (f := _section(session, team_id, user_id, section)) is not None]
    shown = {(s.table, s.column) for s in SECTIONS}
    for t in tables_with_team_id():
        if t.name in BOOKKEEPING:
            continue
        columns = [c for c in t.c if isinstance(c.type, String) and (t.name, c.name) not in shown]
        naming = [c == user_id for c in columns if c.name != "team_id"]
        if not naming:
            continue
        rows = session.execute(select(t).where(t.c.team_id == team_id, or_(*naming))).mappings()
        kept = tuple(_shown(t.name, dict(row), user_id) for row in rows)
        if kept:
            found.append(Found(t.name, f"Other records in {t.name}", t.name, kept))
    entries = audit.entries_about(session, team_id=team_id, user_id=user_id)
    return PersonData(
        team_id=team_id,
        user_id=user_id,
        found=tuple(found),
        audit=tuple(
            {
                "at": plain(e.at),
                "actor": "you" if e.actor_id == user_id else _redacted(e.actor_id, user_id),
                "action": e.action,
                "subject": "you" if e.subject == f"user:{user_id}" else e.subject,
                "details": {k: _redacted(v, user_id) for k, v in e.details.items()},
            }
            for e in entries
        ),
        reactions_received=_reactions_received(session, team_id, user_id),
    )


def _section(session: Session, team_id: str, user_id: str, section: Section) -> Found | None:
    t = table(section.table)
    if t is None or section.column not in t.c:
        return None
    shown = [t.c[name] for name in section.shown if name in t.c]
    query = select(*shown)
    parent: Table | None = table(section.join.table) if section.join else None
    if section.join and parent is not None and section.join.via in t.c:
        query = select(*shown, *(parent.c[name].label(name) for name in section.join.shown if name in parent.c))
        query = query.join(parent, parent.c[section.join.key] == t.c[section.join.via])
    (key, *_) = list(t.primary_key.columns) or [t.c[section.column]]
    rows = session.execute(query.where(t.c.team_id == team_id, t.c[section.column] == user_id).order_by(key)).mappings()
    found = tuple(_shown(section.table, dict(row), user_id) for row in rows)
    return Found(section.key, section.title, section.table, found) if found else None


def _shown(table_name: str, row: dict[str, Any], user_id: str) -> dict[str, Any]:
    """A row as shown to the person: plain values, secrets withheld, other people's ids hidden."""
    return {
        name: WITHHELD if secret(table_name, name) and value is not None else _redacted(plain(value), user_id)
        for name, value in row.items()
        if name != "team_id"
    }


def _redacted(value: Any, user_id: str) -> Any:
    if isinstance(value, str) and value != user_id and _USER_ID.fullmatch(value):
        return SOMEONE_ELSE
    return value


def _reactions_received(session: Session, team_id: str, user_id: str) -> int:
    shares, reactions = table("shares"), table("reactions")
    if shares is None or reactions is None:
        return 0
    return (
        session.scalar(
            select(func.count())
            .select_from(reactions.join(shares, shares.c.id == reactions.c.share_id))
            .where(reactions.c.team_id == team_id, shares.c.author_id == user_id, reactions.c.user_id != user_id)
        )
        or 0
    )


# ---- erasing them -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Erasure:
    """What erasing a person did, in counts by table (never their words), and what is left to do in Slack."""

    deleted: dict[str, int] = field(default_factory=dict)  # rows deleted, by table
    anonymised: dict[str, int] = field(default_factory=dict)  # rows kept with their id or words removed, by table
    messages: tuple[tuple[str, str], ...] = ()  # (channel, ts): the app's messages for them, to delete in Slack
    requests: tuple[int, ...] = ()  # others' requests whose message named them as offering help: to show again
    agreements: tuple[int, ...] = ()  # numbers of agreements whose summary named them: to show again
    meetups: tuple[int, ...] = ()  # events whose messages named them: to show again

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
        )


def erase_person(session: Session, *, team_id: str, user_id: str, keep_job_id: int | None = None) -> Erasure:
    """Erase everything the app holds about a person in a workspace (see the module's note), except the job doing
    it (`keep_job_id`, whose payload is emptied when it finishes). The audit trail keeps that things happened,
    with their id replaced; the caller adds the entry recording the erasure."""
    if not user_id or not team_id:
        raise ValueError("erase_person needs a workspace and a person")
    deleted: Counter[str] = Counter()
    anonymised: Counter[str] = Counter()
    to_refresh = _to_refresh(session, team_id, user_id)
    messages: list[tuple[str, str]] = []
    captured = _captured_from(session, team_id, user_id)
    for name, column in OWN_ROWS.items():
        t = table(name)
        if t is None or column not in t.c:
            continue
        keys = list(t.primary_key.columns)
        if len(keys) == 1 and isinstance(keys[0].type, Integer):
            ids = list(session.scalars(select(keys[0]).where(t.c.team_id == team_id, t.c[column] == user_id)))
            ids += captured.get(name, [])
            messages += posted_messages(session, table_name=name, ids=ids)
            deleted += delete_with_dependents(session, table_name=name, ids=ids)
        else:
            deleted[name] += count_changed(session, delete(t).where(t.c.team_id == team_id, t.c[column] == user_id))
    anonymised += _leave_joint_records(session, team_id, user_id)
    anonymised += _forget_jobs(session, team_id, user_id, keep_job_id)
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
        for name, column in (("agreement_parties", "user_id"), ("agreement_versions", "changed_by")):
            if (t := table(name)) is not None:
                ids |= set(
                    session.scalars(select(t.c.agreement_id).where(t.c.team_id == team_id, t.c[column] == user_id))
                )
        if (reviews := table("agreement_reviews")) is not None:
            ids |= set(
                session.scalars(
                    select(reviews.c.agreement_id).where(reviews.c.team_id == team_id, reviews.c.recorded_by == user_id)
                )
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


def _captured_from(session: Session, team_id: str, user_id: str) -> dict[str, list[int]]:
    """Shares and requests someone else captured from this person's messages: their words, erased with them."""
    credits = table("message_credits")
    if credits is None or "source_author" not in credits.c:
        return {}
    found: dict[str, list[int]] = {"shares": [], "collab_requests": []}
    for kind, column in (("shares", "share_id"), ("collab_requests", "request_id")):
        if column in credits.c:
            found[kind] = [
                ref
                for ref in session.scalars(
                    select(credits.c[column]).where(credits.c.team_id == team_id, credits.c.source_author == user_id)
                )
                if ref is not None
            ]
    return found


def _leave_joint_records(session: Session, team_id: str, user_id: str) -> Counter[str]:
    """Agreements and events stay for the others in them: the person's words there are removed, a party who was
    them becomes "a former member" (in every version kept, too), and their id elsewhere is replaced by the sweep."""
    changed: Counter[str] = Counter()
    for name, column, words, blank in OWN_WORDS:
        t = table(name)
        if t is not None and column in t.c and words in t.c:
            changed[name] += count_changed(
                session, update(t).where(t.c.team_id == team_id, t.c[column] == user_id).values({words: blank})
            )
    parties = table("agreement_parties")
    if parties is not None:
        changed["agreement_parties"] += count_changed(
            session,
            update(parties)
            .where(parties.c.team_id == team_id, parties.c.user_id == user_id)
            .values(user_id=None, organisation=FORMER_MEMBER, contact=NO_CONTACT),
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
            party.update(user_id=None, organisation=FORMER_MEMBER, contact=NO_CONTACT)
    return json.dumps(data).replace(user_id, ERASED)


def _forget_jobs(session: Session, team_id: str, user_id: str, keep_job_id: int | None) -> Counter[str]:
    """Work waiting in the outbox that carries the person's id or words (their share about to be posted, say) is
    dropped, so nothing of theirs is saved or posted after they are erased."""
    jobs = table("jobs")
    if jobs is None:
        return Counter()
    query = delete(jobs).where(
        jobs.c.team_id == team_id,
        or_(jobs.c.payload.contains(user_id, autoescape=True), jobs.c.state.contains(user_id, autoescape=True)),
    )
    if keep_job_id is not None:
        query = query.where(jobs.c.id != keep_job_id)
    return Counter({"jobs": count_changed(session, query)})
