"""Publishing someone's Home tab: when they open it, and again when something on it changes.

Opening it is recorded (storage.home.record_home_opened): the first visit shows a welcome, and only people who
have opened their tab are ever refreshed. A refresh costs one snapshot (a fixed handful of queries) and one
views.publish per person, each person once however often a change names them. Code already in a job calls
`refresh_homes(run, team_id, people)` last, once the person who acted has been answered; a listener hands a
refresh over with `home_changed(deps, body, team_id, people)`; scheduled work records one in its own transaction
with `refresh_homes_in(session, team_id, people, key)`.

Whose tab a change shows on: a request's requester and the people who offered on it; an agreement's Slack
parties; an event's invited people and those going or interested; someone given or relieved of a role. A share is
on nobody's tab.

A tab that Slack won't take is logged and left, and the work that changed it carries on: it is published afresh
next time it is opened.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session

from handlers.context import Deps, Job, after_ack, job_name, request_id
from handlers.home.blocks import home_view
from handlers.jobs import JobRun
from storage import home as store
from storage import jobs as jobs_store

log = logging.getLogger(__name__)


@after_ack
def show_home(run: JobRun, team_id: str, user_id: str) -> None:
    """Someone opened their Home tab: note the visit (once, however often the job runs), then publish it."""
    if not run.done("visit"):
        with run.deps.sessions.begin() as session:
            visits = store.record_home_opened(session, team_id=team_id, user_id=user_id, now=run.deps.clock())
            run.note(session, "visit", visits)
    publish_home(run.client, run.deps, team_id, user_id)


@after_ack
def refresh_homes_later(run: JobRun, team_id: str, user_ids: list[str]) -> None:
    refresh_homes(run, team_id, user_ids)


def refresh_homes(run: JobRun, team_id: str, user_ids: Sequence[str]) -> list[str]:
    """Publish again the Home tab of those of these people who have opened theirs before; who they were."""
    with run.deps.sessions.begin() as session:
        visitors = store.home_visitors(session, team_id=team_id, user_ids=user_ids)
    return [user_id for user_id in visitors if publish_home(run.client, run.deps, team_id, user_id)]


def home_changed(deps: Deps, body: dict, team_id: str, user_ids: Sequence[str]) -> None:
    """From a listener: have these people's Home tabs refreshed after Slack is answered."""
    key = {"team_id": team_id, "event_id": f"home:{request_id(body)}"}
    deps.hand_over(Job(refresh_homes_later, (team_id, list(user_ids))), key)


def refresh_homes_in(session: Session, team_id: str, user_ids: Sequence[str], key: str) -> None:
    """From scheduled work, in its transaction: record a refresh of these people's Home tabs (those who have opened
    theirs), once for `key`, for a job runner to do; nothing when none of them has opened it."""
    visitors = store.home_visitors(session, team_id=team_id, user_ids=user_ids)
    if visitors:
        name = job_name(refresh_homes_later)
        now = dt.datetime.now(dt.UTC)  # the outbox runs on the real clock, whatever moment the scheduler runs for
        jobs_store.add_job(session, team_id=team_id, name=name, key=f"home:{key}", args=[team_id, visitors], now=now)


def publish_home(client: WebClient, deps: Deps, team_id: str, user_id: str) -> bool:
    """Compose someone's Home tab and publish it; False when Slack would not take it."""
    now = deps.clock()
    with deps.sessions.begin() as session:
        snapshot = store.home_snapshot(session, team_id=team_id, user_id=user_id, now=now, tz=deps.tz)
    try:
        client.views_publish(user_id=user_id, view=home_view(snapshot, now=now, tz=deps.tz))
    except (SlackApiError, SlackClientError, OSError) as error:
        log.warning("could not publish the Home tab of %s: %s", user_id, error)
        return False
    return True
