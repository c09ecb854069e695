"""The buttons on the personal-data check's question after a quick `/share` or `/collab` (handlers.shares.commands
holds the words and asks).

**Edit** opens the form filled in with the held words, what was found at its top; sending it posts as any form
does, and forgets the held words. **It holds no child's or private personal data: post it** takes the held words,
once, and hands their saving and posting to a job, recorded in the same transaction; the job records the override
in the audit trail with the share or request it saves. In strict mode only Edit is offered, and a press on an
older message is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

import handlers.shares.blocks as blocks
from domain import shares as checks
from domain import text as t
from handlers import personal_data as pd
from handlers.context import NOT_TAKEN, Deps, Job, after_ack, respond_to
from handlers.jobs import JobRun
from handlers.metadata import to_metadata
from handlers.publish import Posted, say
from handlers.shares.commands import save_and_post_quick
from storage import held_posts as hp
from storage import workspaces as ws

HOURS = int(hp.HOLD_FOR.total_seconds() // 3600)
GONE = (
    f"Sorry, I no longer have those words: I keep them for {HOURS} hours, and only until they are posted or sent "
    "from the form. Please type them again."
)
ALREADY = (
    f"Nothing more to do: those words were already posted or sent from the form (or, after {HOURS} hours, forgotten)."
)
STRICT_NOW = (
    "This workspace doesn't post anything that looks like personal data, so I can't post this as it is. Press "
    "*Edit* to change it."
)
LABELS = {checks.SHARE: "What we did", checks.REQUEST: "What partner or help you are looking for"}


@dataclass(frozen=True)
class HeldForm:
    """What a form opened from held words carries: where to post, and which held words it replaces. (A share or
    request form reads its channel_id as a handlers.metadata.ModalContext.)"""

    channel_id: str | None = None
    held_id: int | None = None


def handle_edit_flagged(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    ack()
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    with deps.sessions.begin() as session:
        held = hp.get_held_post(session, team_id=team_id, held_id=_held_id(body), author_id=user_id, now=deps.clock())
        strict = ws.get_personal_data_mode(session, team_id=team_id) == ws.STRICT
    if held is None:
        say(respond, GONE)
        return
    metadata = to_metadata(HeldForm(channel_id=held.channel_id, held_id=held.id))
    if held.kind == checks.SHARE:
        share = t.parse_quick_share(held.text)
        draft = blocks.ShareDraft(body=share.body, tags=share.tags, link=share.links[0] if share.links else None)
        view, words = blocks.share_modal(metadata, draft).to_dict(), share.body
    else:
        request = t.parse_quick_request(held.text, deps.today())
        view = blocks.collab_modal(metadata, draft=blocks.RequestDraft(request.body, request.needed_by)).to_dict()
        words = request.body
    if flagged := pd.check([(LABELS[held.kind], words)]):
        view = pd.with_findings(view, flagged, strict=strict, ask=False)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def handle_post_flagged(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    """Take the held words (once) and record the job that saves and posts them, before acknowledging."""
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    held = None
    try:
        with deps.sessions.begin() as session:
            strict = ws.get_personal_data_mode(session, team_id=team_id) == ws.STRICT
            if not strict:
                held = hp.take_held_post(
                    session, team_id=team_id, held_id=_held_id(body), author_id=user_id, now=deps.clock()
                )
            if held is not None:
                command = {
                    "team_id": team_id,
                    "user_id": user_id,
                    "channel_id": held.channel_id,
                    "response_url": body.get("response_url"),
                }
                deps.hand_over_in(session, Job(post_flagged, (command, held.kind, held.text)), body)
    except SQLAlchemyError:
        ack()
        say(respond, NOT_TAKEN)
        raise
    ack()
    if strict:
        say(respond, STRICT_NOW)
    elif held is None:
        respond(text=ALREADY, response_type="ephemeral", replace_original=True)


@after_ack
def post_flagged(run: JobRun, command: dict, kind: str, text: str) -> None:
    """Save and post words their author said hold no personal data, the override recorded with them; then say so
    in place of the question (problems posting are told as for any quick share, with Try posting again)."""
    result = save_and_post_quick(run, command, kind, text, overridden=True)
    if isinstance(result, Posted):
        said = f"✅ Posted in <#{result.channel_id}>. Thank you for checking it."
        respond_to(command)(text=said, response_type="ephemeral", replace_original=True)


def _held_id(body: dict) -> int:
    raw = str(body["actions"][0].get("value") or "")
    return int(raw) if raw.isdigit() and len(raw) < 12 else 0
