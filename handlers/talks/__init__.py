"""`/talks`: one command whose first word picks what to do. Help and search live here; each feature adds its own
words (`champion`, `digest`, ...) through its TALKS_VERBS, gathered by bot.app.create_app."""

from __future__ import annotations

from collections.abc import Mapping

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from domain import text as t
from handlers.blocks import section
from handlers.context import Deps, Job, TalksRequest, TalksVerb, listener
from handlers.help import help_blocks, usage_text
from handlers.ids import Command
from handlers.partnerships.reading import partner_search_blocks
from handlers.talks.blocks import search_results
from storage.search import search

SEARCH_LIMIT = 8
PARTNER_LIMIT = 5  # partner organisations' matches, after the workspace's own
NOTHING_HERE = "*Nothing from here matches, but partner organisations shared these.*"


def register(app: App, deps: Deps, verbs: Mapping[str, TalksVerb]) -> None:
    """Listen for /talks, answering the words of every feature (`verbs`) besides help and search."""
    every = {"help": _help, "search": _search, **verbs}

    def handle_talks_command(ack: Ack, command: dict, respond: Respond, client: WebClient, deps: Deps) -> Job | None:
        words = t.unescape(command.get("text") or "").split(maxsplit=1)
        verb = words[0].lower() if words else "help"
        rest = words[1].strip() if len(words) > 1 else ""
        return every.get(verb, _usage)(TalksRequest(ack, command, respond, client, deps, verb, rest))

    app.command(Command.TALKS)(listener(handle_talks_command, deps))


def _help(request: TalksRequest) -> None:
    request.ack(blocks=help_blocks(), response_type="ephemeral")


def _usage(request: TalksRequest) -> None:
    request.ack(text=usage_text(request.verb), response_type="ephemeral")


def _search(request: TalksRequest) -> None:
    if not request.rest:
        request.ack(
            text="What should I look for? For example: `/talks search attendance parents`", response_type="ephemeral"
        )
        return
    request.ack()
    with request.deps.sessions.begin() as session:
        found = search(session, team_id=request.team_id, words=request.rest, limit=SEARCH_LIMIT).ranked()
    theirs = partner_search_blocks(request.deps, request.team_id, request.rest, PARTNER_LIMIT)  # shared with us
    shown = search_results(request.rest, found) if found or not theirs else [section(NOTHING_HERE)]
    request.respond(blocks=[*shown, *theirs], response_type="ephemeral")
