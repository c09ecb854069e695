"""Followed tags' daily bundle, a duty of the scheduler: each day at BUNDLE_TIME in the workspace's time zone, everyone
with notices waiting (new shares and requests with tags they follow, storage.follows) gets one direct message
listing them, at most one a day (ledger kind FOLLOW_BUNDLE, target the person, key the day).

A bundle holds what was noticed before its moment; what comes after waits for the next day's. A run after downtime
sends the latest day's bundle, with everything waiting, however late: it is one message either way. Composing a
bundle marks its notices with the bundle's key, in the transaction that claims it, so a bundle tried again (a
passing fault) shows the same notices and no notice is in two bundles. Notices older than FORGET_AFTER are deleted,
by the runs in the few minutes after the bundles' moment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.delivery.calendar import CalendarBook, Calendars
from bot.delivery.plan import Due, Message, Planned, unsettled
from handlers.follows.blocks import bundle_blocks, bundle_text
from storage import follows, ledger
from storage.db import Sessions
from storage.ledger import Kind

BUNDLE_TIME = dt.time(9, 0)
FORGET_AFTER = dt.timedelta(days=30)
TIDY_WITHIN = dt.timedelta(minutes=10)


def bundle_moment(now: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """The latest BUNDLE_TIME (local) at or before `now`, as aware UTC; correct across clock changes."""
    local = now.astimezone(tz)
    moment = dt.datetime.combine(local.date(), BUNDLE_TIME, tzinfo=tz)
    if moment > local:
        moment = dt.datetime.combine(local.date() - dt.timedelta(days=1), BUNDLE_TIME, tzinfo=tz)
    return moment.astimezone(dt.UTC)


class FollowBundles:
    kinds = (Kind.FOLLOW_BUNDLE,)

    def __init__(self, sessions: Sessions, tz: ZoneInfo, *, calendars: CalendarBook | None = None):
        """`tz` is the zone of workspaces that chose none; `calendars` reads each workspace's own."""
        self.sessions, self.tz = sessions, tz
        self.calendars = calendars or CalendarBook(tz)

    def due(self, now: dt.datetime) -> Due:
        """Bundles due by `now` and not yet in the ledger (or waiting to be tried again), each at BUNDLE_TIME in its
        workspace's own time zone: a few queries for each time zone in use, however many people follow tags."""
        with self.sessions.begin() as session:
            calendars = self.calendars.for_run(session, now)
            moments = {zone.key: bundle_moment(now, zone) for zone in calendars.zones()}
            if now - moments[self.tz.key] < TIDY_WITHIN:  # once a day, near the moment: it reads every old notice
                follows.forget_notices(session, before=now - FORGET_AFTER)
            people: list[tuple[str, str]] = []
            for zone, moment in moments.items():
                people += [
                    p for p in follows.waiting_followers(session, before=moment) if _zone(calendars, p[0]) == zone
                ]
            earliest = min(moments.values())
            retries = ledger.retryable(session, kinds=self.kinds, not_before=earliest)
            entries = ledger.claimed_keys(session, kinds=self.kinds, since=earliest - dt.timedelta(seconds=1))
        keys = {zone: moment.astimezone(ZoneInfo(zone)).date().isoformat() for zone, moment in moments.items()}
        people += [(r.team_id, r.target) for r in retries if r.period_key == keys[_zone(calendars, r.team_id)]]
        planned = []
        for team_id, user_id in dict.fromkeys(people):
            zone = _zone(calendars, team_id)
            planned.append(Planned(Kind.FOLLOW_BUNDLE, team_id, user_id, keys[zone], moments[zone]))
        return Due(unsettled(planned, entries))

    def compose(
        self, session: Session, claimed: Sequence[Planned], now: dt.datetime, cache: dict
    ) -> list[Message | None]:
        composed: list[Message | None] = []
        for p in claimed:
            bundle = follows.take_bundle(session, team_id=p.team_id, user_id=p.target, key=p.key, before=p.slot)
            if not bundle.items:
                composed.append(None)  # everything in it was hidden, resolved or deleted since
                continue
            composed.append(Message([block.to_dict() for block in bundle_blocks(bundle)], bundle_text(bundle)))
        return composed

    def failed(
        self, session: Session, planned: Planned, error: str, now: dt.datetime
    ) -> tuple[list[Planned], str | None]:
        return [], None


def _zone(calendars: Calendars, team_id: str) -> str:
    return calendars.of(team_id).tz.key
