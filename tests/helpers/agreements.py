"""Driving the agreement forms the way a person does: shared by the agreement and review tests."""

from __future__ import annotations

from sqlalchemy import select

from handlers.ids import Action, Block, View, responsibility_block
from storage.models import Agreement
from tests.helpers import all_text, response_to, wait_until

AMIRA, BEN = "U_AMIRA", "U_BEN"
CHANNEL = "C_PRACTICE"
JOBS = ("Book the hall on Saturdays", "Run the sign-up sheet", "Bring two coaches", "Lend the kit")
RIVERSIDE = "Riverside Trust (contact: Sam Patel)"  # the organisation `parties()` names, as the app shows it
STATUS = {
    "draft": "*Status:* 📝 Draft, waiting for everyone to confirm",
    "agreed": "*Status:* ✅ Agreed by everyone",
    "ended": "*Status:* 🏁 Ended",
}


def parties(**changes) -> dict:
    values = {
        Block.AGREEMENT_TITLE: "Summer sports hall",
        Block.CHANNEL: CHANNEL,
        Block.PARTY_USERS: [AMIRA, BEN],
        Block.PARTY_ORGANISATIONS: "Riverside Trust, Sam Patel",
    }
    return values | changes


def details(party_count: int = 3, **changes) -> dict:
    values = {responsibility_block(i): JOBS[i] for i in range(party_count)} | {
        Block.START_DATE: "2026-12-01",
        Block.END_DATE: "2027-06-30",
        Block.COMMS_INTERNAL: "A line in each team meeting",
        Block.COMMS_EXTERNAL: "Joint posts on both websites",
        Block.RECOGNITION: "Both logos on every poster; thanks in the newsletter",
        Block.FIRST_REVIEW: "2026-12-07",
        Block.REVIEW_EVERY: "28",
    }
    return values | changes


def opened(sandbox, callback_id: str) -> dict:
    """The latest form the app opened with this callback_id."""
    calls = sandbox.slack.wait_for("views.open", where=lambda c: c.args["view"]["callback_id"] == callback_id)
    return calls[-1].args["view"]


def first_step(sandbox, user: str = AMIRA, **changes):
    sandbox.sim.command("/agreement", "", user=user)
    return sandbox.sim.submit(opened(sandbox, View.AGREEMENT_PARTIES), parties(**changes), user=user)


def write_agreement(sandbox, user: str = AMIRA, step_one: dict | None = None, **changes) -> int:
    """Write an agreement through both steps; its number once the summary is posted."""
    reply = first_step(sandbox, user, **(step_one or {})).json()
    assert reply["response_action"] == "update", reply
    second = reply["view"]
    party_count = sum(1 for b in second["blocks"] if b.get("block_id", "").startswith("responsibility_"))
    answer = sandbox.sim.submit(second, details(party_count, **changes), user=user)
    assert answer.status == 200 and answer.body == "", answer.body
    with sandbox.sessions() as session:
        number = session.scalar(select(Agreement.number).order_by(Agreement.id.desc()).limit(1))
    saved = f"Agreement #{number} saved"  # the writer is told last, once everyone has been asked
    wait_until(lambda: any(m.get("text") == saved for m in sandbox.slack.messages(user)))
    return number


def agreement(sandbox, number: int) -> Agreement:
    with sandbox.sessions() as session:
        return session.scalar(select(Agreement).where(Agreement.number == number))


def summary(sandbox, channel: str = CHANNEL) -> dict:
    return next(m for m in sandbox.slack.messages(channel) if "Agreement #" in (m.get("text") or ""))


def asked_to_confirm(sandbox, user: str) -> list[dict]:
    """The direct messages asking this person to confirm, oldest first."""
    return [m for m in sandbox.slack.messages(user) if "Please confirm" in (m.get("text") or "")]


def confirm(sandbox, user: str, message: dict | None = None) -> str:
    message = message or asked_to_confirm(sandbox, user)[-1]
    _, url = sandbox.sim.click(message, Action.CONFIRM_AGREEMENT, user=user, channel="D" + user)
    return said(sandbox, url)


def said(sandbox, url: str) -> str:
    """The last ephemeral text or blocks sent back through a response_url."""
    wait_until(lambda: any(c.args.get("url") == url for c in sandbox.slack.calls_to("response_url")))
    answer = response_to(sandbox.slack, url).args
    return answer.get("text") or all_text(answer.get("blocks") or [])


def summary_updates(sandbox) -> list[str]:
    return [all_text(c.args["blocks"]) for c in sandbox.slack.calls_to("chat.update") if c.args["channel"] == CHANNEL]


def shown(
    status: str,
    parties: list[tuple[str, str]],
    confirmed: str,
    *,
    number: int = 1,
    title: str = "Summer sports hall",
    version: int = 1,
    dates: str = "Tuesday 1 December 2026 to Wednesday 30 June 2027",
    recognition: str = "Both logos on every poster; thanks in the newsletter",
    reviews: str = "*Next review:* Monday 7 December 2026, then every 4 weeks",
    buttons: tuple[str, ...] = (),
) -> str:
    """What a person reads in an agreement written with `parties()` and `details()` (all_text of its blocks):
    `parties` as (who, what they will do), `confirmed` the line saying who has confirmed, then any buttons."""
    lines = [f"🤝 Agreement #{number}: {title}", STATUS[status]]
    lines += [f"*{who}* will:\n{job}" for who, job in parties]
    lines += [
        f"*Dates:* {dates}",
        "*Keeping people informed inside our organisations*\nA line in each team meeting",
        "*Talking about it outside*\nJoint posts on both websites",
        f"*How each party will be recognised*\n{recognition}",
        reviews,
        f"{confirmed} · Version {version}",
    ]
    if status != "ended" and any(not who.startswith("<@") for who, _ in parties):
        lines.append(
            "Organisations outside Slack aren't asked here: send their contact the document from "
            f"`/agreement export {number}`."
        )
    return "\n".join([*lines, *buttons])


def amira_ben_and_riverside() -> list[tuple[str, str]]:
    """The parties of an agreement written with the helpers' defaults, in the order the app lists them."""
    return [(f"<@{AMIRA}>", JOBS[0]), (f"<@{BEN}>", JOBS[1]), (RIVERSIDE, JOBS[2])]
