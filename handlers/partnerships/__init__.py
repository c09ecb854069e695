"""Partnerships across organisations, by choice: `/talks partnership` (who is in it; admins invite, join and leave),
sharing a posted share or request with the partnership and withdrawing it, offering help with a partner's request,
and notes passed between organisations.

What crosses between organisations, when, and how it is withdrawn: README, Data protection; domain.partnerships.
"""

from __future__ import annotations

from slack_bolt import App

from handlers.context import Deps, TalksVerb, listener
from handlers.ids import Action, View
from handlers.partnerships.commands import handle_partnership
from handlers.partnerships.offers import (
    handle_partner_offer,
    handle_partner_offer_submission,
    handle_partner_reply,
    handle_partner_reply_submission,
)
from handlers.partnerships.sharing import (
    handle_share_with_partners,
    handle_share_with_partners_submission,
    handle_withdraw,
)

TALKS_VERBS: dict[str, TalksVerb] = {"partnership": handle_partnership, "partners": handle_partnership}


def register(app: App, deps: Deps) -> None:
    app.action(Action.PARTNERS_SHARE)(listener(handle_share_with_partners, deps))
    app.view(View.PARTNERS_SHARE)(listener(handle_share_with_partners_submission, deps))
    app.action(Action.PARTNERS_WITHDRAW)(listener(handle_withdraw, deps))
    app.action(Action.PARTNER_OFFER)(listener(handle_partner_offer, deps))
    app.view(View.PARTNER_OFFER)(listener(handle_partner_offer_submission, deps))
    app.action(Action.PARTNER_REPLY)(listener(handle_partner_reply, deps))
    app.view(View.PARTNER_REPLY)(listener(handle_partner_reply_submission, deps))
