"""Concerns people report about what the app posted (a share, a request, an agreement or an event): reporting hides
it at once, and a champion or workspace admin restores or deletes it.

A concern holds ids only (who reported what, who decided), never anyone's words. A thing has at most one open
concern (a unique index on the open ones), so reporting it again changes nothing. Hiding sets the thing's
hidden_at through its own storage module; digests, search, nudges and reminders leave hidden things out, and
their messages say they are hidden (the records' `hidden`).

When the thing is deleted, by the decision or otherwise (its author erased, its retention period over), the concern
stays for accountability, saying what kind of thing was reported, where, when, and what was decided, with the
moment it was deleted (`forget_subjects`); one still open becomes GONE, so nobody decides about nothing and its id,
which may be used again, is never looked up.

Query functions: `verb_noun(session, *, ...)`; they add and flush, never commit, never call Slack.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import agreements as ags
from storage import meetups as ms
from storage import requests as rs
from storage import shares as ss
from storage.models import Concern, ConcernNotice

CHUNK = 500  # ids in one IN (...)


class Kind(StrEnum):
    """What can be reported; the subject id is the share's, request's or event's id, or the agreement's number."""

    SHARE = "share"
    REQUEST = "request"
    AGREEMENT = "agreement"
    EVENT = "event"


class Status(StrEnum):
    OPEN = "open"  # hidden, waiting for a champion or admin
    RESTORED = "restored"
    REMOVED = "removed"
    GONE = "gone"  # deleted before anyone decided: its author was erased, or its retention period ended


@dataclass(frozen=True)
class Where:
    """A message showing the thing: in a channel, or in someone's direct messages."""

    channel_id: str
    ts: str


@dataclass(frozen=True)
class Subject:
    """What was reported, as the people deciding need to see it, and every message the app showed it in."""

    kind: Kind
    subject_id: int
    team_id: str
    author_id: str
    channel_id: str
    title: str  # a title, or the first words: for "your share “…”"
    words: str  # what it says, for champions and admins to judge (plain text)
    messages: tuple[Where, ...]
    hidden: bool


@dataclass(frozen=True)
class ConcernRecord:
    id: int
    team_id: str
    kind: Kind
    subject_id: int
    author_id: str
    channel_id: str
    reported_by: str
    reported_at: dt.datetime
    status: Status
    decided_by: str | None
    decided_at: dt.datetime | None
    subject_deleted_at: dt.datetime | None = None  # what was reported has since been deleted

    @property
    def subject(self) -> str:
        """How the audit trail names what was reported: "share:12", "agreement:3"."""
        return f"{self.kind}:{self.subject_id}"


@dataclass(frozen=True)
class Notice:
    user_id: str
    channel_id: str
    ts: str


def get_subject(session: Session, *, team_id: str, kind: Kind, subject_id: int) -> Subject | None:
    """The reported thing as it stands, or None when it is gone."""
    if kind is Kind.SHARE:
        share = ss.get_share(session, team_id=team_id, share_id=subject_id)
        if share is None:
            return None
        return Subject(
            kind=kind,
            subject_id=subject_id,
            team_id=team_id,
            author_id=share.author_id,
            channel_id=share.channel_id,
            title=share.title or share.body,
            words=_joined(share.title, share.body, share.impact, share.link),
            messages=_where(share.channel_id, share.message_ts),
            hidden=share.hidden,
        )
    if kind is Kind.REQUEST:
        request = rs.get_request(session, team_id=team_id, request_id=subject_id)
        if request is None:
            return None
        return Subject(
            kind=kind,
            subject_id=subject_id,
            team_id=team_id,
            author_id=request.requester_id,
            channel_id=request.channel_id,
            title=request.body,
            words=request.body,
            messages=_where(request.channel_id, request.message_ts),
            hidden=request.hidden,
        )
    if kind is Kind.AGREEMENT:
        agreement = ags.get_agreement(session, team_id=team_id, number=subject_id)
        if agreement is None:
            return None
        organisations = [
            ", ".join(filter(None, (p.organisation, p.contact))) for p in agreement.parties if not p.user_id
        ]
        return Subject(
            kind=kind,
            subject_id=subject_id,
            team_id=team_id,
            author_id=agreement.created_by,
            channel_id=agreement.channel_id,
            title=agreement.title,
            words=_joined(
                agreement.title,
                *organisations,
                *(party.responsibility for party in agreement.parties),
                agreement.comms_internal,
                agreement.comms_external,
                agreement.recognition,
            ),
            messages=_where(agreement.channel_id, agreement.message_ts),
            hidden=agreement.hidden,
        )
    meetup = ms.get_meetup(session, team_id=team_id, meetup_id=subject_id)
    if meetup is None:
        return None
    copies = ms.list_meetup_copies(session, team_id=team_id, meetup_id=subject_id)
    return Subject(
        kind=kind,
        subject_id=subject_id,
        team_id=team_id,
        author_id=meetup.created_by,
        channel_id=meetup.channel_id,
        title=meetup.title,
        words=_joined(meetup.title, meetup.place, meetup.about),
        messages=tuple(Where(copy.channel_id, copy.message_ts) for copy in copies if copy.message_ts),
        hidden=meetup.hidden,
    )


