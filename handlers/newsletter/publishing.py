"""Publishing a draft newsletter in a channel (messages, its charts, and a canvas where the workspace allows them),
and downloading it as HTML (for an email, charts embedded) and Markdown.

Both are jobs that may be done more than once: each message is posted once (run.post_once), and the charts, the
canvas and the files are noted as done once Slack has them, so a second attempt does not repeat them.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

import handlers.newsletter.blocks as blocks
from domain import newsletter as nl
from domain.charts import Chart, month_label
from handlers import forms
from handlers.blocks import section
from handlers.context import Deps, Job, after_ack, respond_to
from handlers.ids import Block as B
from handlers.jobs import JobRun
from handlers.metadata import from_metadata, to_metadata
from handlers.newsletter.blocks import NewsletterContext
from handlers.newsletter.drafts import compose, head, month_of, newsletter_charts, opened_from
from handlers.newsletter.people import CHAMPIONS, Upload, direct_messages, refusal, send_files
from handlers.publish import NotPosted, update_message
from storage import newsletters as news

log = logging.getLogger(__name__)

NO_CANVASES = frozenset({"not_allowed", "feature_not_enabled", "canvas_disabled_user_team"})
CHOOSE_CHANNEL = "Please choose a channel to publish it in."
NOT_TAKEN = "Sorry, I couldn't take that just now, so nothing is published. Please try again in a minute."


# ---- Publish ----------------------------------------------------------------------------------------------------


def handle_publish(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    """Open the form that chooses where to publish, starting with the channel the draft was asked for in."""
    ack()
    month = month_of(body)
    if month is None:
        return
    with deps.sessions.begin() as session:
        draft = news.get_draft(session, team_id=body["team"]["id"], month=month)
        choices = news.get_choices(session, team_id=body["team"]["id"])
    channel = (draft.channel_id if draft else None) or choices.schedule_channel
    metadata = to_metadata(opened_from(body, month))
    client.views_open(trigger_id=body["trigger_id"], view=blocks.publish_modal(month, channel, metadata))


def handle_publish_submission(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job | None:
    view = body["view"]
    context = from_metadata(NewsletterContext, view.get("private_metadata"))
    channel_id = forms.value(view, B.CHANNEL).get("selected_conversation")
    if context is None or not context.month:
        ack(response_action="errors", errors={B.CHANNEL: "This form is out of date: please press Publish again."})
        return None
    if not channel_id:
        ack(response_action="errors", errors={B.CHANNEL: CHOOSE_CHANNEL})
        return None
    user_id = body["user"]["id"]
    args = (body["team"]["id"], user_id, context.month, channel_id, context.channel_id, context.ts, context.full)
    return Job(publish_newsletter, args, not_saved={"response_action": "errors", "errors": {B.CHANNEL: NOT_TAKEN}})


@after_ack
def publish_newsletter(
    run: JobRun,
    team_id: str,
    user_id: str,
    month: str,
    channel_id: str,
    draft_channel: str | None,
    draft_ts: str | None,
    every_item_below: bool,
) -> None:
    """Post the newsletter in the channel, then its charts and a canvas; record it, and tell the champion."""
    deps, client, first = run.deps, run.client, dt.date.fromisoformat(month)
    label = month_label(first)
    if why := refusal(deps, client, team_id, user_id, "publish the newsletter", CHAMPIONS):
        run.post_once("refused", user_id, [section(why)], "Programme Talks")
        return
    composed = compose(deps, client, team_id, first, user_id)
    parts = blocks.newsletter_parts(composed.newsletter)
    for number, part in enumerate(parts):
        posted = run.post_once(f"part {number}", channel_id, part.blocks, part.text)
        if isinstance(posted, NotPosted):
            done = "Nothing was published." if number == 0 else f"Only {number} of its {len(parts)} messages went out."
            said = f"⚠️ I couldn't publish {label}'s newsletter in <#{channel_id}>: {posted.reason}. {done}"
            run.post_once("told", user_id, [section(said)], f"{label}'s newsletter was not published")
            return
    charts = _charts(run, channel_id, newsletter_charts(deps, team_id, first))
    canvas = _canvas(run, channel_id, composed.newsletter)
    if not run.done("recorded"):
        with deps.sessions.begin() as session:
            draft = news.record_published(
                session, team_id=team_id, month=first, channel_id=channel_id, user_id=user_id, now=deps.clock()
            )
            run.note(session, "recorded")
        if draft_channel and draft_ts:
            shown = head(deps, replace(composed, draft=draft), every_item_below=every_item_below)
            update_message(client, draft_channel, draft_ts, shown, blocks.draft_text(composed.newsletter))
    messages = f"{len(parts)} message{'s' * (len(parts) != 1)}"
    said = f"✅ Published {label}'s newsletter in <#{channel_id}>: {messages}{charts}. {canvas}"
    run.post_once("told", user_id, [section(said)], f"{label}'s newsletter is published")


def _charts(run: JobRun, channel_id: str, charts: dict[str, Chart]) -> str:
    """Upload the charts to the channel, once; words for the champion saying how it went."""
    if not run.done("charts"):
        uploads = [
            Upload(f"programme-talks-{key.replace('_', '-')}.png", chart.png, chart.title, chart.alt_text)
            for key, chart in charts.items()
        ]
        try:
            send_files(run.client, channel_id, uploads, "📈 The month in charts")
            outcome = ""
        except (SlackApiError, SlackClientError, OSError) as error:
            log.warning("could not upload the newsletter's charts to %s: %s", channel_id, _code(error))
            outcome = f" (I couldn't add its charts: Slack said `{_code(error)}`)"
        with run.deps.sessions.begin() as session:
            run.note(session, "charts", outcome)
    said: str = run.value("charts")
    return said or f" and {len(charts)} charts"


def _canvas(run: JobRun, channel_id: str, newsletter: nl.Newsletter) -> str:
    """Make the newsletter a canvas in the channel, once, where the workspace allows; words saying how it went."""
    if not run.done("canvas"):
        try:
            made = run.client.canvases_create(
                title=nl.title(newsletter),
                document_content={"type": "markdown", "markdown": nl.newsletter_markdown(newsletter)},
                channel_id=channel_id,
            )
            outcome = f"It's a canvas in <#{channel_id}> too." if made.get("canvas_id") else ""
        except (SlackApiError, SlackClientError, OSError) as error:
            code = _code(error)
            if code in NO_CANVASES:
                outcome = "Your workspace doesn't allow canvases, so it's in messages only."
            else:
                log.warning("could not make the newsletter a canvas in %s: %s", channel_id, code)
                outcome = f"I couldn't make it a canvas (Slack said `{code}`), so it's in messages only."
        with run.deps.sessions.begin() as session:
            run.note(session, "canvas", outcome)
    said: str = run.value("canvas")
    return said


# ---- Download ---------------------------------------------------------------------------------------------------


def handle_download(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job | None:
    month = month_of(body)
    if month is None:
        ack()
        return None
    args = (body["team"]["id"], body["user"]["id"], month.isoformat(), body.get("response_url"))
    return Job(download_newsletter, args)


@after_ack
def download_newsletter(run: JobRun, team_id: str, user_id: str, month: str, response_url: str | None) -> None:
    """Send the champion the newsletter as HTML (charts embedded, for an email) and Markdown, in our messages."""
    deps, first = run.deps, dt.date.fromisoformat(month)
    respond = respond_to({"response_url": response_url}) if response_url else None
    if why := refusal(deps, run.client, team_id, user_id, "download the newsletter", CHAMPIONS):
        if respond:
            respond(text=why, response_type="ephemeral", replace_original=False)
        return
    if run.done("sent"):
        return
    composed = compose(deps, run.client, team_id, first, user_id)
    newsletter, stem = composed.newsletter, f"programme-talks-newsletter-{first:%Y-%m}"
    charts = newsletter_charts(deps, team_id, first)
    uploads = [
        Upload(f"{stem}.html", nl.newsletter_html(newsletter, charts), nl.title(newsletter)),
        Upload(f"{stem}.md", nl.newsletter_markdown(newsletter), f"{nl.title(newsletter)} (Markdown)"),
    ]
    comment = (
        f"📄 {nl.title(newsletter)}: as HTML, with its charts, to paste into an email or open in a browser, "
        "and as Markdown."
    )
    try:
        send_files(run.client, direct_messages(run.client, user_id), uploads, comment)
    except (SlackApiError, SlackClientError, OSError) as error:
        log.warning("could not send %s's newsletter to %s: %s", month, user_id, _code(error))
        if respond:
            respond(
                text="Sorry, I couldn't send you the files just now. Please try again in a minute.",
                response_type="ephemeral",
                replace_original=False,
            )
        return
    with deps.sessions.begin() as session:
        run.note(session, "sent")


def _code(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or f"http_{error.response.status_code}")
    return "connection_error"
