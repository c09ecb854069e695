"""Block Kit forms for agreements: the two-step form, the change form and the review form, and what each
carries in its private_metadata. Pure functions over domain.agreements' records.

All user text goes through `escape` into verbatim mrkdwn (handlers.blocks.section), or into plain text, cut
after escaping, or spread over as many sections as it needs, so an "&" can never push a text past Slack's
limits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    Block,
    ConversationFilter,
    ConversationSelectElement,
    DatePickerElement,
    InputBlock,
    Option,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from domain import agreements as ag
from domain import text as t
from domain.agreements import CADENCES, CREDITED, OUTCOMES, AgreementRecord, Party
from handlers.agreements.messages import party_label
from handlers.blocks import section, text_input, user_sections
from handlers.ids import Block as B
from handlers.ids import View as V
from handlers.ids import input_id, responsibility_block
from handlers.metadata import to_metadata

TITLE_CHARS = 5 * ag.MAX_TITLE_CHARS  # any title the form takes, whatever it holds, escaped

# ---- what a form carries in private_metadata ---------------------------------------------------------------


@dataclass(frozen=True)
class PartiesStep:
    """What the first step gathered, carried to the second."""

    title: str = ""
    channel_id: str = ""
    user_ids: tuple[str, ...] = ()
    organisations: tuple[tuple[str, str], ...] = ()  # (organisation, contact)

    @property
    def parties(self) -> tuple[Party, ...]:
        return tuple(Party(user_id=u) for u in self.user_ids) + tuple(
            Party(organisation=name, contact=contact) for name, contact in self.organisations
        )


@dataclass(frozen=True)
class AgreementRef:
    """Which agreement a form is about: the version a change starts from, the date a review is for."""

    number: int = 0
    version: int = 0
    review_date: str = ""


# ---- the forms ------------------------------------------------------------------------------------------------


def parties_modal(user_id: str) -> View:
    """Step 1: the title, where it belongs, and who the parties are."""
    return View(
        type="modal",
        callback_id=V.AGREEMENT_PARTIES,
        title="Write an agreement",
        submit="Next",
        close="Cancel",
        blocks=[
            section(
                "A written agreement says who does what, how you'll talk about the work, and how everyone is "
                "credited. Step 1 of 2: who is it between?"
            ),
            text_input(B.AGREEMENT_TITLE, "Title", ag.MAX_TITLE_CHARS, None, "e.g. Summer sports hall"),
            InputBlock(
                block_id=B.CHANNEL,
                label="Channel it belongs to",
                hint="I'll post a summary there.",
                element=ConversationSelectElement(
                    action_id=input_id(B.CHANNEL),
                    default_to_current_conversation=True,
                    filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
                ),
            ),
            InputBlock(
                block_id=B.PARTY_USERS,
                label="People in Slack",
                hint="Include yourself if you are a party. Each person will be asked to confirm.",
                element=UserMultiSelectElement(action_id=input_id(B.PARTY_USERS), initial_users=[user_id]),
            ),
            text_input(
                B.PARTY_ORGANISATIONS,
                "Organisations outside Slack",
                2000,
                None,
                "Riverside Trust, Sam Patel",
                multiline=True,
                optional=True,
                hint="One per line: the organisation, a comma, then its contact's name.",
            ),
        ],
    )


def details_modal(step: PartiesStep, today: dt.date) -> View:
    """Step 2: who does what, dates, communication, recognition and reviews."""
    blocks: list[Block] = [
        section(
            f"*{t.escaped_within(step.title, TITLE_CHARS)}* · posted in <#{step.channel_id}>\n"
            "Step 2 of 2: who does what?"
        )
    ]
    blocks += _terms_inputs(step.parties, start=today, first_review=None, every=ag.DEFAULT_CADENCE)
    return View(
        type="modal",
        callback_id=V.AGREEMENT_DETAILS,
        title="Write an agreement",
        submit="Save and share",
        close="Cancel",
        blocks=blocks,
        private_metadata=to_metadata(step),
    )


def change_modal(record: AgreementRecord) -> View:
    """The change form, filled in with the agreement as it stands."""
    blocks: list[Block] = [
        section(
            f"*#{record.number} {t.escaped_within(record.title, TITLE_CHARS)}* (version {record.version})\n"
            "Change what you need. Everyone else will be asked to confirm the new version."
        )
    ]
    blocks += _terms_inputs(
        record.parties,
        start=record.start_date,
        end=record.end_date,
        first_review=record.next_review,
        every=record.review_every_days,
        initial=record,
    )
    blocks.append(
        text_input(
            B.CHANGE_NOTE, "What changed, and why?", ag.MAX_TERM_CHARS, None, "e.g. Moved to Saturdays", multiline=True
        )
    )
    return View(
        type="modal",
        callback_id=V.AGREEMENT_CHANGE,
        title="Propose a change",
        submit="Propose",
        close="Cancel",
        blocks=blocks,
        private_metadata=to_metadata(AgreementRef(record.number, record.version)),
    )


def review_modal(record: AgreementRecord, review_date: dt.date, suggested: dt.date | None) -> View:
    credit_options = [Option(value=key, text=label) for key, label in CREDITED.items()]
    return View(
        type="modal",
        callback_id=V.AGREEMENT_REVIEW,
        title="Record a review",
        submit="Record",
        close="Cancel",
        blocks=[
            section(
                f"*#{record.number} {t.escaped_within(record.title, TITLE_CHARS)}*\n"
                f"Review due {ag.long_date(review_date)}"
            ),
            InputBlock(
                block_id=B.OUTCOME,
                label="How is it going?",
                element=StaticSelectElement(
                    action_id=input_id(B.OUTCOME),
                    options=[Option(value=key, text=label) for key, label in OUTCOMES.items()],
                ),
            ),
            text_input(B.ACHIEVED, "What has been achieved?", ag.MAX_TERM_CHARS, None, "A few lines", multiline=True),
            *user_sections(record.recognition, heading="*You agreed to recognise each party like this:*\n"),
            InputBlock(
                block_id=B.CREDITED,
                label="Has every party been credited as agreed?",
                element=StaticSelectElement(action_id=input_id(B.CREDITED), options=credit_options),
            ),
            text_input(
                B.CREDIT_NOTE,
                "If not yet, who is missing and what will you do?",
                ag.MAX_TERM_CHARS,
                None,
                "e.g. Riverside's logo goes on the next poster",
                multiline=True,
                optional=True,
            ),
            InputBlock(
                block_id=B.NEXT_REVIEW,
                label="Next review",
                optional=True,
                hint=f"The agreement ends on {ag.long_date(record.end_date)}. Leave empty if it has ended.",
                element=DatePickerElement(
                    action_id=input_id(B.NEXT_REVIEW), initial_date=suggested.isoformat() if suggested else None
                ),
            ),
        ],
        private_metadata=to_metadata(AgreementRef(record.number, record.version, review_date.isoformat())),
    )


def _terms_inputs(
    parties: Sequence[Party],
    *,
    start: dt.date | None,
    first_review: dt.date | None,
    every: int,
    end: dt.date | None = None,
    initial: AgreementRecord | None = None,
) -> list[Block]:
    blocks: list[Block] = []
    for position, party in enumerate(parties):
        blocks.append(section(f"*{party_label(party)}*"))
        blocks.append(
            text_input(
                responsibility_block(position),
                "What they will do",
                ag.MAX_TERM_CHARS,
                party.responsibility,
                "e.g. Book the hall and open up on Saturdays",
                multiline=True,
            )
        )
    cadence = [Option(value=str(days), text=label) for days, label in CADENCES.items()]
    blocks += [
        _date(B.START_DATE, "Starts", start),
        _date(B.END_DATE, "Ends", end),
        text_input(
            B.COMMS_INTERNAL,
            "How you'll keep people informed inside your organisations",
            ag.MAX_TERM_CHARS,
            initial.comms_internal if initial else None,
            "e.g. A line in each team meeting; a monthly email to managers",
            multiline=True,
        ),
        text_input(
            B.COMMS_EXTERNAL,
            "How you'll talk about it outside",
            ag.MAX_TERM_CHARS,
            initial.comms_external if initial else None,
            "e.g. Joint posts on both websites; nothing to the press before July",
            multiline=True,
        ),
        text_input(
            B.RECOGNITION,
            "How each party will be recognised",
            ag.MAX_TERM_CHARS,
            initial.recognition if initial else None,
            "e.g. Both logos on posters; thanked by name in newsletters",
            multiline=True,
        ),
        _date(B.FIRST_REVIEW, "First review" if initial is None else "Next review", first_review),
        InputBlock(
            block_id=B.REVIEW_EVERY,
            label="Then review it",
            element=StaticSelectElement(
                action_id=input_id(B.REVIEW_EVERY),
                options=cadence,
                initial_option=next((o for o in cadence if o.value == str(every)), None),
            ),
        ),
    ]
    return blocks


def _date(block: str, label: str, initial: dt.date | None) -> InputBlock:
    element = DatePickerElement(action_id=input_id(block), initial_date=initial.isoformat() if initial else None)
    return InputBlock(block_id=block, label=label, element=element)