def report_concern(
    session: Session, *, team_id: str, kind: Kind, subject_id: int, reported_by: str, now: dt.datetime
) -> tuple[ConcernRecord, bool] | None:
    """Report a concern and hide the thing; (the concern, True). When it is already reported and not yet decided,
    (that concern, False) and nothing changes; None when the thing is gone."""
    subject = get_subject(session, team_id=team_id, kind=kind, subject_id=subject_id)
    if subject is None:
        return None
    if (already := _open(session, team_id, kind, subject_id)) is not None:
        return _record(already), False
    concern = Concern(
        team_id=team_id,
        kind=kind,
        subject_id=subject_id,
        author_id=subject.author_id,
        channel_id=subject.channel_id,
        reported_by=reported_by,
        reported_at=now,
        status=Status.OPEN,
    )
    try:
        with session.begin_nested():
            session.add(concern)
            session.flush()
    except IntegrityError:  # someone else reported it at the same moment: theirs stands
        if (already := _open(session, team_id, kind, subject_id)) is None:
            raise
        return _record(already), False
    _set_hidden(session, subject, now)
    return _record(concern), True


def get_concern(session: Session, *, team_id: str, concern_id: int) -> ConcernRecord | None:
    concern = _row(session, team_id, concern_id)
    return _record(concern) if concern else None


def decide_concern(
    session: Session, *, team_id: str, concern_id: int, decision: Status, decided_by: str, now: dt.datetime
) -> tuple[ConcernRecord, bool] | None:
    """Restore the thing (shown again) or remove it (deleted, with everything that hangs off it); (the concern,
    True). A concern already decided is left as it was: (it, False). None when there is no such concern.

    The caller reads the thing's messages (get_subject) first, in the same transaction, to remove them from Slack.
    """
    if decision is Status.OPEN:
        raise ValueError("a decision restores or removes")
    concern = _row(session, team_id, concern_id, for_update=True)
    if concern is None:
        return None
    if concern.status != Status.OPEN:
        return _record(concern), False
    subject = get_subject(session, team_id=team_id, kind=Kind(concern.kind), subject_id=concern.subject_id)
    if subject is None:  # deleted meanwhile, by a path that did not say so: nothing left to decide about
        concern.status, concern.subject_deleted_at = Status.GONE, now
        session.flush()
        return _record(concern), False
    if decision is Status.RESTORED:
        _set_hidden(session, subject, None)
    else:
        _delete(session, subject)
        concern.subject_deleted_at = now
    concern.status, concern.decided_by, concern.decided_at = decision, decided_by, now
    session.flush()
    return _record(concern), True


