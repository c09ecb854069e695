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
    # the personal-data check on a quick /share or /collab: the form with the words in it, or post them anyway
    EDIT_FLAGGED = "personal_data_edit"
    POST_FLAGGED = "personal_data_post_anyway"
    # a concern reported about a request, agreement or event (a share's own menu, MANAGE_SHARE, offers it too)
    REPORT_CONCERN = "concern_report"
    RESTORE_REPORTED = "concern_restore"  # champions and admins, in the direct message telling them
    DELETE_REPORTED = "concern_delete"
    NEWSLETTER_EDIT_INTRO = "newsletter_edit_intro"  # on a draft newsletter: the champion's introduction
    NEWSLETTER_PUBLISH = "newsletter_publish"  # opens the form choosing where to publish it
    NEWSLETTER_DOWNLOAD = "newsletter_download"  # sends it as HTML and Markdown files
    NEWSLETTER_SHOW = "newsletter_show"  # shows a scheduled draft's every item
    # the Home tab's buttons that open the agreement and event forms (share and ask use OPEN_*_MODAL above)
    OPEN_AGREEMENT_MODAL = "open_agreement_modal"
    OPEN_MEETUP_MODAL = "open_event_modal"
    # a message's author, asked by direct message whether a share or request made from their message may credit them
    ACCEPT_CREDIT = "capture_credit_accept"
    DECLINE_CREDIT = "capture_credit_decline"
    # partnerships across organisations: on a posted share or request, share it with the partnership or withdraw it;
    # "I can help" on a partner's request (in a digest or search), and Reply to pass a note between organisations
    PARTNERS_SHARE = "partners_share"
    PARTNERS_WITHDRAW = "partners_withdraw"
    PARTNER_OFFER = "partner_offer_help"
    PARTNER_REPLY = "partner_reply"
    # a meeting prompt's Capture replies, and the direct message asking each reply's author whether it may be shared
    CAPTURE_REPLIES = "prompt_capture_replies"
    SHARE_REPLY = "prompt_reply_share"
    DECLINE_REPLY = "prompt_reply_decline"


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
    NEWSLETTER_INTRO = "newsletter_intro_modal"
    NEWSLETTER_PUBLISH = "newsletter_publish_modal"
    ERASE_PERSON = "privacy_erase_person_modal"  # confirms `/talks erase me` or `/talks erase @name`, naming what goes
    ERASE_WORKSPACE = "privacy_erase_workspace_modal"  # confirms `/talks erase workspace` by its name typed
    CAPTURE_SHARE = "capture_share_modal"  # the share form, filled in from a message (Shortcut.SHARE_MESSAGE)
    CAPTURE_REQUEST = "capture_collab_modal"  # the request form, filled in from a message (Shortcut.ASK_FROM_MESSAGE)
    CALENDAR_IMPORT = "calendar_import_modal"  # `/talks closed import`: an .ics calendar's dates become closed days
    PARTNERS_SHARE = "partners_share_modal"  # confirms sharing a posted share or request with the partnership
    PARTNER_OFFER = "partner_offer_modal"  # offering help with a partner organisation's request
    PARTNER_REPLY = "partner_reply_modal"  # a note passed between a requester and a helper in another organisation


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
    # the personal-data check on any form: what it found (sections numbered from this), and the author's answer
    PERSONAL_DATA_FOUND = "personal_data_found"
    PERSONAL_DATA_OVERRIDE = "personal_data_override"
    # newsletters
    NAME_CONSENT = "name_consent"  # on the share form: "You may name me in newsletters outside Slack"
    NEWSLETTER_INTRO = "newsletter_intro"
    # privacy
    ERASE_CONFIRM = "erase_confirm"  # the workspace's name, typed to confirm erasing all of it
    # a workspace's calendar: the .ics file whose dates become closed days, and whether its events are closures or terms
    CALENDAR_FILE = "calendar_file"
    CALENDAR_LISTS = "calendar_lists"
    # partnerships
    PARTNERS = "partners"  # on the share and request forms: share with our partnership, and show my name to them
    PARTNER_NAME = "partner_name"  # "Show my name to them", when sharing a posted item or offering help
    PARTNER_NOTE = "partner_note"  # a note to someone in a partner organisation


class SlackEvent(StrEnum):
    APP_HOME_OPENED = "app_home_opened"
    REACTION_ADDED = "reaction_added"
    REACTION_REMOVED = "reaction_removed"
    APP_UNINSTALLED = "app_uninstalled"  # the workspace removed the app: mark it, post nothing there again
    TOKENS_REVOKED = "tokens_revoked"  # the bot token revoked: the same, as the app can no longer post


class Shortcut(StrEnum):
    """callback_ids of the message shortcuts (app.yaml: features.shortcuts, type message)."""

    SHARE_MESSAGE = "capture_share"  # "Share as practice" on any message
    ASK_FROM_MESSAGE = "capture_collab"  # "Ask for collaboration" on any message


class Scope(StrEnum):
    """The bot scopes the app asks for (app.yaml lists the same, and an OAuth install asks for exactly these)."""

    COMMANDS = "commands"
    CHAT_WRITE = "chat:write"
    CHANNELS_JOIN = "channels:join"
    REACTIONS_READ = "reactions:read"
    USERS_READ = "users:read"
    IM_WRITE = "im:write"
    FILES_WRITE = "files:write"
    IM_HISTORY = "im:history"
    CHANNELS_HISTORY = "channels:history"  # a post a stopped job or run may have made, looked for before posting again
    GROUPS_HISTORY = "groups:history"  # the same in private channels
    CHANNELS_READ = "channels:read"  # conversations.info: a channel's name, for a message read into a form
    CANVASES_WRITE = "canvases:write"  # canvases.create: a published newsletter as a canvas in its channel
    FILES_READ = "files:read"  # files.info and the file itself: an .ics calendar chosen in `/talks closed import`


# action_id of the single input inside each block: the block_id with "_input" appended.
def input_id(block: Block | str) -> str:
    return f"{block}_input"


def responsibility_block(position: int) -> str:
    """block_id of the "who does what" input for the party at this position in an agreement form."""
    return f"responsibility_{position}"
