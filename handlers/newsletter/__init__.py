"""The champions' monthly newsletter and the funders' quarterly report, with their charts.

`/talks newsletter` drafts a month's newsletter and shows it only to the champion who asked, with **Edit
introduction**, **Publish** (to a channel, as messages and, where the workspace allows, a canvas) and **Download**
(HTML for an email, and Markdown); a monthly schedule drafts it for the champions to review (bot.delivery's
NewsletterDrafts). `/talks report 2026-Q3` sends the quarterly report as HTML, PDF and CSV, and `/talks chart ...`
one chart. What they say comes from storage.reports; how they look, from domain.newsletter, domain.report and
domain.charts.
"""

from __future__ import annotations

from slack_bolt import App

from handlers.context import Deps, TalksVerb, listener
from handlers.ids import Action, View
from handlers.newsletter.commands import handle_chart, handle_newsletter, handle_report
from handlers.newsletter.drafts import handle_edit_intro, handle_intro_submission, handle_show_all
from handlers.newsletter.publishing import handle_download, handle_publish, handle_publish_submission

TALKS_VERBS: dict[str, TalksVerb] = {"newsletter": handle_newsletter, "report": handle_report, "chart": handle_chart}


def register(app: App, deps: Deps) -> None:
    app.action(Action.NEWSLETTER_EDIT_INTRO)(listener(handle_edit_intro, deps))
    app.action(Action.NEWSLETTER_PUBLISH)(listener(handle_publish, deps))
    app.action(Action.NEWSLETTER_DOWNLOAD)(listener(handle_download, deps))
    app.action(Action.NEWSLETTER_SHOW)(listener(handle_show_all, deps))
    app.view(View.NEWSLETTER_INTRO)(listener(handle_intro_submission, deps))
    app.view(View.NEWSLETTER_PUBLISH)(listener(handle_publish_submission, deps))
