"""Reading what someone entered in a modal: one input per block, its action_id from ids.input_id."""

from __future__ import annotations

import datetime as dt

from handlers.ids import input_id


def value(view: dict, block: str) -> dict:
    """The state of the single input in `block` ({} when the block is not in the form)."""
    return (view.get("state") or {}).get("values", {}).get(block, {}).get(input_id(block)) or {}


def text(view: dict, block: str) -> str:
    return (value(view, block).get("value") or "").strip()


def option(view: dict, block: str) -> str | None:
    return (value(view, block).get("selected_option") or {}).get("value")


def date(view: dict, block: str) -> dt.date | None:
    raw = value(view, block).get("selected_date")
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
