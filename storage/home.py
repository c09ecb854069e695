"""The Home tab's reads and its visits: who has opened it (and how often), and one person's HomeSnapshot.

`home_snapshot` reads in a fixed set of queries however large the workspace: six for anyone (who they are, their
requests, the offers on them, what they offered on, their agreements, their events), six more for champions and
leaders (unanswered requests and how many, overdue reviews, undelivered digests, paused digests, the last four
weeks' counts).
Each is bounded by an index on the workspace and the person (migration 0014), and each statement is built once,
here, with bound parameters: composing a tab is mostly the database's time, not Python's. Query functions: they
never commit and never call Slack.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BindParameter, and_, bindparam, exists, func, select, union
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain import home as h
from domain.agreements import AGREED, DRAFT
from domain.meetups import GOING, INTERESTED
from storage import ledger
from storage.models import (
    Agreement,
    AgreementParty,
    CollabOffer,
    CollabRequest,
    DigestSubscription,
    Highlight,
    HomeVisit,
    Meetup,
    MeetupPost,
    MeetupRsvp,
    Role,
    Share,
    TagFollow,
)
from storage.requests import OPEN, RESOLVED

CHAMPION, LEADER = "champion", "leader"


def record_home_opened(session: Session, *, team_id: str, user_id: str, now: dt.datetime) -> int:
    """Note that someone opened their Home tab; how many times they have now (1: this is their first visit)."""
    visit = session.get(HomeVisit, (team_id, user_id))
    if visit is None:
        try:
            with session.begin_nested():
                session.add(
                    HomeVisit(team_id=team_id, user_id=user_id, visits=1, first_opened_at=now, last_opened_at=now)
                )
            return 1
        except IntegrityError:  # the same person's two tabs at once: the other one was first
            visit = session.get(HomeVisit, (team_id, user_id), populate_existing=True)
            assert visit is not None
    visit.visits += 1
    visit.last_opened_at = now
    session.flush()
    return visit.visits


def home_visitors(session: Session, *, team_id: str, user_ids: Sequence[str]) -> list[str]:
    """Those of these people who have opened their Home tab before (the only ones whose tab is kept fresh)."""
    if not user_ids:
        return []
    found = set(
        session.scalars(select(HomeVisit.user_id).where(HomeVisit.team_id == team_id, HomeVisit.user_id.in_(user_ids)))
    )
    return [user_id for user_id in dict.fromkeys(user_ids) if user_id in found]


# ---- the statements, built once ---------------------------------------------------------------------------------

_TEAM: BindParameter[str] = bindparam("team_id")
_USER: BindParameter[str] = bindparam("user_id")
_LIMIT: BindParameter[int] = bindparam("limit")


def _role(role: str) -> Any:
    return exists().where(Role.team_id == _TEAM, Role.user_id == _USER, Role.role == role)


_WHO = select(
    select(HomeVisit.visits).where(HomeVisit.team_id == _TEAM, HomeVisit.user_id == _USER).scalar_subquery(),
    _role(CHAMPION),
    _role(LEADER),
    select(func.aggregate_strings(TagFollow.tag, " "))
    .where(TagFollow.team_id == _TEAM, TagFollow.user_id == _USER)
    .scalar_subquery(),
)

_MY_REQUESTS = (
    select(
        CollabRequest.id,
        CollabRequest.body,
        CollabRequest.created_at,
        CollabRequest.needed_by,
        CollabRequest.permalink,
        func.count().over(),
    )
    .where(
        CollabRequest.team_id == _TEAM,
        CollabRequest.requester_id == _USER,
        CollabRequest.status == OPEN,
        CollabRequest.hidden_at.is_(None),
    )
    .order_by(CollabRequest.created_at.desc(), CollabRequest.id.desc())
    .limit(_LIMIT)
)

_OFFERERS = (
    select(CollabOffer.request_id, CollabOffer.user_id)
    .where(CollabOffer.request_id.in_(bindparam("ids", expanding=True)))
    .order_by(CollabOffer.id)
)

_OFFERED = (
    select(
        CollabRequest.id,
        CollabRequest.requester_id,
        CollabRequest.body,
        CollabRequest.status,
        CollabRequest.permalink,
        func.count().over(),
    )
    .join(CollabOffer, CollabOffer.request_id == CollabRequest.id)
    .where(CollabOffer.team_id == _TEAM, CollabOffer.user_id == _USER, CollabRequest.hidden_at.is_(None))
    .order_by(CollabOffer.created_at.desc(), CollabOffer.id.desc())
    .limit(_LIMIT)
)

_AGREEMENTS = (
    select(
        Agreement.number,
        Agreement.title,
        Agreement.status,
        Agreement.next_review,
        Agreement.permalink,
        func.count().over(),
    )
    .where(
        Agreement.team_id == _TEAM,
        Agreement.id.in_(
            select(AgreementParty.agreement_id).where(AgreementParty.team_id == _TEAM, AgreementParty.user_id == _USER)
        ),
        Agreement.status.in_((DRAFT, AGREED)),
        Agreement.hidden_at.is_(None),
    )
    .order_by(Agreement.next_review.is_(None), Agreement.next_review, Agreement.number)
    .limit(_LIMIT)
)

_MEETUPS = (
    select(
        Meetup.id,
        Meetup.title,
        Meetup.starts_at,
        Meetup.place,
        select(MeetupRsvp.answer)
        .where(MeetupRsvp.meetup_id == Meetup.id, MeetupRsvp.user_id == _USER)
        .correlate(Meetup)
        .scalar_subquery(),
        exists().where(
            MeetupPost.meetup_id == Meetup.id, MeetupPost.team_id == _TEAM, MeetupPost.invited_user == _USER
        ),
        select(func.min(MeetupPost.permalink))
        .where(
            and_(
                MeetupPost.meetup_id == Meetup.id,
                MeetupPost.channel_id == Meetup.channel_id,
                MeetupPost.invited_user.is_(None),
            )
        )
        .correlate(Meetup)
        .scalar_subquery(),
        func.count().over(),
    )
    .where(
        Meetup.team_id == _TEAM,
        Meetup.starts_at > bindparam("now"),
        Meetup.hidden_at.is_(None),
        Meetup.id.in_(  # the person's events first, by their own indexes: invited, or answered
            union(
                select(MeetupPost.meetup_id).where(MeetupPost.team_id == _TEAM, MeetupPost.invited_user == _USER),
                select(MeetupRsvp.meetup_id).where(
                    MeetupRsvp.team_id == _TEAM, MeetupRsvp.user_id == _USER, MeetupRsvp.answer.in_((GOING, INTERESTED))
                ),
            )
        ),
    )
    .order_by(Meetup.starts_at, Meetup.id)
    .limit(_LIMIT)
)

_WAITING = (
    select(
        CollabRequest.id,
        CollabRequest.requester_id,
        CollabRequest.body,
        CollabRequest.created_at,
        CollabRequest.permalink,
    )
    .where(
        CollabRequest.team_id == _TEAM,
        CollabRequest.status == OPEN,
        CollabRequest.hidden_at.is_(None),
        CollabRequest.created_at < bindparam("before"),
        ~exists().where(CollabOffer.request_id == CollabRequest.id),
    )
    .order_by(CollabRequest.created_at, CollabRequest.id)
)
_UNANSWERED = _WAITING.limit(_LIMIT)
_UNANSWERED_COUNT = select(func.count()).select_from(_WAITING.limit(h.COUNT_UP_TO + 1).subquery())

_OVERDUE = (
    select(Agreement.number, Agreement.title, Agreement.next_review, func.count().over())
    .where(
        Agreement.team_id == _TEAM,
        Agreement.status == AGREED,
        Agreement.hidden_at.is_(None),
        Agreement.next_review < bindparam("today"),
    )
    .order_by(Agreement.next_review, Agreement.number)
    .limit(_LIMIT)
)

_PAUSED = (  # digests the app paused because Slack refused them for good; a person's "off" leaves no reason
    select(
        DigestSubscription.channel_id,
        DigestSubscription.disabled_reason,
        DigestSubscription.updated_at,
        DigestSubscription.schedule,
    )
    .where(
        DigestSubscription.team_id == _TEAM,
        DigestSubscription.active.is_(False),
        DigestSubscription.disabled_reason.is_not(None),
    )
    .order_by(DigestSubscription.updated_at.desc(), DigestSubscription.id.desc())
    .limit(_LIMIT)
)


def _counted(model: Any, *where: Any) -> Any:
    return select(func.count()).select_from(model).where(*where).scalar_subquery()


_SINCE: BindParameter[dt.datetime] = bindparam("since")
_NOW: BindParameter[dt.datetime] = bindparam("now")
_RECENT = select(  # the last four weeks in one query: a count for each kind of thing, each by its own index
    _counted(Share, Share.team_id == _TEAM, Share.created_at > _SINCE),
    _counted(
        CollabRequest,
        CollabRequest.team_id == _TEAM,
        CollabRequest.status.in_((OPEN, RESOLVED)),  # so the (team, status, created) index counts them
        CollabRequest.created_at > _SINCE,
    ),
    _counted(CollabOffer, CollabOffer.team_id == _TEAM, CollabOffer.created_at > _SINCE),
    _counted(CollabRequest, CollabRequest.team_id == _TEAM, CollabRequest.resolved_at > _SINCE),
    _counted(Highlight, Highlight.team_id == _TEAM, Highlight.created_at > _SINCE),
    _counted(Agreement, Agreement.team_id == _TEAM, Agreement.created_at > _SINCE),
    _counted(Meetup, Meetup.team_id == _TEAM, Meetup.starts_at > _SINCE, Meetup.starts_at <= _NOW),
)


# ---- one person's tab --------------------------------------------------------------------------------------------


def home_snapshot(
    session: Session, *, team_id: str, user_id: str, now: dt.datetime, tz: ZoneInfo, limit: int = h.LIST_LIMIT
) -> h.HomeSnapshot:
    """Everything one person's Home tab shows."""
    mine = {"team_id": team_id, "user_id": user_id, "limit": limit}
    visits, champion, leader, follows = session.execute(_WHO, mine).one()
    role = CHAMPION if champion else LEADER if leader else None
    return h.HomeSnapshot(
        user_id=user_id,
        first_visit=(visits or 0) <= 1,
        role=role,
        requests=_my_requests(session, mine),
        offered=_offered(session, mine),
        agreements=_agreements(session, mine),
        meetups=_meetups(session, mine | {"now": now}),
        follows=tuple(sorted((follows or "").split())),
        attention=_attention(session, team_id, now, now.astimezone(tz).date()) if role else None,
        recent=_recent(session, team_id, now) if role else None,
    )


