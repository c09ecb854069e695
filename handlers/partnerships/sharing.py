"""The buttons on a posted share or request of a workspace in a partnership: **Share with our partnership** (its
author, after a form saying who will see it and asking whether to show their name) and **Withdraw from
partnership** (its author, a champion or a workspace admin, of its own workspace: a role counts only there).

Withdrawing takes it out of partners' digests and search at once, and changes the messages about it in every
workspace (handlers.partnerships.withdrawing).
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from domain.records import RequestCard, ShareCard
from handlers import forms
from handlers import personal_data as pd
from handlers.blocks import notice_view
from handlers.context import Deps, Job, after_ack, respond_to
from handlers.ids import Block
from handlers.jobs import JobRun
from handlers.metadata import from_metadata, to_metadata
from handlers.partnerships.blocks import NAME_VALUE, NOUNS, share_confirm_modal
from handlers.partnerships.forms import share_on_saving
from handlers.partnerships.own_messages import show_partner_states
from handlers.partnerships.withdrawing import hand_over_digest_changes
from handlers.permissions import CANT_CHECK, workspace_admin
from handlers.publish import say
from handlers.shares.posting import KINDS
from storage import audit
from storage import partnerships as ps
from storage import roles as rq
from storage.roles import RoleName


@dataclass(frozen=True)
class Chosen:
    """What the form confirming a share with the partnership is about."""

    kind: str = ""
    item_id: int = 0


def _picked(body: dict) -> tuple[str, int]:
    kind, _, raw = str(body["actions"][0].get("value") or "").partition(":")
    return (kind, int(raw)) if kind in KINDS and raw.isdigit() and len(raw) < 12 else ("", 0)


def _card(session: Session, team_id: str, kind: str, item_id: int) -> ShareCard | RequestCard | None:
    return KINDS[kind].get(session, team_id, item_id) if kind in KINDS else None


def _author(card: ShareCard | RequestCard) -> str:
    return card.author_id if isinstance(card, ShareCard) else card.requester_id


def _texts(card: ShareCard | RequestCard) -> list[tuple[str, str | None]]:
    if isinstance(card, ShareCard):
        return [("Title", card.title), ("What we did", card.body), ("What changed", card.impact)]
    return [("Request", card.body)]


def _why_not(card: ShareCard | RequestCard | None, kind: str, user_id: str, member: bool) -> str | None:
    """Why this person can't share this with the partnership now, or None."""
    noun = NOUNS.get(kind, "post")
    if card is None:
        return f"That {noun} is no longer here (it may have been deleted, or it belongs to another workspace)."
    if _author(card) != user_id:
        return f"Only <@{_author(card)}>, who posted this {noun}, can share it with the partnership."
    if not member:
        return "This workspace isn't in a partnership any more, so there is nobody to share it with."
    if card.hidden:
        return f"This {noun} can't be shared while a concern about it is reviewed."
    if card.partners:
        return f"This {noun} is already shared with our partnership."
    if flagged := pd.check(_texts(card)):
        return (
            f"I can't share this {noun} with partner organisations: it looks like it holds personal data "
            f"({pd.what_was_found(flagged)}), and what they see must have none."
        )
    return None


