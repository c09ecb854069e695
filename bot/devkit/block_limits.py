"""Slack's limits on Block Kit, as the local Slack stand-in checks them: what Slack would reject in a message's or
a view's blocks, said as Slack says it (with a JSON pointer to the place). Pure: no state, no HTTP.
"""

from __future__ import annotations

from typing import Any

# Slack's limits, from its Block Kit reference (docs.slack.dev/reference/block-kit): characters of a field, or
# items of a list. A text object holds 1 to 3,000 characters wherever it is, unless its block says less.
MESSAGE_BLOCKS, VIEW_BLOCKS = 50, 100  # blocks in a message, in a view (a modal or the Home tab)
TEXT_CHARS = 3000
BLOCK_TEXT_CHARS = {"section": 3000, "header": 150, "markdown": 12000}
SECTION_FIELDS, FIELD_CHARS = 10, 2000
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
BUTTON_TEXT_CHARS, BUTTON_VALUE_CHARS = 75, 2000
OPTION_TEXT_CHARS, OPTION_VALUE_CHARS = 75, 150
LABEL_CHARS, HINT_CHARS, PLACEHOLDER_CHARS = 2000, 2000, 150
ID_CHARS = 255  # block_id, action_id
CANVAS_MARKDOWN_CHARS = 1_048_576  # canvases.create's document_content (1 MiB of Markdown)


def blocks_problem(blocks: Any, limit: int) -> str | None:
    """Say what Slack would reject in these blocks (the first thing found), or None if they are fine."""
    if blocks is None:
        return None
    if not isinstance(blocks, list) or not all(isinstance(block, dict) for block in blocks):
        return "blocks must be a list of objects"
    if len(blocks) > limit:
        return f"no more than {limit} items allowed [json-pointer:/blocks]"
    for index, block in enumerate(blocks):
        if problem := _block_problem(block, f"/blocks/{index}"):
            return problem
    return None


def _too_long(limit: int, where: str) -> str:
    return f"must be less than {limit + 1} characters [json-pointer:{where}]"


def _too_many(limit: int, where: str) -> str:
    return f"no more than {limit} items allowed [json-pointer:{where}]"


def _text_problem(text: Any, limit: int, where: str) -> str | None:
    """A text object (or a bare string, as a markdown block's text is): 1 to `limit` characters."""
    value = text.get("text") if isinstance(text, dict) else text
    if not isinstance(value, str) or not value:
        return f"must be more than 0 characters [json-pointer:{where}]"
    return _too_long(limit, where) if len(value) > limit else None


def _block_problem(block: dict[str, Any], where: str) -> str | None:
    kind = block.get("type", "")
    if len(str(block.get("block_id", ""))) > ID_CHARS:
        return _too_long(ID_CHARS, f"{where}/block_id")
    if "text" in block and (
        problem := _text_problem(block["text"], BLOCK_TEXT_CHARS.get(kind, TEXT_CHARS), f"{where}/text")
    ):
        return problem
    fields = block.get("fields") or []
    if len(fields) > SECTION_FIELDS:
        return _too_many(SECTION_FIELDS, f"{where}/fields")
    for number, field in enumerate(fields):
        if problem := _text_problem(field, FIELD_CHARS, f"{where}/fields/{number}"):
            return problem
    elements = block.get("elements") or []
    most = {"context": CONTEXT_ELEMENTS, "actions": ACTIONS_ELEMENTS}.get(kind)
    if most is not None and len(elements) > most:
        return _too_many(most, f"{where}/elements")
    for number, element in enumerate(elements if kind in ("context", "actions") else []):
        if problem := _element_problem(element, f"{where}/elements/{number}"):
            return problem
    if kind == "input":
        for key, most in (("label", LABEL_CHARS), ("hint", HINT_CHARS)):
            if key in block and (problem := _text_problem(block[key], most, f"{where}/{key}")):
                return problem
        return _element_problem(block.get("element") or {}, f"{where}/element")
    if isinstance(block.get("accessory"), dict):
        return _element_problem(block["accessory"], f"{where}/accessory")
    return None


def _element_problem(element: dict[str, Any], where: str) -> str | None:
    """A context element (a text object, or an image) or an interactive element."""
    kind = element.get("type", "")
    if kind in ("mrkdwn", "plain_text"):
        return _text_problem(element, TEXT_CHARS, f"{where}/text")
    if len(str(element.get("action_id", ""))) > ID_CHARS:
        return _too_long(ID_CHARS, f"{where}/action_id")
    if kind == "button":
        if problem := _text_problem(element.get("text"), BUTTON_TEXT_CHARS, f"{where}/text"):
            return problem
        if len(str(element.get("value", ""))) > BUTTON_VALUE_CHARS:
            return _too_long(BUTTON_VALUE_CHARS, f"{where}/value")
    if "placeholder" in element and (
        problem := _text_problem(element["placeholder"], PLACEHOLDER_CHARS, f"{where}/placeholder")
    ):
        return problem
    for number, option in enumerate(element.get("options") or []):
        if problem := _text_problem(option.get("text"), OPTION_TEXT_CHARS, f"{where}/options/{number}/text"):
            return problem
        if len(str(option.get("value", ""))) > OPTION_VALUE_CHARS:
            return _too_long(OPTION_VALUE_CHARS, f"{where}/options/{number}/value")
    return None
