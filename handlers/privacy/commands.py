"""`/talks privacy`, `/talks my data`, `/talks export all`, `/talks audit [days]` and `/talks retention`: telling
people what is kept, giving them their data, and letting workspace admins export, audit and set how long things are
kept. Files go to the person's direct messages with the app (files.uploadV2), once, however often a job is tried.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from slack_sdk.errors import SlackApiError, SlackClientError

import handlers.privacy.blocks as pb
import handlers.privacy.documents as docs
from domain import retention as rt
from domain.words import plural
from handlers.context import Job, TalksRequest, after_ack
from handlers.jobs import JobRun, talks_request
from handlers.permissions import ADMINS, refusal
from storage import audit
from storage import people as ps
from storage import workspace_data as wd
from storage import workspaces as ws

log = logging.getLogger(__name__)

AUDIT_DAYS, MAX_AUDIT_DAYS = 30, 3660
NOT_SENT = "Sorry, I couldn't send you the file just now. Please try again in a minute."


# ---- telling people ------------------------------------------------------------------------------------------


def handle_privacy(request: TalksRequest) -> None:
    request.ack()
    with request.deps.sessions.begin() as session:
        chosen = ws.get_retention_periods(session, team_id=request.team_id)
    shown = pb.privacy_blocks(rt.periods(chosen), chosen)
    request.respond(blocks=shown, text=pb.PRIVACY_TEXT, response_type="ephemeral")


def handle_retention(request: TalksRequest) -> Job | None:
    """`/talks retention` shows the periods; `/talks retention shares 18 months` (or `default`) changes one."""
    words = request.rest.split(maxsplit=1)
    if not words:
        request.ack()
        with request.deps.sessions.begin() as session:
            chosen = ws.get_retention_periods(session, team_id=request.team_id)
        request.say(pb.retention_text(rt.periods(chosen), chosen))
        return None
    record = pb.RECORD_WORDS.get(words[0].lower().strip(":,"))
    if record is None:
        request.ack(text=pb.retention_usage(words[0]), response_type="ephemeral")
        return None
    typed = words[1] if len(words) > 1 else ""
    if typed.strip().lower() == "default":
        return Job(set_retention, (request.command, record.value, None))
    try:
        period = rt.parse_period(typed)
    except rt.NotAPeriod as problem:
        request.ack(text=f"{problem} Nothing has changed.", response_type="ephemeral")
        return None
    if why := rt.check_period(record, period):
        request.ack(text=why, response_type="ephemeral")
        return None
    return Job(set_retention, (request.command, record.value, period.words))


@after_ack
def set_retention(run: JobRun, command: dict, kind: str, period: str | None) -> None:
    """Change how long a kind of record is kept, once the person is known to be a workspace owner or admin."""
    request, record = talks_request(run, command), rt.Record(kind)
    if why := refusal(request, "change how long records are kept", champions_may=False):
        request.say(why)
        return
    deps = request.deps
    if not run.done("set"):
        with deps.sessions.begin() as session:  # the setting, its audit entry and the note of them commit together
            before = ws.set_retention_period(
                session, team_id=request.team_id, kind=kind, period=period, now=deps.clock()
            )
            if before != period:
                audit.add_entry(
                    session,
                    team_id=request.team_id,
                    actor_id=request.user_id,
                    action=audit.Action.SETTING_CHANGED,
                    now=deps.clock(),
                    subject=f"retention:{kind}",
                    details={"setting": f"retention.{kind}", "from": before or "default", "to": period or "default"},
                )
            run.note(session, "set", before)
    before = run.value("set")
    was, now = rt.read_stored(record, before), rt.read_stored(record, period)
    if before == period:
        request.say(
            f"{pb.NOUNS[record]} are already kept for {now.words} {rt.POLICIES[record].starts}. Nothing has changed."
        )
        return
    request.say(pb.retention_changed(record, was, now, was_default=before is None))


# ---- giving people their data ---------------------------------------------------------------------------------


def handle_my(request: TalksRequest) -> Job | None:
    if request.rest.lower().strip(" .!?") != "data":
        request.ack(
            text="Did you mean `/talks my data`? It sends you everything Programme Talks holds about you.",
            response_type="ephemeral",
        )
        return None
    return Job(send_my_data, (request.command,))


@after_ack
def send_my_data(run: JobRun, command: dict) -> None:
    """Everything the app holds about the person, as JSON and as a readable summary, in their direct messages."""
    request, deps = talks_request(run, command), run.deps
    now = deps.clock()
    with deps.sessions.begin() as session:
        data = ps.find_person_data(session, team_id=request.team_id, user_id=request.user_id)
    files = [
        {"content": docs.person_json(data, exported_at=now), "filename": "my-data.json", "title": "My data (JSON)"},
        {
            "content": docs.person_markdown(data, exported_at=now, tz=deps.tz),
            "filename": "my-data.md",
            "title": "My data: a readable summary",
        },
    ]
    if not _send_files(run, request.user_id, files):
        request.say(NOT_SENT)
        return
    rows = sum(len(f.rows) for f in data.found)
    _audit_once(run, request, f"user:{request.user_id}", {"what": "own data", "records": rows})
    request.say(
        "📄 I've sent you everything Programme Talks holds about you, in our direct messages: `my-data.md` to read "
        "and `my-data.json` for a computer. `/talks erase me` erases it."
    )


def handle_export(request: TalksRequest) -> Job | None:
    if request.rest.lower() != "all":
        request.ack(
            text=(
                f"`/talks export all` sends {ADMINS} the whole workspace's data, a CSV file for each kind of record. "
                "For your own data, type `/talks my data`."
            ),
            response_type="ephemeral",
        )
        return None
    return Job(export_all, (request.command,))


@after_ack
def export_all(run: JobRun, command: dict) -> None:
    """The whole workspace's data, a CSV per table in a zip, to a workspace owner or admin."""
    request, deps = talks_request(run, command), run.deps
    if why := refusal(request, "export the workspace's data", champions_may=False):
        request.say(why)
        return
    now = deps.clock()
    with deps.sessions.begin() as session:
        tables = wd.export_workspace(session, team_id=request.team_id)
    name = f"programme-talks-{request.team_id}-{now.astimezone(deps.tz):%Y-%m-%d}.zip"
    archive = docs.workspace_zip(tables, team_id=request.team_id, exported_at=now)
    if not _send_files(
        run, request.user_id, [{"file": archive, "filename": name, "title": "Programme Talks: all data"}]
    ):
        request.say(NOT_SENT)
        return
    rows = sum(len(t.rows) for t in tables)
    _audit_once(run, request, "workspace", {"what": "workspace", "tables": len(tables), "rows": rows})
    request.say(
        f"📦 I've sent you the workspace's data in our direct messages: {plural(len(tables), 'CSV file')} "
        f"({plural(rows, 'row')}) in `{name}`. It holds people's words and ids: keep it as safely as the "
        "workspace itself."
    )


