"""The HTTP server: POST /slack/events for Slack; GET /healthz, /readyz and /metrics for monitors; on waitress.

Bolt parses a body before it checks the signature, so on its own anyone could make it answer 500. Here every
request to /slack/events is checked first:
1. Its signature (check_signature): anything Slack did not sign within the last 5 minutes is answered 401, and
   logged in one line at INFO.
2. Its shape (read_request): a signed body Bolt could not route (not UTF-8, not a form or JSON as Slack sends
   them, a `payload` that is not a JSON object, a type Slack doesn't send, a view with no type, ...) is answered
   400 with a short plain reason, and logged in one line at WARNING. Never the body: it may hold what someone
   typed.
Then Bolt answers it, with the request's ids set for every line logged meanwhile (bot.logs.request_context),
and each request is counted, with the time its answer took (bot.metrics).
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import json
import logging
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltContext, BoltRequest
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.request.internals import build_context
from sqlalchemy import Engine
from waitress.server import BaseWSGIServer, MultiSocketServer, create_server

from bot import logs, metrics
from storage.db import make_sessions

log = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"
SIGNATURE_WINDOW = 5 * 60  # seconds either side of now that a signed request's timestamp may be
MAX_BODY = 4 * 1024 * 1024  # waitress answers 413 past this; Slack's largest payloads (a whole view) are far smaller

# What Slack sends, by the payload's `type`, and the kind each is counted as.
INTERACTIONS = {
    "block_actions": "action",
    "block_suggestion": "action",
    "shortcut": "action",
    "message_action": "action",
    "view_submission": "view",
    "view_closed": "view",
}
EVENTS_API = {"event_callback": "event", "url_verification": "other", "app_rate_limited": "other"}
# Where Bolt looks for ids (and so must find an object, an id or nothing), at the top of a body and inside these.
OBJECTS = ("event", "view", "message", "previous_message", "container", "item", "assistant_thread", "function_data")
IDS = ("enterprise", "team", "user", "channel")

# What waitress's create_server makes: one server for one address, or one over several (a host name that
# resolves to more than one address, such as "localhost" to both 127.0.0.1 and ::1).
Server = BaseWSGIServer | MultiSocketServer


# ---- checking a request ---------------------------------------------------------------------------------


def check_signature(secret: bytes, body: bytes, timestamp: str, signature: str, now: float) -> str | None:
    """None when Slack signed `body` (v0, HMAC-SHA256) within SIGNATURE_WINDOW of `now`; otherwise why not."""
    if not signature:
        return "no signature"
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return "no timestamp of plain digits"
    if abs(now - int(timestamp)) > SIGNATURE_WINDOW:
        return "a timestamp more than 5 minutes away"
    signed = hmac.new(secret, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    # A WSGI header is text decoded as Latin-1: encoded back, it is the bytes that were sent.
    if not hmac.compare_digest(b"v0=" + signed.encode(), signature.encode("latin-1", "replace")):
        return "a signature that does not match"
    return None


class Refused(Exception):
    """A signed request Bolt could not route; str() says why, in a few words (no part of the body)."""

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind = kind


@dataclass(frozen=True)
class Checked:
    """A request that is well formed: what Bolt should make of it, and the ids it is about, for the logs."""

    kind: str  # as bot.metrics counts it: command, action, view, event or other
    text: str
    body: dict[str, Any]
    fields: dict[str, str | None] = field(default_factory=dict)


def read_request(raw: bytes, content_type: str) -> Checked:
    """Read a signed body as Bolt will (JSON when it says so or starts with "{", otherwise a form), and check
    that Bolt can route it; Refused if not."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("other", "the body is not UTF-8") from None
    if not text:
        raise Refused("other", "the body is empty")
    if content_type.split(";")[0] == "application/json" or text.startswith("{"):
        body = _json_object(text, "the body")
        kind = _kind(body, EVENTS_API, "an Events API request")
    else:
        form = dict(parse_qsl(text, keep_blank_values=True))
        if "payload" in form:
            body = _json_object(form["payload"], "payload")
            kind = _kind(body, INTERACTIONS, "an interaction")
        elif "ssl_check" in form:
            body, kind = form, "other"  # Slack checking the certificate; Bolt answers it
        elif form.get("command", "").startswith("/"):
            body, kind = form, "command"
        else:
            raise Refused("other", "the form is neither a command nor an interaction")
    _check_shape(body, kind)
    return Checked(kind=kind, text=text, body=body, fields=_fields(body, kind))


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise Refused("other", f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise Refused("other", f"{what} is not a JSON object")
    return value


def _kind(body: dict[str, Any], kinds: dict[str, str], what: str) -> str:
    kind = kinds.get(body["type"]) if isinstance(body.get("type"), str) else None
    if kind is None:
        raise Refused("other", f"the type is not one Slack sends as {what}")
    return kind


def _check_shape(body: dict[str, Any], kind: str) -> None:
    """What Bolt reads to route a request is there, of the type it expects."""

    def check_ids(value: dict[str, Any], where: str, depth: int = 0) -> None:
        for key in IDS:
            if not isinstance(value.get(key), str | dict | None):
                raise Refused(kind, f"{where}{key} is neither an id nor an object")
        for key in OBJECTS:
            if key in value and not isinstance(value[key], dict):
                raise Refused(kind, f"{where}{key} is not an object")
            if key in value and depth < 2:
                check_ids(value[key], f"{where}{key}.", depth + 1)
        authorizations = value.get("authorizations")
        if authorizations is not None and not _objects(authorizations):
            raise Refused(kind, f"{where}authorizations is not a list of objects")
        for authorization in authorizations or []:
            check_ids(authorization, f"{where}authorizations.", depth + 1)

    check_ids(body, "")
    if "response_urls" in body and not _objects(body["response_urls"]):
        raise Refused(kind, "response_urls is not a list of objects")
    # Who is asking, and in which workspace: every request Slack sends says.
    if kind == "command" and not (body.get("user_id") and body.get("team_id")):
        raise Refused(kind, "the command has no user_id or team_id")
    if kind in ("action", "view") and not isinstance(_object(body.get("user")).get("id"), str):
        raise Refused(kind, "the interaction has no user")
    if kind == "event" and not isinstance(body.get("team_id"), str):
        raise Refused(kind, "the event has no team_id")
    kind_of = body.get("type")
    if kind_of == "block_actions":
        actions = body.get("actions")
        if not (_objects(actions) and actions and all(isinstance(a.get("action_id"), str) for a in actions)):
            raise Refused(kind, "actions is not a list of actions with ids")
        if not all(isinstance(a.get("block_id", ""), str) for a in actions):
            raise Refused(kind, "an action's block_id is not text")
    elif kind_of == "block_suggestion" and not isinstance(body.get("action_id"), str):
        raise Refused(kind, "action_id is not text")
    elif kind_of in ("shortcut", "message_action") and not isinstance(body.get("callback_id"), str):
        raise Refused(kind, "callback_id is not text")
    elif kind_of in ("view_submission", "view_closed"):
        view = body.get("view")
        if not isinstance(view, dict):
            raise Refused(kind, "the view is missing")
        if not isinstance(view.get("type"), str):
            raise Refused(kind, "the view has no type")
        if not isinstance(view.get("callback_id"), str):
            raise Refused(kind, "the view has no callback_id")
    elif kind_of == "event_callback" and not isinstance((body.get("event") or {}).get("type"), str):
        raise Refused(kind, "the event has no type")
    elif kind_of == "url_verification" and not isinstance(body.get("challenge"), str):
        raise Refused(kind, "the challenge is not text")


def _objects(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def _fields(body: dict[str, Any], kind: str) -> dict[str, str | None]:
    """The ids a request is about, for its log lines: never anything anyone typed."""
    event, view = _object(body.get("event")), _object(body.get("view"))
    authorization, action = _object(_first(body.get("authorizations"))), _object(_first(body.get("actions")))
    return {
        "team_id": _id(body.get("team")) or _text(body.get("team_id")) or _text(authorization.get("team_id")),
        "user_id": _id(body.get("user")) or _text(body.get("user_id")) or _text(event.get("user")),
        "command": _text(body.get("command")) if kind == "command" else None,
        "action_id": _text(action.get("action_id")) or _text(body.get("action_id")),
        "callback_id": _text(view.get("callback_id")) or _text(body.get("callback_id")),
        "event_type": _text(event.get("type")),
    }


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _first(value: object) -> object:
    return value[0] if isinstance(value, list) and value else None


def _id(value: object) -> str | None:
    return _text(value.get("id")) if isinstance(value, dict) else _text(value)


def _text(value: object) -> str | None:
    return value[:100] if isinstance(value, str) and value else None


# ---- serving ----------------------------------------------------------------------------------------------


def make_wsgi_app(
    app: App,
    engine: Engine,
    *,
    signing_secret: str | None = None,
    background: object = None,
    pages: Mapping[str, Callable] | None = None,
    serve_slack: bool = True,
) -> Callable:
    """The WSGI app: Slack's requests for `app`, checked first (see the module's note), the monitors' endpoints,
    and `pages`, WSGI apps by path answering GET (the OAuth install pages, say). `signing_secret` defaults to the
    one `app` was made with; `background` is what does the work after acknowledging (its process's health is
    reported when it is one). Without `serve_slack` (over Socket Mode, whose requests are not signed, so
    /slack/events must not take any) only the monitors' endpoints and `pages` are served."""
    pages = dict(pages or {})
    # Bolt keeps its secret private; reading it serves callers that give none (benchmarks/ack_latency.py).
    secret = (signing_secret if signing_secret is not None else app._signing_secret).encode()
    worker = background if isinstance(background, metrics.Alive) else None
    sessions = make_sessions(engine)
    from_database = metrics.FromDatabase(sessions, worker)

    def slack(environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()

        def answer(status: int, text: str, kind: str, outcome: str) -> Iterable[bytes]:
            response = WsgiHttpResponse(status, {"content-type": ["text/plain; charset=utf-8"]}, text)
            start_response(response.status, response.get_headers())
            return _Answer(response.get_body(), lambda: metrics.count_request(kind, outcome))

        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or -1))
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        if why := check_signature(secret, raw, timestamp, environ.get("HTTP_X_SLACK_SIGNATURE", ""), time.time()):
            log.info("refused a request to %s that Slack did not sign: %s", SLACK_PATH, why)
            return answer(401, "not signed by Slack", "other", "refused_401")
        try:
            checked = read_request(raw, environ.get("CONTENT_TYPE", ""))
        except Refused as refusal:
            log.warning("refused a request Slack signed: %s", refusal)
            return answer(400, f"malformed request: {refusal}", refusal.kind, "refused_400")
        if checked.body.get("type") == "app_rate_limited":
            log.warning("Slack is holding back events: the app went over the Events API's rate limit")
            return answer(200, "", "other", "acknowledged")
        try:
            headers = WsgiHttpRequest(environ).get_headers()
            request = BoltRequest(body=checked.text, query=environ.get("QUERY_STRING", ""), headers=headers)
        except (KeyError, TypeError, AttributeError, IndexError, ValueError) as error:  # what read_request missed
            log.warning("refused a request Slack signed: Bolt could not read it (%s)", type(error).__name__)
            return answer(400, "malformed request", checked.kind, "refused_400")
        if request.body != checked.body:  # Bolt takes a form that merely mentions "payload" for an empty one
            request.body = checked.body
            request.context = build_context(BoltContext(), checked.body)
        with logs.request_context(**checked.fields):
            bolt = app.dispatch(request)
        outcome = "acknowledged" if 200 <= bolt.status < 300 else "refused_401" if bolt.status == 401 else "error"
        response = WsgiHttpResponse(bolt.status, bolt.headers, bolt.body)
        start_response(response.status, response.get_headers())
        kind = checked.kind
        return _Answer(response.get_body(), lambda: metrics.count_request(kind, outcome, time.perf_counter() - started))

    def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == SLACK_PATH and method == "POST" and serve_slack:
            return slack(environ, start_response)
        if method in ("GET", "HEAD") and path == "/healthz":
            return _json(start_response, 200, metrics.health(engine))
        if method in ("GET", "HEAD") and path == "/readyz":
            ready, report = metrics.readiness(engine, sessions, worker)
            return _json(start_response, 200 if ready else 503, report)
        if method in ("GET", "HEAD") and path in pages:
            return pages[path](environ, start_response)
        if method in ("GET", "HEAD") and path == "/metrics":
            body, content_type = metrics.exposition(from_database, environ.get("HTTP_ACCEPT", ""))
            start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
            return [body]
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "9")])
        return [b"Not Found"]

    return wsgi


