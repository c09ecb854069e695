"""Telling Slack about an agreement once its transaction has closed: the channel's summary, kept up to date,
direct messages asking parties to confirm, and its parties' Home tabs. Also reading the agreement a button or form
is about."""

from __future__ import annotations

import handlers.agreements.messages as messages
from domain import agreements as ag
from domain.words import ERASED
from handlers.context import Deps, after_ack
from handlers.home.refresh import refresh_homes
from handlers.jobs import JobRun
from handlers.publish import Posted, update_message
from storage import agreements as store


@after_ack
def publish(run: JobRun, team_id: str, number: int) -> None:
    """A job: bring the agreement's summary, and its parties' Home tabs, up to date (a review was recorded)."""
    record, _ = publish_summary(run, team_id, number)
    refresh_parties(run, record)


def publish_summary(run: JobRun, team_id: str, number: int) -> tuple[ag.AgreementRecord, bool]:
    """Bring the channel's summary up to date: update it, or post it if it never was or has been deleted.
    Returns the agreement and whether its summary is now in the channel.

    One agreement's summary is published by one thread at a time, so two parties confirming at the same
    moment never post it twice; each publishes what the database holds once it has its turn.
    """
    client, deps = run.client, run.deps
    with deps.one_at_a_time.hold(("agreement summary", team_id, number)):
        with deps.sessions.begin() as session:
            record = store.get_agreement(session, team_id=team_id, number=number)
        if record is None:
            raise LookupError(f"agreement #{number} in {team_id} is gone")
        blocks, text = messages.summary_message(record, deps.today()), messages.summary_text(record)
        if record.message_ts:
            problem = update_message(client, record.channel_id, record.message_ts, blocks, text)
            if problem is None or problem.error != "message_not_found":
                return record, problem is None
        # The first time, or its summary was deleted: once for this job, however many times it runs.
        result = run.post_once(
            f"summary {record.message_ts or 'first'}", record.channel_id, blocks, text, permalink=True
        )
        if not isinstance(result, Posted):
            return record, False
        with deps.sessions.begin() as session:
            store.record_agreement_posted(
                session, team_id=team_id, number=number, ts=result.ts, permalink=result.permalink
            )
        return record, True


def refresh_parties(run: JobRun, record: ag.AgreementRecord) -> None:
    """Publish again the Home tabs of the agreement's Slack parties (those who have opened theirs)."""
    refresh_homes(run, record.team_id, record.slack_parties)


def ask_to_confirm(run: JobRun, record: ag.AgreementRecord, user_ids: list[str], intro: str) -> None:
    """Ask each of these parties, by direct message, to confirm the current version (once each)."""
    message = messages.confirm_request(record, intro, run.deps.today())
    for user_id in user_ids:
        run.post_once(f"asked {user_id}", user_id, message, f"Please confirm agreement #{record.number}")


def read_agreement(deps: Deps, team_id: str, number: str) -> ag.AgreementRecord | None:
    """The agreement a button names by number ("12"), or None when it is not there."""
    with deps.sessions.begin() as session:
        return store.get_agreement(session, team_id=team_id, number=parse_number(number) or 0)


def parse_number(word: str) -> int | None:
    """An agreement's number as someone typed it ("3", "#3"), or None."""
    word = word.strip().lstrip("#")
    return int(word) if word.isdigit() and len(word) < 9 else None


def ask_creator(record: ag.AgreementRecord) -> str:
    if record.created_by == ERASED:  # who wrote it has left: its parties are the ones to ask
        return "If you think you should be one of them, have a word with its parties."
    return f"If you think you should be one of them, have a word with <@{record.created_by}>, who wrote it."
