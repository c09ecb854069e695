"""Slack's message text read back as plain words, and Block Kit drawn for a terminal.

Pure functions: no Slack client, no database. The reading follows Slack's mrkdwn:

- `<@U123>` is a person, `<#C123|name>` a channel, `<!here>` and friends are broadcasts, `<!subteam^S1>`
  a user group, `<!date^…|fallback>` a date, `<https://…|words>` and `<mailto:…>` links. Names come
  from the `users` and `channels` mappings (id -> name, with or without the leading @ or #), else from
  the label Slack sent, else a neutral word ("@someone", "#channel", "@group").
- *bold*, _italic_ and ~strike~ only count as formatting where Slack treats them so: the marker opens
  after a space, punctuation or the start of a line, and closes before one, on the same line, around
  text that does not start or end with a space. So "5*3", "2 * 3 * 4" and snake_case stay as typed.
- `code` and ``` code blocks ``` keep their text exactly, markers and all, without the backticks.
- A "> " at the start of a line (a quote; "&gt; " in Slack's text) loses its marker.
- &amp; &lt; and &gt; become & < and > last, once, so "&amp;lt;" reads "&lt;" as the sender typed it.
- Emoji stay as their :shortcodes:, which read well enough and paste back into Slack as emoji.

Control characters (other than tabs and new lines) are dropped, so text from Slack can never move the
cursor or recolour a terminal; the only escape codes in `to_terminal`'s answer are its own.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

DIVIDER = "─" * 40

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ue000\ue001]")  # keeps \t and \n; \ue000 marks held text
_HELD = re.compile("\ue000(\\d+)\ue001")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_CODE_BLOCK = re.compile(r"```(.*?)```", re.DOTALL)
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_QUOTE = re.compile(r"^(?:&gt;&gt;&gt;|>>>|&gt;|>) ?", re.MULTILINE)
_ANGLE = re.compile(r"<([^<>\n]+)>")
_BARE_URL = re.compile(r"\b(?:https?://|mailto:)[^\s<>]+", re.IGNORECASE)
_BROADCASTS = frozenset({"here", "channel", "everyone"})


def _marker(mark: str) -> re.Pattern[str]:
    """*mark*-style formatting: opens and closes next to a non-letter, around text with no outer spaces."""
    m = re.escape(mark)
    return re.compile(rf"(?<![^\W_])(?<!{m}){m}(?![\s{m}])([^\n]*?[^\s{m}]){m}(?![^\W_])(?!{m})")


_BOLD, _ITALIC, _STRIKE = _marker("*"), _marker("_"), _marker("~")


@dataclass(frozen=True)
class _Marks:
    bold: tuple[str, str] = ("", "")
    italic: tuple[str, str] = ("", "")
    strike: tuple[str, str] = ("", "")


_PLAIN = _Marks()
_ANSI = _Marks(bold=("\x1b[1m", "\x1b[22m"), italic=("\x1b[3m", "\x1b[23m"), strike=("\x1b[9m", "\x1b[29m"))
_BUTTON_COLOURS = {"primary": ("\x1b[32m", "\x1b[39m"), "danger": ("\x1b[31m", "\x1b[39m")}


def to_plain(mrkdwn: str, *, users: Mapping[str, str], channels: Mapping[str, str]) -> str:
    """Slack message text as the words a person reads, e.g. to prefill a form from any message.

    "*Hi* <@U1>, see <https://x.org|the guide> &amp; <#C1|practice>" -> "Hi @Jo, see the guide (https://x.org)
    & #practice".
    """
    return _read(mrkdwn, users, channels, _PLAIN)


def to_terminal(mrkdwn: str, *, users: Mapping[str, str], channels: Mapping[str, str], color: bool) -> str:
    """The same reading as `to_plain`, with bold, italic and struck-out text as ANSI styles when `color`."""
    return _read(mrkdwn, users, channels, _ANSI if color else _PLAIN)


def render_blocks(blocks: list[dict], *, users: Mapping[str, str], channels: Mapping[str, str], color: bool) -> str:
    """Roughly what a person sees for Block Kit blocks, one or more lines per block.

    Headers are bold (framed "== like this ==" without colour); sections show their text, then their
    fields one a line, with an accessory after the first line; context elements share an indented line,
    and so do actions ("[Button]", "[⋯]" for an overflow menu, "[Choose ▾]" for a menu); inputs read
    "Label: ____" (or their initial value); images show their alt text; a divider is a rule.
    """
    draw = _Drawer(users, channels, color)
    return "\n".join(line for block in blocks for line in draw.block(block))


# Reading mrkdwn


def _read(mrkdwn: str, users: Mapping[str, str], channels: Mapping[str, str], marks: _Marks) -> str:
    held: list[str] = []

    def hold(text: str) -> str:
        held.append(text)
        return f"\ue000{len(held) - 1}\ue001"

    def styled(pair: tuple[str, str]) -> Callable[[re.Match[str]], str]:
        return lambda match: hold(pair[0]) + match[1] + hold(pair[1]) if pair[0] else match[1]

    text = _CONTROL.sub("", mrkdwn)
    text = _CODE_BLOCK.sub(lambda m: hold(_unescape(_trim_newlines(m[1]))), text)
    text = _INLINE_CODE.sub(lambda m: hold(_unescape(m[1])), text)
    text = _QUOTE.sub("", text)
    text = _ANGLE.sub(lambda m: hold(_angle(m[1], users, channels)), text)
    text = _BARE_URL.sub(lambda m: hold(_unescape(m[0])), text)
    text = _BOLD.sub(styled(marks.bold), text)
    text = _ITALIC.sub(styled(marks.italic), text)
    text = _STRIKE.sub(styled(marks.strike), text)
    return _HELD.sub(lambda m: held[int(m[1])], _unescape(text))


def _unescape(text: str) -> str:
    return _ENTITY.sub(lambda m: _ENTITIES[m[1]], text)


def _trim_newlines(code: str) -> str:
    code = code[1:] if code.startswith("\n") else code
    return code[:-1] if code.endswith("\n") else code


def _angle(inner: str, users: Mapping[str, str], channels: Mapping[str, str]) -> str:
    """What one <...> in Slack's text reads as."""
    target, _, label = inner.partition("|")
    label = _unescape(label).strip()
    if target.startswith("@"):
        return _named("@", users.get(target[1:]) or label, "someone")
    if target.startswith("#"):
        return _named("#", channels.get(target[1:]) or label, "channel")
    if target.startswith("!"):
        kind, _, detail = target[1:].partition("^")
        if kind in _BROADCASTS:
            return f"@{kind}"
        if kind == "subteam":
            return _named("@", users.get(detail) or label, "group")
        if kind == "date":
            return label or _date_words(detail)
        return label or kind
    url = _unescape(target)
    if url.lower().startswith("mailto:"):
        address = url[len("mailto:") :]
        return address if label in ("", address) else f"{label} ({address})"
    if ":" not in url:
        return f"<{_unescape(inner)}>"  # not one of Slack's forms: keep it as it was written
    bare = url.split("://", 1)[-1].rstrip("/")
    return url if not label else label if label.rstrip("/") in (url.rstrip("/"), bare) else f"{label} ({url})"


