"""Everything the app holds about one person in a workspace, for `/talks my data` (erasing it: storage.erasure).

`find_person_data` gathers a section for each kind of record that names them (what they shared and asked, their
offers, reactions, roles, agreements, events, reports...), every other row in any table that holds their user id, and
what the audit trail records about them. Other people's ids in those rows are shown as "(someone else)", and who
reported a concern about what they posted is never shown.

Tables are read through the schema (Base.metadata) by name, so a table another feature renames or has not yet
added is simply skipped, and one added later is still found. Query functions: `verb_noun(session, *, ...)`; they
never commit and never call Slack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, Table, func, or_, select
from sqlalchemy.orm import Session

from storage import audit
from storage.workspace_data import WITHHELD, plain, secret, table, tables_with_team_id

SOMEONE_ELSE = "(someone else)"  # another person's id, in what is shown to someone about themselves
_USER_ID = re.compile(r"[UW][A-Z0-9_]{2,31}")
# Bookkeeping tables: what they hold about anyone is the app's own (claims, leases), shown by no section; the
# audit trail has a section of its own.
BOOKKEEPING = frozenset({"jobs", "leases", "processed_events", "oauth_states", "audit_entries"})


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
_CONCERN = "kind subject_id reported_at status decided_at subject_deleted_at"
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
         "kind subject_id status decided_at subject_deleted_at", None),
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
        # Rows a section shows already (an invitation posted to their direct messages) are not shown twice.
        others = [or_(c.is_(None), c != user_id) for c in t.c if (t.name, c.name) in shown]
        rows = session.execute(select(t).where(t.c.team_id == team_id, or_(*naming), *others)).mappings()
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