def _total(rows: Sequence[Any]) -> int:
    """How many matched beyond the rows fetched (each row carries the total, count(*) OVER (), last)."""
    return rows[0][-1] - len(rows) if rows else 0


def _my_requests(session: Session, params: dict) -> h.Counted[h.MyRequest]:
    rows = session.execute(_MY_REQUESTS, params).all()
    offerers: dict[int, list[str]] = {}
    if rows:
        for request_id, offerer in session.execute(_OFFERERS, {"ids": [row.id for row in rows]}):
            offerers.setdefault(request_id, []).append(offerer)
    items = tuple(
        h.MyRequest(id, body, created_at, needed_by, permalink, tuple(offerers.get(id, ())))
        for id, body, created_at, needed_by, permalink, _ in rows
    )
    return h.Counted(items, _total(rows))


def _offered(session: Session, params: dict) -> h.Counted[h.OfferedRequest]:
    rows = session.execute(_OFFERED, params).all()
    items = tuple(
        h.OfferedRequest(id, requester_id, body, status == RESOLVED, permalink)
        for id, requester_id, body, status, permalink, _ in rows
    )
    return h.Counted(items, _total(rows))


def _agreements(session: Session, params: dict) -> h.Counted[h.MyAgreement]:
    rows = session.execute(_AGREEMENTS, params).all()
    items = tuple(h.MyAgreement(*row[:-1]) for row in rows)
    return h.Counted(items, _total(rows))


