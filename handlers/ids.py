"""Every Slack identifier the app uses, defined once: commands, action_ids, callback_ids, block_ids, events.

Handlers, builders, tests and the app.yaml check all read them from here.
"""

from enum import StrEnum


class Command(StrEnum):
    SHARE = "/share"
    COLLAB = "/collab"
    TALKS = "/talks"


class Action(StrEnum):
    MANAGE_SHARE = "share_manage"
    RETRY_POST = "post_retry"
    OFFER_HELP = "collab_offer_help"
    RESOLVE_REQUEST = "collab_resolve"
    OPEN_SHARE_MODAL = "open_share_modal"
    OPEN_COLLAB_MODAL = "open_collab_modal"


class View(StrEnum):
    SHARE = "share_modal"
    EDIT_SHARE = "share_edit_modal"
    DELETE_SHARE = "share_delete_modal"
    COLLAB = "collab_modal"


class Block(StrEnum):
    TITLE = "title"
    BODY = "body"
    IMPACT = "impact"
    TAGS = "tags"
    LINK = "link"
    CONSENT = "consent"
    REQUEST = "request"
    NEEDED_BY = "needed_by"
    CHANNEL = "channel"


class Event(StrEnum):
    APP_HOME_OPENED = "app_home_opened"
    REACTION_ADDED = "reaction_added"
    REACTION_REMOVED = "reaction_removed"


# action_id of the single input inside each block: the block_id with "_input" appended.
def input_id(block: Block) -> str:
    return f"{block}_input"
