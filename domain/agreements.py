"""Written collaboration agreements, without Slack or a database: checking what people typed, review dates
and the moments reviews are nudged, and the digest's "reviews due" lines (the document: domain.agreement_document).

Checks return {field: message}, keyed by the names of the fields of the records below ("title",
"end_date", "responsibility:2"...); handlers map them to the form's block ids. Messages are kind, plain
sentences to show beside the field as they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from domain import text as t
from domain.digest import ExtraSection
from domain.words import mention

DRAFT, AGREED, ENDED = "draft", "agreed", "ended"
CADENCES: dict[int, str] = {
    14: "every 2 weeks",
    28: "every 4 weeks",
    42: "every 6 weeks",
    91: "every 3 months (13 weeks)",
}
DEFAULT_CADENCE = 28
OUTCOMES = {"on_track": "On track", "needs_attention": "Needs attention", "ended": "Ended"}
CREDITED = {"yes": "Yes, every party", "partly": "Partly", "no": "Not yet"}

MAX_PARTIES = 20
MAX_TITLE_CHARS = 150
MAX_NAME_CHARS = 100
MAX_TERM_CHARS = 2000
NUDGE_AT = dt.time(9)
REMIND_BEFORE_DAYS = 3
REMIND_EVERY_DAYS = 7
ESCALATE_AFTER_DAYS = 14

Errors = dict[str, str]


# ---- records ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Organisation:
    name: str
    contact: str


@dataclass(frozen=True)
class Party:
    """A person in Slack (user_id), or an organisation outside it with a named contact."""

    user_id: str | None = None
    organisation: str | None = None
    contact: str | None = None
    responsibility: str = ""
    confirmed: bool = False  # confirmed the agreement's current version


@dataclass(frozen=True)
class Terms:
    """What the parties agree to: the second step of the form, and the change form."""

    responsibilities: tuple[str, ...]
    start_date: dt.date | None
    end_date: dt.date | None
    comms_internal: str
    comms_external: str
    recognition: str
    review_date: dt.date | None  # the first review, or in a change, the next one
    review_every_days: int | None


@dataclass(frozen=True)
class ReviewForm:
    outcome: str | None
    achieved: str
    credited: str | None
    credit_note: str
    next_review: dt.date | None


@dataclass(frozen=True)
class Version:
    version: int
    changed_by: str
    note: str | None
    created_at: dt.datetime
    snapshot: Mapping[str, object]


@dataclass(frozen=True)
class Review:
    review_date: dt.date
    outcome: str
    achieved: str
    credited: str
    credit_note: str | None
    next_review: dt.date | None
    recorded_by: str
    recorded_at: dt.datetime


@dataclass(frozen=True)
class AgreementRecord:
    id: int
    team_id: str
    number: int
    title: str
    channel_id: str
    created_by: str
    status: str
    version: int
    start_date: dt.date
    end_date: dt.date
    comms_internal: str
    comms_external: str
    recognition: str
    review_every_days: int
    next_review: dt.date | None
    parties: tuple[Party, ...]
    created_at: dt.datetime
    message_ts: str | None = None
    permalink: str | None = None
    reviews: tuple[Review, ...] = ()  # oldest first
    versions: tuple[Version, ...] = ()  # oldest first; loaded for show and export only
    hidden: bool = False  # while a concern someone reported is reviewed: its summary says so instead

    @property
    def slack_parties(self) -> tuple[str, ...]:
        return tuple(p.user_id for p in self.parties if p.user_id)

    @property
    def waiting_for(self) -> tuple[str, ...]:
        return tuple(p.user_id for p in self.parties if p.user_id and not p.confirmed)

    def is_party(self, user_id: str) -> bool:
        return user_id in self.slack_parties


@dataclass(frozen=True)
class ReviewDue:
    """An agreed agreement whose next review is close or overdue, for the digest."""

    number: int
    title: str
    review_date: dt.date
    parties: tuple[Party, ...]


# ---- checking what people typed ---------------------------------------------------------------------------


def parse_organisations(text: str) -> tuple[tuple[Organisation, ...], str | None]:
    """Lines of "Organisation, Contact name"; blank lines are ignored. The problem with the first bad line, if any."""
    found: list[Organisation] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        name, _, contact = (part.strip() for part in line.partition(","))
        quoted = f"Line {number} (“{t.shorten(line.strip(), 40)}”)"
        if not name or not contact:
            example = f"{name or 'Riverside Trust'}, Sam Patel"
            return (), f"{quoted} needs the organisation, a comma, then a contact name, like “{example}”."
        if len(name) > MAX_NAME_CHARS or len(contact) > MAX_NAME_CHARS:
            return (), f"{quoted} is long: please keep names under {MAX_NAME_CHARS} characters."
        found.append(Organisation(name, contact))
    return tuple(found), None


def check_parties(title: str, user_ids: Sequence[str], organisations: str) -> tuple[tuple[Organisation, ...], Errors]:
    """The first step: a title, and at least two parties of which at least one is in Slack."""
    errors: Errors = {}
    if not title:
        errors["title"] = "Please give the agreement a short title, like “Summer sports hall”."
    elif len(title) > MAX_TITLE_CHARS:
        errors["title"] = f"Please keep the title under {MAX_TITLE_CHARS} characters."
    orgs, problem = parse_organisations(organisations)
    if problem:
        errors["organisations"] = problem
    elif not user_ids:
        errors["users"] = "Please include at least one person in Slack (usually you), so someone can confirm it here."
    elif len(user_ids) + len(orgs) < 2:
        errors["users"] = (
            "An agreement needs at least two parties. Add the other people here, or organisations outside Slack below."
        )
    elif len(user_ids) + len(orgs) > MAX_PARTIES:
        errors["users"] = f"Please keep it to {MAX_PARTIES} parties or fewer."
    return orgs, errors


def check_terms(terms: Terms, *, today: dt.date, current_review: dt.date | None = None) -> Errors:
    """The second step, or a change. `current_review` (in a change) may be kept even if it has passed."""
    errors: Errors = {}
    for index, text in enumerate(terms.responsibilities):
        if problem := _text_problem(text, "Please say what this party will do."):
            errors[f"responsibility:{index}"] = problem
    start, end = terms.start_date, terms.end_date
    if start is None:
        errors["start_date"] = "Please choose when the collaboration starts."
    if end is None:
        errors["end_date"] = "Please choose when the collaboration ends."
    elif start and end < start:
        errors["end_date"] = f"This is before the start ({long_date(start)}). Please choose a later end date."
    elif end < today:
        errors["end_date"] = "This date has passed. Agreements here are for work that is still going on."
    for field, missing in (
        ("comms_internal", "Please say how you'll keep people in your organisations informed."),
        ("comms_external", "Please say how you'll talk about the collaboration outside, or write “not yet”."),
        (
            "recognition",
            "Please say how each party will be recognised, like logos on posters or thanks in a newsletter.",
        ),
    ):
        if problem := _text_problem(getattr(terms, field), missing):
            errors[field] = problem
    review = terms.review_date
    if review is None:
        errors["review_date"] = "Please choose a date for the first review."
    elif review <= today and review != current_review:
        errors["review_date"] = "Please choose a review date after today."
    elif end and review > end and "end_date" not in errors:
        errors["review_date"] = f"This is after the agreement ends ({long_date(end)}). Please choose a date up to then."
    if terms.review_every_days not in CADENCES:
        errors["review_every"] = "Please choose how often to review it."
    return errors


def check_note(note: str) -> Errors:
    problem = _text_problem(note, "Please say what changed and why, so the others can see it at a glance.")
    return {"note": problem} if problem else {}


def check_review(form: ReviewForm, *, today: dt.date, end_date: dt.date) -> Errors:
    errors: Errors = {}
    if form.outcome not in OUTCOMES:
        errors["outcome"] = "Please choose how it is going."
    if problem := _text_problem(form.achieved, "Please say briefly what has been achieved so far."):
        errors["achieved"] = problem
    if form.credited not in CREDITED:
        errors["credited"] = "Please say whether every party has been credited as agreed."
    elif (
        form.credited != "yes"
        and (problem := _text_problem(form.credit_note, "Please say who hasn't been credited yet, and what you'll do."))
    ) or (form.credited == "yes" and form.credit_note and (problem := _text_problem(form.credit_note, ""))):
        errors["credit_note"] = problem
    if form.outcome == "ended" or form.outcome not in OUTCOMES:
        return errors
    if today >= end_date:
        errors["next_review"] = (
            f"The agreement ends on {long_date(end_date)}, so there's no date left for another review. "
            "Choose “Ended”, or propose a change to extend it."
        )
    elif form.next_review is None or form.next_review <= today:
        errors["next_review"] = "Please choose a date after today for the next review."
    elif form.next_review > end_date:
        errors["next_review"] = f"The agreement ends on {long_date(end_date)}. Please choose a date up to then."
    return errors


def _text_problem(text: str, missing: str) -> str | None:
    if not text.strip():
        return missing or None
    if len(text) > MAX_TERM_CHARS:
        return f"Please keep this under {MAX_TERM_CHARS:,} characters (it is {len(text):,})."
    return None


# ---- review dates and nudges --------------------------------------------------------------------------------


def suggested_next_review(review_date: dt.date, every_days: int, end_date: dt.date, today: dt.date) -> dt.date | None:
    """The review after `review_date`: a cadence later (after today), capped at the end; None once it has ended."""
    if today >= end_date:
        return None
    step = dt.timedelta(days=every_days)
    candidate = review_date + step
    while candidate <= today:
        candidate += step
    return min(candidate, end_date)


@dataclass(frozen=True)
class Stage:
    """One moment a review is nudged: 3 days before, on the day, then every 7 days while unrecorded."""

    review_date: dt.date
    offset_days: int
    at: dt.datetime  # UTC

    @property
    def name(self) -> str:
        return "d0" if self.offset_days == 0 else f"d{self.offset_days:+d}"

    @property
    def escalates(self) -> bool:
        """From 14 days overdue, champions are told (once per review date)."""
        return self.offset_days >= ESCALATE_AFTER_DAYS


def nudge_moment(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """09:00 on a local day, in UTC (09:00 always exists and is never repeated in practice)."""
    return dt.datetime.combine(day, NUDGE_AT, tzinfo=tz).astimezone(dt.UTC)


def stages(review_date: dt.date, tz: ZoneInfo) -> Iterator[Stage]:
    """Every nudge moment for a review date, in order, without end."""
    offset = -REMIND_BEFORE_DAYS
    while True:
        yield Stage(review_date, offset, nudge_moment(review_date + dt.timedelta(days=offset), tz))
        offset = 0 if offset < 0 else offset + REMIND_EVERY_DAYS


def latest_stage(review_date: dt.date, now: dt.datetime, tz: ZoneInfo) -> Stage | None:
    """The last nudge moment at or before `now`: after downtime only this one is sent, never a burst."""
    latest = None
    for stage in stages(review_date, tz):
        if stage.at > now:
            return latest
        latest = stage
    return None  # not reached: stages never end


def escalation_moment(review_date: dt.date, tz: ZoneInfo) -> dt.datetime:
    return nudge_moment(review_date + dt.timedelta(days=ESCALATE_AFTER_DAYS), tz)


# ---- words ---------------------------------------------------------------------------------------------------


def long_date(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def short_date(day: dt.date, today: dt.date) -> str:
    """ "Tue 1 Dec", with the year when it is not this year's."""
    return f"{day:%a} {day.day} {day:%b}" + (f" {day.year}" if day.year != today.year else "")


