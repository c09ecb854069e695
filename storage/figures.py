"""Figures per period, read from the database: each month's counts for the charts (domain.charts' MonthFigures), the
partner organisations credited (PartnerCredit), and the pieces storage.reports counts a quarter and a month with.

A period starts at local midnight in the workspace's zone and is compared as UTC. Counts per period come from one
statement per table over the workspace's (team_id, created_at) range, however many periods and rows: shares from
their index alone (the few hidden ones taken off through a partial index of their own), other tables in one pass
grouped by period. The days a request waited for its first offer are worked out by the database. What each figure
means is written in storage.reports.
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Float, Subquery, case, cast, extract, func, literal, select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from domain.agreements import DRAFT, ENDED
from domain.charts import MonthFigures, PartnerCredit
from domain.meetups import GOING
from domain.monthly import month_after
from domain.report_figures import line
from storage.models import Agreement, AgreementReview, CollabOffer, CollabRequest, Meetup, MeetupRsvp, Share

# ---- each month's figures -----------------------------------------------------------------------------------------


def month_figures(
    session: Session,
    *,
    team_id: str,
    months: Sequence[dt.date],
    tz: ZoneInfo,
    now: dt.datetime,
    upto: dt.date | None = None,
) -> list[MonthFigures]:
    """Each month's figures (months given by their first days, consecutive and in order). With `upto`, the last
    period runs to that day (exclusive) instead of the end of its month: a quarter is one period of three months."""
    if not months:
        return []
    days = [*months, upto or month_after(months[-1])]
    bounds = [local_bounds(day, day, tz)[0] for day in days]
    shares = _indexed_counts(session, Share.created_at, Share.team_id, team_id, bounds, Share.hidden_at.is_not(None))
    requests = _counts(session, CollabRequest.created_at, CollabRequest.team_id, team_id, bounds, _request_shown())
    offers = _counts(
        session, CollabOffer.created_at, CollabOffer.team_id, team_id, bounds, *_offer_shown(session, team_id)
    )
    resolved = _counts(session, CollabRequest.resolved_at, CollabRequest.team_id, team_id, bounds, _request_shown())
    waits = _waits(session, team_id, bounds)
    today = now.astimezone(tz).date()
    started, ended = [0] * len(months), [0] * len(months)
    for span in agreement_spans(session, team_id, days[-1] - dt.timedelta(days=1), today, tz):
        if (at := _day_bucket(span.start, days)) is not None:
            started[at] += 1
        if span.ended_on <= today and (at := _day_bucket(span.ended_on, days)) is not None:
            ended[at] += 1
    on_time, late = [0] * len(months), [0] * len(months)
    for review_date, recorded_at in _reviews(session, team_id, bounds[0], bounds[-1]):
        at = _bucket(recorded_at, bounds)
        if recorded_at.astimezone(tz).date() <= review_date:
            on_time[at] += 1
        else:
            late[at] += 1
    return [
        MonthFigures(
            month=first,
            shares=shares[i],
            requests=requests[i],
            offers=offers[i],
            resolved=resolved[i],
            median_days_to_help=round(statistics.median(waits[i]), 1) if waits[i] else None,
            agreements_started=started[i],
            agreements_ended=ended[i],
            reviews_on_time=on_time[i],
            reviews_late=late[i],
        )
        for i, first in enumerate(months)
    ]


def partner_credits(
    session: Session, *, team_id: str, first: dt.date, last: dt.date, tz: ZoneInfo, now: dt.datetime
) -> list[PartnerCredit]:
    """Organisations outside Slack credited in agreements active between two days (inclusive), most first."""
    spans = agreement_spans(session, team_id, last, now.astimezone(tz).date(), tz)
    return list(credits([span for span in spans if span.overlaps(first, last)]))


def last_months(this_month: dt.date, count: int) -> list[dt.date]:
    """The first days of `count` months ending with the month starting `this_month`, oldest first."""
    months = [this_month]
    while len(months) < count:
        months.insert(0, (months[0] - dt.timedelta(days=1)).replace(day=1))
    return months


# ---- shared pieces ----------------------------------------------------------------------------------------------


def local_bounds(first: dt.date, after: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """Local midnight at the start of `first` and of `after`, in UTC."""
    return (
        dt.datetime.combine(first, dt.time(), tzinfo=tz).astimezone(dt.UTC),
        dt.datetime.combine(after, dt.time(), tzinfo=tz).astimezone(dt.UTC),
    )


def _counts(
    session: Session,
    column: InstrumentedAttribute[dt.datetime] | InstrumentedAttribute[dt.datetime | None],
    team_column: InstrumentedAttribute[str],
    team_id: str,
    bounds: Sequence[dt.datetime],
    *where: ColumnElement[bool],
) -> list[int]:
    """How many rows of the workspace have `column` in each period [bounds[i], bounds[i + 1]): one query."""
    periods = len(bounds) - 1
    inside = (team_column == team_id, column >= bounds[0], column < bounds[-1], *where)
    if periods == 1:
        return [session.scalar(select(func.count()).where(*inside)) or 0]
    bucket = case(*[(column < bound, index) for index, bound in enumerate(bounds[1:-1])], else_=periods - 1)
    inner = select(bucket.label("bucket")).where(*inside).subquery()
    counted = [0] * periods
    for index, number in session.execute(select(inner.c.bucket, func.count()).group_by(inner.c.bucket)):
        counted[index] += number
    return counted


def _indexed_counts(
    session: Session,
    column: InstrumentedAttribute[dt.datetime],
    team_column: InstrumentedAttribute[str],
    team_id: str,
    bounds: Sequence[dt.datetime],
    hidden: ColumnElement[bool],
) -> list[int]:
    """Like _counts, for a column indexed after team_id: a count per period read from the index alone (one
    statement of scalar subqueries), less the few rows `hidden` (found through a partial index of their own)."""
    periods = [
        select(func.count()).where(team_column == team_id, column >= since, column < until).scalar_subquery()
        for since, until in itertools.pairwise(bounds)
    ]
    counted = [int(number) for number in session.execute(select(*periods)).one()]
    for moment in session.scalars(select(column).where(team_column == team_id, hidden)):  # by the partial index
        if bounds[0] <= moment < bounds[-1]:
            counted[_bucket(moment, bounds)] -= 1
    return counted


def _bucket(moment: dt.datetime, bounds: Sequence[dt.datetime]) -> int:
    return max(index for index, bound in enumerate(bounds[:-1]) if moment >= bound)


def _day_bucket(day: dt.date, days: Sequence[dt.date]) -> int | None:
    if not days[0] <= day < days[-1]:
        return None
    return max(index for index, first in enumerate(days[:-1]) if day >= first)


def _request_shown() -> ColumnElement[bool]:
    return CollabRequest.hidden_at.is_(None)


def _offer_shown(session: Session, team_id: str) -> list[ColumnElement[bool]]:
    """Offers on requests not hidden: the few hidden requests are read first, so counting needs no join."""
    hidden = list(
        session.scalars(
            select(CollabRequest.id).where(CollabRequest.team_id == team_id, CollabRequest.hidden_at.is_not(None))
        )
    )
    return [CollabOffer.request_id.not_in(hidden)] if hidden else []


def first_offers(session: Session, team_id: str, since: dt.datetime, until: dt.datetime) -> dict[int, dt.datetime]:
    """Requests (not hidden) whose first offer came in the window: request id -> that first offer's moment."""
    first = _first_offer(team_id, since, until)
    rows = session.execute(
        select(CollabRequest.id, first.c.first)
        .join(first, first.c.request_id == CollabRequest.id)
        .where(first.c.first >= since, first.c.first < until, _request_shown())
    )
    return {request_id: offered for request_id, offered in rows}


