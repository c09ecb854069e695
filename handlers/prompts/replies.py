"""Capture replies: a meeting prompt's replies turned into shares, each with its author's consent.

Anyone in the channel may press **Capture replies** (often whoever chairs the meeting, who need not be a champion):
pressing only asks. After Slack's answer, a job reads the thread (conversations.replies), skips the app's and other
bots' messages and replies already asked about or already made a share or request from, and sends each new reply's
author a direct message with their words: **Share it** or **No thanks**. Pressing again asks nobody twice. The person
who pressed is told how many people were asked. (Asking waits for the author's own answer, so it is not held while
they are paused: see bot.delivery.quiet.)

**Share it** reads the reply again from Slack (its words are never stored here), runs the personal-data check, and
then, in one transaction, records the answer, saves the share with its author as author and the reply as its source,
and hands the posting to the capture feature's job (handlers.capture.saving.post_captured: posted in the prompt's
channel with "From a message by" them under it, then matched). When the check finds something, nothing is saved:
the share form opens with their words and what was found marked, as every form does.
"""

from __future__ import annotations

import logging
import time

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from domain import capture
from domain import text as t
from domain.words import join_and, plural
from handlers import personal_data as pd
from handlers.capture.blocks import form_intro
from handlers.capture.forms import CaptureContext, read_message
from handlers.capture.saving import permalink, post_captured
from handlers.context import NOT_TAKEN, Deps, Job, after_ack, respond_to
from handlers.ids import Block as B
from handlers.ids import View as V
from handlers.jobs import JobRun
from handlers.metadata import to_metadata
from handlers.prompts.blocks import ask_blocks, ask_text
from handlers.publish import say
from handlers.shares.blocks import ShareDraft, share_modal
from storage import captures
from storage import prompts as store
from storage import shares as ss
from storage.prompts import AskStatus, Reply

log = logging.getLogger(__name__)

PAGES = 5  # pages of 200 replies read from a thread
MAX_ASKS = 50  # people asked for one press; pressing again asks the rest
LOOKUP_SECONDS = 1.5  # of Slack's 3 s after Share it, spent reading the reply and the names in it
CANT_READ = "Sorry, I couldn't read the replies from Slack just now. Please press *Capture replies* again in a minute."
CANT_READ_ONE = "Sorry, I couldn't read your reply from Slack just now. Please press *Share it* again in a minute."
ANSWERED = "You've answered this already, so nothing more happens."
SHARED = (
    "✅ Thank you! Your reply is being shared in <#{channel}> as practice. You can edit or delete it from its ⋯ menu."
)
DECLINED = "👍 No problem: your reply stays where it is, and nothing is shared."


class CantRead(Exception):
    """Slack could not give the thread just now."""


# ---- pressing Capture replies ----------------------------------------------------------------------------------


