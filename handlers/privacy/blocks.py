"""What people read about their data: the privacy notice, retention periods, and the forms that confirm an erasure.
Pure builders over records and plain values; the only user-typed text here (a workspace's name) is escaped."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from domain import text as t
from domain.retention import POLICIES, Period, Record
from domain.words import FORMER_MEMBER, join_and, plural
from handlers.blocks import context, section, text_input
from handlers.ids import Block as B
from handlers.ids import View as V
from storage.people import PersonData
from storage.person_columns import ERASURE, Fate

NOUNS: Mapping[Record, str] = {
    Record.SHARES: "Shares",
    Record.REQUESTS: "Collaboration requests",
    Record.AGREEMENTS: "Agreements",
    Record.EVENTS: "Events",
    Record.AUDIT: "Audit trail entries",
}
RECORD_WORDS: Mapping[str, Record] = {
    **{record.value: record for record in Record},
    "share": Record.SHARES,
    "request": Record.REQUESTS,
    "collab": Record.REQUESTS,
    "agreement": Record.AGREEMENTS,
    "event": Record.EVENTS,
    "audit-trail": Record.AUDIT,
    "trail": Record.AUDIT,
}
NOT_ADVICE = (
    "These are starting points, not legal advice: your organisation's data protection officer may set them to its "
    "own retention schedule."
)


# ---- telling people ------------------------------------------------------------------------------------------


def kept_line(record: Record, period: Period, *, chosen: bool) -> str:
    """ "*Shares*: 2 years after they are posted (the default)" """
    default = POLICIES[record].default
    note = "the default" if not chosen else f"chosen here; the default is {default.words}"
    return f"*{NOUNS[record]}*: {period.words} {POLICIES[record].starts} ({note})"


def retention_text(periods: Mapping[Record, Period], chosen: Mapping[str, str]) -> str:
    """What `/talks retention` shows everyone: how long each kind is kept here, why the defaults, how to change."""
    kept = "\n".join(f"• {kept_line(record, period, chosen=record in chosen)}" for record, period in periods.items())
    why = "\n".join(f"• *{NOUNS[record]}*: {policy.why}." for record, policy in POLICIES.items())
    return (
        f"*How long Programme Talks keeps records in this workspace*\n{kept}\n"
        "Every night, what is past its time is deleted, with the app's messages about it in Slack.\n\n"
        f"*Why these defaults*\n{why}\n{NOT_ADVICE}\n\n"
        "Workspace owners and admins can change one, for example `/talks retention shares 18 months`, or "
        "`/talks retention shares default` to go back to the default."
    )


def retention_usage(typed: str) -> str:
    found = f"I don't know “{t.escape(t.shorten(typed, 40))}” as a kind of record. " if typed else ""
    return (
        f"{found}Say which kind and how long, for example `/talks retention shares 2 years`: the kinds are "
        "`shares`, `requests`, `agreements`, `events` and `audit`. `/talks retention` on its own shows how long "
        "each is kept now. Nothing has changed."
    )


def retention_changed(record: Record, before: Period, after: Period, *, was_default: bool) -> str:
    was = f"{before.words}, the default" if was_default else before.words
    return (
        f"✅ {NOUNS[record]} are now kept for {after.words} {POLICIES[record].starts} (it was {was}). Tonight's "
        "run deletes anything past its time, with its messages in Slack."
    )


def privacy_blocks(periods: Mapping[Record, Period], chosen: Mapping[str, str]) -> list[Block]:
    """`/talks privacy`: what is stored, who sees it, how long it is kept, and how to get or erase it."""
    kept = "\n".join(f"• {kept_line(record, period, chosen=record in chosen)}" for record, period in periods.items())
    return [
        section(
            "*What Programme Talks keeps*\n"
            "• What you post with it: practice you share, collaboration requests and offers of help, agreements, "
            "events and your answers to them, and concerns you report.\n"
            "• Reactions on shares (to count appreciation, and leaders' highlights), champion and leader roles, tags "
            "you follow and when you open its Home tab.\n"
            "• Your Slack id with each of these, not your name or email: Slack shows your name.\n"
            "• An audit trail of who did what (roles, highlights, deletions, reports, exports, erasures, settings): "
            "ids and counts, never your words."
        ),
        section(
            "*Who sees it*\n"
            "• What you share, ask and post is shown in the channel you choose, to that channel's members; an "
            "agreement is shown in its channel and to its parties.\n"
            "• Champions get digests of what is shared, and champions and admins review reported concerns.\n"
            "• Workspace owners and admins can export the workspace's data and its audit trail, and erase the data "
            "of someone who leaves.\n"
            "• Your organisation (or whoever hosts Programme Talks for it) runs its server and database; Slack "
            "holds the messages."
        ),
        section(f"*How long it is kept*\n{kept}\n`/talks retention` says why."),
        section(
            "*Your data*\n"
            "• `/talks my data` sends you a copy of everything Programme Talks holds about you.\n"
            "• `/talks erase me` erases it: you'll see exactly what goes, and confirm, first.\n"
            "• Leaving? A workspace admin can erase your data with `/talks erase @name`.\n"
            "Questions? Ask your organisation's data protection officer."
        ),
    ]


PRIVACY_TEXT = "How Programme Talks looks after your data"


# ---- erasing ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasePerson:
    """What the erase form carries: whose data, and the channel to answer in."""

    user_id: str
    channel_id: str | None = None


@dataclass(frozen=True)
class EraseWorkspace:
    """What the workspace's erase form carries: the word to type, and the channel to answer in."""

    confirm: str
    channel_id: str | None = None


