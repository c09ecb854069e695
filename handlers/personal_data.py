"""The personal-data check as people meet it, before anything they wrote is posted: on every form, and on the
quick `/share` and `/collab` (handlers.shares.flagged).

domain.personal_data finds what looks like a child's details or anyone's private contact details. It helps rather
than blocks: the author sees, only to them, what was found, marked ⟦like this⟧, and decides.

On a form, the answer to their submission re-shows the same form (response_action "update") with every word they
typed still in it, a section at the top saying what was found and where, and at the bottom one more required
checkbox, "It holds no child's or private personal data: post it". They change the words and send again (checked
again), or tick the box and send (recorded in the audit trail as PERSONAL_DATA_OVERRIDE, with the kinds found, never
the words). One screen, rather than a pushed confirmation view: the words to change are right under what was
found, the button is the one they just pressed, and nothing hides behind a Back button.

In strict mode (an admin's choice, storage.workspaces) there is no checkbox: the words must change, and they stay
in the form. An organisation's own published details (info@, a switchboard) are not flagged in the first place.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import Block, CheckboxesElement, InputBlock, Option
from sqlalchemy.orm import Session

from domain import text as t
from domain.personal_data import MARK_CLOSE, MARK_OPEN, Finding, describe, find_personal_data, highlight
from handlers.blocks import SECTION_CHARS, VIEW_BLOCKS, section
from handlers.context import Deps
from handlers.ids import Block as B
from handlers.ids import input_id
from storage import audit
from storage import workspaces as ws

OVERRIDE_VALUE = "holds_no_personal_data"
OVERRIDE_TEXT = "It holds no child's or private personal data: post it"
AROUND = 60  # characters shown either side of what was found, when a text is too long to show whole
WHOLE_CHARS = 600  # a form's text is shown whole up to this long (escaped), else only around what was found
NO_NAMES = (
    "Please don't name children or young people, or give anyone's private contact details: describe them "
    "instead (“a Year 7 pupil”, “a parent”)."
)
# The parts of a view Slack takes back in response_action "update" (the rest, like its id and state, are Slack's).
VIEW_KEYS = ("type", "callback_id", "title", "submit", "close", "private_metadata", "clear_on_close", "notify_on_close")
# Where each kind of input keeps what was chosen (in the view's state), and how to give it back as its initial value.
INITIAL = {
    "plain_text_input": ("value", "initial_value"),
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "static_select": ("selected_option", "initial_option"),
    "radio_buttons": ("selected_option", "initial_option"),
    "checkboxes": ("selected_options", "initial_options"),
    "multi_static_select": ("selected_options", "initial_options"),
    "users_select": ("selected_user", "initial_user"),
    "multi_users_select": ("selected_users", "initial_users"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "channels_select": ("selected_channel", "initial_channel"),
}


@dataclass(frozen=True)
class Flagged:
    """One text in which something was found: its label (our mrkdwn), the words, and what was found in them."""

    label: str
    text: str
    findings: tuple[Finding, ...]


def check(fields: Iterable[tuple[str, str | None]]) -> list[Flagged]:
    """The texts, (label, words), in which the check finds something."""
    found = []
    for label, text in fields:
        if text and (findings := find_personal_data(text)):
            found.append(Flagged(label, text, findings))
    return found


def kinds(flagged: Iterable[Flagged]) -> list[str]:
    """The kinds found, for the audit trail: "child", "email"... (never the words)."""
    return sorted({finding.kind.value for item in flagged for finding in item.findings})


def what_was_found(flagged: Sequence[Flagged]) -> str:
    """In plain words, escaped for mrkdwn: 'a name next to an age (“Jo Bloggs, aged 12”) and a street address'."""
    return t.escape(describe(finding for item in flagged for finding in item.findings))


def is_strict(deps: Deps, team_id: str) -> bool:
    """Whether this workspace never posts text in which personal data was found (an admin's choice)."""
    with deps.sessions.begin() as session:
        return strict_in(session, team_id)


def strict_in(session: Session, team_id: str) -> bool:
    """is_strict, in the caller's transaction."""
    return ws.get_personal_data_mode(session, team_id=team_id) == ws.STRICT


def to_answer(view: dict, flagged: Sequence[Flagged], *, strict: bool) -> dict | None:
    """The form to show again (response_action "update") when something was found and its author has not said, or
    in strict mode may not say, that it holds no personal data; None when the form may be saved."""
    if flagged and (strict or not overridden(view)):
        return reshow(view, flagged, strict=strict)
    return None


def overridden(view: dict) -> bool:
    """Whether the author ticked "It holds no child's or private personal data: post it" on this form."""
    state = (view.get("state") or {}).get("values", {}).get(B.PERSONAL_DATA_OVERRIDE, {})
    chosen = (state.get(input_id(B.PERSONAL_DATA_OVERRIDE)) or {}).get("selected_options") or []
    return any(option.get("value") == OVERRIDE_VALUE for option in chosen)


def record_override(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    subject: str | None,
    flagged: Sequence[Flagged],
    where: str,
    now: dt.datetime,
) -> None:
    """The audit trail's note that someone posted text in which personal data was found: the kinds, never the words."""
    audit.add_entry(
        session,
        team_id=team_id,
        actor_id=user_id,
        action=audit.Action.PERSONAL_DATA_OVERRIDE,
        now=now,
        subject=subject,
        details={"kinds": kinds(flagged), "where": where},
    )


# ---- showing what was found -----------------------------------------------------------------------------------


def highlighted(text: str, findings: Sequence[Finding], *, limit: int, whole: bool = False) -> str:
    """`text` escaped for mrkdwn with what was found marked ⟦like this⟧, in at most `limit` characters: whole
    when `whole` and it fits (or is short), else only the words around each finding, joined by "…"."""
    if whole or t.escaped_length(text) + 2 * len(findings) <= min(limit, WHOLE_CHARS):
        shown = highlight(text, findings)
        if len(shown) <= limit:
            return shown
    parts = []
    for start, end in _windows(text, findings):
        inside = [Finding(f.kind, f.start - start, f.end - start, f.text) for f in findings if start <= f.start < end]
        shown = " ".join(highlight(text[start:end], inside).split())
        parts.append(("…" if start > 0 else "") + shown + ("…" if end < len(text) else ""))
    return fit("\n".join(parts), limit)


def pieces(mrkdwn: str, size: int = SECTION_CHARS) -> list[str]:
    """Escaped mrkdwn in consecutive pieces of at most `size` characters, cut after a space where there is one in
    the second half, never inside an entity such as &amp;."""
    found: list[str] = []
    while len(mrkdwn) > size:
        cut = _safe_cut(mrkdwn, size)
        found.append(mrkdwn[:cut])
        mrkdwn = mrkdwn[cut:]
    return [*found, mrkdwn] if mrkdwn else found


def fit(mrkdwn: str, limit: int) -> str:
    """Escaped mrkdwn shortened (with "…") to at most `limit` characters, never inside an entity, and with a
    marking cut short closed again."""
    if len(mrkdwn) <= limit:
        return mrkdwn
    cut = mrkdwn[: _safe_cut(mrkdwn, limit - 2)].rstrip()
    if cut.count(MARK_OPEN) > cut.count(MARK_CLOSE):
        cut += MARK_CLOSE
    return cut + "…"


def findings_blocks(flagged: Sequence[Flagged], *, strict: bool, submit: str, room: int) -> list[Block]:
    """The section at the top of a re-shown form: what was found, then each text it was found in, around what
    was found; at most `room` blocks."""
    if strict:
        todo = (
            f"This workspace doesn't post anything that looks like personal data, so please take it out and press "
            f"*{t.escape(submit)}* again. Everything you wrote is still in the form."
        )
    else:
        todo = (
            "Please take it out, or describe people without naming them (“a Year 7 pupil”, “a parent”). If it holds "
            "no child's or private personal data (an organisation's own details, say), tick the box at the bottom "
            f"and press *{t.escape(submit)}* again."
        )
    shown = list(flagged[: max(0, room - 1)])
    also = [item.label for item in flagged[len(shown) :]]
    more = f" It is also in: {', '.join(also)}." if also else ""
    intro = section(
        f"⚠️ *This looks like it holds personal data.* I found {what_was_found(flagged)}, marked "
        f"{MARK_OPEN}like this{MARK_CLOSE} below.{more} {todo}"
    )
    intro.block_id = B.PERSONAL_DATA_FOUND
    blocks: list[Block] = [intro]
    for number, item in enumerate(shown, start=1):
        heading = f"*{item.label}*\n"
        block = section(heading + highlighted(item.text, item.findings, limit=SECTION_CHARS - len(heading)))
        block.block_id = f"{B.PERSONAL_DATA_FOUND}_{number}"
        blocks.append(block)
    return blocks


def override_input() -> InputBlock:
    """The required checkbox at the bottom of a form in which personal data was found (not in strict mode)."""
    return InputBlock(
        block_id=B.PERSONAL_DATA_OVERRIDE,
        label="Checked what's marked?",
        element=CheckboxesElement(
            action_id=input_id(B.PERSONAL_DATA_OVERRIDE), options=[Option(value=OVERRIDE_VALUE, text=OVERRIDE_TEXT)]
        ),
    )


def reshow(view: dict, flagged: Sequence[Flagged], *, strict: bool) -> dict:
    """The submitted form again, for response_action "update": every word and choice kept (as initial values),
    what was found at the top and, unless `strict`, the checkbox at the bottom."""
    values = (view.get("state") or {}).get("values") or {}
    blocks = [_with_answers(block, values.get(block.get("block_id") or "")) for block in view.get("blocks") or []]
    return with_findings(view, flagged, strict=strict, ask=not strict, blocks=blocks)


def with_findings(
    view: dict, flagged: Sequence[Flagged], *, strict: bool, ask: bool, blocks: list[dict] | None = None
) -> dict:
    """A form (as Slack's JSON) with what was found at its top, and with the checkbox at its bottom when `ask`;
    anything an earlier check added is replaced."""
    kept = [b for b in (view.get("blocks") or [] if blocks is None else blocks) if not _added_by_check(b)]
    submit = (view.get("submit") or {}).get("text") or "Submit"
    asking = [override_input().to_dict()] if ask else []
    room = VIEW_BLOCKS - len(kept) - len(asking)
    found = [block.to_dict() for block in findings_blocks(flagged, strict=strict, submit=submit, room=room)]
    shown = {key: view[key] for key in VIEW_KEYS if view.get(key) not in (None, "")}
    return shown | {"blocks": [*found, *kept, *asking]}


def _added_by_check(block: dict) -> bool:
    block_id = str(block.get("block_id") or "")
    return block_id.startswith(B.PERSONAL_DATA_FOUND) or block_id == B.PERSONAL_DATA_OVERRIDE


def _with_answers(block: dict, state: dict | None) -> dict:
    """An input block with what the person entered as its initial value, so the re-shown form still holds it."""
    element = block.get("element") or {}
    kind = INITIAL.get(element.get("type", ""))
    answer = (state or {}).get(element.get("action_id", ""))
    if block.get("type") != "input" or kind is None or answer is None or kind[0] not in answer:
        return block
    chosen, initial = kind
    block = copy.deepcopy(block)
    if answer[chosen] in (None, "", []):
        block["element"].pop(initial, None)
    else:
        block["element"][initial] = answer[chosen]
    return block


def _windows(text: str, findings: Sequence[Finding]) -> list[tuple[int, int]]:
    """Stretches of `text` around each finding, AROUND characters either side cut back to whole words, merged
    where they meet."""
    windows: list[tuple[int, int]] = []
    for finding in sorted(findings, key=lambda f: f.start):
        start, end = max(0, finding.start - AROUND), min(len(text), finding.end + AROUND)
        if start > 0 and (space := text.find(" ", start, finding.start)) != -1:
            start = space + 1
        if end < len(text) and (space := text.rfind(" ", finding.end, end)) != -1:
            end = space
        if windows and start <= windows[-1][1] + 1:
            windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
        else:
            windows.append((start, end))
    return windows


def _safe_cut(mrkdwn: str, most: int) -> int:
    """Where to cut escaped mrkdwn to keep at most `most` characters: after a space in the second half if there
    is one, and never inside an entity (&amp; &lt; &gt;)."""
    window = mrkdwn[:most]
    space = max(window.rfind(" "), window.rfind("\n"))
    if space >= most // 2:
        return space + 1
    entity = window.rfind("&")
    if entity != -1 and ";" not in window[entity:]:
        return entity
    return most
