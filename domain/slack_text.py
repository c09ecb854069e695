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
- A "> " at the start of a line (a quote; "&gt; " in Slack's text) loses its marker; ">>> " quotes the
  rest of the message.
- &amp; &lt; and &gt; become & < and > last, once, so "&amp;lt;" reads "&lt;" as the sender typed it.

`to_plain` gives words to put back into Slack (a form filled in from a message), so it keeps what Slack
would show again: emoji as their :shortcodes:, lists as typed, every link's address. `to_terminal` and
`render_blocks` are for reading in a terminal, where some of that means nothing:

- Quoted lines are drawn behind a bar ("▎ "), and list items ("• ", "- ", "1. " …) indented two spaces.
- The common emoji (COMMON_EMOJI) are drawn as emoji; any other :shortcode: stays as typed, which still
  reads as a word.
- A link to a Slack message (a permalink, https://<workspace>.slack.com/archives/…) shows only its words
  ("open", "see the request"): its address opens only in Slack, for someone signed in to that workspace,
  and would be a long run of ids in the middle of a sentence. Any other link keeps its address after its
  words, "words (https://…)", since a terminal cannot hide an address behind words.

Control characters (other than tabs and new lines) are dropped, so text from Slack can never move the
cursor or recolour a terminal; the only escape codes in `to_terminal`'s answer are its own, and only when
asked for `color`.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

DIVIDER = "─" * 40
QUOTE_BAR = "▎ "  # before each quoted line in a terminal, as Slack draws a grey bar
LIST_INDENT = "  "  # before each list item in a terminal

COMMON_EMOJI = {
    "+1": "👍",
    "thumbsup": "👍",
    "-1": "👎",
    "clap": "👏",
    "tada": "🎉",
    "wave": "👋",
    "star": "⭐",
    "star2": "🌟",
    "sparkles": "✨",
    "heart": "❤️",
    "raised_hands": "🙌",
    "pray": "🙏",
    "muscle": "💪",
    "ok_hand": "👌",
    "eyes": "👀",
    "smile": "😄",
    "slightly_smiling_face": "🙂",
    "joy": "😂",
    "thinking_face": "🤔",
    "white_check_mark": "✅",
    "heavy_check_mark": "✔️",
    "x": "❌",
    "warning": "⚠️",
    "bulb": "💡",
    "handshake": "🤝",
    "calendar": "📅",
    "date": "📅",
    "memo": "📝",
    "link": "🔗",
    "bell": "🔔",
    "books": "📚",
    "school": "🏫",
    "rocket": "🚀",
    "fire": "🔥",
    "sunny": "☀️",
}

# \ue000 and \ue001 mark held text while a message is read; dropped from what Slack sent, so it cannot forge them.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ue000\ue001]")  # keeps \t and \n
_HELD = re.compile("\ue000(\\d+)\ue001")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_CODE_BLOCK = re.compile(r"```(.*?)```", re.DOTALL)
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_QUOTE = re.compile(r"(?:(&gt;&gt;&gt;|>>>)|&gt;|>) ?")  # at the start of a line; group 1: the rest is quoted
_LIST_ITEM = re.compile(r"(?:[•◦▪‣–]|[-*]|\d{1,2}[.)]) ")
_ANGLE = re.compile(r"<([^<>\n]+)>")
_BARE_URL = re.compile(r"\b(?:https?://|mailto:)[^\s<>]+", re.IGNORECASE)
_EMOJI = re.compile(r":([a-z0-9_+\-]+):")
_BROADCASTS = frozenset({"here", "channel", "everyone"})


def _marker(mark: str) -> re.Pattern[str]:
    """*mark*-style formatting: opens and closes next to a non-letter, around text with no outer spaces."""
    m = re.escape(mark)
    return re.compile(rf"(?<![^\W_])(?<!{m}){m}(?![\s{m}])([^\n]*?[^\s{m}]){m}(?![^\W_])(?!{m})")


_BOLD, _ITALIC, _STRIKE = _marker("*"), _marker("_"), _marker("~")


@dataclass(frozen=True)
class _Style:
    """How a reading is drawn: the codes around bold, italic and struck-out words, and whether it is for a
    terminal (quotes and lists indented, common emoji drawn, Slack's own links as their words)."""

    terminal: bool = False
    bold: tuple[str, str] = ("", "")
    italic: tuple[str, str] = ("", "")
    strike: tuple[str, str] = ("", "")


_PLAIN = _Style()
_TERMINAL = _Style(terminal=True)
_ANSI = _Style(True, bold=("\x1b[1m", "\x1b[22m"), italic=("\x1b[3m", "\x1b[23m"), strike=("\x1b[9m", "\x1b[29m"))
_BUTTON_COLOURS = {"primary": ("\x1b[32m", "\x1b[39m"), "danger": ("\x1b[31m", "\x1b[39m")}


def to_plain(mrkdwn: str, *, users: Mapping[str, str], channels: Mapping[str, str]) -> str:
    """Slack message text as the words a person reads, e.g. to prefill a form from any message.

    "*Hi* <@U1>, see <https://x.org|the guide> &amp; <#C1|practice>" -> "Hi @Jo, see the guide (https://x.org)
    & #practice".
    """
    return _read(mrkdwn, users, channels, _PLAIN)


def to_terminal(mrkdwn: str, *, users: Mapping[str, str], channels: Mapping[str, str], color: bool) -> str:
    """Slack message text as a terminal shows it: as `to_plain` reads it, with quotes behind a bar, list items
    indented, common emoji drawn, links to Slack messages as their words, and, with `color`, bold, italic
    and struck-out words as ANSI styles."""
    return _read(mrkdwn, users, channels, _ANSI if color else _TERMINAL)


def render_blocks(
    blocks: list[dict], *, users: Mapping[str, str], channels: Mapping[str, str], color: bool
) -> list[str]:
    """Roughly what a person sees for Block Kit blocks (a message's, a form's or a Home tab's), as lines.

    Headers are bold (framed "== like this ==" without colour); sections show their text, then their
    fields one a line, with an accessory after the first line; context elements share an indented line,
    and so do actions ("[Button]", "[⋯]" for an overflow menu, "[Choose ▾]" for a menu); inputs read
    "Label: ____" (or their initial value, its later lines lined up under its first); images show their alt
    text; a divider is a rule. Text is read as `to_terminal` reads it.
    """
    draw = _Drawer(users, channels, color)
    return [line for block in blocks for drawn in draw.block(block) for line in drawn.split("\n")]


# Reading mrkdwn


def _read(mrkdwn: str, users: Mapping[str, str], channels: Mapping[str, str], style: _Style) -> str:
    held: list[str] = []

    def hold(text: str) -> str:
        held.append(text)
        return f"\ue000{len(held) - 1}\ue001"

    def styled(pair: tuple[str, str]) -> Callable[[re.Match[str]], str]:
        return lambda match: hold(pair[0]) + match[1] + hold(pair[1]) if pair[0] else match[1]

    text = _CONTROL.sub("", mrkdwn)
    text = _CODE_BLOCK.sub(lambda m: hold(_unescape(_trim_newlines(m[1]))), text)
    text = _INLINE_CODE.sub(lambda m: hold(_unescape(m[1])), text)
    text = _lines(text, style)
    text = _ANGLE.sub(lambda m: hold(_angle(m[1], users, channels, style)), text)
    text = _BARE_URL.sub(lambda m: hold(_unescape(m[0])), text)
    text = _BOLD.sub(styled(style.bold), text)
    text = _ITALIC.sub(styled(style.italic), text)
    text = _STRIKE.sub(styled(style.strike), text)
    if style.terminal:
        text = _EMOJI.sub(lambda m: COMMON_EMOJI.get(m[1], m[0]), text)
    return _HELD.sub(lambda m: held[int(m[1])], _unescape(text))


def _lines(text: str, style: _Style) -> str:
    """Each line's quote marker taken off (and, for a terminal, a bar put in its place), and, for a terminal,
    each list item indented. Code is held already, so a "> " or "- " inside it is left alone."""
    shown, rest_quoted = [], False
    for line in text.split("\n"):
        quote = _QUOTE.match(line)
        if quote:
            rest_quoted = rest_quoted or bool(quote[1])
            line = line[quote.end() :]
        if style.terminal:
            line = (LIST_INDENT if _LIST_ITEM.match(line) else "") + line
            if quote or rest_quoted:
                line = QUOTE_BAR + line if line else QUOTE_BAR.rstrip()
        shown.append(line)
    return "\n".join(shown)


def _unescape(text: str) -> str:
    return _ENTITY.sub(lambda m: _ENTITIES[m[1]], text)


def _trim_newlines(code: str) -> str:
    code = code[1:] if code.startswith("\n") else code
    return code[:-1] if code.endswith("\n") else code


def _angle(inner: str, users: Mapping[str, str], channels: Mapping[str, str], style: _Style) -> str:
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
    if label and style.terminal and is_slack_permalink(url):
        return label
    bare = url.split("://", 1)[-1].rstrip("/")
    return url if not label else label if label.rstrip("/") in (url.rstrip("/"), bare) else f"{label} ({url})"


def is_slack_permalink(url: str) -> bool:
    """Whether a link is to a message in a Slack workspace (https://<workspace>.slack.com/archives/…)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return parts.scheme == "https" and host.endswith(".slack.com") and parts.path.startswith("/archives/")


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
        first, *more = (self.value(block.get("element", {})) or "____").split("\n")
        lines = [f"{label}: {first}", *(" " * (len(label) + 2) + line if line else "" for line in more)]
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
        if element.get("default_to_current_conversation"):
            return "this channel"  # Slack names the conversation the form was opened from
        return _clean(
            str(element.get("initial_value") or element.get("initial_date") or element.get("initial_time") or "")
        )

    def text(self, obj: dict | None) -> str:
        if not obj:
            return ""
        if obj.get("type") == "mrkdwn":
            return to_terminal(obj.get("text", ""), users=self.users, channels=self.channels, color=self.color)
        words = _clean(obj.get("text", ""))
        return _EMOJI.sub(lambda m: COMMON_EMOJI.get(m[1], m[0]), words) if obj.get("emoji", True) else words


def _clean(text: str) -> str:
    return _CONTROL.sub("", text)