def days_away(day: dt.date, today: dt.date) -> str:
    days = (day - today).days
    if days == 0:
        return "today"
    if days in (1, -1):
        return "tomorrow" if days == 1 else "yesterday"
    return f"in {days} days" if days > 0 else f"{-days} days ago"


def cadence_words(every_days: int) -> str:
    return CADENCES.get(every_days, f"every {every_days} days")


def party_mrkdwn(party: Party) -> str:
    """Escaped mrkdwn naming a party: a mention, or the organisation and its contact."""
    if party.user_id:
        return mention(party.user_id)
    if not party.contact:  # a party erased since: "a former member"
        return t.escape(party.organisation or "")
    return f"{t.escape(party.organisation or '')} (contact: {t.escape(party.contact)})"


def reviews_section(items: Sequence[ReviewDue], today: dt.date) -> ExtraSection:
    """The digest's "Agreement reviews due" part: soonest (most overdue) first, overdue ones flagged."""
    lines = []
    for item in sorted(items, key=lambda i: (i.review_date, i.number)):
        who = ", ".join(mention(p.user_id) if p.user_id else t.escape(p.organisation or "") for p in item.parties)
        title = t.escape(t.shorten(item.title, 80))
        when = short_date(item.review_date, today)
        if item.review_date < today:
            lines.append(
                f"⚠️ #{item.number} {title} — review overdue since {when} ({days_away(item.review_date, today)}) · {who}"
            )
        else:
            lines.append(f"#{item.number} {title} — review due {when} ({days_away(item.review_date, today)}) · {who}")
    return ExtraSection(title="🔁 Agreement reviews due", lines=tuple(lines))