def _waits(session: Session, team_id: str, bounds: Sequence[dt.datetime]) -> list[list[float]]:
    """For each period, the days each request whose first offer came in it waited for that offer (worked out by
    the database, so that thousands of rows need no datetimes made in Python)."""
    first = _first_offer(team_id, bounds[0], bounds[-1])
    periods = len(bounds) - 1
    bucket: ColumnElement[int] = (
        case(*[(first.c.first < bound, index) for index, bound in enumerate(bounds[1:-1])], else_=periods - 1)
        if periods > 1
        else literal(0)
    )
    if session.get_bind().dialect.name == "sqlite":
        waited: ColumnElement[Any] = func.julianday(first.c.first) - func.julianday(CollabRequest.created_at)
    else:
        waited = cast(extract("epoch", first.c.first - CollabRequest.created_at), Float) / 86400.0
    rows = session.execute(
        select(bucket, waited)
        .join(first, first.c.request_id == CollabRequest.id)
        .where(first.c.first >= bounds[0], first.c.first < bounds[-1], _request_shown())
    )
    found: list[list[float]] = [[] for _ in range(periods)]
    for index, days in rows:
        found[index].append(float(days))
    return found


def _first_offer(team_id: str, since: dt.datetime, until: dt.datetime) -> Subquery:
    """Each request offered on in the window, with the moment of its first offer ever (request_id, first)."""
    offered_in_window = select(CollabOffer.request_id).where(
        CollabOffer.team_id == team_id, CollabOffer.created_at >= since, CollabOffer.created_at < until
    )
    return (
        select(CollabOffer.request_id.label("request_id"), func.min(CollabOffer.created_at).label("first"))
        .where(CollabOffer.request_id.in_(offered_in_window))
        .group_by(CollabOffer.request_id)
        .subquery()
    )


