"""The HTTP server: POST /slack/events for Slack, GET /healthz for monitors, served by waitress."""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Callable, Iterable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine
from waitress.server import BaseWSGIServer, MultiSocketServer, create_server

from storage.db import database_state

SLACK_PATH = "/slack/events"

# What waitress's create_server makes: one server for one address, or one over several (a host name that
# resolves to more than one address, such as "localhost" to both 127.0.0.1 and ::1).
Server = BaseWSGIServer | MultiSocketServer


def make_wsgi_app(app: App, engine: Engine) -> Callable:
    slack = SlackRequestHandler(app, path=SLACK_PATH)

    def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            state = database_state(engine)
            body = json.dumps({"ok": state["ok"], "database": state}).encode()
            status = "200 OK" if state["ok"] else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return slack(environ, start_response)

    return wsgi


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
    return create_server(wsgi, host=host, port=port, threads=threads, ident="programme-talks")


def server_url(server: Server) -> str:
    """Where the server listens (the first of its addresses, when it has several)."""
    if isinstance(server, MultiSocketServer):
        host, port = server.effective_listen[0]
        return f"http://{host}:{port}"
    assert server.socket is not None  # waitress binds the socket when it creates the server
    host, port = server.socket.getsockname()[:2]
    return f"http://{host}:{port}"