def handle_share_with_partners(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> None:
    """The author pressed Share with our partnership: the form saying who will see it."""
    ack()
    kind, item_id = _picked(body)
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    with deps.sessions.begin() as session:
        card = _card(session, team_id, kind, item_id)
        membership = ps.get_membership(session, team_id=team_id)
        partners = (
            [m.organisation for m in ps.list_members(session, partnership=membership.partnership)] if membership else []
        )
        own = ps.organisation_name(session, team_id=team_id)
    if why := _why_not(card, kind, user_id, membership is not None):
        say(respond, why)
        return
    others = [name for name in partners if name != own]
    metadata = to_metadata(Chosen(kind, item_id))
    client.views_open(trigger_id=body["trigger_id"], view=share_confirm_modal(kind, others, own, metadata))


def handle_share_with_partners_submission(
    ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps
) -> None:
    """Share it, if it still may be, and have its message say so."""
    chosen = from_metadata(Chosen, body["view"].get("private_metadata")) or Chosen()
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    picked = {o.get("value") for o in forms.value(body["view"], Block.PARTNER_NAME).get("selected_options") or []}
    with deps.sessions.begin() as session:
        card = _card(session, team_id, chosen.kind, chosen.item_id)
        member = ps.get_membership(session, team_id=team_id) is not None
        why = _why_not(card, chosen.kind, user_id, member)
        if why is None:
            share_on_saving(
                session,
                team_id=team_id,
                user_id=user_id,
                kind=chosen.kind,
                item_id=chosen.item_id,
                name_author=NAME_VALUE in picked,
                now=deps.clock(),
            )
            deps.hand_over_in(session, Job(show_partner_states, (team_id, [[chosen.kind, chosen.item_id]])), body)
    if why is not None:
        ack(response_action="update", view=notice_view("Not shared", why + " Nothing has changed."))
        return
    noun = NOUNS[chosen.kind]
    said = (
        f"✅ Your {noun} is shared with our partnership: it reaches them in their next digest and in their search. "
        "Press *Withdraw from partnership* on it at any time."
    )
    ack(response_action="update", view=notice_view("Shared", said))


def handle_withdraw(ack: Ack, body: dict, respond: Respond, client: WebClient, deps: Deps) -> Job:
    return Job(withdraw, (body,))


@after_ack
def withdraw(run: JobRun, body: dict) -> None:
    """Withdraw a share or request from the partnership: its author, a champion or a workspace admin (of its own
    workspace)."""
    respond = respond_to(body)
    kind, item_id = _picked(body)
    user_id, team_id = body["user"]["id"], body["team"]["id"]
    if not run.done("withdrawn"):
        with run.deps.sessions.begin() as session:
            card = _card(session, team_id, kind, item_id)
            champion = rq.has_role(session, team_id=team_id, user_id=user_id, role=RoleName.CHAMPION)
        noun = NOUNS.get(kind, "post")
        if card is None:
            say(respond, f"That {noun} isn't from this workspace (or it has been deleted), so nothing has changed.")
            return
        allowed: bool | None = _author(card) == user_id or champion
        if not allowed:
            allowed = workspace_admin(run.client, user_id, team_id=team_id)
        if allowed is None:
            say(respond, CANT_CHECK)
            return
        if not allowed:
            say(
                respond,
                f"Only <@{_author(card)}>, who posted this {noun}, a Programme Talks champion or a workspace admin "
                "here can withdraw it from the partnership. Nothing has changed.",
            )
            return
        with run.deps.sessions.begin() as session:
            withdrawn = ps.withdraw_item(session, team_id=team_id, kind=kind, item_id=item_id)
            if withdrawn is not None:
                _record_withdrawal(run, session, withdrawn, user_id)
            run.note(session, "withdrawn", withdrawn is not None)
    if not run.value("withdrawn"):
        say(
            respond,
            f"That {NOUNS.get(kind, 'post')} isn't shared with our partnership, so there is nothing to withdraw.",
        )
        return
    say(
        respond,
        f"✅ Withdrawn from our partnership: partners no longer see this {NOUNS[kind]} in their digests or search, and "
        "their digests that showed it now say it was withdrawn.",
    )


def _record_withdrawal(run: JobRun, session: Session, withdrawn: ps.SharedItem, user_id: str) -> None:
    """In the transaction that withdrew it: the audit entry, and the jobs changing the messages about it."""
    team_id, now = withdrawn.team_id, run.deps.clock()
    audit.add_entry(
        session,
        team_id=team_id,
        actor_id=user_id,
        action=audit.Action.WITHDRAWN_FROM_PARTNERS,
        now=now,
        subject=f"{withdrawn.kind}:{withdrawn.id}",
    )
    key = f"withdrawn:{run.record.id}"
    own = ps.organisation_name(session, team_id=team_id)
    show = Job(show_partner_states, (team_id, [[withdrawn.kind, withdrawn.id]]))
    run.deps.hand_over_in(session, show, {"team_id": team_id, "trigger_id": f"{key}:own"})
    partners = ps.partner_teams(session, partnership=withdrawn.partnership, besides=team_id)
    hand_over_digest_changes(run.deps, session, [(withdrawn, own)], teams=partners, key=key)
