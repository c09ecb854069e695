"""Digests, as a duty of the scheduler: which channels' digests are due, each champion's copy, and composing them.

A digest covers what came since the channel's previous one (or one period before its first). A digest found
more than LATE_LIMIT after its time (the app was down) is skipped and recorded, and champions see it; one that
can't be delivered because the channel is gone pauses that channel's digest and tells the champions. Each kind
waiting to be tried again (a passing fault, or a post a stopped run did not make) goes again while on time.

Each workspace's digests keep its own time zone and closed days (bot.delivery.calendar): a digest due on a closed
day is moved to the next working day (or skipped, as the workspace chose), and still covers everything since the
channel's previous digest. Its ledger key names the day it goes out (domain.calendar.posts_between), so however many
slots moved onto one day, and however many runs see it, it is posted once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.delivery.calendar import CalendarBook, posted_before_it_moved
from bot.delivery.plan import INTERRUPTED, Due, Message, Planned
from bot.delivery.prompts import record_paused
from domain.agreements import reviews_section
from domain.calendar import Calendar, Closable, posts_between, previous_post
from domain.digest import UNANSWERED_AFTER, Attention, DigestInput, Undelivered, compose
from domain.meetups import meetups_section
from domain.schedule import Schedule, parse_schedule
from handlers.blocks import section
from handlers.context import WorkspaceClients
from handlers.digests.blocks import digest_blocks, digest_text
from handlers.partnerships.reading import connected_digest_section, partner_author_names, partners_digest_section
from handlers.publish import reason as publish_reason
from storage import ledger, roles, slack_events
from storage import subscriptions as subs
from storage.agreements import reviews_due
from storage.db import Sessions
from storage.digests import digest_input, unanswered_requests
from storage.ledger import Kind, Status
from storage.meetups import upcoming_meetups
from storage.prompts import Paused, channel_pauses
from storage.roles import RoleName

LATE_LIMIT = dt.timedelta(hours=6)  # a digest found later than this after its time is skipped, and champions told
LOOKBACK = dt.timedelta(days=8)  # how far back a run looks for missed digests
EVENT_MEMORY = dt.timedelta(days=1)  # Slack retries an event for about an hour; remember event ids for a day
CHANNEL_GONE = {"channel_not_found", "not_in_channel", "is_archived"}  # pause that channel's digest
DEFAULT_SCHEDULE = "weekly mon 09:00"  # the window of a digest asked for in a channel with no schedule


@dataclass(frozen=True)
class DigestTask:
    """What composing a digest needs besides its ledger key: whose channel, and on what schedule."""

    channel_id: str
    schedule: Schedule
    quiet_skip: bool = False  # a week with nothing new is recorded quiet, not posted


@dataclass(frozen=True)
class PausedNotice:
    """Telling a champion that a channel's digest is paused, and why."""

    channel_id: str
    error: str
    schedule: Schedule


