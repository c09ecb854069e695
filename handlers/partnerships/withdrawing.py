"""When something stops being shared with a partnership (withdrawn, or its workspace left): the messages about it are
changed in every workspace, each with its own token (a job per workspace, recorded in the transaction that withdrew
it).

- Its own message (in its own workspace) shows it is no longer shared.
- Partners' digests that showed it (those due from when it was shared to domain.partnerships.PARTNER_WINDOW
  after) are read back from Slack, and its block (found by its block_id) now says it was withdrawn.

Search results were shown only to the person who searched, at a moment: they can't be changed, and the next search
leaves it out.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session

from domain import partnerships as dp
from handlers.blocks import mrkdwn
from handlers.context import Deps, Job, after_ack
from handlers.jobs import JobRun
from handlers.publish import passing
from storage import partner_items as pi
from storage import partnerships as ps
from storage.concerns import Kind as ConcernKind

log = logging.getLogger(__name__)


class SlackBusy(Exception):
    """Slack was busy or unreachable while a digest was read back or changed: the job tries again later."""


def withdraw_from_partners(deps: Deps, session: Session, *, team_id: str, kind: str, item_id: int, key: str) -> None:
    """A share or request reported as a concern, or about to be deleted (by its author, or by a decision on a
    concern): if it was shared with the partnership, it is no longer, and partners' digests that showed it are
    changed to say it was withdrawn, by jobs recorded in the caller's transaction. (Restored after a concern, its
    author may share it again.)"""
    withdrawn = ps.withdraw_item(session, team_id=team_id, kind=kind, item_id=item_id)
    if withdrawn is None:
        return
    own = ps.organisation_name(session, team_id=team_id)
    partners = ps.partner_teams(session, partnership=withdrawn.partnership, besides=team_id)
    hand_over_digest_changes(deps, session, [(withdrawn, own)], teams=partners, key=key)


# What a concern can be about that may have been shared with partners: its kind there.
_PARTNER_KINDS = {ConcernKind.SHARE: dp.SHARE, ConcernKind.REQUEST: dp.REQUEST}


def withdraw_concern_subject(
    deps: Deps, session: Session, *, kind: ConcernKind, team_id: str, subject_id: int, key: str
) -> None:
    """What a concern is about (reported, or removed after it) leaves partners' digests, if it is a kind that may
    have been shared with them; see withdraw_from_partners."""
    if kind in _PARTNER_KINDS:
        withdraw_from_partners(deps, session, team_id=team_id, kind=_PARTNER_KINDS[kind], item_id=subject_id, key=key)


def hand_over_digest_changes(
    deps: Deps, session: Session, items: Sequence[tuple[ps.SharedItem, str]], *, teams: Sequence[str], key: str
) -> None:
    """For each of `teams`, a job changing its digests that showed these items (with their organisations' names)."""
    work: dict[str, tuple[list[list[str]], list[list[object]]]] = {}
    for item, organisation in items:
        for post in pi.digests_showing(session, team_ids=teams, shared_at=item.shared_at):
            posts, shown = work.setdefault(post.team_id, ([], []))
            if [post.target, post.message_ts] not in posts:
                posts.append([post.target, post.message_ts])
            if [item.kind, item.id, organisation] not in shown:
                shown.append([item.kind, item.id, organisation])
    for team_id, (posts, shown) in sorted(work.items()):
        deps.hand_over_in(session, Job(unshow_in_digests, (posts, shown)), job_body(team_id, f"{key}:{team_id}"))


def job_body(team_id: str, key: str) -> dict:
    """What a job for another workspace is recorded with: that workspace (so it runs with its token) and a key."""
    return {"team_id": team_id, "trigger_id": key}


@after_ack
def unshow_in_digests(run: JobRun, posts: list[list[str]], items: list[list]) -> None:
    """In each of these digests (this workspace's, [target, ts]), the blocks showing these items ([kind, id,
    organisation]) say instead that they were withdrawn. Each digest is changed once, however often the job runs."""
    replacing = {dp.item_block_id(kind, int(item_id)): dp.withdrawn_text(kind, org) for kind, item_id, org in items}
    for target, ts in posts:
        step = f"unshown {target} {ts}"
        if run.done(step):
            continue
        _unshow(run.client, target, ts, replacing)  # SlackBusy: the job is tried again, from this digest
        with run.deps.sessions.begin() as session:
            run.note(session, step)


def _unshow(client: WebClient, target: str, ts: str, replacing: dict[str, str]) -> None:
    try:
        channel = target
        if target.startswith(("U", "W")):  # a champion's copy: their direct messages with the app
            channel = client.conversations_open(users=target)["channel"]["id"]
        found = client.conversations_history(channel=channel, latest=ts, inclusive=True, limit=1)
    except SlackApiError as error:
        code = str(error.response.get("error") or "")
        if passing(code) or error.response.status_code == 429:
            raise SlackBusy(code) from error
        log.info("could not read back a digest in %s: %s", target, code)
        return
    except (SlackClientError, OSError) as error:
        raise SlackBusy("connection_error") from error
    message = next((m for m in found.get("messages") or [] if m.get("ts") == ts), None)
    if message is None:
        return  # deleted: nothing left to change
    blocks = [dict(block) for block in message.get("blocks") or []]
    changed = False
    for index, block in enumerate(blocks):
        said = replacing.get(str(block.get("block_id") or ""))
        if said is not None:
            blocks[index] = {"type": "section", "block_id": block["block_id"], "text": mrkdwn(said).to_dict()}
            changed = True
    if not changed:
        return
    try:
        client.chat_update(channel=channel, ts=ts, blocks=blocks, text=message.get("text") or "Programme Talks digest")
    except SlackApiError as error:
        code = str(error.response.get("error") or "")
        if passing(code) or error.response.status_code == 429:
            raise SlackBusy(code) from error
        log.info("could not change a digest in %s: %s", target, code)
    except (SlackClientError, OSError) as error:
        raise SlackBusy("connection_error") from error
