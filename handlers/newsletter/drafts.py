"""A month's newsletter as a draft only its champion sees: made on request (`/talks newsletter`), shown in their
direct messages, its introduction written in a form and kept in the database.

The newsletter is composed afresh each time it is shown, published or downloaded (storage.reports reads the month;
only the introduction is kept), so it always says what the database holds now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

import handlers.newsletter.blocks as blocks
from domain import newsletter as nl
from domain.charts import ACTIVITY, TIME_TO_HELP, Chart, activity_chart, time_to_help_chart
from domain.personal_data import describe, find_personal_data
from handlers import forms
from handlers.blocks import section
from handlers.context import Deps, Job, after_ack, respond_to
from handlers.ids import Action
from handlers.ids import Block as B
from handlers.jobs import JobRun, talks_request
from handlers.metadata import from_metadata, to_metadata
from handlers.newsletter.blocks import NewsletterContext
from handlers.newsletter.people import CHAMPIONS, look_up, organisation_name, refusal
from handlers.publish import NotPosted, Posted, update_message
from storage import newsletters as news
from storage import reports
from storage.figures import last_months, month_figures
from storage.newsletters import Draft

CHART_MONTHS = 12  # the newsletter's charts: the twelve months up to its own
NOT_SAVED = "Sorry, I couldn't save this just now. Your words are still here: please try again in a minute."
OUT_OF_DATE = "This form is out of date: please press Edit introduction on the draft again."


@dataclass(frozen=True)
class Composed:
    newsletter: nl.Newsletter
    draft: Draft
    name_everyone: bool


def compose(
    deps: Deps,
    client: WebClient,
    team_id: str,
    month: dt.date,
    user_id: str,
    *,
    channel_id: str | None = None,
    named: bool = True,
) -> Composed:
    """The month's newsletter as it stands, naming those who may be named (their names looked up in Slack after
    the database's transaction; with `named` False, nobody: for the draft's first message, which names nobody),
    with the draft it belongs to (started now if there was none)."""
    with deps.sessions.begin() as session:
        content = reports.month_content(session, team_id=team_id, month=month, tz=deps.tz, now=deps.clock())
        draft = news.save_draft(
            session, team_id=team_id, month=month, user_id=user_id, now=deps.clock(), channel_id=channel_id
        )
    if not named:
        newsletter = content.newsletter(organisation="", introduction=draft.introduction, people={})
        return Composed(newsletter, draft, content.name_everyone)
    wanted = content.wanted()
    people = look_up(client, wanted.names, wanted.organisations)
    newsletter = content.newsletter(
        organisation=organisation_name(client), introduction=draft.introduction, people=people
    )
    return Composed(newsletter, draft, content.name_everyone)


def newsletter_charts(deps: Deps, team_id: str, month: dt.date) -> dict[str, Chart]:
    """The newsletter's two charts, over the twelve months up to its own."""
    with deps.sessions.begin() as session:
        months = month_figures(
            session, team_id=team_id, months=last_months(month, CHART_MONTHS), tz=deps.tz, now=deps.clock()
        )
    return {ACTIVITY: activity_chart(months), TIME_TO_HELP: time_to_help_chart(months)}


def head(deps: Deps, composed: Composed, *, every_item_below: bool) -> list[Block]:
    return blocks.draft_head(
        composed.newsletter,
        composed.draft,
        name_everyone=composed.name_everyone,
        every_item_below=every_item_below,
        tz=deps.tz,
    )


# ---- `/talks newsletter [month]` ------------------------------------------------------------------------------


@after_ack
def draft_newsletter(run: JobRun, command: dict, month: str, which: str) -> None:
    """Draft the month's newsletter and show it to the champion who asked, in our direct messages, with every item."""
    request = talks_request(run, command)
    if why := refusal(run.deps, run.client, request.team_id, request.user_id, "draft the newsletter", CHAMPIONS):
        request.say(why)
        return
    asked_in = command.get("channel_id") or ""
    composed = compose(
        run.deps,
        run.client,
        request.team_id,
        dt.date.fromisoformat(month),
        request.user_id,
        channel_id=asked_in if asked_in.startswith(("C", "G")) else None,
    )
    shown = show_draft(run, request.user_id, composed, every_item=True)
    if isinstance(shown, NotPosted):
        request.say(f"Sorry, I couldn't send you the draft: {shown.reason}. Please try again in a minute.")
        return
    request.say(
        f"📰 I've drafted the newsletter for {which}. It's in our direct messages, where only you can see it: add an "
        "introduction if you like, then *Publish* it in a channel, or *Download* it for an email."
    )


def show_draft(run: JobRun, user_id: str, composed: Composed, *, every_item: bool) -> Posted | NotPosted:
    """Post the draft's first message to the person (once), and with `every_item` its items after it."""
    first = run.post_once(
        "draft", user_id, head(run.deps, composed, every_item_below=every_item), blocks.draft_text(composed.newsletter)
    )
    if isinstance(first, NotPosted) or not every_item:
        return first
    return show_items(run, user_id, composed)


