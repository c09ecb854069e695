"""Jobs: the slow part of a handler's work, recorded in the outbox before Slack is answered, done after.

A job function is a module-level function marked with `@after_ack`, called as `work(run, *args)`: `args` are
plain JSON data (Slack's payload, ids, words), so a job can wait in the database and be done by any worker
process. A job may be done more than once (a worker killed halfway, a passing fault), so each one records the
steps it has finished through `run`: a database change is noted in the same transaction as the change, and a
Slack message goes through `run.post_once`, which carries a marker in the message's metadata and, on a later
attempt, looks in the channel for it before posting again. Answers through a response_url are not repeated
this carefully: at worst the person sees the same note twice.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.blocks import Block
from sqlalchemy.orm import Session

from domain.quiet import Notice, notice_allowed
from handlers.context import JOB_MARK, Deps, TalksRequest, respond_to
from handlers.publish import PASSING, NotPosted, Posted, post_message
from storage import jobs as store
from storage import quiet
from storage.jobs import JobRecord

log = logging.getLogger(__name__)

MARKER_EVENT = "programme_talks_post"  # the metadata event_type on every message a job posts
HISTORY_PAGES = 3  # pages of a channel's history read when looking for a job's message


def resolve(name: str) -> Callable[..., None]:
    """The job function a queued job names; ValueError for anything that is not one of ours."""
    module, _, qualname = name.partition(":")
    if not module.startswith(("handlers.", "bot.")) or not qualname.isidentifier():
        raise ValueError(f"{name!r} is not a job function")
    work = getattr(importlib.import_module(module), qualname, None)
    if not callable(work) or not getattr(work, JOB_MARK, False):
        raise ValueError(f"{name!r} is not a job function")
    return work


class NotMine(Exception):
    """This worker no longer holds the job (its claim went stale and another worker took it over)."""


class CantCheck(Exception):
    """Slack couldn't say just now whether a job's message was already posted: try the job again later rather
    than risk posting it twice."""


@dataclass
class JobRun:
    """One attempt at a job: what it needs to work, and how it records its steps."""

    record: JobRecord
    client: WebClient
    deps: Deps
    worker: str
    final: bool = False  # this is the job's last try: tell people now what could not be done

    @property
    def attempt(self) -> int:
        return self.record.attempts

    def done(self, step: str) -> bool:
        """Whether an earlier attempt finished this step."""
        return step in self.record.state

    def value(self, step: str) -> Any:
        """What an earlier attempt recorded for this step (None if it did not finish it)."""
        return self.record.state.get(step)

    def note(self, session: Session, step: str, value: Any = True) -> None:
        """Record a step as done, in the caller's transaction: it commits (or not) with the step's own change."""
        if not store.record_step(session, job_id=self.record.id, worker=self.worker, step=step, value=value):
            raise NotMine(f"job {self.record.id} was taken over by another worker")
        self.record.state[step] = value

    def post_once(
        self, step: str, channel_id: str, blocks: Sequence[Block | dict], text: str, *, permalink: bool = False
    ) -> Posted | NotPosted:
        """Post a message exactly once for this step of the job, however many attempts the job takes."""
        if (done := self.value(step)) is not None:
            return Posted(channel_id=done["channel_id"], ts=done["ts"], permalink=done.get("permalink"))
        marker = f"job:{self.record.id}:{step}"
        if self.attempt > 1 and (found := find_marked(self.client, channel_id, marker, since=self.record.created_at)):
            result: Posted | NotPosted = found
        else:
            metadata = {"event_type": MARKER_EVENT, "event_payload": {"key": marker}}
            result = post_message(self.client, channel_id, blocks, text, permalink=permalink, metadata=metadata)
        if isinstance(result, Posted):
            posted = {"channel_id": result.channel_id, "ts": result.ts, "permalink": result.permalink}
            with self.deps.sessions.begin() as session:
                self.note(session, step, posted)
        return result

    def notify_once(
        self,
        step: str,
        user_id: str,
        blocks: Sequence[Block | dict],
        text: str,
        *,
        notice: Notice,
        link: str | None = None,
    ) -> Posted | NotPosted | Held:
        """A direct message the app sends someone on its own (not an answer to what they did, nor a question
        waiting for their answer), once: while they are paused it is held, and counted with `link` (what it was
        about) in the one message they get when back (bot.delivery.quiet); of a kind they turned off, it is not
        sent. Otherwise it is posted as post_once does."""
        if self.value(step) is None:
            held = self.value(f"{step}:held")
            if held is None:
                with self.deps.sessions.begin() as session:
                    held = _hold_back(session, self.record.team_id, user_id, notice, link, self.deps.clock())
                    if held:
                        self.note(session, f"{step}:held", held)
            if held:
                back_on = held.get("back_on")
                return Held(dt.date.fromisoformat(back_on) if back_on else None)
        return self.post_once(step, user_id, blocks, text)


@dataclass(frozen=True)
class Held:
    """A direct message not sent: held while its person is paused until `back_on`, or (None) of a kind they turned
    off."""

    back_on: dt.date | None


def _hold_back(
    session: Session, team_id: str, user_id: str, notice: Notice, link: str | None, now: dt.datetime
) -> dict[str, str | None]:
    """Whether to hold back a notice to someone (then recorded for their catch-up): {} to send it now."""
    found = quiet.quiet_of(session, people=[(team_id, user_id)], now=now).get((team_id, user_id))
    if found is None:
        return {}
    if not notice_allowed(notice, found.turned_off):
        return {"back_on": None}
    if found.paused is None:
        return {}
    quiet.hold_notice(session, team_id=team_id, user_id=user_id, notice=notice, link=link, now=now)
    return {"back_on": found.paused.back_on.isoformat()}


def talks_request(run: JobRun, command: dict) -> TalksRequest:
    """A `/talks` command, answered from a job: Slack has had its answer, so `ack` does nothing."""
    words = (command.get("text") or "").split(maxsplit=1)
    verb, rest = (words[0].lower() if words else ""), (words[1].strip() if len(words) > 1 else "")
    return TalksRequest(_acknowledged, command, respond_to(command), run.client, run.deps, verb, rest)


def _acknowledged(*_: object, **__: object) -> None:
    """The acknowledgement of a request whose job is running: Slack was answered before the job was done."""


def find_marked(client: WebClient, channel_id: str, marker: str, *, since: dt.datetime) -> Posted | None:
    """The app's message in this channel (or direct messages with this person) carrying `marker` in its
    metadata, posted since a moment; None when there is none, or when Slack refuses for good (the channel is
    gone: posting will say so). Raises CantCheck when Slack is busy or unreachable."""
    try:
        channel = channel_id
        if channel_id.startswith(("U", "W")):  # a person: their direct messages with the app
            channel = client.conversations_open(users=channel_id)["channel"]["id"]
        cursor = None
        for _ in range(HISTORY_PAGES):
            page = client.conversations_history(
                channel=channel,
                oldest=f"{since.timestamp() - 60:.6f}",  # a minute's slack for clocks that differ
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )
            for message in page.get("messages") or []:
                payload = (message.get("metadata") or {}).get("event_payload") or {}
                if payload.get("key") == marker:
                    return Posted(channel_id=channel, ts=message["ts"], permalink=None)
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
    except SlackApiError as error:
        code = str(error.response.get("error") or "")
        if error.response.status_code == 429 or error.response.status_code >= 500 or code in PASSING:
            raise CantCheck(code or f"http_{error.response.status_code}") from error
        log.warning("could not look for %s in %s: %s", marker, channel_id, code)
    except (SlackClientError, OSError) as error:
        raise CantCheck("connection_error") from error
    return None
