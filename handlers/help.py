"""The app's help, shown by `/talks help`, `/share help`, `/collab help` and on the Home tab."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from domain import text as t
from domain.words import TWO_QUESTIONS
from handlers.blocks import section
from handlers.ids import Action

QUIET_HELP = (
    "*Time away, and which messages you get*\n"
    "`/talks pause 2 weeks` (or `/talks pause until 2027-01-04`) stops my direct messages while you're away, except "
    "asking you to confirm an agreement you're part of. When you're back you get one message with what you missed. "
    "`/talks resume` ends the pause sooner; `/talks pause` on its own says whether you're paused.\n"
    "`/talks dms` lists the kinds of direct message I send you. `/talks dms follow off` turns one off, and "
    "`/talks dms follow on` turns it back on.\n"
    "Champions and admins: `/talks digest pause 2 weeks` or `/talks prompt pause 2 weeks` in a channel pauses its "
    "digest or meeting prompt for a while; `/talks digest resume` or `/talks prompt resume` starts it sooner."
)


def help_blocks() -> list[Block]:
    return [
        section(
            "*Programme Talks* helps you share what works with children and young people, and find people to "
            "work with.\n\n"
            "*Share practice*\n"
            "`/share Texting parents doubled homework club attendance #attendance` shares it straight away: "
            "#words become tags and links are kept.\n"
            "`/share` on its own opens a form with a title, what you did, what changed and a link.\n\n"
            "*Ask for collaboration*\n"
            "`/collab Looking for a youth music partner for the summer by 15 June` posts your request with an "
            "*I can help* button. Add “by &lt;date&gt;” if there is a deadline.\n"
            "`/collab` on its own opens a form.\n\n"
            "*Find what others shared*\n"
            "`/talks search attendance parents` shows the best-matching shares and requests, only to you.\n"
            "`/talks help` shows this message."
        ),
        section(
            "*From any message, and tags you follow*\n"
            "On any message (in a thread too), choose ⋯ then *Share as practice* or *Ask for collaboration*: the form "
            "opens with the message's words, linked to it. You are the author; whoever wrote the message is credited "
            "only if it was you, or once they accept when I ask them.\n"
            "`/talks follow #send #youth-voice` sends you, once a day, new shares and requests with those tags; "
            "`/talks follow` lists yours and `/talks unfollow #send` stops one. When you ask for collaboration I "
            "show you, only you, earlier practice that may help, and tell you when new practice matches your request.\n"
            "Your *Home* tab in Programme Talks shows your requests and offers, agreements and events."
        ),
        section(
            "*Keeping children safe*\n"
            "Please don't name children or young people, or give anyone's private contact details: describe them "
            "instead (“a Year 7 pupil”, “a parent”). Before anything is posted I look for names next to ages, "
            "addresses, dates of birth, NHS numbers and the like, and show you, only you, what I found.\n"
            "If something posted worries you, choose *Report a concern* from its ⋯ menu: it is hidden at once, and "
            "champions and admins decide whether to restore or delete it.\n"
            "`/talks personal-data` says how the check works here; workspace admins choose `strict` (nothing it "
            "flags is posted) or `standard` (its author may post it once they say it holds no personal data)."
        ),
        section(
            "*Champions and leaders*\n"
            "`/talks champions` and `/talks leaders` show who they are.\n"
            "`/talks champion @name` and `/talks leader @name` appoint someone (`remove` undoes it). Workspace "
            "admins appoint champions; admins and champions appoint leaders.\n"
            "Leaders highlight a share by reacting to it with ⭐; `/talks highlight-emoji star2` changes the emoji.\n\n"
            "*Digests*\n"
            "`/talks digest here weekly mon 09:00` (or `daily 08:30`) sends this channel a digest of highlights, "
            "new practice and open requests. Add `quiet skip` to skip weeks with nothing new.\n"
            "`/talks digest` shows the schedule; `/talks digest preview` shows it to you now; "
            "`/talks digest now` posts it; `/talks digest off` stops it."
            "\n\n*Collaboration agreements*\n"
            "`/agreement` writes down who does what, how you'll talk about the work and how everyone is credited; "
            "each person named is asked to confirm, and I remind you when a review is due.\n"
            "`/agreement list`, `/agreement show 3`, and `/agreement export 3` for a document to share with "
            "partners outside Slack."
            "\n\n*Events*\n"
            "`/event` invites people and channels to something that already happens: it is posted with *Going* and "
            "*Interested* buttons, and people going get a reminder at 9am the day before. `/event help` says more."
        ),
        section(
            "*Newsletters, reports and charts*\n"
            "`/talks newsletter` drafts last month's newsletter (this month's from the 25th) and shows it only to you, "
            "to add an introduction, publish it in a channel or download it for an email; "
            "`/talks newsletter schedule here monthly first-monday 09:00` drafts it every month for champions to "
            "review. `/talks newsletter help` says more. (Champions and admins.)\n"
            "`/talks report 2026-Q3` sends you the quarterly report for boards and funders as HTML, PDF and CSV "
            "files. (Champions, leaders and admins.)\n"
            "`/talks chart activity 12 months` sends you a chart; also `time-to-help`, `agreements` and `partners`."
        ),
        section(
            "*Time zone, bank holidays and closures*\n"
            "`/talks timezone` says which time zone times here are in, `/talks holidays` whose bank holidays are kept, "
            "and `/talks closed` lists the closed days coming up. On a closed day, digests and review reminders wait "
            "for the next working day, and meeting prompts are skipped (`/talks closed-days` says more).\n"
            "Workspace admins: `/talks timezone Europe/Dublin`, `/talks holidays england` (or `wales`, `scotland`, "
            "`northern-ireland`, `off`), `/talks closed 2026-12-21 to 2027-01-04`, `/talks closed import` for a "
            "calendar of term dates (.ics), and `/talks closed-days digests skip`."
        ),
        section(QUIET_HELP),
        section(
            "*Your data*\n"
            "`/talks privacy` says what Programme Talks keeps, who sees it and for how long.\n"
            "`/talks my data` sends you everything it holds about you; `/talks erase me` erases it.\n"
            "Workspace admins: `/talks erase @name` for someone who has left, `/talks export all`, `/talks audit 30` "
            "and `/talks retention` (how long records are kept)."
        ),
        section(f"*Two questions to ask every time your team meets*\n• {TWO_QUESTIONS[0]}\n• {TWO_QUESTIONS[1]}"),
        ActionsBlock(
            elements=[
                ButtonElement(text="Share practice", action_id=Action.OPEN_SHARE_MODAL, style="primary"),
                ButtonElement(text="Ask for collaboration", action_id=Action.OPEN_COLLAB_MODAL),
            ]
        ),
    ]


def usage_text(word: str) -> str:
    return (
        f"I don't know `/talks {t.escaped_within(word, 40)}`. Try `/talks search &lt;words&gt;` to find shares and "
        "requests, or `/talks help` to see everything I can do."
    )
