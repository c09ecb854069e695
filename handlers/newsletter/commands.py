"""The `/talks` words for newsletters, reports and charts: read what was typed, refuse what can't be read (nothing
changes), and hand the work on as a job, which checks who is asking.

- `/talks newsletter [2026-11]`: draft a month's newsletter (by default the month just gone, or this month from the
  25th on), shown only to the champion who asked.
- `/talks newsletter schedule here monthly first-monday 09:00`, `... schedule off`, `... schedule`: draft it each
  month and send it to the champions to review; it is never published until one of them presses Publish.
- `/talks newsletter names on|off`: name everyone in newsletters and reports, or only those who agreed.
- `/talks report 2026-Q3`: the quarterly report, by default for the last quarter that has ended.
- `/talks chart activity 12 months` (or `time-to-help`, `agreements`, `partners`).
"""

from __future__ import annotations

import re

from domain import text as t
from domain.calendar import zone_time
from domain.charts import month_label
from domain.monthly import EXAMPLE, MonthlySchedule, newsletter_month, next_run, parse_monthly
from domain.newsletter import parse_month
from domain.report import parse_quarter, quarter_of
from domain.schedule import ScheduleError
from domain.words import HELP_WORDS
from handlers.context import Job, TalksRequest, after_ack
from handlers.jobs import JobRun, talks_request
from handlers.newsletter.drafts import draft_newsletter
from handlers.newsletter.people import ADMINS_ONLY, CHAMPIONS, refusal
from handlers.newsletter.reports import KINDS, send_chart, send_report
from storage import newsletters as news

MAX_CHART_MONTHS = 24
_MONTHS = re.compile(r"(\d{1,3})\s*(?:months?|m)?")
NEWSLETTER_HELP = (
    "*The monthly newsletter* (champions and admins)\n"
    "`/talks newsletter` drafts last month's newsletter (this month's, from the 25th) and shows it only to you, "
    "with *Edit introduction*, *Publish* and *Download*. `/talks newsletter 2026-10` drafts October 2026's.\n"
    f"`/talks newsletter schedule here {EXAMPLE}` drafts it every month and sends it to the champions to review: "
    "it is never published until one of them presses *Publish*. `/talks newsletter schedule off` stops that.\n"
    "`/talks newsletter names on` names everyone in newsletters and reports (workspace admins); `off` names only "
    "authors who ticked “You may name me in newsletters outside Slack” on their share."
)
CHART_USAGE = (
    "Which chart? Try `/talks chart activity 12 months`, `/talks chart time-to-help 6 months`, "
    "`/talks chart agreements 12 months` or `/talks chart partners 12 months` (1 to 24 months)."
)


# ---- /talks newsletter -------------------------------------------------------------------------------------------


def handle_newsletter(request: TalksRequest) -> Job | None:
    words = request.rest.split()
    first = words[0].lower() if words else ""
    if first == "schedule":
        return _schedule(request, words[1:])
    if first == "names":
        return _names(request, words[1:])
    if first in HELP_WORDS:
        request.ack(text=NEWSLETTER_HELP, response_type="ephemeral")
        return None
    today = request.deps.today()
    if not words:
        month, which = newsletter_month(today)
    else:
        try:
            month = parse_month(request.rest, today)
        except ValueError as error:
            request.ack(text=f"{t.escape(str(error))} Nothing has changed.", response_type="ephemeral")
            return None
        which = month_label(month)
    return Job(draft_newsletter, (request.command, month.isoformat(), which))


def _schedule(request: TalksRequest, words: list[str]) -> Job | None:
    first = words[0].lower() if words else ""
    if first in ("off", "stop"):
        return Job(change_schedule, (request.command, None))
    if not words:
        request.ack(text=_schedule_said(request), response_type="ephemeral")
        return None
    try:
        schedule = parse_monthly(" ".join(words[1:] if first == "here" else words))
    except ScheduleError as error:
        request.ack(text=f"{t.escape(str(error))} Nothing has changed.", response_type="ephemeral")
        return None
    return Job(change_schedule, (request.command, schedule.to_text()))


def _schedule_said(request: TalksRequest) -> str:
    with request.deps.sessions.begin() as session:
        choices = news.get_choices(session, team_id=request.team_id)
    if choices.schedule is None:
        return (
            "The newsletter isn't drafted on a schedule. Champions and admins can start one with "
            f"`/talks newsletter schedule here {EXAMPLE}`."
        )
    return f"The newsletter is drafted {_when(request, parse_monthly(choices.schedule))}"


