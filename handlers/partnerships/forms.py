"""The partnership choice where shares and requests are made (handlers.shares calls these): the forms' "Share with
our partnership" box, the quick path's `--partners`, and sharing what was just saved, in the same transaction.

What is shared with partner organisations must pass the personal-data check with nothing found: its author's
"post it anyway" stands inside their own workspace only.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from domain import partnerships as dp
from domain.personal_data import find_personal_data
from handlers import forms
from handlers import personal_data as pd
from handlers.context import Deps
from handlers.ids import Block
from handlers.partnerships.blocks import NAME_VALUE, SHARE_VALUE
from storage import audit
from storage import partnerships as ps
from storage.db import reading

log = logging.getLogger("programme_talks.handlers")

NOT_IN_ONE = "This workspace isn't in a partnership any more, so there is nobody to share it with: untick this box."
NOT_CLEAN = (
    "Partner organisations only see what passes the personal-data check with nothing found: take out what's marked, "
    "or untick this box."
)

SHARED_NOT_CLEAN = (
    "This share is shared with our partnership, and partner organisations only see what passes the personal-data "
    "check with nothing found: take out what's marked, or withdraw it from the partnership first."
)


def partners_for_form(deps: Deps, team_id: str) -> list[str] | None:
    """The partner organisations' names, for the forms' "Share with our partnership" box; None when the workspace
    is in no partnership (the forms then have no box), or when the database can't be read just now: the form still
    opens, so the author's words are never held up (saving it then meets the fault and keeps them in the form)."""
    try:
        with reading(deps.sessions) as session:
            membership = ps.get_membership(session, team_id=team_id)
            if membership is None:
                return None
            members = ps.list_members(session, partnership=membership.partnership)
    except SQLAlchemyError:
        log.warning("could not read %s's partnership for a form; it opens without the partnership box", team_id)
        return None
    return [member.organisation for member in members if member.team_id != team_id and member.installed]


def chosen(view: dict) -> tuple[bool, bool]:
    """What the author chose on a form: (share with our partnership, show my name to them)."""
    picked = {o.get("value") for o in forms.value(view, Block.PARTNERS).get("selected_options") or []}
    return SHARE_VALUE in picked, SHARE_VALUE in picked and NAME_VALUE in picked


def form_error(deps: Deps, team_id: str, view: dict, flagged: Sequence[pd.Flagged]) -> str | None:
    """Why a form's "Share with our partnership" can't be honoured (for that box), or None."""
    if not chosen(view)[0]:
        return None
    if flagged:
        return NOT_CLEAN
    with deps.sessions.begin() as session:
        if ps.get_membership(session, team_id=team_id) is None:
            return NOT_IN_ONE
    return None


def edit_error(deps: Deps, team_id: str, share_id: int, flagged: Sequence[pd.Flagged]) -> str | None:
    """Why an edit can't be saved as it is: the share is shared with the partnership, and its author agreed to keep
    words the personal-data check marked (that stands inside their own workspace only); None otherwise."""
    if not flagged:
        return None
    with deps.sessions.begin() as session:
        shared = ps.partner_state(session, team_id=team_id, share_id=share_id)
    return SHARED_NOT_CLEAN if shared else None


def quick_refusal(deps: Deps, team_id: str, text: str) -> str | None:
    """Why a quick `/share --partners …` or `/collab --partners …` can't be shared with the partnership, or None."""
    with deps.sessions.begin() as session:
        membership = ps.get_membership(session, team_id=team_id)
    if membership is None:
        return (
            "This workspace isn't in a partnership, so I haven't posted it with `--partners`. Leave that out to share "
            "it here only."
        )
    if findings := find_personal_data(text):
        found = pd.what_was_found([pd.Flagged("", text, findings)])
        return (
            f"I haven't posted it: it looks like it holds personal data ({found}), "
            "and what is shared with partner organisations must have none. Take it out and try again, or leave out "
            "`--partners` to share it here only."
        )
    return None


def share_on_saving(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    kind: str,
    item_id: int,
    name_author: bool,
    now: dt.datetime,
) -> bool:
    """Share what was just saved with the partnership, in the transaction that saved it (audited); False when the
    workspace has left its partnership meanwhile."""
    shared = ps.share_with_partners(
        session,
        team_id=team_id,
        now=now,
        name_author=name_author,
        share_id=item_id if kind == dp.SHARE else None,
        request_id=item_id if kind == dp.REQUEST else None,
    )
    if shared is None:
        return False
    audit.add_entry(
        session,
        team_id=team_id,
        actor_id=user_id,
        action=audit.Action.SHARED_WITH_PARTNERS,
        now=now,
        subject=f"{kind}:{item_id}",
        details={"named": name_author},
    )
    return True
