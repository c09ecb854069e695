"""Every message the app posted about a reported thing, brought in line with what the database now holds: hidden
(each feature's builder shows a hidden record as a note saying so), shown again, or removed. And whose Home tab
shows it, to publish theirs again.

Updating a message to what the database holds can be done any number of times with the same result, so a job
that hides or restores may be done again after a crash without harm.
"""

from __future__ import annotations

from collections.abc import Iterable

from slack_sdk.models.blocks import Block
from sqlalchemy.orm import Session

import handlers.agreements.messages as agreement_messages
import handlers.meetups.blocks as meetup_blocks
import handlers.shares.blocks as share_blocks
from handlers.jobs import JobRun
from handlers.publish import delete_message, update_message
from storage import agreements as ags
from storage import meetups as ms
from storage import requests as rs
from storage import shares as ss
from storage.concerns import Kind, Where

Shown = tuple[str, str, list[Block], str]  # channel, ts, blocks, notification text


def show_everywhere(run: JobRun, kind: Kind, team_id: str, subject_id: int) -> None:
    """Update every message showing the thing to what the database holds now (hidden, or shown again)."""
    deps = run.deps
    if kind is Kind.AGREEMENT:  # one agreement's summary is changed by one thread at a time (see publishing)
        with deps.one_at_a_time.hold(("agreement summary", team_id, subject_id)):
            _update(run, _messages(run, kind, team_id, subject_id))
    else:
        _update(run, _messages(run, kind, team_id, subject_id))


def remove_everywhere(run: JobRun, messages: Iterable[Where]) -> None:
    """Delete the messages that showed something now deleted (a message already gone is fine)."""
    for where in messages:
        delete_message(run.client, where.channel_id, where.ts)


def shown_on_homes(session: Session, kind: Kind, team_id: str, subject_id: int) -> list[str]:
    """Whose Home tab shows the thing (while it is not hidden): a request's requester and the people who offered on
    it, an agreement's Slack parties, an event's invited people and those going or interested. A share is on
    nobody's."""
    if kind is Kind.REQUEST:
        request = rs.get_request(session, team_id=team_id, request_id=subject_id)
        return [request.requester_id, *request.offerers] if request else []
    if kind is Kind.AGREEMENT:
        agreement = ags.get_agreement(session, team_id=team_id, number=subject_id)
        return list(agreement.slack_parties) if agreement else []
    if kind is Kind.EVENT:
        meetup = ms.get_meetup(session, team_id=team_id, meetup_id=subject_id)
        if meetup is None:
            return []
        copies = ms.list_meetup_copies(session, team_id=team_id, meetup_id=subject_id)
        return [*(copy.invited_user for copy in copies if copy.invited_user), *meetup.going, *meetup.interested]
    return []


def _update(run: JobRun, messages: list[Shown]) -> None:
    for channel_id, ts, blocks, text in messages:
        update_message(run.client, channel_id, ts, blocks, text)


def _messages(run: JobRun, kind: Kind, team_id: str, subject_id: int) -> list[Shown]:
    deps = run.deps
    with deps.sessions.begin() as session:
        if kind is Kind.SHARE:
            share = ss.get_share(session, team_id=team_id, share_id=subject_id)
            if share is None or not share.message_ts:
                return []
            blocks, text = share_blocks.share_message(share), share_blocks.share_text(share)
            return [(share.channel_id, share.message_ts, blocks, text)]
        if kind is Kind.REQUEST:
            request = rs.get_request(session, team_id=team_id, request_id=subject_id)
            if request is None or not request.message_ts:
                return []
            blocks, text = share_blocks.request_message(request), share_blocks.request_text(request)
            return [(request.channel_id, request.message_ts, blocks, text)]
        if kind is Kind.AGREEMENT:
            agreement = ags.get_agreement(session, team_id=team_id, number=subject_id)
            if agreement is None or not agreement.message_ts:
                return []
            blocks = agreement_messages.summary_message(agreement, deps.today())
            return [(agreement.channel_id, agreement.message_ts, blocks, agreement_messages.summary_text(agreement))]
        meetup = ms.get_meetup(session, team_id=team_id, meetup_id=subject_id)
        if meetup is None:
            return []
        copies = ms.list_meetup_copies(session, team_id=team_id, meetup_id=subject_id)
    text = meetup_blocks.meetup_text(meetup, deps.tz)
    return [
        (
            copy.channel_id,
            copy.message_ts,
            meetup_blocks.meetup_message(meetup, deps.tz, invited=bool(copy.invited_user)),
            text,
        )
        for copy in copies
        if copy.message_ts
    ]
