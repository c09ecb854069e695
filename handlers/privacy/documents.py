"""The files people get about their data: pure functions from records to text or bytes.

- `/talks my data`: everything the app holds about someone, as JSON (complete, for machines) and as a Markdown
  summary (for reading).
- `/talks export all`: a zip with one CSV per table and a README saying what the files are.
- `/talks audit`: the audit trail as a CSV.

A CSV cell that begins with =, +, -, @ or a tab could run as a formula when opened in a spreadsheet (OWASP's
"CSV injection"), so such text cells are written with a leading apostrophe, which spreadsheets show as text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from domain.words import plural
from storage.audit import Entry
from storage.people import PersonData
from storage.workspace_data import TableRows

_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")
EXCERPT_CHARS = 600  # of someone's words in the readable summary (the JSON has every word)


def person_json(data: PersonData, *, exported_at: dt.datetime) -> str:
    document = {"exported_at": exported_at.isoformat(), **data.as_json()}
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"


def person_markdown(data: PersonData, *, exported_at: dt.datetime, tz: ZoneInfo) -> str:
    """A readable summary of everything the app holds about someone (the JSON file has it all, word for word)."""
    when = exported_at.astimezone(tz)
    lines = [
        "# What Programme Talks holds about you",
        "",
        f"Workspace {_md(data.team_id)}, your Slack id {_md(data.user_id)}, "
        f"on {when.day} {when:%B %Y at %H:%M} ({tz.key}).",
        "",
        "Programme Talks keeps your Slack id, not your name or email: Slack shows your name. The file "
        "`my-data.json` beside this one has everything below in full, for a computer to read. Other people's "
        "ids are shown as “(someone else)”.",
        "",
        "To have it erased, type `/talks erase me` in Slack. `/talks privacy` says how long each kind of record "
        "is kept and who can see it.",
    ]
    if data.empty:
        lines += ["", "Programme Talks holds nothing about you."]
    for found in data.found:
        lines += ["", f"## {found.title} ({len(found.rows)})", ""]
        lines += [f"- {_row(row)}" for row in found.rows]
    if data.reactions_received:
        lines += ["", "## Appreciation", "", f"- Your shares received {plural(data.reactions_received, 'reaction')}."]
    if data.audit:
        lines += ["", f"## The audit trail ({len(data.audit)})", ""]
        lines += ["What the trail records about you: who did what, with ids and counts, never anyone's words.", ""]
        lines += [f"- {_row(entry)}" for entry in data.audit]
    return "\n".join(lines) + "\n"


def _row(row: dict[str, Any]) -> str:
    parts = []
    for name, value in row.items():
        if value is None or value == "":
            continue
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        shown = str(value).replace("\r", " ").replace("\n", " ")
        if len(shown) > EXCERPT_CHARS:
            shown = shown[: EXCERPT_CHARS - 1] + "…"
        parts.append(f"{name.replace('_', ' ')}: {_md(shown)}")
    return "; ".join(parts) or "(no details)"


def _md(text: str) -> str:
    """Text shown as it is in Markdown, not read as formatting."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def csv_cell(value: Any) -> Any:
    """A value for a CSV cell: text that a spreadsheet would run as a formula is marked as text."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def csv_text(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([[csv_cell(value) for value in row] for row in rows])
    return out.getvalue()


def workspace_zip(tables: Sequence[TableRows], *, team_id: str, exported_at: dt.datetime) -> bytes:
    """Every table's rows as a CSV each, and a README: the whole workspace, as `/talks export all` sends it."""
    readme = [
        f"Programme Talks: everything held for workspace {team_id}, exported {exported_at.isoformat()}.",
        "",
        "One CSV file per table (UTF-8, comma-separated, a header row). People are Slack user ids (U...);",
        "times are ISO 8601 in UTC. Secrets such as the app's tokens are shown as (withheld). Text that a",
        "spreadsheet could run as a formula starts with an apostrophe.",
        "",
    ]
    readme += [f"{t.name}.csv: {plural(len(t.rows), 'row')}" for t in tables]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", "\n".join(readme) + "\n")
        for t in tables:
            archive.writestr(f"{t.name}.csv", csv_text(t.columns, t.rows))
    return buffer.getvalue()


AUDIT_COLUMNS = ("at", "actor", "action", "subject", "details")


def audit_csv(entries: Sequence[Entry]) -> str:
    rows = [
        (e.at.isoformat(), e.actor_id, e.action, e.subject or "", json.dumps(e.details, sort_keys=True))
        for e in entries
    ]
    return csv_text(AUDIT_COLUMNS, rows)