def _named(sign: str, name: str, fallback: str) -> str:
    return sign + (name.strip().lstrip(sign) or fallback)


def _date_words(detail: str) -> str:
    """A <!date^…> with no fallback: its moment, in UTC."""
    stamp = detail.partition("^")[0]
    if not stamp.isdigit() or len(stamp) > 11:
        return "a date"
    return f"{datetime.fromtimestamp(int(stamp), UTC):%d %B %Y %H:%M} UTC"


# Drawing blocks


class _Drawer:
    def __init__(self, users: Mapping[str, str], channels: Mapping[str, str], color: bool) -> None:
        self.users, self.channels, self.color = users, channels, color

    def block(self, block: dict) -> list[str]:
        kind = block.get("type")
        if kind == "header":
            words = self.text(block.get("text"))
            return [f"\x1b[1m{words}\x1b[22m" if self.color else f"== {words} =="]
        if kind == "section":
            return self.section(block)
        if kind == "context":
            return ["   " + "  ".join(self.element(element) for element in block.get("elements", []))]
        if kind == "actions":
            return ["   " + " ".join(self.element(element) for element in block.get("elements", []))]
        if kind == "divider":
            return [DIVIDER]
        if kind == "input":
            return self.input(block)
        if kind == "image":
            return [f"[image: {_clean(block.get('alt_text', ''))}]"]
        return [f"[{_clean(str(kind))}]"]

    def section(self, block: dict) -> list[str]:
        lines = self.text(block.get("text")).split("\n") if block.get("text") else []
        lines += [self.text(field) for field in block.get("fields", [])]
        if accessory := block.get("accessory"):
            drawn = self.element(accessory)
            if lines:
                lines[0] = f"{lines[0]}  {drawn}"
            else:
                lines = [drawn]
        return lines

    def input(self, block: dict) -> list[str]:
        label = self.text(block.get("label")) + (" (optional)" if block.get("optional") else "")
        lines = [f"{label}: {self.value(block.get('element', {})) or '____'}"]
        if block.get("hint"):
            lines.append(f"   {self.text(block['hint'])}")
        return lines

    def element(self, element: dict) -> str:
        kind = element.get("type", "")
        if kind in ("mrkdwn", "plain_text"):
            return self.text(element)
        if kind == "image":
            return f"[{_clean(element.get('alt_text', ''))}]"
        if kind == "button":
            on, off = _BUTTON_COLOURS.get(element.get("style", ""), ("", "")) if self.color else ("", "")
            return f"{on}[{self.text(element.get('text'))}]{off}"
        if kind == "overflow":
            return "[⋯]"
        if kind.endswith(("select", "picker")):
            return f"[{self.value(element) or self.text(element.get('placeholder')) or 'Choose'} ▾]"
        return f"[{_clean(kind)}]"

    def value(self, element: dict) -> str:
        """What an input or menu already holds, in words; "" when it holds nothing."""
        option = element.get("initial_option")
        options = element.get("initial_options") or ([option] if option else [])
        if options:
            return ", ".join(self.text(chosen.get("text")) for chosen in options)
        if user := element.get("initial_user"):
            return _named("@", self.users.get(user, ""), "someone")
        if channel := element.get("initial_conversation") or element.get("initial_channel"):
            return _named("#", self.channels.get(channel, ""), "channel")
        return _clean(
            str(element.get("initial_value") or element.get("initial_date") or element.get("initial_time") or "")
        )

    def text(self, obj: dict | None) -> str:
        if not obj:
            return ""
        if obj.get("type") == "mrkdwn":
            return to_terminal(obj.get("text", ""), users=self.users, channels=self.channels, color=self.color)
        return _clean(obj.get("text", ""))


def _clean(text: str) -> str:
    return _CONTROL.sub("", text)
