"""Agreements, their parties, versions and reviews. Query functions: `verb_noun(session, *, ...)`; they add
and flush, never commit, never call Slack. Records handed out are domain.agreements' plain dataclasses."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from domain.agreement_document import snapshot
from domain.agreements import (
    AGREED,
    DRAFT,
    ENDED,
    AgreementRecord,
    Organisation,
    Party,
    Review,
    ReviewDue,
    Terms,
    Version,
)
from storage.models import Agreement, AgreementParty, AgreementReview, AgreementVersion

NUMBER_ATTEMPTS = 10


class Confirmation(StrEnum):
    CONFIRMED = "confirmed"  # and others are still to confirm
    AGREED = "agreed"  # this confirmation was the last one needed
    ALREADY = "already"
    STALE = "stale"  # the button was for an earlier version
    NOT_PARTY = "not_party"
    ENDED = "ended"


def add_agreement(
    session: Session,
    *,
    team_id: str,
    created_by: str,
    title: str,
    channel_id: str,
    user_ids: Sequence[str],
    organisations: Sequence[Organisation],
    terms: Terms,
    now: dt.datetime,
) -> AgreementRecord:
    """Save a new agreement as version 1, numbered next in its workspace; its creator, if a party, confirms it.

    Two people saving at once may pick the same number: the unique (team, number) constraint refuses one,
    which then takes the next number (each attempt in a savepoint, so the transaction carries on).
    """
    for _ in range(NUMBER_ATTEMPTS):
        number = (session.scalar(select(func.max(Agreement.number)).where(Agreement.team_id == team_id)) or 0) + 1
        agreement = Agreement(
            team_id=team_id,
            number=number,
            title=title,
            channel_id=channel_id,
            created_by=created_by,
            status=DRAFT,
            version=1,
            start_date=terms.start_date,
            end_date=terms.end_date,
            comms_internal=terms.comms_internal,
            comms_external=terms.comms_external,
            recognition=terms.recognition,
            review_every_days=terms.review_every_days,
            next_review=terms.review_date,
            created_at=now,
            updated_at=now,
        )
        try:
            with session.begin_nested():
                session.add(agreement)
                session.flush()
            break
        except IntegrityError:
            continue
    else:
        raise RuntimeError(f"could not number a new agreement in {team_id} after {NUMBER_ATTEMPTS} attempts")
    parties = [Party(user_id=user_id) for user_id in user_ids]
    parties += [Party(organisation=org.name, contact=org.contact) for org in organisations]
    for position, (party, responsibility) in enumerate(zip(parties, terms.responsibilities, strict=True)):
        mine = party.user_id == created_by
        agreement.parties.append(
            AgreementParty(
                team_id=team_id,
                position=position,
                user_id=party.user_id,
                organisation=party.organisation,
                contact=party.contact,
                responsibility=responsibility,
                confirmed_version=1 if mine else None,
                confirmed_at=now if mine else None,
            )
        )
    _settle_status(agreement)
    session.flush()
    _add_version(session, agreement, changed_by=created_by, note=None, now=now)
    return _record(session, agreement)


def get_agreement(
    session: Session, *, team_id: str, number: int, for_update: bool = False, versions: bool = False
) -> AgreementRecord | None:
    """The workspace's agreement with this number, with its reviews (and, with `versions`, every version).

    With `for_update` the row is locked until the transaction ends (PostgreSQL; SQLite's writers take turns
    anyway), so two confirmations or reviews at once are applied one after the other.
    """
    agreement = _row(session, team_id, number, for_update=for_update)
    return _record(session, agreement, versions=versions) if agreement else None


def list_party_agreements(session: Session, *, team_id: str, user_id: str, limit: int = 20) -> list[AgreementRecord]:
    """Agreements this person is a party to, newest first."""
    mine = select(AgreementParty.agreement_id).where(
        AgreementParty.team_id == team_id, AgreementParty.user_id == user_id
    )
    found = session.scalars(
        select(Agreement)
        .where(Agreement.team_id == team_id, Agreement.id.in_(mine))
        .order_by(Agreement.number.desc())
        .limit(limit)
        .options(selectinload(Agreement.parties))
    )
    return [_record(session, agreement, reviews=False) for agreement in found]


def confirm_agreement(
    session: Session, *, team_id: str, number: int, user_id: str, version: int, now: dt.datetime
) -> Confirmation | None:
    """Someone confirms the version they were shown; None when the agreement is not there."""
    agreement = _row(session, team_id, number, for_update=True)
    if agreement is None:
        return None
    party = next((p for p in agreement.parties if p.user_id == user_id), None)
    if party is None:
        return Confirmation.NOT_PARTY
    if agreement.status == ENDED:
        return Confirmation.ENDED
    if version != agreement.version:
        return Confirmation.STALE
    if party.confirmed_version == agreement.version:
        return Confirmation.ALREADY
    party.confirmed_version, party.confirmed_at = agreement.version, now
    _settle_status(agreement)
    agreement.updated_at = now
    session.flush()
    return Confirmation.AGREED if agreement.status == AGREED else Confirmation.CONFIRMED


def change_agreement(
    session: Session, *, team_id: str, number: int, user_id: str, terms: Terms, note: str, now: dt.datetime
) -> None:
    """A new version: back to draft, confirmed only by the person who proposed it; earlier versions are kept."""
    agreement = _row(session, team_id, number, for_update=True)
    if agreement is None:
        raise LookupError(f"no agreement #{number} in {team_id}")
    # check_terms, which the change form passed before this is called, requires all three.
    assert terms.start_date is not None and terms.end_date is not None and terms.review_every_days is not None
    agreement.version += 1
    agreement.start_date, agreement.end_date = terms.start_date, terms.end_date
    agreement.comms_internal, agreement.comms_external = terms.comms_internal, terms.comms_external
    agreement.recognition, agreement.review_every_days = terms.recognition, terms.review_every_days
    agreement.next_review, agreement.updated_at = terms.review_date, now
    for party, responsibility in zip(agreement.parties, terms.responsibilities, strict=True):
        party.responsibility = responsibility
        mine = party.user_id == user_id
        party.confirmed_version = agreement.version if mine else None
        party.confirmed_at = now if mine else None
    _settle_status(agreement)
    session.flush()
    _add_version(session, agreement, changed_by=user_id, note=note, now=now)


def record_review(
    session: Session,
    *,
    team_id: str,
    number: int,
    review_date: dt.date,
    outcome: str,
    achieved: str,
    credited: str,
    credit_note: str | None,
    next_review: dt.date | None,
    user_id: str,
    now: dt.datetime,
) -> None:
    """Record the review for a date; the next review moves on (so that date's nudges stop), or it ends."""
    agreement = _row(session, team_id, number, for_update=True)
    if agreement is None:
        raise LookupError(f"no agreement #{number} in {team_id}")
    review = AgreementReview(
        team_id=agreement.team_id,
        agreement_id=agreement.id,
        review_date=review_date,
        outcome=outcome,
        achieved=achieved,
        credited=credited,
        credit_note=credit_note,
        next_review=None if outcome == ENDED else next_review,
        recorded_by=user_id,
        recorded_at=now,
    )
    session.add(review)
    agreement.next_review, agreement.updated_at = review.next_review, now
    if outcome == ENDED:
        agreement.status = ENDED
    session.flush()


def record_agreement_posted(session: Session, *, team_id: str, number: int, ts: str, permalink: str | None) -> None:
    """Remember where the agreement's summary is, so it can be kept up to date."""
    agreement = _row(session, team_id, number)
    if agreement is not None:
        agreement.message_ts, agreement.permalink = ts, permalink
        session.flush()


def set_agreement_hidden(session: Session, *, team_id: str, number: int, hidden_at: dt.datetime | None) -> bool:
    """Hide an agreement while a concern about it is reviewed (a moment), or show it again (None); False if it is
    gone."""
    agreement = _row(session, team_id, number)
    if agreement is None:
        return False
    agreement.hidden_at = hidden_at
    session.flush()
    return True


def delete_agreement(session: Session, *, team_id: str, number: int) -> bool:
    """Delete an agreement with its parties, versions and reviews; False if it was not there."""
    agreement = _row(session, team_id, number)
    if agreement is None:
        return False
    session.delete(agreement)
    session.flush()
    return True


def agreed_reviews_by(session: Session, *, day: dt.date) -> list[AgreementRecord]:
    """Agreed agreements, in every workspace, whose next review is on or before a day (nudges look 3 days ahead)."""
    found = session.scalars(
        select(Agreement)
        .where(
            Agreement.status == AGREED,
            Agreement.next_review.is_not(None),
            Agreement.next_review <= day,
            Agreement.hidden_at.is_(None),  # no nudges about an agreement hidden while a concern is reviewed
        )
        .order_by(Agreement.id)
        .options(selectinload(Agreement.parties))
    )
    return [_record(session, agreement, reviews=False) for agreement in found]


def reviews_due(
    session: Session,
    *,
    team_id: str,
    now: dt.datetime,
    tz: ZoneInfo,
    within_days: int = 7,
    channel_id: str | None = None,
) -> list[ReviewDue]:
    """Agreed agreements whose next review is within `within_days` of today (local), or overdue; soonest first.
    With `channel_id`, only the agreements posted in that channel."""
    until = now.astimezone(tz).date() + dt.timedelta(days=within_days)
    in_channel = () if channel_id is None else (Agreement.channel_id == channel_id,)
    found = session.scalars(
        select(Agreement)
        .where(
            Agreement.team_id == team_id,
            Agreement.status == AGREED,
            Agreement.next_review.is_not(None),
            Agreement.next_review <= until,
            Agreement.hidden_at.is_(None),
            *in_channel,
        )
        .order_by(Agreement.next_review, Agreement.number)
        .options(selectinload(Agreement.parties))
    )
    # The query leaves out agreements without a next review; the check only tells the type checker so.
    return [ReviewDue(a.number, a.title, a.next_review, _parties(a)) for a in found if a.next_review is not None]


def _row(session: Session, team_id: str, number: int, *, for_update: bool = False) -> Agreement | None:
    query = select(Agreement).where(Agreement.team_id == team_id, Agreement.number == number)
    if for_update:
        query = query.with_for_update()
    return session.scalar(query.options(selectinload(Agreement.parties)))


def _record(session: Session, agreement: Agreement, *, reviews: bool = True, versions: bool = False) -> AgreementRecord:
    """The agreement as a plain record; with its reviews (for the summary), and versions (for show and export)."""
    return AgreementRecord(
        id=agreement.id,
        team_id=agreement.team_id,
        number=agreement.number,
        title=agreement.title,
        channel_id=agreement.channel_id,
        created_by=agreement.created_by,
        status=agreement.status,
        version=agreement.version,
        start_date=agreement.start_date,
        end_date=agreement.end_date,
        comms_internal=agreement.comms_internal,
        comms_external=agreement.comms_external,
        recognition=agreement.recognition,
        review_every_days=agreement.review_every_days,
        next_review=agreement.next_review,
        parties=_parties(agreement),
        created_at=agreement.created_at,
        message_ts=agreement.message_ts,
        permalink=agreement.permalink,
        reviews=_reviews(session, agreement.id) if reviews else (),
        versions=_versions(session, agreement.id) if versions else (),
        hidden=agreement.hidden_at is not None,
    )


def _parties(agreement: Agreement) -> tuple[Party, ...]:
    return tuple(
        Party(
            user_id=p.user_id,
            organisation=p.organisation,
            contact=p.contact,
            responsibility=p.responsibility,
            confirmed=p.confirmed_version == agreement.version,
        )
        for p in agreement.parties
    )


def _reviews(session: Session, agreement_id: int) -> tuple[Review, ...]:
    rows = session.scalars(
        select(AgreementReview)
        .where(AgreementReview.agreement_id == agreement_id)
        .order_by(AgreementReview.recorded_at, AgreementReview.id)
    )
    return tuple(
        Review(
            r.review_date, r.outcome, r.achieved, r.credited, r.credit_note, r.next_review, r.recorded_by, r.recorded_at
        )
        for r in rows
    )


def _versions(session: Session, agreement_id: int) -> tuple[Version, ...]:
    rows = session.scalars(
        select(AgreementVersion).where(AgreementVersion.agreement_id == agreement_id).order_by(AgreementVersion.version)
    )
    return tuple(Version(v.version, v.changed_by, v.note, v.created_at, json.loads(v.snapshot)) for v in rows)


def _settle_status(agreement: Agreement) -> None:
    """Agreed once every Slack party has confirmed the current version; draft until then."""
    if agreement.status == ENDED:
        return
    everyone = all(p.confirmed_version == agreement.version for p in agreement.parties if p.user_id)
    agreement.status = AGREED if everyone else DRAFT


def _add_version(
    session: Session, agreement: Agreement, *, changed_by: str, note: str | None, now: dt.datetime
) -> None:
    record = _record(session, agreement, reviews=False)
    session.add(
        AgreementVersion(
            team_id=agreement.team_id,
            agreement_id=agreement.id,
            version=agreement.version,
            snapshot=json.dumps(snapshot(record)),
            changed_by=changed_by,
            note=note,
            created_at=now,
        )
    )
    session.flush()
