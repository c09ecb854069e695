"""Raw requests to the app's Slack endpoint: signed as Slack signs them, or not, with any body and headers."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
import urllib.parse
from urllib.parse import urlsplit

from bot.devkit.sandbox import SIGNING_SECRET
from bot.server import SLACK_PATH
from handlers.ids import View

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def send(sandbox, body: bytes, content_type: str, *, timestamp: bytes | None = None, signed: bool = True):
    """POST to /slack/events with headers as raw bytes (a timestamp in Arabic digits can't go through urllib)."""
    stamp = timestamp if timestamp is not None else str(int(time.time())).encode()
    headers = {b"Content-Type": content_type.encode()}
    if signed:
        base = b"v0:" + stamp + b":" + body
        headers[b"X-Slack-Request-Timestamp"] = stamp
        headers[b"X-Slack-Signature"] = (
            b"v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest().encode()
        )
    address = urlsplit(sandbox.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    try:
        connection.putrequest("POST", SLACK_PATH)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.putheader(b"Content-Length", str(len(body)).encode())
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read().decode()
    finally:
        connection.close()


def form(**fields: str) -> bytes:
    return urllib.parse.urlencode(fields).encode()


def interaction(payload: object) -> bytes:
    return form(payload=json.dumps(payload))


VIEW_WITHOUT_TYPE = {
    "type": "view_submission",
    "team": {"id": "T0001"},
    "user": {"id": "U_AMIRA", "team_id": "T0001"},
    "trigger_id": "t.1",
    "view": {"id": "V1", "callback_id": View.SHARE, "state": {"values": {}}, "private_metadata": "{}"},
}