def what_goes(data: PersonData, *, yourself: bool) -> tuple[list[str], list[str]]:
    """What erasing someone deletes, and what stays without their name, as lines naming each kind and how many."""
    your = "your" if yourself else "their"
    n = data.count
    roles = join_and([str(row["role"]) for f in data.found if f.key == "roles" for row in f.rows])
    goes = [
        line
        for number, line in (
            (n("shares"), f"{plural(n('shares'), 'share')} of practice, and {_its(n('shares'))} in Slack"),
            (n("requests"), f"{plural(n('requests'), 'collaboration request')}, and {_its(n('requests'))} in Slack"),
            (
                n("captured_from_you"),
                f"{plural(n('captured_from_you'), 'share or request', 'shares or requests')} "
                f"captured from {your} messages",
            ),
            (n("offers"), plural(n("offers"), "offer") + " of help"),
            (n("reactions"), plural(n("reactions"), "reaction on a share", "reactions on shares")),
            (n("highlights"), plural(n("highlights"), "highlight")),
            (n("roles"), f"{your} {'role' if n('roles') == 1 else 'roles'} ({roles})"),
            (n("event_answers"), plural(n("event_answers"), "answer to an event", "answers to events")),
            (
                n("event_invitations"),
                f"{plural(n('event_invitations'), 'invitation to an event', 'invitations to events')}, "
                f"and {_its(n('event_invitations'))}",
            ),
            (n("follows"), plural(n("follows"), "followed tag")),
            (n("held_posts"), plural(n("held_posts"), "post") + " held after the personal-data check"),
            (
                n("scheduled_messages"),
                f"the record of {plural(n('scheduled_messages'), 'scheduled message')} "
                f"sent to {'you' if yourself else 'them'}",
            ),
            (
                n("concern_notices"),
                f"{plural(n('concern_notices'), 'notice')} of concerns, and {_its(n('concern_notices'))}",
            ),
            (n("home"), f"{your} Home tab visits"),
        )
        if number
    ]
    own = {name for (name, _), rule in ERASURE.items() if rule.fate is Fate.OWN}
    if rest := sum(len(f.rows) for f in data.found if f.table in own and f.key not in _TOLD):
        goes.append(f"{plural(rest, 'other record')} of {'yours' if yourself else 'theirs'}")
    goes.append(f"the app's direct messages to {'you' if yourself else 'them'}")
    agreements = len(
        {(r.get("number"), r.get("title")) for f in data.found if f.key.startswith("agreement") for r in f.rows}
    )
    stays = []
    if agreements:
        stays.append(
            f"In {plural(agreements, 'agreement')}, {your} name becomes “{FORMER_MEMBER}” and notes "
            f"{'you' if yourself else 'they'} wrote are removed, so partners keep a usable record."
        )
    if n("events"):
        stays.append(
            f"{plural(n('events'), 'event')} {'you' if yourself else 'they'} posted "
            f"{'stays' if n('events') == 1 else 'stay'} for the people going, without {your} name or description."
        )
    kept = [f for f in data.found if f.table not in own and not f.key.startswith(("agreement", "events"))]
    if others := sum(len(f.rows) for f in kept):
        kinds = join_and(sorted({_KEPT_AS.get(f.table, f.table.replace("_", " ")) for f in kept}))
        stays.append(
            f"{plural(others, 'other record')} ({kinds}) {'stays' if others == 1 else 'stay'} without {your} name."
        )
    stays.append(
        "The audit trail keeps what happened without the id, and records that an erasure happened: counts only."
    )
    return goes, stays


