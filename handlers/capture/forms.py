"""The message shortcuts: **Share as practice** and **Ask for collaboration** on any message (threads too) open the
share or request form filled in with the message's words, ready to edit.

Slack's formatting is read back as plain words (domain.slack_text.to_plain), people and channels it mentions as
their names (users.info, conversations.info). The form must open within 3 seconds of the click, so names are
looked up for at most LOOKUP_SECONDS, each call with a short timeout and no retries; a name not found in time
reads "@someone" and the person can type it. The forms are the shares feature's own (handlers.shares.blocks),
submitted to handlers.capture.saving, which keeps the link to the message and asks its author about credit.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.views import View

from domain import capture
from domain.slack_text import to_plain
from handlers.capture.blocks import form_intro
from handlers.context import Deps
from handlers.ids import View as V
from handlers.metadata import to_metadata
from handlers.publish import say
from handlers.shares.blocks import RequestDraft, ShareDraft, collab_modal, share_modal

NOT_OPENED = "Sorry, Slack took too long to open the form. Please use the shortcut on the message again."
LOOKUP_SECONDS = 1.5  # of Slack's 3 s for opening the form, spent looking up names
LOOKUP_TIMEOUT = 1  # seconds for any one lookup

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CaptureContext:
    """What a form opened from a message carries (private_metadata): the message, and whose it was."""

    source_channel: str = ""
    source_ts: str = ""
    source_author: str | None = None  # None: an app's or a bot's message
    fallback_link: str | None = None  # the message's address built from the workspace's, if Slack won't give one


def handle_share_shortcut(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    ack()
    started = time.monotonic()
    context = _context(body)
    tags = capture.message_tags(str((body.get("message") or {}).get("text") or ""))
    words = capture.share_words(read_message(client, body, deadline=started + LOOKUP_SECONDS), tags)
    draft = ShareDraft(body=words.body, title=words.title or None, tags=words.tags, link=words.link)
    view = share_modal(to_metadata(context), prefill=draft, ask_channel=True)
    _open(client, respond, body, _captured(view, V.CAPTURE_SHARE, body, context))


def handle_ask_shortcut(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    ack()
    started = time.monotonic()
    context = _context(body)
    words = capture.request_words(read_message(client, body, deadline=started + LOOKUP_SECONDS))
    view = collab_modal(to_metadata(context), ask_channel=True, draft=RequestDraft(body=words))
    _open(client, respond, body, _captured(view, V.CAPTURE_REQUEST, body, context))


def _open(client: WebClient, respond: Respond, body: dict, view: View) -> None:
    """Open the form; if Slack won't (the click's 3 seconds ran out), say so to the person, only them."""
    try:
        client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as error:
        log.warning("could not open the form for a message shortcut: %s", error.response.get("error"))
        say(respond, NOT_OPENED)


def _context(body: dict) -> CaptureContext:
    message, channel_id = body.get("message") or {}, (body.get("channel") or {}).get("id", "")
    ts = str(message.get("ts") or body.get("message_ts") or "")
    return CaptureContext(
        source_channel=channel_id,
        source_ts=ts,
        source_author=message.get("user") if not message.get("bot_id") else None,
        fallback_link=built_permalink((body.get("team") or {}).get("domain"), channel_id, ts, message.get("thread_ts")),
    )


def _captured(view: View, callback_id: str, body: dict, context: CaptureContext) -> View:
    """The shares feature's form, submitted to capture's own listener, saying where its words came from."""
    view.callback_id = callback_id
    intro = form_intro(body["user"]["id"], context.source_author, context.source_channel)
    view.blocks = [intro, *(view.blocks or [])]
    return view


def read_message(client: WebClient, body: dict, *, deadline: float) -> str:
    """The message's words as a person reads them, with the names of people and channels looked up until
    `deadline` (time.monotonic())."""
    text = str((body.get("message") or {}).get("text") or "")
    quick = _quick(client)
    users: dict[str, str] = {}
    for user_id in capture.named_people(text):
        if time.monotonic() >= deadline:
            break
        if name := display_name(quick, user_id):
            users[user_id] = name
    channels: dict[str, str] = {}
    for channel_id in capture.unnamed_channels(text):
        if time.monotonic() >= deadline:
            break
        try:
            channels[channel_id] = str(quick.conversations_info(channel=channel_id)["channel"].get("name") or "")
        except (SlackApiError, SlackClientError, OSError):
            continue
    return to_plain(text, users=users, channels=channels)


def display_name(client: WebClient, user_id: str) -> str | None:
    try:
        user = client.users_info(user=user_id)["user"]
    except (SlackApiError, SlackClientError, OSError):
        return None
    profile = user.get("profile") or {}
    return profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name")


def built_permalink(domain: str | None, channel_id: str, ts: str, thread_ts: str | None) -> str | None:
    """A message's address as Slack builds its permalinks, for when chat.getPermalink can't give one (a private
    channel the app is not in): https://<domain>.slack.com/archives/<channel>/p<ts without its dot>."""
    if not (domain and channel_id and ts.replace(".", "").isdigit()):
        return None
    link = f"https://{domain}.slack.com/archives/{channel_id}/p{ts.replace('.', '')}"
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel_id}"
    return link


def _quick(client: WebClient) -> WebClient:
    """The same client, giving up on a call after LOOKUP_TIMEOUT and never retrying: the form can't wait."""
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=LOOKUP_TIMEOUT,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=client.headers,
        retry_handlers=[],
    )