class Digests:
    kinds = (Kind.DIGEST, Kind.CHAMPION_DIGEST, Kind.DIGEST_PAUSED)

    def __init__(
        self,
        sessions: Sessions,
        tz: ZoneInfo,
        *,
        calendars: CalendarBook | None = None,
        clients: WorkspaceClients | None = None,
    ):
        """`tz` is the zone of workspaces that chose none; `calendars` reads each workspace's own (shared by every
        duty of a run). `clients` read partner authors' names (only of those who agreed) with their own tokens."""
        self.sessions, self.tz, self.clients = sessions, tz, clients
        self.partner_names: dict[tuple[str, str], str] = {}  # read before composing: see _read_partner_names
        self.calendars = calendars or CalendarBook(tz)

    # ---- planning ---------------------------------------------------------------------------------------

    def due(self, now: dt.datetime) -> Due:
        """Channel digests and champions' copies due by `now` and not in the ledger, and retries still on time
        (of those, and of notices that a channel's digest is paused).

        Also housekeeping: old Slack event ids are forgotten.
        """
        lines: list[str] = []
        with self.sessions.begin() as session:
            slack_events.forget_events(session, received_before=now - EVENT_MEMORY)
            subscriptions = subs.list_active_subscriptions(session)
            calendars = self.calendars.for_run(session, now)
            digest_kinds = [Kind.DIGEST, Kind.CHAMPION_DIGEST]
            done = set(ledger.claimed_keys(session, kinds=digest_kinds, since=now - LOOKBACK))
            retries = ledger.retryable(session, kinds=self.kinds, not_before=now - LATE_LIMIT)
            champions = roles.champions_by_team(session)
            paused = channel_pauses(session, what=Paused.DIGEST, ending_after=now - LOOKBACK)  # by champions
            by_id = {s.id: s for s in subscriptions}
            planned = [
                Planned(
                    r.kind,
                    r.team_id,
                    r.target,
                    r.period_key,
                    r.scheduled_for,
                    subscription_id=s.id,
                    retry_id=r.id,
                    task=_task(s),
                )
                for r in retries
                if r.kind is not Kind.DIGEST_PAUSED
                and r.subscription_id is not None
                and (s := by_id.get(r.subscription_id)) is not None
            ]
            planned += _paused_notices_again(session, [r for r in retries if r.kind is Kind.DIGEST_PAUSED])
            for subscription in subscriptions:
                schedule, task = parse_schedule(subscription.schedule), _task(subscription)
                team_id, channel_id = subscription.team_id, subscription.channel_id
                calendar = calendars.of(team_id)
                # From when this schedule took effect: changing or resuming it never fills in the past. Slots on
                # closed days are moved (or skipped) as the workspace chose; a post stands for every slot moved onto it.
                start = max(subscription.updated_at, now - LOOKBACK)
                posts = posts_between(
                    schedule, start, now, calendar, Closable.DIGESTS, slots_after=subscription.updated_at
                )
                for post in posts:
                    slot, key = post.at, post.key
                    if posted_before_it_moved(
                        post, schedule, calendar, _Settled(done, (team_id, Kind.DIGEST, channel_id))
                    ):
                        continue
                    if now - slot <= LATE_LIMIT:  # champions' copies: planned on their own, once per workspace
                        for champion in champions.get(team_id, ()):
                            if (team_id, Kind.CHAMPION_DIGEST, champion, key) not in done:
                                done.add((team_id, Kind.CHAMPION_DIGEST, champion, key))
                                planned.append(
                                    Planned(
                                        Kind.CHAMPION_DIGEST,
                                        team_id,
                                        champion,
                                        key,
                                        slot,
                                        subscription_id=subscription.id,
                                        task=task,
                                    )
                                )
                    if (team_id, Kind.DIGEST, channel_id, key) in done:
                        continue
                    if (pause := paused.get((team_id, channel_id))) is not None and pause.covers(slot):
                        one = subscription.id
                        lines.append(record_paused(session, Kind.DIGEST, pause, key, slot, now, subscription_id=one))
                        continue
                    if now - slot > LATE_LIMIT:
                        ledger.claim(
                            session,
                            team_id=team_id,
                            kind=Kind.DIGEST,
                            target=channel_id,
                            period_key=key,
                            scheduled_for=slot,
                            now=now,
                            subscription_id=subscription.id,
                            status=Status.SKIPPED,
                        )
                        lines.append(f"skipped {channel_id} {key}: {_hours(now - slot)} late")
                        continue
                    planned.append(
                        Planned(Kind.DIGEST, team_id, channel_id, key, slot, subscription_id=subscription.id, task=task)
                    )
        self._read_partner_names([p.team_id for p in planned if p.kind is not Kind.DIGEST_PAUSED], now)
        return Due(planned, lines)

    def _read_partner_names(self, team_ids: Sequence[str], now: dt.datetime) -> None:
        """The names of partners' authors who agreed to be named, for these workspaces' digests, read from Slack
        before composing: composing happens inside the run's transaction, which must never wait on Slack (and on
        SQLite, a workspace's token can't even be read while that transaction holds the write lock)."""
        self.partner_names.update(partner_author_names(self.sessions, self.clients, team_ids, now))

    def manual(self, team_id: str, channel_id: str, now: dt.datetime) -> Planned:
        """A channel's digest asked for now (`/talks digest now`): once a minute at most, always posted."""
        with self.sessions.begin() as session:
            subscription = subs.get_subscription(session, team_id=team_id, channel_id=channel_id)
            tz = self.calendars.of_team(session, team_id, now).tz
        schedule = parse_schedule(subscription.schedule if subscription else DEFAULT_SCHEDULE)
        key = f"now-{now.astimezone(tz):%Y-%m-%dT%H:%M}"
        self._read_partner_names([team_id], now)
        return Planned(
            Kind.DIGEST,
            team_id,
            channel_id,
            key,
            now,
            subscription_id=subscription.id if subscription else None,
            manual=True,
            task=DigestTask(channel_id, schedule),
        )

    # ---- composing --------------------------------------------------------------------------------------

    def compose(
        self, session: Session, claimed: Sequence[Planned], now: dt.datetime, cache: dict
    ) -> list[Message | None]:
        """Each claimed digest: a workspace's digest for a window is read and rendered once per run."""
        moments: dict[tuple[int, dt.datetime], dt.datetime] = {}  # previous digest, by (subscription, slot)
        for slot in {p.slot for p in claimed if p.kind is not Kind.DIGEST_PAUSED}:
            ids = [p.subscription_id for p in claimed if p.slot == slot and p.subscription_id is not None]
            found = ledger.last_digest_moments(session, subscription_ids=ids, before=slot)
            moments.update({(i, slot): moment for i, moment in found.items()})
        messages: list[Message | None] = []
        calendars = self.calendars.for_run(session, now)
        for p in claimed:
            if isinstance(p.task, PausedNotice):
                messages.append(self._paused_notice(p.task))
                continue
            assert isinstance(p.task, DigestTask)
            calendar = calendars.of(p.team_id)
            since = moments.get((p.subscription_id or 0, p.slot)) or previous_post(
                p.task.schedule, p.slot, calendar, Closable.DIGESTS
            )
            assert since is not None  # None only at the start of the calendar, not for a real slot
            messages.append(self._digest(session, p, since, calendar, now, cache))
        return messages

    def preview(self, team_id: str, channel_id: str, now: dt.datetime) -> list:
        """The digest this channel would get now, for the asker's eyes only; nothing is posted or recorded."""
        self._read_partner_names([team_id], now)
        with self.sessions.begin() as session:
            subscription = subs.get_subscription(session, team_id=team_id, channel_id=channel_id)
            calendar = self.calendars.of_team(session, team_id, now)
            schedule = parse_schedule(subscription.schedule if subscription else DEFAULT_SCHEDULE)
            previous = subscription and ledger.last_digest_moment(session, subscription_id=subscription.id, before=now)
            since = previous or previous_post(schedule, now, calendar, Closable.DIGESTS)
            assert since is not None  # None only at the start of the calendar, not now
            data = self._digest_input(session, team_id, since, now, calendar, {})
            data, _ = _with_connected(session, data, team_id, channel_id)
        shown = digest_blocks(compose(data, now=now), tz=calendar.tz)
        note = section("_Preview: only you can see this, and nothing was posted._")
        return [note, *shown] if len(shown) < 50 else shown

    def _digest(
        self, session: Session, planned: Planned, since: dt.datetime, calendar: Calendar, now: dt.datetime, cache: dict
    ) -> Message | None:
        """The message for a claimed digest; None when the week was quiet and the channel chose "quiet skip"."""
        assert isinstance(planned.task, DigestTask)
        data = self._digest_input(session, planned.team_id, since, planned.slot, calendar, cache)
        if planned.kind is Kind.CHAMPION_DIGEST:
            digest = compose(data, now=planned.slot)
            attention = self._attention(session, planned.team_id, now)
            return Message(_as_dicts(digest_blocks(digest, tz=calendar.tz, attention=attention)), digest_text(digest))
        # Every channel with this window gets the same message, but one shared with other organisations (Slack
        # Connect) also shows what their people posted in it.
        data, connected = _with_connected(session, data, planned.team_id, planned.target)
        key = ("rendered", planned.team_id, since, planned.slot, planned.target if connected else "")
        if (rendered := cache.get(key)) is None:
            digest = compose(data, now=planned.slot)
            message = Message(_as_dicts(digest_blocks(digest, tz=calendar.tz)), digest_text(digest))
            cache[key] = rendered = (digest.is_empty, message)
        is_empty, message = rendered
        if is_empty and planned.task.quiet_skip and not planned.manual:
            return None
        return message

    def _digest_input(
        self, session: Session, team_id: str, since: dt.datetime, until: dt.datetime, calendar: Calendar, cache: dict
    ) -> DigestInput:
        """A workspace's digest for a window, with the sections later features add: read once per run."""
        key = ("input", team_id, since, until)
        if (data := cache.get(key)) is None:
            tz = calendar.tz
            data = digest_input(session, team_id=team_id, since=since, until=until)
            reviews = reviews_section(
                reviews_due(session, team_id=team_id, now=until, tz=tz), until.astimezone(tz).date()
            )
            meetups = meetups_section(upcoming_meetups(session, team_id=team_id, now=until), tz)
            names = self.partner_names
            partners = partners_digest_section(session, names, team_id=team_id, since=since, until=until)
            extra = (*data.extra_sections, *([partners] if partners else []), reviews, meetups)
            cache[key] = data = replace(data, extra_sections=extra)
        assert isinstance(data, DigestInput)
        return data

    def _attention(self, session: Session, team_id: str, now: dt.datetime) -> Attention:
        unanswered, more = unanswered_requests(session, team_id=team_id, older_than=now - UNANSWERED_AFTER)
        missed = ledger.undelivered(session, team_id=team_id, since=now - LOOKBACK)
        return Attention(
            unanswered=unanswered,
            more_unanswered=more,
            undelivered=tuple(
                Undelivered(d.target, _reason(d.status, d.error), d.scheduled_for, skipped=d.status is Status.SKIPPED)
                for d in missed
            ),
        )

    def _paused_notice(self, notice: PausedNotice) -> Message:
        said = section(
            f"⚠️ I couldn't post the digest in <#{notice.channel_id}>: {_reason(Status.FAILED, notice.error)}. I've "
            f"paused that channel's digest. To start it again, invite me there and type "
            f"`/talks digest here {notice.schedule.to_text()}`."
        )
        return Message([said.to_dict()], "A channel's digest could not be delivered")

    # ---- when Slack refuses -----------------------------------------------------------------------------

    def failed(
        self, session: Session, planned: Planned, error: str, now: dt.datetime
    ) -> tuple[list[Planned], str | None]:
        """A channel that is gone: pause its digest and tell each champion once."""
        if planned.kind is not Kind.DIGEST or error not in CHANNEL_GONE:
            return [], None
        if isinstance(planned.task, DigestTask):
            schedule = planned.task.schedule
        else:  # known only by its ledger row: refused while looking it up in Slack's history
            schedule = _schedule_of(session, planned.team_id, planned.target)
        subs.pause_subscription(
            session,
            team_id=planned.team_id,
            channel_id=planned.target,
            reason=_reason(Status.FAILED, error),
            now=now,
        )
        notice = PausedNotice(planned.target, error, schedule)
        champions = roles.list_roles(session, team_id=planned.team_id, role=RoleName.CHAMPION)
        tell = [
            Planned(
                Kind.DIGEST_PAUSED,
                planned.team_id,
                champion,
                f"{planned.target}:{planned.key}",
                planned.slot,
                task=notice,
            )
            for champion in champions
        ]
        return tell, "paused and champions told"


