"""Typed SQLAlchemy models, by area. Every row belongs to one Slack workspace (team_id).

Importing this package imports every model, so Base.metadata (what the migrations are held against) is whole.
"""

from storage.models.agreements import Agreement, AgreementParty, AgreementReview, AgreementVersion
from storage.models.base import NAMING_CONVENTION, Base, SlackId, TeamId, UTCDateTime
from storage.models.calendar import WorkspaceCalendar, WorkspaceClosure
from storage.models.delivery import Delivery, DigestSubscription, Lease, QueuedJob
from storage.models.meetups import Meetup, MeetupPost, MeetupRsvp
from storage.models.partnerships import (
    ConnectedChannel,
    PartnerItem,
    PartnerOffer,
    PartnershipInvite,
    PartnershipMember,
)
from storage.models.people import (
    FollowNotice,
    HomeVisit,
    MessageCredit,
    NewsletterDraft,
    NewsletterSettings,
    PracticeSuggestion,
    TagFollow,
)
from storage.models.practice import CollabOffer, CollabRequest, Highlight, Reaction, Share
from storage.models.quiet import ChannelPause, DmChoice, HeldNotice, PersonPause, PromptSchedule, ReplyAsk
from storage.models.safeguarding import AuditEntry, Concern, ConcernNotice, HeldPost
from storage.models.workspace import Installation, OAuthState, ProcessedEvent, RetentionSetting, Role, WorkspaceSettings

__all__ = [
    "NAMING_CONVENTION",
    "Agreement",
    "AgreementParty",
    "AgreementReview",
    "AgreementVersion",
    "AuditEntry",
    "Base",
    "ChannelPause",
    "CollabOffer",
    "CollabRequest",
    "Concern",
    "ConcernNotice",
    "ConnectedChannel",
    "Delivery",
    "DigestSubscription",
    "DmChoice",
    "FollowNotice",
    "HeldNotice",
    "HeldPost",
    "Highlight",
    "HomeVisit",
    "Installation",
    "Lease",
    "Meetup",
    "MeetupPost",
    "MeetupRsvp",
    "MessageCredit",
    "NewsletterDraft",
    "NewsletterSettings",
    "OAuthState",
    "PartnerItem",
    "PartnerOffer",
    "PartnershipInvite",
    "PartnershipMember",
    "PersonPause",
    "PracticeSuggestion",
    "ProcessedEvent",
    "PromptSchedule",
    "QueuedJob",
    "Reaction",
    "ReplyAsk",
    "RetentionSetting",
    "Role",
    "Share",
    "SlackId",
    "TagFollow",
    "TeamId",
    "UTCDateTime",
    "WorkspaceCalendar",
    "WorkspaceClosure",
    "WorkspaceSettings",
]
