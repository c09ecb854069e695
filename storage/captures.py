"""Shares and requests captured from a message (the message shortcuts): which message, and whether its author
agreed to be credited.

A credit starts SELF (the person capturing wrote the message: credited at once), NONE (an app's message: nobody
to credit) or ASKED (its author is asked by direct message), and an answer moves ASKED to ACCEPTED or DECLINED
once. Until it is ACCEPTED (or SELF) nobody is named. Query functions: they never commit and never call Slack.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.db import count_changed
from storage.models import CollabRequest, MessageCredit, Share

SHARE, REQUEST = "share", "request"


class CreditStatus(StrEnum):
    SELF = "self"  # the message was the capturer's own
    ASKED = "asked"  # its author is asked, and has not answered
    ACCEPTED = "accepted"
    DECLINED = "declined"
    NONE = "none"  # nobody to credit (a bot's or an app's message)


CREDITED = (CreditStatus.SELF, CreditStatus.ACCEPTED)


@dataclass(frozen=True)
class Credit:
    id: int
    team_id: str
    kind: str  # "share" | "request"
    record_id: int
    captured_by: str
    source_author: str | None
    source_channel: str
    source_ts: str
    status: CreditStatus

    @property
    def credited(self) -> bool:
        return self.status in CREDITED


def add_credit(
    session: Session,
    *,
    team_id: str,
    kind: str,
    record_id: int,
    captured_by: str,
    source_author: str | None,
    source_channel: str,
    source_ts: str,
    now: dt.datetime,
) -> Credit:
    """Record where a new share or request came from, and whom to credit."""
    if source_author is None:
        status = CreditStatus.NONE
    elif source_author == captured_by:
        status = CreditStatus.SELF
    else:
        status = CreditStatus.ASKED
    row = MessageCredit(
        team_id=team_id,
        share_id=record_id if kind == SHARE else None,
        request_id=record_id if kind == REQUEST else None,
        captured_by=captured_by,
        source_author=source_author,
        source_channel=source_channel,
        source_ts=source_ts,
        status=status,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return _credit(row)


def get_credit(session: Session, *, team_id: str, credit_id: int) -> Credit | None:
    row = session.scalar(select(MessageCredit).where(MessageCredit.team_id == team_id, MessageCredit.id == credit_id))
    return _credit(row) if row else None


def credit_for(session: Session, *, team_id: str, kind: str, record_id: int) -> Credit | None:
    """The credit of a share or request captured from a message; None for one written in a form or command."""
    column = MessageCredit.share_id if kind == SHARE else MessageCredit.request_id
    row = session.scalar(select(MessageCredit).where(MessageCredit.team_id == team_id, column == record_id))
    return _credit(row) if row else None


def answer_credit(
    session: Session, *, team_id: str, credit_id: int, user_id: str, accepted: bool, now: dt.datetime
) -> bool:
    """The message's author agrees (or not) to be credited; False when it is not theirs to answer, or was answered."""
    status = CreditStatus.ACCEPTED if accepted else CreditStatus.DECLINED
    return bool(
        count_changed(
            session,
            update(MessageCredit)
            .where(
                MessageCredit.team_id == team_id,
                MessageCredit.id == credit_id,
                MessageCredit.source_author == user_id,
                MessageCredit.status == CreditStatus.ASKED,
            )
            .values(status=status, answered_at=now),
        )
    )


def record_source_link(session: Session, *, team_id: str, kind: str, record_id: int, link: str | None) -> None:
    """Keep the permalink of the message a share or request was captured from."""
    model = Share if kind == SHARE else CollabRequest
    session.execute(update(model).where(model.team_id == team_id, model.id == record_id).values(source_link=link))


def source_link_of(session: Session, *, team_id: str, kind: str, record_id: int) -> str | None:
    model = Share if kind == SHARE else CollabRequest
    return session.scalar(select(model.source_link).where(model.team_id == team_id, model.id == record_id))


def _credit(row: MessageCredit) -> Credit:
    return Credit(
        id=row.id,
        team_id=row.team_id,
        kind=SHARE if row.share_id is not None else REQUEST,
        record_id=row.share_id if row.share_id is not None else row.request_id or 0,
        captured_by=row.captured_by,
        source_author=row.source_author,
        source_channel=row.source_channel,
        source_ts=row.source_ts,
        status=CreditStatus(row.status),
    )
