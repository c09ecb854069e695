"""`/talks closed import`: an .ics calendar's dates become closed days (workspace owners and admins).

The command opens a form with a file input (an .ics file, and whether its events are days closed or term dates).
Submitting it closes the form at once; a job then reads the file from Slack (files.info, then its url_private with
the workspace's token, only from Slack's own file host), reads its closures (domain.closures.closures_from_ics),
keeps those not yet over, and answers in the channel where the command was typed, only to the person who typed it.
A file that is not a calendar, or has no dates in it, is answered kindly and changes nothing.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

import handlers.calendar.blocks as cb
from domain import text as t
from domain.closures import ClosureError, Listing, closures_from_ics
from handlers.blocks import section
from handlers.calendar.choices import calendar_of, record_change
from handlers.context import NOT_TAKEN, Deps, Job, TalksRequest, after_ack, respond_to
from handlers.ids import Block as B
from handlers.ids import input_id
from handlers.jobs import JobRun
from handlers.metadata import from_metadata, to_metadata
from handlers.permissions import refusal, workspace_admin
from storage import calendars as store

log = logging.getLogger(__name__)

MAX_BYTES = 1_000_000  # a year of term dates is a few kilobytes; anything this big is not a calendar of closures
SLACK_FILE_HOSTS = ("files.slack.com", "files.slack-gov.com")
NOTHING_CHANGED = "Nothing has changed."
TOO_BIG = "That file is over 1 MB, far bigger than a calendar of closed days. Please check it's the right one."


@dataclass(frozen=True)
class ImportContext:
    """Where `/talks closed import` was typed: the form's answer goes back there, only to its person."""

    response_url: str | None = None
    channel_id: str | None = None


class FileProblem(Exception):
    """The file could not be read from Slack; str(problem) is a sentence for the person."""


def open_import_form(request: TalksRequest) -> None:
    """Open the form, for workspace owners and admins."""
    request.ack()
    if why := refusal(request, "add closed days", champions_may=False):
        request.say(why)
        return
    context = ImportContext(request.command.get("response_url"), request.command.get("channel_id"))
    request.client.views_open(trigger_id=request.command["trigger_id"], view=cb.import_modal(to_metadata(context)))


def handle_import_submission(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job | None:
    values = body["view"]["state"]["values"]
    files = (values.get(B.CALENDAR_FILE, {}).get(input_id(B.CALENDAR_FILE)) or {}).get("files") or []
    chosen = (values.get(B.CALENDAR_LISTS, {}).get(input_id(B.CALENDAR_LISTS)) or {}).get("selected_option") or {}
    if not files:
        ack(response_action="errors", errors={B.CALENDAR_FILE: "Choose an .ics calendar file to import."})
        return None
    lists = chosen.get("value") if chosen.get("value") in {listing.value for listing in Listing} else Listing.HOLIDAYS
    context = from_metadata(ImportContext, body["view"].get("private_metadata")) or ImportContext()
    file_id, name = str(files[0].get("id") or ""), str(files[0].get("name") or "calendar.ics")
    return Job(
        import_calendar,
        (body["user"]["id"], file_id, name, lists, context.response_url),
        not_saved={"response_action": "errors", "errors": {B.CALENDAR_FILE: NOT_TAKEN}},
    )


@after_ack
def import_calendar(run: JobRun, user_id: str, file_id: str, name: str, lists: str, response_url: str | None) -> None:
    """Read the calendar, keep its closures, and tell the person what was added (or why nothing was)."""
    deps, team_id = run.deps, run.record.team_id
    say = _teller(run, user_id, response_url)
    if not run.done("saved"):
        allowed = workspace_admin(run.client, user_id)
        if not allowed:
            say(
                "Sorry, I couldn't check with Slack whether you can do that just now. Nothing has changed; please "
                "try again in a minute."
                if allowed is None
                else f"Sorry, only workspace owners and admins can add closed days. {NOTHING_CHANGED}"
            )
            return
        try:
            content = read_file(run.client, file_id)
            found = closures_from_ics(content, lists=Listing(lists), tz=deps.tz)
        except (FileProblem, ClosureError) as problem:
            say(f"{t.escape(str(problem))} {NOTHING_CHANGED}")
            return
        except (SlackClientError, OSError):
            if not run.final:
                raise  # a passing fault: the job tries again
            say(f"Sorry, I couldn't read that file from Slack just now. {NOTHING_CHANGED} Please try again later.")
            return
        today = deps.today()
        coming = [(c.first, c.last, c.label) for c in found if c.last >= today]
        with deps.sessions.begin() as session:
            added = store.add_closures(session, team_id=team_id, days=coming, source=name, now=deps.clock())
            if added:
                record_change(session, deps, team_id, user_id, "closures", {"added": [c.id for c in added]})
            run.note(session, "saved", {"added": [c.id for c in added], "found": len(coming)})
    saved = run.value("saved")
    with deps.sessions.begin() as session:
        calendar = calendar_of(session, deps, team_id)
        closures = store.get_calendar(session, team_id=team_id).closures
    added_now = [c for c in closures if c.id in set(saved["added"])]
    say(cb.imported(name, added_now, saved["found"], calendar))


def read_file(client: WebClient, file_id: str) -> bytes:
    """A file people shared with the app, from Slack: FileProblem when Slack says no or it is not one to read."""
    try:
        info = client.files_info(file=file_id)["file"]
    except SlackApiError as error:
        code = error.response.get("error") if error.response is not None else None
        if code == "missing_scope":
            raise FileProblem(
                "I'm not yet allowed to read files here: a workspace admin needs to reinstall Programme Talks to give "
                "it permission."
            ) from None
        raise FileProblem("Sorry, Slack wouldn't let me read that file. Please choose it again.") from None
    url = str(info.get("url_private_download") or info.get("url_private") or "")
    if not _from_slack(url, client.base_url):
        raise FileProblem("Sorry, Slack didn't give me that file to read. Please choose it again.")
    if int(info.get("size") or 0) > MAX_BYTES:
        raise FileProblem(TOO_BIG)
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {client.token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            if "text/html" in answer.headers.get("Content-Type", ""):
                raise FileProblem("Sorry, Slack didn't let me read that file. Please choose it again.")
            content: bytes = answer.read(MAX_BYTES + 1)
    except urllib.error.HTTPError:
        raise FileProblem("Sorry, Slack didn't let me read that file. Please choose it again.") from None
    if len(content) > MAX_BYTES:
        raise FileProblem(TOO_BIG)
    return content


def _from_slack(url: str, api_url: str) -> bool:
    """Whether a file address is Slack's own file host (or the host of SLACK_API_URL, as the local stand-in serves
    both): the only places the workspace's token is sent."""
    address, api = urlsplit(url), urlsplit(api_url)
    if address.hostname in SLACK_FILE_HOSTS:
        return address.scheme == "https"
    return address.hostname == api.hostname and address.scheme == api.scheme and address.port == api.port


def _teller(run: JobRun, user_id: str, response_url: str | None) -> Callable[[str], None]:
    """How to answer: in the channel the command was typed in, only to its person; by direct message if that's gone."""

    def say(text: str) -> None:
        if response_url:
            try:
                respond_to({"response_url": response_url})(text=text, response_type="ephemeral")
                return
            except (SlackApiError, SlackClientError, OSError):
                log.warning("could not answer an import through its response_url; sending a direct message")
        run.post_once("told", user_id, [section(text)], text)

    return say
