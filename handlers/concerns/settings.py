"""`/talks personal-data`: how the personal-data check works in this workspace, and, for its owners and admins,
`/talks personal-data strict` (flagged text is never posted) or `standard` (its author may post it once they say it
holds no child's or private personal data). A change is recorded in the audit trail (SETTING_CHANGED)."""

from __future__ import annotations

import handlers.concerns.blocks as cb
from handlers.context import Job, TalksRequest, after_ack
from handlers.jobs import JobRun, talks_request
from handlers.permissions import refusal
from storage import audit
from storage import workspaces as ws

SETTING = "personal_data_mode"


def handle_personal_data(request: TalksRequest) -> Job | None:
    word = request.rest.strip().lower()
    if not word:
        request.ack()
        with request.deps.sessions.begin() as session:
            mode = ws.get_personal_data_mode(session, team_id=request.team_id)
        request.say(cb.mode_text(mode))
        return None
    if word not in ws.PERSONAL_DATA_MODES:
        request.ack(text=cb.mode_usage(word), response_type="ephemeral")
        return None
    return Job(change_mode, (request.command, word))


@after_ack
def change_mode(run: JobRun, command: dict, mode: str) -> None:
    """Change the mode, once the person who asked is known to be a workspace owner or admin (users.info)."""
    request = talks_request(run, command)
    if why := refusal(request, "change how the personal-data check works", champions_may=False):
        request.say(why)
        return
    deps = run.deps
    if not run.done("changed"):
        with deps.sessions.begin() as session:  # the setting and its audit entry commit together
            before = ws.set_personal_data_mode(session, team_id=request.team_id, mode=mode, now=deps.clock())
            if before != mode:
                audit.add_entry(
                    session,
                    team_id=request.team_id,
                    actor_id=request.user_id,
                    action=audit.Action.SETTING_CHANGED,
                    now=deps.clock(),
                    details={"setting": SETTING, "from": before, "to": mode},
                )
            run.note(session, "changed", before)
    request.say(cb.mode_changed(run.value("changed"), mode))