def _meetups(session: Session, params: dict) -> h.Counted[h.MyMeetup]:
    rows = session.execute(_MEETUPS, params).all()
    items = tuple(
        h.MyMeetup(id, title, starts_at, place, answer, bool(invited), permalink)
        for id, title, starts_at, place, answer, invited, permalink, _ in rows
    )
    return h.Counted(items, _total(rows))


def _attention(session: Session, team_id: str, now: dt.datetime, today: dt.date) -> h.Attention:
    """Requests nobody has offered on (the oldest, and how many up to COUNT_UP_TO: a busy workspace may have
    hundreds, and counting them all would read every old open request), overdue reviews, and channels whose digest
    was not delivered lately or is paused."""
    params = {"team_id": team_id, "limit": h.ATTENTION_LIMIT, "before": now - h.UNANSWERED_AFTER}
    unanswered = session.execute(_UNANSWERED, params).all()
    counted = len(unanswered)
    if counted == h.ATTENTION_LIMIT:
        counted = session.scalar(_UNANSWERED_COUNT, params) or 0
    overdue = session.execute(_OVERDUE, {"team_id": team_id, "limit": h.ATTENTION_LIMIT, "today": today}).all()
    paused = {  # the most recently paused first
        row.channel_id: h.FailedDigest(*row)
        for row in session.execute(_PAUSED, {"team_id": team_id, "limit": h.ATTENTION_LIMIT})
    }
    failed = {  # each channel's latest failure (oldest first: the last one wins), unless it is paused now
        entry.target: h.FailedDigest(entry.target, entry.error or str(entry.status), entry.scheduled_for)
        for entry in ledger.undelivered(session, team_id=team_id, since=now - h.FAILED_DIGESTS_SINCE)
        if entry.target not in paused
    }
    return h.Attention(
        unanswered=tuple(h.Unanswered(*row) for row in unanswered),
        more_unanswered=max(0, min(counted, h.COUNT_UP_TO) - len(unanswered)),
        more_unanswered_past_count=counted > h.COUNT_UP_TO,
        overdue=tuple(h.OverdueReview(number, title, day) for number, title, day, _ in overdue if day is not None),
        more_overdue=_total(overdue),
        failed=tuple([*paused.values(), *failed.values()][: h.ATTENTION_LIMIT]),
    )


def _recent(session: Session, team_id: str, now: dt.datetime) -> h.RecentCounts:
    return h.RecentCounts(*session.execute(_RECENT, {"team_id": team_id, "since": now - h.RECENT, "now": now}).one())