def _with_connected(session: Session, data: DigestInput, team_id: str, channel_id: str) -> tuple[DigestInput, bool]:
    """A channel's digest, with what other organisations' people posted in it first when Slack said the channel is
    shared with them (Slack Connect; handlers.partnerships.reading); and whether it has that."""
    since, until = data.since, data.until
    extra = connected_digest_section(session, team_id=team_id, channel_id=channel_id, since=since, until=until)
    return (replace(data, extra_sections=(extra, *data.extra_sections)), True) if extra else (data, False)


def _paused_notices_again(session: Session, retries: list[ledger.Entry]) -> list[Planned]:
    """Notices that a channel's digest is paused, waiting to be tried again."""
    planned = []
    for r in retries:
        channel_id, _, key = r.period_key.partition(":")  # see Digests.failed: the channel, then its digest's key
        digest = ledger.get_delivery(session, team_id=r.team_id, kind=Kind.DIGEST, target=channel_id, period_key=key)
        error = (digest.error if digest else None) or "channel_not_found"
        notice = PausedNotice(channel_id, error, _schedule_of(session, r.team_id, channel_id))
        planned.append(Planned(r.kind, r.team_id, r.target, r.period_key, r.scheduled_for, retry_id=r.id, task=notice))
    return planned


def _schedule_of(session: Session, team_id: str, channel_id: str) -> Schedule:
    """A channel's digest schedule, for a post known only by its ledger row (the default if it has none)."""
    subscription = subs.get_subscription(session, team_id=team_id, channel_id=channel_id)
    return parse_schedule(subscription.schedule if subscription else DEFAULT_SCHEDULE)


@dataclass(frozen=True)
class _Settled:
    """The ledger keys settled for one target, read from the run's set of (team, kind, target, key)."""

    done: set
    target: tuple[str, Kind, str]

    def __contains__(self, key: object) -> bool:
        return (*self.target, key) in self.done


def _task(subscription: subs.Subscription) -> DigestTask:
    schedule = parse_schedule(subscription.schedule)
    return DigestTask(subscription.channel_id, schedule, quiet_skip=schedule.quiet == "skip")


def _as_dicts(built: list) -> list[dict]:
    """Blocks as Slack's JSON, built once: every channel of a workspace posts the same digest."""
    return [block.to_dict() if hasattr(block, "to_dict") else block for block in built]


def _reason(status: Status, error: str | None) -> str:
    if status is Status.SKIPPED:
        return "the app was down for more than 6 hours around that time, so it was skipped"
    if status is Status.UNCONFIRMED:
        return "the app stopped while posting it, and Slack could not say whether it had arrived"
    if error == INTERRUPTED:
        return "the app stopped while posting it, and it had not arrived"
    if error == "missing_scope":
        return "the app is missing a permission it needs: reinstall it to bring its permissions up to date"
    return publish_reason(error)


def _hours(delta: dt.timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.1f} hours"
