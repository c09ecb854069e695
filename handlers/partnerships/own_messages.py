"""The messages a workspace's own shares and requests have, changed when their sharing with the partnership changes
(shared, withdrawn, or the workspace left): a job of the outbox, in that workspace, with its token.

Apart from handlers.partnerships.withdrawing, which handlers.shares uses when something is deleted: this module
reads shares and requests back through handlers.shares.posting.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from handlers.context import Deps, Job, after_ack
from handlers.jobs import JobRun
from handlers.partnerships.withdrawing import hand_over_digest_changes, job_body
from handlers.publish import update_message
from handlers.shares.posting import KINDS
from storage import partnerships as ps


def hand_over_unshowing(deps: Deps, session: Session, left: ps.Left, *, own: str, team_id: str, key: str) -> None:
    """After a workspace left its partnership: its own messages, partners' digests that showed its items, and its
    digests that showed partners' items, all changed (each workspace's by a job of its own)."""
    if left.withdrawn:
        items = [[item.kind, item.id] for item in left.withdrawn]
        deps.hand_over_in(session, Job(show_partner_states, (team_id, items)), job_body(team_id, f"{key}:own"))
    withdrawn = [(item, own) for item in left.withdrawn]
    hand_over_digest_changes(deps, session, withdrawn, teams=left.others, key=f"{key}:ours")
    theirs = [(item, ps.organisation_name(session, team_id=item.team_id)) for item in left.others_items]
    hand_over_digest_changes(deps, session, theirs, teams=[team_id], key=f"{key}:theirs")


@after_ack
def show_partner_states(run: JobRun, team_id: str, items: list[list]) -> None:
    """Show again these shares' and requests' own messages, now that their sharing with the partnership changed."""
    for kind, item_id in items:
        with run.deps.sessions.begin() as session:
            card = KINDS[kind].get(session, team_id, int(item_id))
        if card is not None and card.message_ts:
            update_message(run.client, card.channel_id, card.message_ts, *KINDS[kind].message(card))