class _Answer:
    """An answer's body, and what to do once the server has written it (a WSGI server calls close() then)."""

    def __init__(self, chunks: Iterable[bytes], written: Callable[[], None]):
        self.chunks, self.written = chunks, written

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.chunks)

    def close(self) -> None:
        self.written()


def _json(start_response: Callable, status: int, report: dict[str, Any]) -> list[bytes]:
    body = json.dumps(report).encode()
    phrase = {200: "200 OK", 503: "503 Service Unavailable"}[status]
    start_response(phrase, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


# ---- the server -------------------------------------------------------------------------------------------


def prefer_quick_answers() -> None:
    """Hand the interpreter lock between threads every 1 ms instead of 5 ms.

    Work after acknowledging (saving, posting) is CPU-bound Python; with the default interval a thread with an
    acknowledgement ready can wait several 5 ms slices for the lock. Measured in BENCHMARKS.md.
    """
    sys.setswitchinterval(0.001)


def settle_memory() -> None:
    """Once the app is assembled, move everything allocated so far out of the garbage collector's sight.

    The modules, the Bolt app and its listeners live until the process ends; without this each full
    collection walks all of them again, a pause that lands on whichever request is being answered.
    """
    gc.collect()
    gc.freeze()


def make_server(wsgi: Callable, *, host: str, port: int, threads: int = 16) -> Server:
    """A waitress server (call .run() to serve, .close() to stop); port 0 picks a free port."""
    return create_server(
        wsgi, host=host, port=port, threads=threads, ident="programme-talks", max_request_body_size=MAX_BODY
    )


def server_url(server: Server) -> str:
    """Where the server listens (the first of its addresses, when it has several)."""
    if isinstance(server, MultiSocketServer):
        host, port = server.effective_listen[0]
        return f"http://{host}:{port}"
    assert server.socket is not None  # waitress binds the socket when it creates the server
    host, port = server.socket.getsockname()[:2]
    return f"http://{host}:{port}"
