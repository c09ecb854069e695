"""Small helpers for reading what the app did: the stand-in's calls and the database's rows."""

from __future__ import annotations

import re
import socket
import time
import urllib.request
from collections.abc import Iterator

from sqlalchemy import func, select

from bot.devkit.local_slack import Call
from storage.models import CollabOffer, CollabRequest, Share


def text_objects(blocks: list[dict]) -> Iterator[dict]:
    """Every text object anywhere in these blocks."""
    for block in blocks:
        for key in ("text", "label", "hint"):
            if isinstance(block.get(key), dict):
                yield block[key]
        yield from block.get("fields") or []
        for element in block.get("elements") or []:
            if "type" in element and element["type"] in ("mrkdwn", "plain_text"):
                yield element
            elif isinstance(element.get("text"), dict):
                yield element["text"]


def all_text(blocks: list[dict]) -> str:
    return "\n".join(obj["text"] for obj in text_objects(blocks))


def assert_safe_mrkdwn(call: Call) -> None:
    """What the app sent can't ping a channel or anyone: verbatim mrkdwn, no link_names or parse=full."""
    assert "link_names" not in call.args  # the app never sends it, not even as false
    assert call.args.get("parse") != "full"
    for obj in text_objects(call.args.get("blocks") or []):
        if obj["type"] == "mrkdwn":
            assert obj.get("verbatim") is True, obj
    sent = all_text(call.args.get("blocks") or []) + str(call.args.get("text") or "")
    for raw in ("<!here", "<!channel", "<!everyone", "<@U_MALLORY", "|this>"):
        assert raw not in sent, f"{raw!r} reached Slack unescaped"
    # A link the user gave is shown as its own address, never behind a label they chose.
    for target, label in re.findall(r"<(https?://[^|>]+)\|([^>]*)>", sent):
        assert label in ("open", "see the request"), f"link to {target} disguised as {label!r}"


def count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def shares(sessions) -> list[Share]:
    with sessions() as session:
        return list(session.scalars(select(Share).order_by(Share.id)))


def requests(sessions) -> list[CollabRequest]:
    with sessions() as session:
        return list(session.scalars(select(CollabRequest).order_by(CollabRequest.id)))


def offers(sessions) -> list[CollabOffer]:
    with sessions() as session:
        return list(session.scalars(select(CollabOffer).order_by(CollabOffer.id)))


def response_to(slack, url: str, timeout: float = 5.0) -> Call:
    """The message the app sent back through a response_url."""
    return slack.wait_for("response_url", where=lambda c: c.args.get("url") == url, timeout=timeout)[-1]


def run_due(at: str, capsys, status: int = 0) -> str:
    """Run `programme-talks run-due --at AT` (with the `env` fixture's environment) and return what it printed;
    it must exit with `status` (1: something due was left for the next run)."""
    from bot.cli import main

    assert main(["run-due", "--at", at]) == status
    return capsys.readouterr().out


def printed(out: str) -> tuple[str, list[str]]:
    """What a `run-due` printed: its first line, and one line per thing it did, sorted (posts finish in any order)."""
    first, *done = out.splitlines()
    return first, sorted(line.strip() for line in done)


def wait_until(condition, timeout: float = 5.0):
    """The first truthy value `condition()` gives within `timeout` seconds; fail if it gives none."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def free_port() -> int:
    """A TCP port nothing listens on now, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def healthy(url: str) -> bool:
    """Whether the app at `url` answers /healthz with 200."""
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False
