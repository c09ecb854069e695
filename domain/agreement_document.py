"""A written agreement as it is kept and handed out: the snapshot stored with every version, what changed between
two, and the Markdown document people export to share outside Slack (user text made inert)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from domain.agreements import (
    AGREED,
    CREDITED,
    DRAFT,
    ENDED,
    OUTCOMES,
    AgreementRecord,
    Party,
    cadence_words,
    long_date,
)
from domain.words import ERASED, FORMER_MEMBER

_SNAPSHOT_LABELS = {
    "start_date": "start date",
    "end_date": "end date",
    "comms_internal": "talking about it inside",
    "comms_external": "talking about it outside",
    "recognition": "recognition",
    "review_every_days": "how often to review",
    "next_review": "next review",
    "parties": "who does what",
}


def snapshot(record: AgreementRecord) -> dict[str, object]:
    """The whole agreement as JSON-ready values, kept with every version."""
    return {
        "title": record.title,
        "version": record.version,
        "start_date": record.start_date.isoformat(),
        "end_date": record.end_date.isoformat(),
        "comms_internal": record.comms_internal,
        "comms_external": record.comms_external,
        "recognition": record.recognition,
        "review_every_days": record.review_every_days,
        "next_review": record.next_review.isoformat() if record.next_review else None,
        "parties": [
            {
                "user_id": p.user_id,
                "organisation": p.organisation,
                "contact": p.contact,
                "responsibility": p.responsibility,
            }
            for p in record.parties
        ],
    }


def changed_fields(before: Mapping[str, object], after: Mapping[str, object]) -> list[str]:
    """Plain names of what differs between two snapshots."""
    return [label for key, label in _SNAPSHOT_LABELS.items() if before.get(key) != after.get(key)]


_TOKEN = re.compile(r"\bx(?:ox[a-z]|app)-[A-Za-z0-9-]+", re.IGNORECASE)
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~&])")
_MD_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")


def md(text: str) -> str:
    """User text made inert in Markdown: no HTML, links, emphasis or headings of its own, no Slack tokens."""
    text = _TOKEN.sub("(removed)", text)
    lines = [_MD_LINE_START.sub(r"\1\\\2", _MD_INLINE.sub(r"\\\1", line)) for line in text.splitlines()]
    return "\n".join(lines)


def export_markdown(record: AgreementRecord, names: Mapping[str, str], *, today: dt.date, tz: ZoneInfo) -> str:
    """The written agreement as a Markdown document, with its versions and review history.

    `names` maps Slack user ids to display names; people not in it are shown by their id.
    """

    def who(user_id: str) -> str:
        if user_id == ERASED:
            return FORMER_MEMBER
        return "@" + md(names.get(user_id) or user_id)

    def party_name(party: Party) -> str:
        if party.user_id:
            return who(party.user_id)
        if not party.contact:  # a party erased since: "a former member"
            return md(party.organisation or "")
        return f"{md(party.organisation or '')} (contact: {md(party.contact)})"

    def quote(text: str) -> str:
        return "\n".join(f"> {line}" if line else ">" for line in md(text).splitlines())

    status = {DRAFT: "Draft: waiting for confirmation", AGREED: "Agreed", ENDED: "Ended"}[record.status]
    out = [
        f"# Agreement #{record.number}: {md(record.title)}",
        "",
        f"**Status:** {status} (version {record.version})  ",
        f"**Runs:** {long_date(record.start_date)} to {long_date(record.end_date)}  ",
        f"**Exported:** {long_date(today)}",
        "",
        "## Parties and who does what",
    ]
    for party in record.parties:
        confirmed = ""
        if party.user_id:
            confirmed = " (confirmed)" if party.confirmed else " (not yet confirmed)"
        out += ["", f"### {party_name(party)}{confirmed}", "", quote(party.responsibility)]
    out += ["", "## How we will talk about it", "", "**Inside our organisations**", "", quote(record.comms_internal)]
    out += ["", "**Outside**", "", quote(record.comms_external)]
    out += ["", "## How each party will be recognised", "", quote(record.recognition), "", "## Reviews", ""]
    every = cadence_words(record.review_every_days)
    if record.next_review:
        out.append(f"Next review: {long_date(record.next_review)}, then {every}.")
    else:
        out.append("No more reviews: the agreement has ended.")
    for review in record.reviews:
        out += ["", f"### Review of {long_date(review.review_date)}: {OUTCOMES.get(review.outcome, review.outcome)}"]
        out += ["", f"Recorded by {who(review.recorded_by)} on {long_date(review.recorded_at.astimezone(tz).date())}."]
        out += ["", "**What has been achieved**", "", quote(review.achieved), ""]
        out.append(f"**Every party credited as agreed?** {CREDITED.get(review.credited, review.credited)}")
        if review.credit_note:
            out += ["", quote(review.credit_note)]
    if not record.reviews:
        out += ["", "No reviews recorded yet."]
    out += ["", "## Versions"]
    previous: Mapping[str, object] | None = None
    for version in record.versions:
        when = long_date(version.created_at.astimezone(tz).date())
        out += ["", f"### Version {version.version}: {when}, by {who(version.changed_by)}"]
        if version.note:
            out += ["", quote(version.note)]
        if previous is not None and (changed := changed_fields(previous, version.snapshot)):
            out += ["", "Changed: " + ", ".join(changed) + "."]
        previous = version.snapshot
    return "\n".join(out) + "\n"