def forget_subjects(
    session: Session, *, team_id: str, kind: Kind, subject_ids: Sequence[int], now: dt.datetime
) -> list[int]:
    """Record that these things were deleted (their author erased, their retention period over): every concern about
    them keeps its kind, where, when, who and what was decided, and says so; one still open becomes GONE. The ids of
    the concerns changed, so the messages telling champions and admins can be shown again without the words."""
    changed: list[int] = []
    ids = sorted(set(subject_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = session.scalars(
            select(Concern).where(
                Concern.team_id == team_id,
                Concern.kind == kind,
                Concern.subject_id.in_(chunk),
                Concern.subject_deleted_at.is_(None),
            )
        )
        for concern in rows:
            concern.subject_deleted_at = now
            if concern.status == Status.OPEN:
                concern.status = Status.GONE
            changed.append(concern.id)
    session.flush()
    return sorted(changed)


def concerns_naming(session: Session, *, team_id: str, user_id: str) -> list[int]:
    """Concerns whose messages name this person: as the author of what was reported, who reported it, or who
    decided."""
    return list(
        session.scalars(
            select(Concern.id)
            .where(
                Concern.team_id == team_id,
                or_(Concern.author_id == user_id, Concern.reported_by == user_id, Concern.decided_by == user_id),
            )
            .order_by(Concern.id)
        )
    )


def forget_concerns(session: Session, *, team_id: str, before: dt.datetime) -> int:
    """Delete a workspace's concerns reported before a moment (kept as long as the audit trail), with their notices;
    how many concerns."""
    ids = list(session.scalars(select(Concern.id).where(Concern.team_id == team_id, Concern.reported_at < before)))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        session.execute(delete(ConcernNotice).where(ConcernNotice.concern_id.in_(chunk)))
        session.execute(delete(Concern).where(Concern.id.in_(chunk)))
    return len(ids)


def add_notice(session: Session, *, team_id: str, concern_id: int, user_id: str, channel_id: str, ts: str) -> None:
    """Remember the direct message telling someone about a concern (once per person)."""
    known = session.scalar(
        select(ConcernNotice.id).where(ConcernNotice.concern_id == concern_id, ConcernNotice.user_id == user_id)
    )
    if known is None:
        session.add(
            ConcernNotice(team_id=team_id, concern_id=concern_id, user_id=user_id, channel_id=channel_id, message_ts=ts)
        )
        session.flush()


def list_notices(session: Session, *, team_id: str, concern_id: int) -> list[Notice]:
    rows = session.scalars(
        select(ConcernNotice)
        .where(ConcernNotice.team_id == team_id, ConcernNotice.concern_id == concern_id)
        .order_by(ConcernNotice.id)
    )
    return [Notice(row.user_id, row.channel_id, row.message_ts) for row in rows]


# ---- helpers -------------------------------------------------------------------------------------------------


def _joined(*parts: str | None) -> str:
    return "\n\n".join(part for part in parts if part)


def _where(channel_id: str, ts: str | None) -> tuple[Where, ...]:
    return (Where(channel_id, ts),) if ts else ()


def _set_hidden(session: Session, subject: Subject, hidden_at: dt.datetime | None) -> None:
    team_id, subject_id = subject.team_id, subject.subject_id
    if subject.kind is Kind.SHARE:
        ss.set_share_hidden(session, team_id=team_id, share_id=subject_id, hidden_at=hidden_at)
    elif subject.kind is Kind.REQUEST:
        rs.set_request_hidden(session, team_id=team_id, request_id=subject_id, hidden_at=hidden_at)
    elif subject.kind is Kind.AGREEMENT:
        ags.set_agreement_hidden(session, team_id=team_id, number=subject_id, hidden_at=hidden_at)
    else:
        ms.set_meetup_hidden(session, team_id=team_id, meetup_id=subject_id, hidden_at=hidden_at)


def _delete(session: Session, subject: Subject) -> None:
    team_id, subject_id = subject.team_id, subject.subject_id
    if subject.kind is Kind.SHARE:
        ss.delete_share(session, team_id=team_id, share_id=subject_id)
    elif subject.kind is Kind.REQUEST:
        rs.delete_request(session, team_id=team_id, request_id=subject_id)
    elif subject.kind is Kind.AGREEMENT:
        ags.delete_agreement(session, team_id=team_id, number=subject_id)
    else:
        ms.delete_meetup(session, team_id=team_id, meetup_id=subject_id)


def _open(session: Session, team_id: str, kind: Kind, subject_id: int) -> Concern | None:
    return session.scalar(
        select(Concern).where(
            Concern.team_id == team_id,
            Concern.kind == kind,
            Concern.subject_id == subject_id,
            Concern.status == Status.OPEN,
        )
    )


def _row(session: Session, team_id: str, concern_id: int, *, for_update: bool = False) -> Concern | None:
    query = select(Concern).where(Concern.team_id == team_id, Concern.id == concern_id)
    return session.scalar(query.with_for_update() if for_update else query)


def _record(concern: Concern) -> ConcernRecord:
    return ConcernRecord(
        id=concern.id,
        team_id=concern.team_id,
        kind=Kind(concern.kind),
        subject_id=concern.subject_id,
        author_id=concern.author_id,
        channel_id=concern.channel_id,
        reported_by=concern.reported_by,
        reported_at=concern.reported_at,
        status=Status(concern.status),
        decided_by=concern.decided_by,
        decided_at=concern.decided_at,
        subject_deleted_at=concern.subject_deleted_at,
    )