def handle_capture_replies(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job:
    return Job(capture_replies, (body,))


@after_ack
def capture_replies(run: JobRun, body: dict) -> None:
    """Ask each new reply's author, once, whether their reply may be shared; tell the presser how many were asked."""
    respond = respond_to(body)
    team_id, presser = body["team"]["id"], body["user"]["id"]
    channel_id = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or ""
    thread_ts = str((body.get("container") or {}).get("message_ts") or (body.get("message") or {}).get("ts") or "")
    try:
        replies = read_replies(run.client, channel_id, thread_ts)
    except CantRead:
        say(respond, CANT_READ)
        return
    if not run.done("asked"):
        found = [Reply(m["ts"], m["user"]) for m in replies]
        with run.deps.sessions.begin() as session:
            new, skipped = store.ask_about_replies(
                session,
                team_id=team_id,
                channel_id=channel_id,
                thread_ts=thread_ts,
                replies=found[:MAX_ASKS],
                asked_by=presser,
                now=run.deps.clock(),
            )
            asked = [{"id": ask.id, "ts": ask.reply_ts, "author": ask.author_id} for ask in new]
            run.note(session, "asked", {"asks": asked, "skipped": skipped, "left": max(0, len(found) - MAX_ASKS)})
    done = run.value("asked")
    words = {m["ts"]: m.get("text") or "" for m in replies}
    for ask in done["asks"]:
        if ask["ts"] not in words:
            continue  # deleted since: nothing to ask about
        text = read_message(run.client, {"message": {"text": words[ask["ts"]]}}, deadline=time.monotonic() + 2)
        link = permalink(run.client, channel_id, ask["ts"])
        said = ask_blocks(
            ask["id"], asked_by=presser, author_id=ask["author"], channel_id=channel_id, words=text, link=link
        )
        run.post_once(f"asked {ask['id']}", ask["author"], said, ask_text(channel_id))
    say(respond, _told(done, bool(replies)))


def _told(done: dict, any_replies: bool) -> str:
    """What the person who pressed is told: who was asked, and what was left."""
    asks, skipped, left = done["asks"], done["skipped"], done["left"]
    if not any_replies:
        return (
            "There are no replies in this thread yet. When people have replied with what worked or what they need, "
            "press *Capture replies* again."
        )
    if not asks:
        return f"Nothing new to capture: I've already asked about every reply here ({skipped})."
    people = list(dict.fromkeys(f"<@{ask['author']}>" for ask in asks))
    their = "their reply" if len(asks) == 1 else "their replies"
    said = (
        f"📨 I've asked {plural(len(people), 'person')} ({join_and(people)}) whether {their} may be shared as "
        "practice. Nothing is shared unless they say yes."
    )
    if skipped:
        said += f" {plural(skipped, 'other reply', 'other replies')} had been asked about already."
    if left:
        said += f" {plural(left, 'more reply', 'more replies')} wait: press *Capture replies* again to ask about them."
    return said


def read_replies(client: WebClient, channel_id: str, thread_ts: str) -> list[dict]:
    """The replies in a thread written by people (not the app or other bots, not joins and the like), oldest
    first. Raises CantRead when Slack can't give them now."""
    if not channel_id or not thread_ts:
        return []
    messages: list[dict] = []
    cursor = None
    try:
        for _ in range(PAGES):
            page = client.conversations_replies(channel=channel_id, ts=thread_ts, limit=200, cursor=cursor)
            messages += page.get("messages") or []
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
    except (SlackApiError, SlackClientError, OSError) as error:
        log.warning("could not read the thread %s in %s: %s", thread_ts, channel_id, type(error).__name__)
        raise CantRead from error
    return [m for m in messages if m.get("ts") != thread_ts and _by_a_person(m)]


def _by_a_person(message: dict) -> bool:
    return bool(
        message.get("user")
        and not message.get("bot_id")
        and not message.get("subtype")
        and str(message.get("text") or "").strip()
    )


# ---- the reply's author answers -----------------------------------------------------------------------------------


def handle_share_reply(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job | None:
    """Share it: read the reply, check it, and save it as a share before acknowledging (or open the form)."""
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    ask, refusal = _ask_for(deps, body)
    if ask is None:
        ack()
        say(respond, refusal)
        return None
    started = time.monotonic()
    try:
        reply = _read_reply(client, ask)
    except CantRead:
        ack()
        say(respond, CANT_READ_ONE)
        return None
    if reply is None:
        ack()
        say(respond, "That reply has been deleted from the thread, so there's nothing to share.")
        return None
    words = read_message(client, {"message": reply}, deadline=started + LOOKUP_SECONDS)
    tags = capture.message_tags(str(reply.get("text") or ""))
    share = capture.share_words(words, tags[: t.MAX_TAGS])
    context = CaptureContext(source_channel=ask.channel_id, source_ts=ask.reply_ts, source_author=user_id)
    if flagged := pd.check([("Your reply", words)]):
        ack()
        _open_form(client, body, deps, share, context, flagged)
        return None
    try:
        with deps.sessions.begin() as session:
            now = deps.clock()
            if not store.answer_reply_ask(
                session, team_id=team_id, ask_id=ask.id, user_id=user_id, status=AskStatus.SHARED, now=now
            ):
                ack()
                say(respond, ANSWERED)
                return None
            share_id = ss.add_share(
                session,
                team_id=team_id,
                author_id=user_id,
                channel_id=ask.channel_id,
                title=share.title or None,
                body=share.body,
                tags=share.tags,
                link=share.link,
                now=now,
            ).id
            captures.add_credit(
                session,
                team_id=team_id,
                kind=captures.SHARE,
                record_id=share_id,
                captured_by=user_id,
                source_author=user_id,
                source_channel=ask.channel_id,
                source_ts=ask.reply_ts,
                now=now,
            )
            deps.hand_over_in(session, Job(post_captured, (captures.SHARE, team_id, share_id, user_id, None)), body)
    except SQLAlchemyError:
        ack()
        say(respond, NOT_TAKEN)
        raise
    ack()
    respond(text=SHARED.format(channel=ask.channel_id), response_type="ephemeral", replace_original=True)
    return None


def handle_decline_reply(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    """No thanks: recorded before acknowledging; the reply stays where it is."""
    ask, refusal = _ask_for(deps, body)
    if ask is not None:
        try:
            with deps.sessions.begin() as session:
                answered = store.answer_reply_ask(
                    session,
                    team_id=ask.team_id,
                    ask_id=ask.id,
                    user_id=body["user"]["id"],
                    status=AskStatus.DECLINED,
                    now=deps.clock(),
                )
        except SQLAlchemyError:
            ack()
            say(respond, NOT_TAKEN)
            raise
        refusal = "" if answered else ANSWERED
    ack()
    if refusal:
        say(respond, refusal)
    else:
        respond(text=DECLINED, response_type="ephemeral", replace_original=True)


def _ask_for(deps: Deps, body: dict) -> tuple[store.ReplyAskRecord | None, str]:
    """The ask the button belongs to, if the person pressing may still answer it; else why not."""
    raw = str((body.get("actions") or [{}])[0].get("value") or "")
    ask_id = int(raw) if raw.isdigit() and len(raw) < 12 else 0
    team_id, user_id = body["team"]["id"], body["user"]["id"]
    with deps.sessions.begin() as session:
        ask = store.get_reply_ask(session, team_id=team_id, ask_id=ask_id)
        captured = ask is not None and store.was_captured(
            session, team_id=team_id, channel_id=ask.channel_id, ts=ask.reply_ts
        )
    if ask is None:
        return None, "That reply is no longer here, so there's nothing to share."
    if ask.author_id != user_id:
        return None, f"Only <@{ask.author_id}>, who wrote the reply, can answer this."
    if ask.status is not AskStatus.ASKED or captured:
        return None, ANSWERED
    return ask, ""


def _read_reply(client: WebClient, ask: store.ReplyAskRecord) -> dict | None:
    """The reply as it is in Slack now (None: deleted), asked quickly: the form may have to open within 3 s."""
    quick = WebClient(
        token=client.token, base_url=client.base_url, timeout=1, ssl=client.ssl, proxy=client.proxy, retry_handlers=[]
    )
    try:
        page = quick.conversations_replies(
            channel=ask.channel_id, ts=ask.thread_ts, oldest=ask.reply_ts, latest=ask.reply_ts, inclusive=True, limit=1
        )
    except (SlackApiError, SlackClientError, OSError) as error:
        log.warning("could not read reply %s in %s: %s", ask.reply_ts, ask.channel_id, type(error).__name__)
        raise CantRead from error
    return next((m for m in page.get("messages") or [] if m.get("ts") == ask.reply_ts and _by_a_person(m)), None)


def _open_form(
    client: WebClient,
    body: dict,
    deps: Deps,
    share: capture.ShareWords,
    context: CaptureContext,
    flagged: list[pd.Flagged],
) -> None:
    """The share form with the reply's words, the prompt's channel chosen, and what the check found marked."""
    draft = ShareDraft(body=share.body, title=share.title or None, tags=share.tags, link=share.link)
    view = share_modal(to_metadata(context), prefill=draft, ask_channel=True)
    view.callback_id = V.CAPTURE_SHARE
    view.blocks = [form_intro(context.source_author or "", context.source_author, context.source_channel), *view.blocks]
    shown = view.to_dict()
    for block in shown["blocks"]:
        if block.get("block_id") == B.CHANNEL:
            block["element"].pop("default_to_current_conversation", None)
            block["element"]["initial_conversation"] = context.source_channel
    strict = pd.is_strict(deps, body["team"]["id"])
    try:
        checked = pd.with_findings(shown, flagged, strict=strict, ask=not strict)
        client.views_open(trigger_id=body["trigger_id"], view=checked)
    except SlackApiError as error:
        log.warning("could not open the form for a reply: %s", error.response.get("error"))
        say(respond_to(body), "Sorry, Slack took too long to open the form. Please press *Share it* again.")
