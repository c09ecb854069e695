"""Telling people what is kept (`/talks privacy`), giving them their data (`/talks my data`), and the workspace admins'
export (`/talks export all`) and audit trail (`/talks audit`), with roles and highlights recorded in it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile

import pytest
from sqlalchemy import insert, select

from handlers.privacy import documents as docs
from storage.models import AuditEntry, Base, Share
from storage.workspace_data import table, tables_with_team_id
from tests.helpers import all_text, assert_safe_mrkdwn, response_to, shares, wait_until

CHANNEL = "C_PRACTICE"
ADMIN, AMIRA, BEN, LEO = "U_ADMIN", "U_AMIRA", "U_BEN", "U_LEO"
ONLY_ADMINS = "Sorry, only workspace owners and admins can {what}. Nothing has changed."


@pytest.fixture(autouse=True)
def workspace(sandbox):
    sandbox.slack.add_user(ADMIN, is_admin=True)


def talks(sandbox, words: str, *, user: str) -> dict:
    """What the app answered `/talks <words>`, only to the person who typed it."""
    reply, url = sandbox.sim.command("/talks", words, user=user)
    assert reply.status == 200
    answer = reply.json() if reply.body else response_to(sandbox.slack, url).args
    assert answer["response_type"] == "ephemeral"
    return answer


def share_by(sandbox, words: str, user: str) -> Share:
    sandbox.sim.command("/share", words, user=user)
    return wait_until(lambda: next((s for s in shares(sandbox.sessions) if s.body == words and s.message_ts), None))


def react(sandbox, user: str, emoji: str, ts: str, *, removed: bool = False) -> None:
    item = {"type": "message", "channel": CHANNEL, "ts": ts}
    kind = "reaction_removed" if removed else "reaction_added"
    assert sandbox.sim.event({"type": kind, "user": user, "reaction": emoji, "item": item}).status == 200


def uploads(sandbox, count: int) -> list[dict]:
    return wait_until(lambda: (files := sandbox.slack.uploaded_files()) and len(files) >= count and files)


def audit_rows(sandbox, action: str | None = None) -> list[tuple[str, str, str | None, dict]]:
    with sandbox.sessions() as session:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        return [(r.actor_id, r.action, r.subject, json.loads(r.details)) for r in session.scalars(query)]


# ---- telling people ---------------------------------------------------------------------------------------


def test_privacy_says_what_is_kept_who_sees_it_how_long_and_how_to_get_or_erase_it(sandbox):
    answer = talks(sandbox, "privacy", user=BEN)
    assert answer["text"] == "How Programme Talks looks after your data"
    kept, who, how_long, rights = (all_text([block]) for block in answer["blocks"])
    assert kept.startswith("*What Programme Talks keeps*\n• What you post with it: practice you share")
    assert "Your Slack id with each of these, not your name or email" in kept
    assert "ids and counts, never your words" in kept
    assert who.startswith("*Who sees it*\n• What you share, ask and post is shown in the channel you choose")
    assert "Workspace owners and admins can export the workspace's data" in who
    assert how_long == (
        "*How long it is kept*\n"
        "• *Shares*: 2 years after they are posted (the default)\n"
        "• *Collaboration requests*: 1 year after they are resolved, or posted if never resolved (the default)\n"
        "• *Agreements*: 6 years after they end (the default)\n"
        "• *Events*: 1 year after they happen (the default)\n"
        "• *Audit trail entries*: 6 years after they are recorded (the default)\n"
        "`/talks retention` says why."
    )
    assert rights == (
        "*Your data*\n"
        "• `/talks my data` sends you a copy of everything Programme Talks holds about you.\n"
        "• `/talks erase me` erases it: you'll see exactly what goes, and confirm, first.\n"
        "• Leaving? A workspace admin can erase your data with `/talks erase @name`.\n"
        "Questions? Ask your organisation's data protection officer."
    )
    assert all(block["text"]["verbatim"] for block in answer["blocks"])


def test_help_mentions_privacy_and_each_right(sandbox):
    shown = all_text(talks(sandbox, "help", user=BEN)["blocks"])
    assert (
        "*Your data*\n`/talks privacy` says what Programme Talks keeps, who sees it and for how long.\n"
        "`/talks my data` sends you everything it holds about you; `/talks erase me` erases it.\n"
    ) in shown


# ---- `/talks my data` ----------------------------------------------------------------------------------------


def test_my_data_sends_everything_held_about_them_as_json_and_a_readable_summary(sandbox):
    talks(sandbox, f"leader <@{AMIRA}>", user=ADMIN)
    mine = share_by(sandbox, "Walking *buses* & <!here> cut late arrivals", AMIRA)
    bens = share_by(sandbox, "Breakfast club doubled attendance", BEN)
    react(sandbox, BEN, "clap", mine.message_ts)
    react(sandbox, AMIRA, "star", bens.message_ts)
    wait_until(lambda: len(audit_rows(sandbox, "highlighted")) == 1)

    answer = talks(sandbox, "my data", user=AMIRA)
    assert answer["text"] == (
        "📄 I've sent you everything Programme Talks holds about you, in our direct messages: `my-data.md` to read "
        "and `my-data.json` for a computer. `/talks erase me` erases it."
    )
    files = {f["filename"]: f for f in uploads(sandbox, 2)}
    assert set(files) == {"my-data.json", "my-data.md"}
    assert {f["channel_id"] for f in files.values()} == {"D" + AMIRA}
    data = json.loads(files["my-data.json"]["content"])
    assert data["user_id"] == AMIRA and data["workspace"] == "T0001"
    [share] = data["shares"]
    assert (share["body"], share["channel_id"], share["id"]) == (mine.body, CHANNEL, mine.id)
    assert [(r["share_id"], r["emoji"]) for r in data["reactions"]] == [(bens.id, "star")]
    assert [h["share_id"] for h in data["highlights"]] == [bens.id]
    assert [(r["role"], r["appointed_by"]) for r in data["roles"]] == [("leader", "(someone else)")]
    assert data["reactions_received_on_your_shares"] == 1
    assert [(e["actor"], e["action"], e["subject"]) for e in data["audit_trail"]] == [
        ("(someone else)", "role_granted", "you"),
        ("you", "highlighted", f"share:{bens.id}"),
    ]
    assert (
        BEN not in files["my-data.json"]["content"].decode() and ADMIN not in files["my-data.json"]["content"].decode()
    )
    summary = files["my-data.md"]["content"].decode()
    assert summary.startswith("# What Programme Talks holds about you\n\nWorkspace T0001, your Slack id U\\_AMIRA, ")
    assert "## Practice you shared (1)\n\n- id: " in summary
    assert "body: Walking \\*buses\\* & \\<!here\\> cut late arrivals" in summary
    assert "## Your roles (1)\n\n- role: leader; appointed by: (someone else); created at: " in summary
    assert "## Appreciation\n\n- Your shares received 1 reaction." in summary
    assert "## The audit trail (2)" in summary
    assert audit_rows(sandbox, "exported") == [(AMIRA, "exported", f"user:{AMIRA}", {"what": "own data", "records": 4})]


def test_my_data_for_someone_the_app_holds_nothing_about_says_so_in_the_file(sandbox):
    talks(sandbox, "my data", user=LEO)
    summary = next(f for f in uploads(sandbox, 2) if f["filename"] == "my-data.md")["content"].decode()
    assert "Programme Talks holds nothing about you." in summary


def test_my_without_data_asks_what_they_meant(sandbox):
    assert talks(sandbox, "my stuff", user=BEN)["text"] == (
        "Did you mean `/talks my data`? It sends you everything Programme Talks holds about you."
    )
    assert sandbox.slack.uploaded_files() == []


def test_if_slack_wont_take_the_file_they_are_told_and_nothing_is_recorded(sandbox):
    sandbox.slack.fail("files.getUploadURLExternal", error="not_allowed_token_type", times=10)
    assert talks(sandbox, "my data", user=BEN)["text"] == (
        "Sorry, I couldn't send you the file just now. Please try again in a minute."
    )
    assert audit_rows(sandbox, "exported") == []


# ---- `/talks export all` -----------------------------------------------------------------------------------


def test_an_admin_exports_the_workspace_as_a_zip_with_a_csv_for_every_table_and_no_secrets(sandbox):
    share_by(sandbox, '=HYPERLINK("http://evil.example") attendance tips', AMIRA)
    if (installations := table("installations")) is not None:
        with sandbox.sessions.begin() as session:
            session.execute(
                insert(installations).values(
                    team_id="T0001",
                    bot_token="xoxb-very-secret",
                    bot_scopes="chat:write",
                    encrypted=False,
                    updated_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
                )
            )

    answer = talks(sandbox, "export all", user=ADMIN)
    expected = {f"{t.name}.csv" for t in tables_with_team_id()}
    assert answer["text"].startswith(
        f"📦 I've sent you the workspace's data in our direct messages: {len(expected)} CSV files ("
    )
    assert answer["text"].endswith(
        "in `programme-talks-T0001-2026-11-27.zip`. It holds people's words and ids: keep it as safely as the "
        "workspace itself."
    )
    [upload] = uploads(sandbox, 1)
    assert (upload["filename"], upload["channel_id"]) == ("programme-talks-T0001-2026-11-27.zip", "D" + ADMIN)
    archive = zipfile.ZipFile(io.BytesIO(upload["content"]))
    assert set(archive.namelist()) == expected | {"README.txt"}
    rows = list(csv.DictReader(io.StringIO(archive.read("shares.csv").decode())))
    assert [(r["author_id"], r["body"], r["team_id"]) for r in rows] == [
        (AMIRA, '\'=HYPERLINK("http://evil.example") attendance tips', "T0001")
    ]
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert b"xoxb-very-secret" not in everything
    if installations is not None:
        [row] = csv.DictReader(io.StringIO(archive.read("installations.csv").decode()))
        assert row["bot_token"] == "(withheld)"
    assert "README.txt" in archive.namelist() and b"shares.csv: 1 row" in archive.read("README.txt")
    [(actor, _, subject, details)] = audit_rows(sandbox, "exported")
    assert (actor, subject, details["what"], details["tables"]) == (ADMIN, "workspace", "workspace", len(expected))


def test_only_admins_can_export_the_workspace_and_others_are_pointed_to_their_own_data(sandbox):
    assert talks(sandbox, "export all", user=BEN)["text"] == ONLY_ADMINS.format(what="export the workspace's data")
    assert talks(sandbox, "export", user=BEN)["text"] == (
        "`/talks export all` sends workspace owners and admins the whole workspace's data, a CSV file for each kind "
        "of record. For your own data, type `/talks my data`."
    )
    assert sandbox.slack.uploaded_files() == [] and audit_rows(sandbox, "exported") == []


# ---- `/talks audit` ----------------------------------------------------------------------------------------


def test_the_audit_trail_records_roles_highlights_and_settings_and_admins_get_it_as_a_csv(sandbox, clock):
    clock.set(dt.datetime(2026, 11, 10, 9, tzinfo=dt.UTC))
    talks(sandbox, f"champion <@{BEN}>", user=ADMIN)  # 17 days ago: outside a week's trail
    clock.set(dt.datetime(2026, 11, 27, 10, tzinfo=dt.UTC))
    talks(sandbox, f"leader <@{LEO}>", user=ADMIN)
    share = share_by(sandbox, "Breakfast club doubled attendance", BEN)
    react(sandbox, LEO, "star", share.message_ts)
    wait_until(lambda: audit_rows(sandbox, "highlighted"))
    react(sandbox, LEO, "star", share.message_ts, removed=True)
    wait_until(lambda: audit_rows(sandbox, "unhighlighted"))
    react(sandbox, BEN, "clap", share.message_ts)  # appreciation is not audited
    talks(sandbox, "retention events 2 years", user=ADMIN)
    talks(sandbox, f"leader remove <@{LEO}>", user=ADMIN)

    answer = talks(sandbox, "audit 7", user=ADMIN)
    assert answer["text"] == (
        "🧾 I've sent you the audit trail of the last 7 days (5 entries) in our direct messages, as a CSV file. It "
        "records who did what, with ids and counts, never anyone's words."
    )
    [upload] = uploads(sandbox, 1)
    assert (upload["filename"], upload["channel_id"]) == ("programme-talks-audit-2026-11-27-7-days.csv", "D" + ADMIN)
    rows = list(csv.reader(io.StringIO(upload["content"].decode())))
    assert rows[0] == ["at", "actor", "action", "subject", "details"]
    assert [row[1:] for row in rows[1:]] == [
        [ADMIN, "role_granted", f"user:{LEO}", '{"role": "leader"}'],
        [LEO, "highlighted", f"share:{share.id}", "{}"],
        [LEO, "unhighlighted", f"share:{share.id}", "{}"],
        [
            ADMIN,
            "setting_changed",
            "retention:events",
            '{"from": "default", "setting": "retention.events", "to": "2 years"}',
        ],
        [ADMIN, "role_removed", f"user:{LEO}", '{"role": "leader"}'],
    ]
    assert rows[1][0] == "2026-11-27T10:00:00+00:00"
    assert [r[:3] for r in audit_rows(sandbox)][:1] == [(ADMIN, "role_granted", f"user:{BEN}")]  # kept, not sent
    assert audit_rows(sandbox, "exported")[-1] == (
        ADMIN,
        "exported",
        "audit",
        {"what": "audit trail", "days": 7, "entries": 5},
    )
    talks(sandbox, "audit", user=ADMIN)  # the default: 30 days
    second = wait_until(lambda: [f for f in sandbox.slack.uploaded_files() if "30-days" in f["filename"]])
    assert len(list(csv.reader(io.StringIO(second[0]["content"].decode())))) == 1 + 7  # and the export just made


def test_only_admins_get_the_audit_trail_and_a_bad_number_of_days_gets_the_usage(sandbox):
    assert talks(sandbox, "audit", user=BEN)["text"] == ONLY_ADMINS.format(what="see the audit trail")
    reply, _ = sandbox.sim.command("/talks", "audit lots", user=ADMIN)
    assert reply.json() == {
        "text": "How many days of the audit trail? For example `/talks audit 90` (up to 3660); `/talks audit` on its "
        "own sends the last 30 days.",
        "response_type": "ephemeral",
    }
    assert sandbox.slack.uploaded_files() == []


# ---- the documents (pure) ---------------------------------------------------------------------------------


@pytest.mark.parametrize("dangerous", ["=1+1", "+44 7700", "-2", "@SUM(A1)", "\tcmd"])
def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_marked_as_text(dangerous):
    written = docs.csv_text(["a", "b"], [[dangerous, 12], ["plain", None]])
    assert list(csv.reader(io.StringIO(written))) == [["a", "b"], ["'" + dangerous, "12"], ["plain", ""]]


def test_every_table_with_rows_for_a_workspace_is_exported_and_listed_in_the_readme():
    stamp = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
    archive = zipfile.ZipFile(io.BytesIO(docs.workspace_zip([], team_id="T1", exported_at=stamp)))
    assert archive.namelist() == ["README.txt"]
    assert {t.name for t in tables_with_team_id()} == {t.name for t in Base.metadata.sorted_tables if "team_id" in t.c}


def test_messages_sent_about_data_are_safe_mrkdwn(sandbox):
    talks(sandbox, "privacy", user=BEN)
    for call in sandbox.slack.calls_to("response_url"):
        assert_safe_mrkdwn(call)