def handle_audit(request: TalksRequest) -> Job | None:
    typed = request.rest.strip().lower().removesuffix("days").removesuffix("day").strip()
    if typed and not (typed.isdigit() and 1 <= int(typed) <= MAX_AUDIT_DAYS):
        request.ack(
            text=(
                "How many days of the audit trail? For example `/talks audit 90` (up to "
                f"{MAX_AUDIT_DAYS}); `/talks audit` on its own sends the last {AUDIT_DAYS} days."
            ),
            response_type="ephemeral",
        )
        return None
    return Job(send_audit, (request.command, int(typed) if typed else AUDIT_DAYS))


@after_ack
def send_audit(run: JobRun, command: dict, days: int) -> None:
    """The audit trail of the last `days` days, as a CSV, to a workspace owner or admin."""
    request, deps = talks_request(run, command), run.deps
    if why := refusal(request, "see the audit trail", champions_may=False):
        request.say(why)
        return
    now = deps.clock()
    with deps.sessions.begin() as session:
        entries = audit.list_entries(session, team_id=request.team_id, since=now - dt.timedelta(days=days))
    name = f"programme-talks-audit-{now.astimezone(deps.tz):%Y-%m-%d}-{days}-days.csv"
    if not _send_files(run, request.user_id, [{"content": docs.audit_csv(entries), "filename": name, "title": name}]):
        request.say(NOT_SENT)
        return
    _audit_once(run, request, "audit", {"what": "audit trail", "days": days, "entries": len(entries)})
    count = plural(len(entries), "entry", "entries")
    request.say(
        f"🧾 I've sent you the audit trail of the last {plural(days, 'day')} ({count}) "
        "in our direct messages, as a CSV file. It records who did what, with ids and counts, never anyone's words."
    )


# ---- the pieces ------------------------------------------------------------------------------------------------


def _send_files(run: JobRun, user_id: str, files: Sequence[dict]) -> bool:
    """Upload files to someone's direct messages with the app, once for this job; False if Slack wouldn't."""
    if run.done("sent"):
        return True
    client = run.client
    try:
        dm_id = client.conversations_open(users=user_id)["channel"]["id"]
        client.files_upload_v2(channel=dm_id, file_uploads=list(files))
    except (SlackApiError, SlackClientError, OSError) as error:
        log.warning("could not send %d files to %s: %s", len(files), user_id, type(error).__name__)
        return False
    with run.deps.sessions.begin() as session:
        run.note(session, "sent")
    return True


def _audit_once(run: JobRun, request: TalksRequest, subject: str, details: dict) -> None:
    """Record an export in the audit trail, once for this job."""
    if run.done("audited"):
        return
    with run.deps.sessions.begin() as session:
        audit.add_entry(
            session,
            team_id=request.team_id,
            actor_id=request.user_id,
            action=audit.Action.EXPORTED,
            now=run.deps.clock(),
            subject=subject,
            details=details,
        )
        run.note(session, "audited")
