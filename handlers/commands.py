"""Slash commands: /share, /collab and /talks. Each parses, acknowledges, then does the work."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from domain import text as t
from handlers import blocks, digests, roles
from handlers.capture import REQUEST, SHARE, Kind, ephemeral, post_record
from handlers.context import Deps, Job, ModalContext, TalksRequest, TalksVerb, listener, respond_to
from handlers.ids import Command
from storage import queries as q
from storage.search import search

SEARCH_LIMIT = 8


def register(app: App, deps: Deps) -> None:
    app.command(Command.SHARE)(listener(handle_share_command, deps))
    app.command(Command.COLLAB)(listener(handle_collab_command, deps))
    app.command(Command.TALKS)(listener(handle_talks_command, deps))


HELP_WORDS = {"help", "?", "-h", "--help"}


def handle_share_command(ack: Ack, command: dict, respond: Respond, client: WebClient, deps: Deps) -> Job | None:
    return _quick_or_form(ack, command, client, blocks.share_modal, t.MAX_SHARE_CHARS, "share", _save_and_post_share)


def _quick_or_form(
    ack: Ack, command: dict, client: WebClient, modal, limit: int, kind: str, save_and_post: Callable[..., None]
) -> Job | None:
    """What /share and /collab have in common: help, the form when typed alone, a kind refusal for text that
    can't be taken (given back), or else acknowledge and hand back the saving and posting for after."""
    text = t.unescape(command.get("text") or "").strip()
    if text.lower() in HELP_WORDS:
        ack(blocks=blocks.help_blocks(), response_type="ephemeral")
        return None
    if not text:
        ack()
        context = ModalContext(channel_id=command["channel_id"]).to_json()
        client.views_open(trigger_id=command["trigger_id"], view=modal(context))
        return None
    if problem := _refusal(text, limit, kind):
        ack(blocks=problem, response_type="ephemeral")
        return None
    ack()
    return Job(save_and_post, (command, text))


def _save_and_post_share(client: WebClient, deps: Deps, command: dict, text: str) -> None:
    quick = t.parse_quick_share(text)
    _save_and_post(
        command,
        client,
        deps,
        text,
        SHARE,
        lambda session: q.add_share(
            session,
            team_id=command["team_id"],
            author_id=command["user_id"],
            channel_id=command["channel_id"],
            body=quick.body,
            tags=quick.tags,
            link=quick.links[0] if quick.links else None,
            now=deps.clock(),
        ),
    )


def _save_and_post(command: dict, client: WebClient, deps: Deps, text: str, kind: Kind, add) -> None:
    """Save what someone typed, then post it; if it could not be saved, tell them and give their words back."""
    respond = respond_to(command)
    try:
        with deps.sessions.begin() as session:
            record_id = add(session).id
    except SQLAlchemyError:
        respond(blocks=blocks.not_saved_blocks(text), response_type="ephemeral")
        raise
    post_record(client, deps, kind, team_id=command["team_id"], record_id=record_id, tell=ephemeral(respond))


def handle_collab_command(ack: Ack, command: dict, respond: Respond, client: WebClient, deps: Deps) -> Job | None:
    return _quick_or_form(
        ack, command, client, blocks.collab_modal, t.MAX_REQUEST_CHARS, "request", _save_and_post_request
    )


def _save_and_post_request(client: WebClient, deps: Deps, command: dict, text: str) -> None:
    quick = t.parse_quick_request(text, deps.today())
    _save_and_post(
        command,
        client,
        deps,
        text,
        REQUEST,
        lambda session: q.add_request(
            session,
            team_id=command["team_id"],
            requester_id=command["user_id"],
            channel_id=command["channel_id"],
            body=quick.body,
            needed_by=quick.needed_by,
            now=deps.clock(),
        ),
    )


def handle_talks_command(ack: Ack, command: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    words = t.unescape(command.get("text") or "").split(maxsplit=1)
    verb = words[0].lower() if words else "help"
    rest = words[1].strip() if len(words) > 1 else ""
    talks_verbs().get(verb, _usage)(TalksRequest(ack, command, respond, client, deps, verb, rest))


def talks_verbs() -> dict[str, TalksVerb]:
    return {"help": _help, "search": _search_verb, **roles.VERBS, **digests.VERBS}


def _help(request: TalksRequest) -> None:
    request.ack(blocks=blocks.help_blocks(), response_type="ephemeral")


def _usage(request: TalksRequest) -> None:
    request.ack(text=blocks.usage_text(request.verb), response_type="ephemeral")


def _search_verb(request: TalksRequest) -> None:
    if not request.rest:
        request.ack(
            text="What should I look for? For example: `/talks search attendance parents`", response_type="ephemeral"
        )
        return
    request.ack()
    found = _search(request.deps, request.command["team_id"], request.rest)
    request.respond(blocks=found, response_type="ephemeral")


def _search(deps: Deps, team_id: str, words: str) -> list:
    with deps.sessions.begin() as session:
        found = search(session, team_id=team_id, words=words, limit=SEARCH_LIMIT)
        cards = {("share", s.id): q.share_card(s) for s in found.shares}
        cards |= {("request", r.id): q.request_card(r) for r in found.requests}
    return blocks.search_results(words, [cards[key] for key in found.order if key in cards])


def _refusal(text: str, limit: int, kind: str) -> list | None:
    """Blocks explaining why this text can't be taken as it is (and giving it back), or None if it can."""
    if len(text) > limit:
        why = f"Your {kind} is {len(text):,} characters; the limit is {limit:,}. Please shorten it" + (
            ", or type `/share` on its own for a form with more room." if kind == "share" else "."
        )
    elif any(len(found) > t.MAX_LINK_CHARS for found in t.find_links(text)):
        why = f"A link in your {kind} is longer than {t.MAX_LINK_CHARS} characters; please use a shorter one."
    elif warning := t.personal_data_warning(text):
        why = (
            f"I haven't posted this because {warning}. To keep children and families safe, please take out "
            "personal details and try again."
        )
    else:
        return None
    return [blocks.section(f"{why} Nothing was saved. Here is what you wrote:"), *blocks.not_saved_blocks(text)[1:]]