def show_items(run: JobRun, user_id: str, composed: Composed) -> Posted | NotPosted:
    shown: Posted | NotPosted | None = None
    for number, part in enumerate(blocks.newsletter_parts(composed.newsletter)):
        shown = run.post_once(f"draft part {number}", user_id, part.blocks, part.text)
        if isinstance(shown, NotPosted):
            break
    assert shown is not None, "a newsletter has at least one part"
    return shown


# ---- Show it all (on a scheduled draft) --------------------------------------------------------------------------


def handle_show_all(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job | None:
    month = month_of(body)
    if month is None:
        ack()
        return None
    return Job(show_every_item, (body["team"]["id"], body["user"]["id"], month.isoformat(), body.get("response_url")))


@after_ack
def show_every_item(run: JobRun, team_id: str, user_id: str, month: str, response_url: str | None) -> None:
    if why := refusal(run.deps, run.client, team_id, user_id, "see the draft newsletter", CHAMPIONS):
        _say(response_url, why)
        return
    show_items(run, user_id, compose(run.deps, run.client, team_id, dt.date.fromisoformat(month), user_id))


# ---- the introduction ---------------------------------------------------------------------------------------------


def handle_edit_intro(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    ack()
    month = month_of(body)
    if month is None:
        return
    with deps.sessions.begin() as session:
        draft = news.get_draft(session, team_id=body["team"]["id"], month=month)
    context = opened_from(body, month)
    modal = blocks.intro_modal(month, draft.introduction if draft else None, to_metadata(context))
    client.views_open(trigger_id=body["trigger_id"], view=modal)


def handle_intro_submission(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job | None:
    view = body["view"]
    context = from_metadata(NewsletterContext, view.get("private_metadata"))
    month = _iso_month(context.month if context else "")
    if context is None or month is None:
        ack(response_action="errors", errors={B.NEWSLETTER_INTRO: OUT_OF_DATE})
        return None
    words = forms.text(view, B.NEWSLETTER_INTRO)
    if found := find_personal_data(words):
        problem = f"The newsletter goes beyond Slack: please take out {describe(found)}."
        ack(response_action="errors", errors={B.NEWSLETTER_INTRO: problem})
        return None
    if len(words) > blocks.MAX_INTRO_CHARS:
        ack(
            response_action="errors",
            errors={B.NEWSLETTER_INTRO: f"Please keep it under {blocks.MAX_INTRO_CHARS} characters."},
        )
        return None
    job_args = (
        body["team"]["id"],
        body["user"]["id"],
        month.isoformat(),
        words,
        context.channel_id,
        context.ts,
        context.full,
    )
    return Job(
        save_introduction, job_args, not_saved={"response_action": "errors", "errors": {B.NEWSLETTER_INTRO: NOT_SAVED}}
    )


@after_ack
def save_introduction(
    run: JobRun,
    team_id: str,
    user_id: str,
    month: str,
    words: str,
    channel_id: str | None,
    ts: str | None,
    every_item_below: bool,
) -> None:
    """Keep the introduction, and show it in the draft it was written from."""
    deps, first = run.deps, dt.date.fromisoformat(month)
    if why := refusal(deps, run.client, team_id, user_id, "change the newsletter's introduction", CHAMPIONS):
        run.post_once("refused", user_id, [section(why)], "Programme Talks")
        return
    if not run.done("saved"):
        with deps.sessions.begin() as session:
            news.save_introduction(
                session, team_id=team_id, month=first, introduction=words, user_id=user_id, now=deps.clock()
            )
            run.note(session, "saved")
    if channel_id and ts:
        composed = compose(deps, run.client, team_id, first, user_id, named=False)
        shown = head(deps, composed, every_item_below=every_item_below)
        update_message(run.client, channel_id, ts, shown, blocks.draft_text(composed.newsletter))


# ---- reading what Slack sent ------------------------------------------------------------------------------------


def month_of(body: dict) -> dt.date | None:
    """The month a draft's button is for (its value)."""
    return _iso_month(str((body.get("actions") or [{}])[0].get("value") or ""))


def opened_from(body: dict, month: dt.date) -> NewsletterContext:
    """The draft message a button was pressed on, for a form to carry (and update once submitted)."""
    container = body.get("container") or {}
    message = body.get("message") or {}
    every_item_below = not any(
        element.get("action_id") == Action.NEWSLETTER_SHOW
        for block in message.get("blocks") or []
        for element in block.get("elements") or []
    )
    return NewsletterContext(
        month=month.isoformat(),
        channel_id=container.get("channel_id") or (body.get("channel") or {}).get("id"),
        ts=container.get("message_ts") or message.get("ts"),
        full=every_item_below,
    )


def _iso_month(value: str) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None
    return day if day.day == 1 else None


def _say(response_url: str | None, text: str) -> None:
    if response_url:
        respond_to({"response_url": response_url})(text=text, response_type="ephemeral", replace_original=False)
