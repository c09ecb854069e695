"""What a form carries in its private_metadata: a small frozen dataclass as JSON, written and read in one place.

`from_metadata` never raises: metadata that can't be read (an old form, a form from elsewhere) gives None, and
the handler answers kindly.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass
from typing import Any, TypeVar

METADATA_CHARS = 3000  # Slack's limit on private_metadata

T = TypeVar("T")


@dataclass(frozen=True)
class ModalContext:
    """Where a share, request or meetup form was opened from, and which share it edits."""

    channel_id: str | None = None
    share_id: int | None = None


def to_metadata(value: object) -> str:
    """The dataclass as compact JSON, for a view's private_metadata."""
    return json.dumps(dataclasses.asdict(value), separators=(",", ":"), ensure_ascii=False)  # type: ignore[call-overload]


def from_metadata(kind: type[T], text: str | None) -> T | None:
    """The `kind` dataclass a form was opened with, or None when its metadata can't be read as one."""
    try:
        data = json.loads(text or "")
        if not isinstance(data, dict):
            return None
        hints = typing.get_type_hints(kind)
        values = {f.name: _coerce(hints[f.name], data[f.name]) for f in dataclasses.fields(kind) if f.name in data}  # type: ignore[arg-type]
        return kind(**values)
    except (ValueError, TypeError, KeyError):
        return None


def _coerce(hint: Any, value: Any) -> Any:
    """JSON's value as the field's type (lists become tuples); TypeError when it is not one."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        (inner,) = [arg for arg in args if arg is not type(None)]
        return _coerce(inner, value)
    if origin is tuple:
        if not isinstance(value, list):
            raise TypeError(f"expected a list, got {type(value).__name__}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(args[0], item) for item in value)
        if len(args) != len(value):
            raise TypeError("wrong number of items")
        return tuple(_coerce(arg, item) for arg, item in zip(args, value, strict=True))
    if (hint is int and isinstance(value, bool)) or not isinstance(value, hint):
        raise TypeError(f"expected {hint.__name__}, got {type(value).__name__}")
    return value
