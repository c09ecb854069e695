"""The direct messages that told champions and admins about a concern, shown again as the concern now stands: after
someone named in it is erased (they become "a former member"), or after what was reported is deleted by its author's
erasure or at the end of its retention period (its words go from those messages; what was reported and decided
stays). Updating a message to what the database holds can be done any number of times with the same result.
"""

from __future__ import annotations

from collections.abc import Sequence

import handlers.concerns.blocks as cb
from handlers.context import after_ack
from handlers.jobs import JobRun
from handlers.publish import update_message
from storage import concerns as cs


def show_notices(run: JobRun, team_id: str, concern_ids: Sequence[int]) -> None:
    """Show each concern's messages to champions and admins again, as it stands now."""
    for concern_id in concern_ids:
        with run.deps.sessions.begin() as session:
            concern = cs.get_concern(session, team_id=team_id, concern_id=concern_id)
            if concern is None:
                continue
            subject = None
            if concern.status is cs.Status.OPEN and not concern.subject_deleted_at:
                subject = cs.get_subject(session, team_id=team_id, kind=concern.kind, subject_id=concern.subject_id)
            notices = cs.list_notices(session, team_id=team_id, concern_id=concern_id)
        blocks, text = cb.notice_blocks(concern, subject), cb.notice_text(concern)
        for notice in notices:
            update_message(run.client, notice.channel_id, notice.ts, blocks, text)


@after_ack
def refresh_notices(run: JobRun, team_id: str, concern_ids: list[int]) -> None:
    """show_notices as a job of the outbox: the retention duty hands it over in the transaction that deleted what
    was reported."""
    show_notices(run, team_id, concern_ids)