# What the erase form tells of line by line (captures by them are their shares, told of as shares).
# fmt: off
_TOLD = frozenset((
    "shares", "requests", "captured_from_you", "captured_by_you", "offers", "reactions", "highlights", "roles",
    "event_answers", "event_invitations", "follows", "held_posts", "scheduled_messages", "concern_notices", "home",
))
# fmt: on
_KEPT_AS = {"roles": "appointments", "digest_subscriptions": "digests", "newsletter_drafts": "newsletters"}


def _its(number: int) -> str:
    return "its message" if number == 1 else "their messages"


def erase_person_modal(data: PersonData, who: ErasePerson, metadata: str, *, yourself: bool) -> View:
    goes, stays = what_goes(data, yourself=yourself)
    whose = (
        "everything Programme Talks holds about you"
        if yourself
        else f"what Programme Talks holds about <@{who.user_id}>"
    )
    copy = (
        "Want a copy first? Cancel, and type `/talks my data`."
        if yourself
        else ("They can get a copy first with `/talks my data`.")
    )
    return View(
        type="modal",
        callback_id=V.ERASE_PERSON,
        private_metadata=metadata,
        title="Erase my data" if yourself else "Erase someone's data",
        submit="Erase",
        close="Cancel",
        blocks=[
            section(f"This erases {whose}. It can't be undone.\n\n*What goes*\n" + "\n".join(f"• {g}" for g in goes)),
            section("*What stays*\n" + "\n".join(f"• {s}" for s in stays)),
            context(copy),
        ],
    )


def erase_workspace_modal(counts: Mapping[str, int], confirm: str, metadata: str) -> View:
    total = sum(counts.values())
    main = [
        plural(counts.get(name, 0), noun)
        for name, noun in (
            ("shares", "share"),
            ("collab_requests", "request"),
            ("agreements", "agreement"),
            ("events", "event"),
            ("roles", "role"),
        )
        if counts.get(name)
    ]
    holding = f" ({join_and(main)}, {plural(total, 'record')} in all)" if main else f" ({plural(total, 'record')})"
    return View(
        type="modal",
        callback_id=V.ERASE_WORKSPACE,
        private_metadata=metadata,
        title="Erase this workspace",
        submit="Erase everything",
        close="Cancel",
        blocks=[
            section(
                f"This deletes every record Programme Talks holds for this workspace{holding}, for everyone, and "
                "can't be undone. Digests, reminders and roles stop. A short record that the erasure happened stays "
                "in the audit trail.\n\nMessages already posted in Slack channels stay: delete them in Slack if you "
                "need to. Want a copy first? Cancel, and type `/talks export all`."
            ),
            text_input(
                B.ERASE_CONFIRM,
                "Type the workspace's name to confirm",
                100,
                None,
                confirm,
                hint=f"Its name in its Slack address: {t.escape(confirm)}",
            ),
        ],
    )


def erase_usage() -> str:
    return (
        "Whose data should I erase? `/talks erase me` erases yours (you'll see what goes, and confirm, first). "
        "Workspace owners and admins can erase someone who has left with `/talks erase @name`, or everything with "
        "`/talks erase workspace`. Nothing has changed."
    )


def erased_summary(deleted: Mapping[str, int], anonymised: Mapping[str, int], messages: int) -> str:
    """How much went, in words: "3 shares, 1 collaboration request and 2 reactions"."""
    names = {
        "shares": "share",
        "collab_requests": "collaboration request",
        "collab_offers": "offer",
        "reactions": "reaction",
        "highlights": "highlight",
        "roles": "role",
        "event_rsvps": "event answer",
    }
    parts = [plural(number, noun) for name, noun in names.items() if (number := deleted.get(name, 0))]
    others = sum(v for k, v in deleted.items() if k not in names)
    if others:
        parts.append(plural(others, "other record"))
    said = join_and(parts) if parts else "no records of its own"
    if kept := sum(anonymised.values()):
        said += f"; {plural(kept, 'shared record')} kept without the name"
    if messages:
        said += f"; {plural(messages, 'message')} deleted in Slack"
    return said
