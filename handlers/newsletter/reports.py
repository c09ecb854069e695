"""`/talks report 2026-Q3` (the quarterly report for boards and funders, as HTML, PDF and CSV files) and
`/talks chart activity 12 months` (one chart), both sent to the person who asked, in our direct messages.

The report compares the quarter with the one before, when the workspace had anything before it. Its charts cover
the six months of both quarters; the partner chart, the quarter's own credits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from slack_sdk.errors import SlackApiError, SlackClientError

from domain import charts as c
from domain import report as r
from domain.charts import Chart, MonthFigures, PartnerCredit
from handlers.context import after_ack
from handlers.jobs import JobRun, talks_request
from handlers.newsletter.people import (
    CHAMPIONS_AND_LEADERS,
    Upload,
    direct_messages,
    look_up,
    organisation_name,
    refusal,
    send_files,
)
from storage import reports
from storage.figures import last_months, local_bounds, month_figures, partner_credits

log = logging.getLogger(__name__)

NOT_SENT = "Sorry, I couldn't send you the files just now. Please try again in a minute."


# ---- the quarterly report ---------------------------------------------------------------------------------------


@after_ack
def send_report(run: JobRun, command: dict, quarter_key: str, which: str) -> None:
    request, deps = talks_request(run, command), run.deps
    what = "get the quarterly report"
    if why := refusal(deps, run.client, request.team_id, request.user_id, what, CHAMPIONS_AND_LEADERS):
        request.say(why)
        return
    quarter = r.parse_quarter(quarter_key, deps.today())
    if not run.done("sent"):
        files = report_files(run, request.team_id, quarter)
        comment = f"📊 Programme Talks quarterly report, {quarter.label} ({quarter.span})."
        try:
            send_files(run.client, direct_messages(run.client, request.user_id), files, comment)
        except (SlackApiError, SlackClientError, OSError) as error:
            log.warning("could not send the %s report to %s: %s", quarter.key, request.user_id, type(error).__name__)
            request.say(NOT_SENT)
            return
        with deps.sessions.begin() as session:
            run.note(session, "sent")
    request.say(
        f"📊 I've sent you the report for {which}. It's in our direct messages: as HTML and PDF, to share with boards "
        "and funders, and the figures, partner organisations and impact statements as CSV files for a spreadsheet."
    )


def report_files(run: JobRun, team_id: str, quarter: r.Quarter) -> list[Upload]:
    """The report's HTML and PDF, and its CSVs (UTF-8 with a byte-order mark, as Excel wants)."""
    deps = run.deps
    now = deps.clock()
    before = quarter.previous()
    with deps.sessions.begin() as session:
        current = reports.quarter_content(session, team_id=team_id, quarter=quarter, tz=deps.tz, now=now)
        since, _ = local_bounds(quarter.start, quarter.start, deps.tz)
        previous = None
        if reports.has_history_before(session, team_id=team_id, moment=since):
            previous = reports.quarter_content(session, team_id=team_id, quarter=before, tz=deps.tz, now=now)
        six = last_months(quarter.end.replace(day=1), 6)  # this quarter's months and the last one's
        months = month_figures(session, team_id=team_id, months=six, tz=deps.tz, now=now)
    wanted = current.wanted()
    people = look_up(run.client, wanted.names, wanted.organisations)
    organisation = organisation_name(run.client)
    figures = current.figures_for(organisation=organisation, people=people)
    earlier = previous.figures_for(organisation=organisation, people={}) if previous else None
    charts = c.standard_charts(months, figures.partners)
    stem = f"programme-talks-report-{quarter.key}"
    title = f"Programme Talks quarterly report, {quarter.label}"
    files = [
        Upload(f"{stem}.html", r.report_html(figures, earlier, charts), title),
        Upload(f"{stem}.pdf", r.report_pdf(figures, earlier, charts), f"{title} (PDF)"),
    ]
    files += [Upload(name, text.encode("utf-8-sig"), name) for name, text in r.report_csvs(figures, earlier).items()]
    return files


# ---- a chart on request -----------------------------------------------------------------------------------------

KINDS: dict[str, tuple[str, Callable[[Sequence[MonthFigures], Sequence[PartnerCredit]], Chart]]] = {
    "activity": (c.ACTIVITY, lambda months, _: c.activity_chart(months)),
    "time-to-help": (c.TIME_TO_HELP, lambda months, _: c.time_to_help_chart(months)),
    "agreements": (c.AGREEMENTS, lambda months, _: c.agreements_chart(months)),
    "partners": (c.PARTNERS, lambda _, partners: c.partner_credit_chart(partners)),
}


@after_ack
def send_chart(run: JobRun, command: dict, kind: str, count: int) -> None:
    """Draw one chart over the last `count` months (this one included) and send it to the person who asked."""
    request, deps = talks_request(run, command), run.deps
    key, draw = KINDS[kind]
    if not run.done("sent"):
        now, this_month = deps.clock(), deps.today().replace(day=1)
        with deps.sessions.begin() as session:
            months = last_months(this_month, count)
            figures = month_figures(session, team_id=request.team_id, months=months, tz=deps.tz, now=now)
            partners = partner_credits(
                session, team_id=request.team_id, first=months[0], last=deps.today(), tz=deps.tz, now=now
            )
        chart = draw(figures, partners)
        span = f"the last {count} months" if count > 1 else "this month"
        upload = Upload(f"programme-talks-{kind}-{count}-months.png", chart.png, chart.title, chart.alt_text)
        try:
            to = direct_messages(run.client, request.user_id)
            send_files(run.client, to, [upload], f"📈 {chart.title}, {span}.")
        except (SlackApiError, SlackClientError, OSError) as error:
            log.warning("could not send a %s chart to %s: %s", key, request.user_id, type(error).__name__)
            request.say(NOT_SENT)
            return
        with deps.sessions.begin() as session:
            run.note(session, "sent")
    request.say("📈 I've sent you the chart in our direct messages, with a description for screen readers.")