def _when(request: TalksRequest, schedule: MonthlySchedule) -> str:
    """'on the first Monday of every month at 09:00 (UK time). The next is on Monday 7 December,
    for November 2026.'"""
    deps = request.deps
    moment = next_run(schedule, deps.clock(), deps.tz).astimezone(deps.tz)
    month, _ = newsletter_month(moment.date())
    return (
        f"{schedule.describe()} ({zone_time(deps.tz)}) and sent to the champions to review. The next is on "
        f"{moment:%A} {moment.day} {moment:%B}, for {month_label(month)}."
    )


@after_ack
def change_schedule(run: JobRun, command: dict, schedule: str | None) -> None:
    request, deps = talks_request(run, command), run.deps
    if why := refusal(
        deps, run.client, request.team_id, request.user_id, "change the newsletter's schedule", CHAMPIONS
    ):
        request.say(why)
        return
    channel = command.get("channel_id") or ""
    with deps.sessions.begin() as session:
        changed = news.set_schedule(
            session,
            team_id=request.team_id,
            schedule=schedule,
            channel_id=channel if channel.startswith(("C", "G")) else None,
            user_id=request.user_id,
            now=deps.clock(),
        )
    if schedule is None:
        request.say(
            "Done: the newsletter is no longer drafted on a schedule. `/talks newsletter` drafts it whenever you like."
            if changed
            else "The newsletter isn't drafted on a schedule, so there was nothing to stop."
        )
        return
    request.say(
        f"✅ Done: the newsletter will be drafted {_when(request, parse_monthly(schedule))} "
        "Nothing is published until one of them presses *Publish*."
    )


# ---- /talks newsletter names on|off ---------------------------------------------------------------------------


def _names(request: TalksRequest, words: list[str]) -> Job | None:
    choice = words[0].lower() if words else ""
    if choice in ("on", "off"):
        return Job(change_names, (request.command, choice == "on"))
    with request.deps.sessions.begin() as session:
        everyone = news.get_choices(session, team_id=request.team_id).name_everyone
    said = (
        "Newsletters and reports name everyone. Workspace admins can name only those who agreed with "
        "`/talks newsletter names off`."
        if everyone
        else "Newsletters and reports name only authors who ticked “You may name me in newsletters outside Slack” "
        "on their share. Workspace admins can name everyone with `/talks newsletter names on`."
    )
    request.ack(text=said, response_type="ephemeral")
    return None


@after_ack
def change_names(run: JobRun, command: dict, everyone: bool) -> None:
    request, deps = talks_request(run, command), run.deps
    what = "choose who newsletters and reports name"
    if why := refusal(deps, run.client, request.team_id, request.user_id, what, ADMINS_ONLY):
        request.say(why)
        return
    with deps.sessions.begin() as session:
        changed = news.set_name_everyone(
            session, team_id=request.team_id, name_everyone=everyone, user_id=request.user_id, now=deps.clock()
        )
    now = "name everyone" if everyone else "name only authors who agreed on their share"
    request.say(
        f"✅ Done: newsletters and reports now {now}." if changed else f"Newsletters and reports already {now}."
    )


# ---- /talks report ---------------------------------------------------------------------------------------------


def handle_report(request: TalksRequest) -> Job | None:
    today = request.deps.today()
    if not request.rest:
        quarter = quarter_of(today).previous()
        which = f"{quarter.label} ({quarter.span}), the last quarter to end"
    else:
        try:
            quarter = parse_quarter(request.rest, today)
        except ValueError as error:
            request.ack(text=f"{t.escape(str(error))} Nothing has changed.", response_type="ephemeral")
            return None
        which = f"{quarter.label} ({quarter.span})"
    return Job(send_report, (request.command, quarter.key, which))


# ---- /talks chart ----------------------------------------------------------------------------------------------


def handle_chart(request: TalksRequest) -> Job | None:
    words = re.sub(r"\btime\s+to\s+help\b", "time-to-help", request.rest.lower()).split(maxsplit=1)
    kind = words[0] if words else ""
    rest = words[1].strip() if len(words) > 1 else ""
    match = _MONTHS.fullmatch(rest) if rest else None
    count = int(match.group(1)) if match else 12
    if kind not in KINDS or (rest and match is None) or not 1 <= count <= MAX_CHART_MONTHS:
        request.ack(text=CHART_USAGE, response_type="ephemeral")
        return None
    return Job(send_chart, (request.command, kind, count))