@dataclass(frozen=True)
class Span:
    """An agreed agreement's days in force, and the organisations outside Slack it names."""

    start: dt.date
    ended_on: dt.date  # its end date, or the day a review recorded it ended, whichever came first
    organisations: tuple[str, ...]

    def overlaps(self, first: dt.date, last: dt.date) -> bool:
        return self.start <= last and self.ended_on >= first


def agreement_spans(session: Session, team_id: str, starting_by: dt.date, today: dt.date, tz: ZoneInfo) -> list[Span]:
    """Agreed (or ended) agreements that have started by `starting_by` and by today."""
    rows = session.scalars(
        select(Agreement)
        .where(
            Agreement.team_id == team_id,
            Agreement.status != DRAFT,
            Agreement.start_date <= min(starting_by, today),
            Agreement.hidden_at.is_(None),
        )
        .order_by(Agreement.start_date, Agreement.number)
        .options(selectinload(Agreement.parties))
    ).all()
    ended: dict[int, dt.date] = {}
    if ids := [row.id for row in rows if row.status == ENDED]:
        for agreement_id, recorded_at in session.execute(
            select(AgreementReview.agreement_id, func.min(AgreementReview.recorded_at))
            .where(AgreementReview.agreement_id.in_(ids), AgreementReview.outcome == ENDED)
            .group_by(AgreementReview.agreement_id)
        ):
            ended[agreement_id] = recorded_at.astimezone(tz).date()
    return [
        Span(
            row.start_date,
            min(row.end_date, ended.get(row.id, row.end_date)),
            tuple(line(p.organisation) for p in row.parties if p.organisation and line(p.organisation)),
        )
        for row in rows
    ]


def credits(spans: Sequence[Span]) -> tuple[PartnerCredit, ...]:
    counted: dict[str, int] = {}
    for span in spans:
        for organisation in dict.fromkeys(span.organisations):
            counted[organisation] = counted.get(organisation, 0) + 1
    ranked = sorted(counted.items(), key=lambda item: (-item[1], item[0].casefold()))
    return tuple(PartnerCredit(name, number) for name, number in ranked)


def _reviews(
    session: Session, team_id: str, since: dt.datetime, until: dt.datetime
) -> list[tuple[dt.date, dt.datetime]]:
    rows = session.execute(
        select(AgreementReview.review_date, AgreementReview.recorded_at)
        .join(Agreement, Agreement.id == AgreementReview.agreement_id)
        .where(
            AgreementReview.team_id == team_id,
            AgreementReview.recorded_at >= since,
            AgreementReview.recorded_at < until,
            Agreement.hidden_at.is_(None),
        )
    )
    return [(review_date, recorded_at) for review_date, recorded_at in rows]


def meetups_held(
    session: Session, team_id: str, since: dt.datetime, until: dt.datetime
) -> list[tuple[str, dt.datetime, int]]:
    """(title, start, how many said Going) of each meetup that started in the window, in order."""
    going = (
        select(func.count())
        .where(MeetupRsvp.meetup_id == Meetup.id, MeetupRsvp.answer == GOING)
        .correlate(Meetup)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Meetup.title, Meetup.starts_at, going)
        .where(
            Meetup.team_id == team_id,
            Meetup.starts_at >= since,
            Meetup.starts_at < until,
            Meetup.hidden_at.is_(None),
        )
        .order_by(Meetup.starts_at, Meetup.id)
    )
    return [(title, starts_at, number) for title, starts_at, number in rows]
