"""What the newsletter, the quarterly report and the charts say, read from the database.

- `month_content`: a month's newsletter items, with people as Slack ids; `MonthContent.newsletter` turns them
  into domain.newsletter's Newsletter once the caller has looked up the names of those who may be named
  (`MonthContent.wanted`), in Slack, outside the transaction.
- `quarter_content`: a quarter's figures, likewise turned into domain.report_figures' QuarterFigures.
- storage.figures reads the charts' records (`month_figures`, `partner_credits`) and the counts these use.

Months and quarters are the workspace's: they start at local midnight, compared as UTC. Anything hidden while a
reported concern is reviewed (hidden_at) is neither counted nor shown.

What each item and figure is:
- Highlights: shares a leader highlighted in the month, first highlighted first; the month's shares are those
  created in it that are not among its highlights, in the order shared (the newsletter puts the most appreciated
  first). Appreciation counts reactions by anyone but the author, up to the end of the month.
- A collaboration "found a partner" in the month its first offer of help came; everyone who offered by the end of
  the month is listed. "Days to find help" runs from a request to its first offer.
- An agreement "started" on its start date, once agreed (drafts do not count); it "ended" on its end date, or on
  the day a review recorded it as ended if that came first; it was "active" in a period it overlapped. A review is
  "on time" when it was recorded on or before its review date (in the workspace's zone), else late.
- An event was "held" once it started; how many went is how many said Going (the app records no attendance).
- A partner organisation is credited once for each agreement active in the period that names it as a party.

Who may be named: a share's author when they ticked "You may name me in newsletters outside Slack" on that share;
everyone else (leaders, requesters, people who offered help, Slack parties to agreements) only when the workspace
chose to name everyone (`/talks newsletter names on`, storage.newsletters), which names share authors too.
Organisations are always shown: as an agreement names them, and a person's from the title in their Slack profile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, selectinload

from domain import newsletter as nl
from domain.agreements import DRAFT
from domain.monthly import month_after
from domain.report_figures import ImpactStatement, Quarter, QuarterFigures
from storage.figures import agreement_spans, credits, first_offers, local_bounds, meetups_held, month_figures
from storage.models import (
    Agreement,
    AgreementReview,
    CollabRequest,
    Highlight,
    Meetup,
    NewsletterSettings,
    Reaction,
    Share,
)

COLLEAGUE_FROM = "a colleague from {}"


@dataclass(frozen=True)
class Person:
    """What Slack says of someone: their name (looked up only for those who may be named) and their team or
    organisation (the title in their profile)."""

    name: str | None = None
    organisation: str | None = None


@dataclass(frozen=True)
class Wanted:
    """Whose names may be shown, and whose team or organisation is shown: what the caller looks up in Slack."""

    names: frozenset[str] = frozenset()
    organisations: frozenset[str] = frozenset()

    @property
    def everyone(self) -> frozenset[str]:
        return self.names | self.organisations


# ---- a month's newsletter ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShareItem:
    title: str | None
    body: str
    impact: str | None
    author_id: str
    author_agreed: bool  # ticked "You may name me in newsletters outside Slack" on this share
    appreciation: int = 0


@dataclass(frozen=True)
class HighlightItem:
    share: ShareItem
    leaders: tuple[str, ...]


@dataclass(frozen=True)
class CollaborationItem:
    request: str
    requester_id: str
    offerers: tuple[str, ...]


@dataclass(frozen=True)
class AgreementItem:
    title: str
    parties: tuple[tuple[str | None, str | None], ...]  # (Slack user id, organisation outside Slack), in order
    recognition: str


@dataclass(frozen=True)
class MonthContent:
    month: dt.date
    name_everyone: bool
    highlights: tuple[HighlightItem, ...] = ()
    shares: tuple[ShareItem, ...] = ()
    collaborations: tuple[CollaborationItem, ...] = ()
    agreements: tuple[AgreementItem, ...] = ()
    reviews: tuple[nl.ReviewCompleted, ...] = ()
    meetups: tuple[nl.MeetupHeld, ...] = ()

    def wanted(self) -> Wanted:
        authors = [(h.share.author_id, h.share.author_agreed) for h in self.highlights]
        authors += [(s.author_id, s.author_agreed) for s in self.shares]
        names = {user_id for user_id, agreed in authors if agreed or self.name_everyone}
        offerers = {user_id for c in self.collaborations for user_id in c.offerers}
        parties = {user_id for a in self.agreements for user_id, _ in a.parties if user_id}
        if self.name_everyone:
            names |= {leader for h in self.highlights for leader in h.leaders}
            names |= {c.requester_id for c in self.collaborations} | offerers | parties
        return Wanted(frozenset(names), frozenset(offerers | parties))

    def newsletter(self, *, organisation: str, introduction: str | None, people: Mapping[str, Person]) -> nl.Newsletter:
        """The newsletter, naming those who may be named (by `people`, from Slack; anyone missing is unnamed)."""

        def name(user_id: str, agreed: bool = False) -> str | None:
            return people.get(user_id, Person()).name if agreed or self.name_everyone else None

        def share(item: ShareItem) -> nl.MonthShare:
            return nl.MonthShare(
                item.title, item.body, item.impact, item.appreciation, name(item.author_id, item.author_agreed)
            )

        def party(user_id: str | None, organisation: str | None) -> str | None:
            if user_id is None:
                return organisation
            found = people.get(user_id, Person())
            named = name(user_id)
            return named or (COLLEAGUE_FROM.format(found.organisation) if found.organisation else None)

        return nl.Newsletter(
            month=self.month,
            organisation=organisation,
            introduction=introduction,
            highlights=tuple(
                nl.Highlight(
                    h.share.title,
                    h.share.body,
                    h.share.impact,
                    name(h.share.author_id, h.share.author_agreed),
                    tuple(name(leader) for leader in h.leaders),
                )
                for h in self.highlights
            ),
            shares=tuple(share(item) for item in self.shares),
            collaborations=tuple(
                nl.Collaboration(
                    c.request,
                    tuple(
                        nl.Offer(name(user_id), people.get(user_id, Person()).organisation) for user_id in c.offerers
                    ),
                    name(c.requester_id),
                )
                for c in self.collaborations
            ),
            agreements=tuple(
                nl.AgreementStarted(a.title, tuple(party(*p) for p in a.parties), a.recognition)
                for a in self.agreements
            ),
            reviews=self.reviews,
            meetups=self.meetups,
        )


def month_content(session: Session, *, team_id: str, month: dt.date, tz: ZoneInfo, now: dt.datetime) -> MonthContent:
    """Everything the newsletter for the month starting `month` holds (see the module's note for what counts)."""
    since, until = local_bounds(month, month_after(month), tz)
    highlighted = _highlighted(session, team_id, since, until)
    highlight_ids = [share_id for share_id, _ in highlighted]
    query = select(Share).where(
        Share.team_id == team_id, Share.created_at >= since, Share.created_at < until, Share.hidden_at.is_(None)
    )
    if highlight_ids:
        query = query.where(Share.id.not_in(highlight_ids))
    rows = session.scalars(query.order_by(Share.created_at, Share.id)).all()
    shown = {row.id: row for row in rows}
    if highlight_ids:
        shown |= {
            row.id: row
            for row in session.scalars(select(Share).where(Share.id.in_(highlight_ids), Share.hidden_at.is_(None)))
        }
    appreciation = _appreciation(session, list(shown), until)

    def item(row: Share) -> ShareItem:
        return ShareItem(
            row.title, row.body, row.impact, row.author_id, row.name_outside_slack, appreciation.get(row.id, 0)
        )

    return MonthContent(
        month=month,
        name_everyone=_name_everyone(session, team_id),
        highlights=tuple(
            HighlightItem(item(shown[share_id]), leaders) for share_id, leaders in highlighted if share_id in shown
        ),
        shares=tuple(item(row) for row in rows),
        collaborations=_collaborations(session, team_id, since, until),
        agreements=_agreements_started(session, team_id, month, now.astimezone(tz).date()),
        reviews=_reviews_completed(session, team_id, since, until),
        meetups=tuple(
            nl.MeetupHeld(title, starts_at.astimezone(tz).date(), going)
            for title, starts_at, going in meetups_held(session, team_id, since, min(until, now))
        ),
    )


def _highlighted(
    session: Session, team_id: str, since: dt.datetime, until: dt.datetime
) -> list[tuple[int, tuple[str, ...]]]:
    """(share id, leaders who highlighted it in the window), first highlighted first."""
    rows = session.execute(
        select(Highlight.share_id, Highlight.leader_id)
        .where(Highlight.team_id == team_id, Highlight.created_at >= since, Highlight.created_at < until)
        .order_by(Highlight.created_at, Highlight.id)
    )
    leaders: dict[int, list[str]] = {}
    for share_id, leader_id in rows:
        leaders.setdefault(share_id, []).append(leader_id)
    return [(share_id, tuple(names)) for share_id, names in leaders.items()]


def _appreciation(session: Session, share_ids: list[int], until: dt.datetime) -> dict[int, int]:
    if not share_ids:
        return {}
    rows = session.execute(
        select(Reaction.share_id, func.count())
        .join(Share, Share.id == Reaction.share_id)
        .where(Reaction.share_id.in_(share_ids), Reaction.user_id != Share.author_id, Reaction.created_at < until)
        .group_by(Reaction.share_id)
    )
    return {share_id: number for share_id, number in rows}


def _collaborations(
    session: Session, team_id: str, since: dt.datetime, until: dt.datetime
) -> tuple[CollaborationItem, ...]:
    found = first_offers(session, team_id, since, until)
    if not found:
        return ()
    requests = session.scalars(
        select(CollabRequest).where(CollabRequest.id.in_(found)).options(selectinload(CollabRequest.offers))
    ).all()
    ordered = sorted(requests, key=lambda r: (found[r.id], r.id))
    return tuple(
        CollaborationItem(r.body, r.requester_id, tuple(o.user_id for o in r.offers if o.created_at < until))
        for r in ordered
    )


def _agreements_started(session: Session, team_id: str, month: dt.date, today: dt.date) -> tuple[AgreementItem, ...]:
    last = min(month_after(month) - dt.timedelta(days=1), today)
    rows = session.scalars(
        select(Agreement)
        .where(
            Agreement.team_id == team_id,
            Agreement.status != DRAFT,
            Agreement.start_date >= month,
            Agreement.start_date <= last,
            Agreement.hidden_at.is_(None),
        )
        .order_by(Agreement.start_date, Agreement.number)
        .options(selectinload(Agreement.parties))
    )
    return tuple(
        AgreementItem(a.title, tuple((p.user_id, p.organisation) for p in a.parties), a.recognition) for a in rows
    )


def _reviews_completed(
    session: Session, team_id: str, since: dt.datetime, until: dt.datetime
) -> tuple[nl.ReviewCompleted, ...]:
    rows = session.execute(
        select(Agreement.title, AgreementReview.outcome, AgreementReview.credited, AgreementReview.achieved)
        .join(Agreement, Agreement.id == AgreementReview.agreement_id)
        .where(
            AgreementReview.team_id == team_id,
            AgreementReview.recorded_at >= since,
            AgreementReview.recorded_at < until,
            Agreement.hidden_at.is_(None),
        )
        .order_by(AgreementReview.recorded_at, AgreementReview.id)
    )
    return tuple(nl.ReviewCompleted(title, outcome, credited, achieved) for title, outcome, credited, achieved in rows)


# ---- a quarter's figures ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImpactItem:
    text: str
    share_title: str | None
    author_id: str
    author_agreed: bool


@dataclass(frozen=True)
class QuarterContent:
    figures: QuarterFigures  # unnamed, and without the impact statements and the organisation's name
    impact: tuple[ImpactItem, ...]
    name_everyone: bool

    def wanted(self) -> Wanted:
        return Wanted(frozenset(i.author_id for i in self.impact if i.author_agreed or self.name_everyone))

    def figures_for(self, *, organisation: str, people: Mapping[str, Person]) -> QuarterFigures:
        def author(item: ImpactItem) -> str | None:
            allowed = item.author_agreed or self.name_everyone
            return people.get(item.author_id, Person()).name if allowed else None

        statements = tuple(ImpactStatement(i.text, i.share_title, author(i)) for i in self.impact)
        return replace(self.figures, organisation=organisation, impact=statements)


def quarter_content(
    session: Session, *, team_id: str, quarter: Quarter, tz: ZoneInfo, now: dt.datetime
) -> QuarterContent:
    """A quarter's figures (see the module's note for what each counts), up to `now` for one in progress."""
    after = quarter.end + dt.timedelta(days=1)
    since, until = local_bounds(quarter.start, after, tz)
    today = now.astimezone(tz).date()
    [month] = month_figures(session, team_id=team_id, months=[quarter.start], tz=tz, now=now, upto=after)
    agreements = agreement_spans(session, team_id, quarter.end, today, tz)
    active = [a for a in agreements if a.overlaps(quarter.start, quarter.end)]
    held = meetups_held(session, team_id, since, min(until, now))
    impact = session.execute(
        select(Share.impact, Share.title, Share.author_id, Share.name_outside_slack)
        .where(
            Share.team_id == team_id,
            Share.created_at >= since,
            Share.created_at < until,
            Share.hidden_at.is_(None),
            Share.impact.is_not(None),
            Share.impact != "",
        )
        .order_by(Share.created_at, Share.id)
    )
    figures = QuarterFigures(
        quarter=quarter,
        organisation="",
        shares=month.shares,
        requests=month.requests,
        offers=month.offers,
        median_days_to_help=month.median_days_to_help,
        resolved=month.resolved,
        agreements_active=len(active),
        agreements_started=month.agreements_started,
        agreements_ended=month.agreements_ended,
        reviews_on_time=month.reviews_on_time,
        reviews_late=month.reviews_late,
        meetups=len(held),
        attendance=sum(going for _, _, going in held),
        partners=credits(active),
    )
    return QuarterContent(
        figures=figures,
        impact=tuple(ImpactItem(text, title, author, bool(agreed)) for text, title, author, agreed in impact if text),
        name_everyone=_name_everyone(session, team_id),
    )


def has_history_before(session: Session, *, team_id: str, moment: dt.datetime) -> bool:
    """Whether the workspace had shared, asked, agreed or met before a moment (else a quarter has no previous)."""
    found = [
        exists().where(Share.team_id == team_id, Share.created_at < moment),
        exists().where(CollabRequest.team_id == team_id, CollabRequest.created_at < moment),
        exists().where(Agreement.team_id == team_id, Agreement.created_at < moment),
        exists().where(Meetup.team_id == team_id, Meetup.created_at < moment),
    ]
    return any(session.scalar(select(condition)) for condition in found)


def _name_everyone(session: Session, team_id: str) -> bool:
    return bool(session.scalar(select(NewsletterSettings.name_everyone).where(NewsletterSettings.team_id == team_id)))
