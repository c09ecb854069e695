"""Posting to a channel the way a person would expect (join public channels, explain private ones), and
telling the person who acted, only them.

Rate limits (Retry-After), 5xx answers and dropped connections are retried by the WebClient's retry
handlers (see bot.slack), so this module only decides what each final answer means for the user.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError, SlackObjectFormationError
from slack_sdk.models.blocks import Block

log = logging.getLogger(__name__)

Tell = Callable[[list[Block]], None]  # shows blocks to the person who acted (ephemeral or by DM)

REASONS = {
    "not_in_channel": "I'm not a member of the channel. If it is private, type `/invite @Programme Talks` in it first",
    "channel_not_found": "I'm not a member of the channel, or it no longer exists. If it is private, type "
    "`/invite @Programme Talks` in it first",
    "is_archived": "the channel is archived",
    "ratelimited": "Slack is busy right now",
    "connection_error": "I couldn't reach Slack",
    "token_unavailable": "I couldn't reach Slack",
    "app_uninstalled": "Programme Talks has been removed from this workspace",
}


# Faults worth trying again later (Slack busy or unreachable); anything else Slack says is final. Ours too:
# "token_unavailable", when a workspace's token could not be read or refreshed just now (bot.installations).
PASSING = frozenset(
    {
        "ratelimited",
        "connection_error",
        "internal_error",
        "service_unavailable",
        "request_timeout",
        "fatal_error",
        "token_unavailable",
    }
)


def passing(error: str) -> bool:
    """Whether Slack's answer is a passing fault (try again later) rather than a final refusal."""
    return error in PASSING or error.startswith("http_5")


def reason(error: str | None) -> str:
    """Why Slack did not take a message, as part of a sentence for a person (mrkdwn-safe, no full stop).

    The one place Slack's error codes become words; callers add what the person can do about it.
    """
    return REASONS.get(error or "", "Slack didn't accept the message")


@dataclass(frozen=True)
class Posted:
    channel_id: str
    ts: str
    permalink: str | None


@dataclass(frozen=True)
class NotPosted:
    reason: str  # publish.reason(error): part of a sentence for a person, mrkdwn-safe
    error: str  # Slack's error code, for logs and for callers that disable a destination
    retry_after: float | None = None  # seconds, when Slack answered 429 and the client did not wait it out


def post_message(
    client: WebClient,
    channel_id: str,
    blocks: Sequence[Block | dict],
    text: str,
    *,
    permalink: bool = True,
    metadata: dict | None = None,
) -> Posted | NotPosted:
    """Post blocks to a channel, joining it first if it is public and the app is not yet a member.

    With `permalink`, also ask Slack for the message's link (one more call), for messages others link to.
    `metadata` ({"event_type": ..., "event_payload": {...}}) travels with the message, so the app can find it
    again in the channel's history.
    """
    result = _post(client, channel_id, blocks, text, metadata)
    if isinstance(result, NotPosted) and result.error == "not_in_channel":
        joined = _join(client, channel_id)
        result = joined if isinstance(joined, NotPosted) else _post(client, channel_id, blocks, text, metadata)
    if isinstance(result, NotPosted):
        log.warning("could not post to %s: %s", channel_id, result.error)
        return result
    link = _permalink(client, channel_id, result.ts) if permalink else None
    return Posted(channel_id=result.channel_id, ts=result.ts, permalink=link)


def update_message(client: WebClient, channel_id: str, ts: str, blocks: list[Block], text: str) -> NotPosted | None:
    """Edit a message the app posted; None when it is done, else why not (error "message_not_found": deleted)."""
    try:
        client.chat_update(channel=channel_id, ts=ts, blocks=blocks, text=text)
    except (SlackApiError, SlackClientError, OSError) as error:
        code = _code(error)
        log.warning("could not update message in %s: %s", channel_id, code)
        return _not_posted(code)
    return None


def delete_message(client: WebClient, channel_id: str, ts: str) -> bool | str:
    """Delete a message the app posted: True when it is gone (or already was), else the reason it is not."""
    try:
        client.chat_delete(channel=channel_id, ts=ts)
    except (SlackApiError, SlackClientError, OSError) as error:
        code = _code(error)
        if code == "message_not_found":
            return True
        log.warning("could not delete message in %s: %s", channel_id, code)
        return reason(code)
    return True


def _post(
    client: WebClient, channel_id: str, blocks: Sequence[Block | dict], text: str, metadata: dict | None
) -> Posted | NotPosted:
    try:
        response = client.chat_postMessage(
            channel=channel_id, blocks=blocks, text=text, unfurl_links=False, unfurl_media=False, metadata=metadata
        )
    except SlackObjectFormationError:
        raise  # a message we built wrong is a bug to fix, not Slack being unreachable
    except (SlackApiError, SlackClientError, OSError) as error:
        return _not_posted(_code(error), retry_after=_retry_after(error))
    return Posted(channel_id=response["channel"], ts=response["ts"], permalink=None)


def _join(client: WebClient, channel_id: str) -> NotPosted | None:
    try:
        client.conversations_join(channel=channel_id)
    except (SlackApiError, SlackClientError, OSError) as error:
        code = _code(error)
        return _not_posted("not_in_channel" if code == "method_not_supported_for_channel_type" else code)
    return None


def _permalink(client: WebClient, channel_id: str, ts: str) -> str | None:
    try:
        return client.chat_getPermalink(channel=channel_id, message_ts=ts)["permalink"]
    except (SlackApiError, SlackClientError, OSError):
        return None


def _code(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or f"http_{error.response.status_code}")
    return "connection_error"


def _retry_after(error: Exception) -> float | None:
    """Slack's Retry-After on a 429, in seconds (1 if it gave none); None for any other error."""
    if not isinstance(error, SlackApiError) or error.response.status_code != 429:
        return None
    headers = {name.lower(): value for name, value in (error.response.headers or {}).items()}
    value = headers.get("retry-after")
    value = value[0] if isinstance(value, list) else value
    if value is None:
        return 1.0
    try:
        return float(value)
    except (TypeError, ValueError):
        return 1.0


def _not_posted(code: str, *, retry_after: float | None = None) -> NotPosted:
    return NotPosted(reason=reason(code), error=code, retry_after=retry_after)


# ---- telling the person who acted ------------------------------------------------------------------------


def dm(client: WebClient, user_id: str) -> Tell:
    """Tell someone something in their direct messages with the app (used where there is no response_url)."""

    def tell(message: list[Block]) -> None:
        post_message(client, user_id, message, "Programme Talks", permalink=False)  # failures are logged there

    return tell


def ephemeral(respond: Respond) -> Tell:
    def tell(message: list[Block]) -> None:
        respond(blocks=message, response_type="ephemeral", replace_original=False)

    return tell


def say(respond: Respond, text: str) -> None:
    """Answer the person who clicked, only to them, leaving the message they clicked as it is."""
    respond(text=text, response_type="ephemeral", replace_original=False)
