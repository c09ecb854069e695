"""Checking shares of practice and collaboration requests before they are saved: the quick path's text, the
forms field by field, and whether someone may offer help. Pure: plain values in, kind sentences out.

Form checks return errors keyed by field name ("title", "body", ...); the handler maps fields to its form's
blocks. Every message is a whole sentence a busy person can act on, and nothing is saved while one stands.
Personal data is not an error here: domain.personal_data finds it, and the handlers show the author what it
found and let them decide (handlers.personal_data).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain import text as t
from domain.records import RequestCard

Errors = dict[str, str]

SHARE, REQUEST = "share", "request"


@dataclass(frozen=True)
class ShareFields:
    """The share form, read and tidied: what is saved."""

    title: str
    body: str
    impact: str | None
    tags: tuple[str, ...]
    link: str | None


def quick_refusal(text: str, kind: str) -> str | None:
    """Why `/share` or `/collab` text can't be taken as it is (a sentence, mrkdwn-safe), or None if it can."""
    limit = t.MAX_SHARE_CHARS if kind == SHARE else t.MAX_REQUEST_CHARS
    if len(text) > limit:
        return f"Your {kind} is {len(text):,} characters; the limit is {limit:,}. Please shorten it" + (
            ", or type `/share` on its own for a form with more room." if kind == SHARE else "."
        )
    if any(len(found) > t.MAX_LINK_CHARS for found in t.find_links(text)):
        return f"A link in your {kind} is longer than {t.MAX_LINK_CHARS} characters; please use a shorter one."
    return None


def check_share(
    *, title: str, body: str, impact: str, tags: str, link: str, confirmed_no_personal_data: bool
) -> tuple[ShareFields, Errors]:
    """The share form's values tidied, and a message for each field that needs fixing (title, body, impact,
    link, consent)."""
    errors: Errors = {}
    if not title:
        errors["title"] = "Please give your share a title."
    elif len(title) > t.MAX_TITLE_CHARS:
        errors["title"] = f"Please keep the title under {t.MAX_TITLE_CHARS} characters."
    if not body:
        errors["body"] = "Please say what you did."
    elif len(body) > t.MAX_SHARE_CHARS:
        errors["body"] = f"Please keep this under {t.MAX_SHARE_CHARS:,} characters (it is {len(body):,})."
    if impact and len(impact) > t.MAX_IMPACT_CHARS:
        errors["impact"] = f"Please keep this under {t.MAX_IMPACT_CHARS:,} characters."
    try:
        clean_link = t.clean_link(link)
    except ValueError as error:
        errors["link"], clean_link = str(error), None
    if not confirmed_no_personal_data:
        errors["consent"] = "Please confirm this share names no child or young person and holds no personal data."
    fields = ShareFields(title=title, body=body, impact=impact or None, tags=t.parse_tags(tags), link=clean_link)
    return fields, errors


def check_request(*, text: str, needed_by: dt.date | None, today: dt.date) -> Errors:
    """A message for each field of the request form that needs fixing (request, needed_by)."""
    errors: Errors = {}
    if not text:
        errors["request"] = "Please say what partner or help you are looking for."
    elif len(text) > t.MAX_REQUEST_CHARS:
        errors["request"] = f"Please keep this under {t.MAX_REQUEST_CHARS:,} characters."
    if needed_by and needed_by < today:
        errors["needed_by"] = "That date has passed. Choose a date from today onwards, or leave it empty."
    return errors


def offer_refusal(request: RequestCard | None, user_id: str) -> str | None:
    """Why this person can't offer help with this request (a sentence), or None if they can."""
    if request is None:
        return "That request is no longer here."
    if request.resolved:
        return "Thank you! This request has already been resolved."
    if request.requester_id == user_id:
        return "This is your own request. I'll message you when someone offers to help."
    return None
