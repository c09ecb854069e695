"""Every Slack identifier the app uses, defined once: commands, action_ids, callback_ids, block_ids, events.

Handlers, builders, tests and the app.yaml check all read them from here.
"""

from enum import StrEnum


class Command(StrEnum):
    SHARE = "/share"
    COLLAB = "/collab"
    TALKS = "/talks"
    AGREEMENT = "/agreement"
    EVENT = "/event"


class Action(StrEnum):
    MANAGE_SHARE = "share_manage"
    RETRY_POST = "post_retry"
    OFFER_HELP = "collab_offer_help"
    RESOLVE_REQUEST = "collab_resolve"
    OPEN_SHARE_MODAL = "open_share_modal"
    OPEN_COLLAB_MODAL = "open_collab_modal"
    CONFIRM_AGREEMENT = "agreement_confirm"
    PROPOSE_CHANGE = "agreement_propose_change"
    RECORD_REVIEW = "agreement_record_review"
    MEETUP_GOING = "event_going"
    MEETUP_INTERESTED = "event_interested"


class View(StrEnum):
    SHARE = "share_modal"
    EDIT_SHARE = "share_edit_modal"
    DELETE_SHARE = "share_delete_modal"
    COLLAB = "collab_modal"
    AGREEMENT_PARTIES = "agreement_parties_modal"  # step 1: title, channel, parties
    AGREEMENT_DETAILS = "agreement_details_modal"  # step 2: who does what, dates, communication, credit, reviews
    AGREEMENT_CHANGE = "agreement_change_modal"
    AGREEMENT_REVIEW = "agreement_review_modal"
    MEETUP = "event_modal"


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
    # agreements
    AGREEMENT_TITLE = "agreement_title"
    PARTY_USERS = "party_users"
    PARTY_ORGANISATIONS = "party_organisations"
    START_DATE = "start_date"
    END_DATE = "end_date"
    COMMS_INTERNAL = "comms_internal"
    COMMS_EXTERNAL = "comms_external"
    RECOGNITION = "recognition"
    FIRST_REVIEW = "first_review"
    REVIEW_EVERY = "review_every"
    CHANGE_NOTE = "change_note"
    OUTCOME = "outcome"
    ACHIEVED = "achieved"
    CREDITED = "credited"
    CREDIT_NOTE = "credit_note"
    NEXT_REVIEW = "next_review"
    # events
    MEETUP_TITLE = "event_title"
    MEETUP_DATE = "event_date"
    MEETUP_TIME = "event_time"
    PLACE = "place"
    ABOUT = "about"
    INVITE_PEOPLE = "invite_people"
    INVITE_CHANNELS = "invite_channels"


class SlackEvent(StrEnum):
    APP_HOME_OPENED = "app_home_opened"
    REACTION_ADDED = "reaction_added"
    REACTION_REMOVED = "reaction_removed"


# action_id of the single input inside each block: the block_id with "_input" appended.
def input_id(block: Block | str) -> str:
    return f"{block}_input"


def responsibility_block(position: int) -> str:
    """block_id of the "who does what" input for the party at this position in an agreement form."""
    return f"responsibility_{position}"
