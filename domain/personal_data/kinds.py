"""What the personal-data check can find, and the plain words we use for each kind."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    CHILD = "child"
    DATE_OF_BIRTH = "date_of_birth"
    NHS_NUMBER = "nhs_number"
    NI_NUMBER = "ni_number"
    UPN = "upn"
    POSTCODE = "postcode"
    ADDRESS = "address"
    PHONE = "phone"
    EMAIL = "email"
    CASE_REFERENCE = "case_reference"


LABELS: dict[Kind, str] = {
    Kind.CHILD: "a child's name with their age, school year or care status",
    Kind.DATE_OF_BIRTH: "a date of birth",
    Kind.NHS_NUMBER: "an NHS number",
    Kind.NI_NUMBER: "a National Insurance number",
    Kind.UPN: "a Unique Pupil Number",
    Kind.POSTCODE: "a full postcode",
    Kind.ADDRESS: "a street address",
    Kind.PHONE: "a phone number",
    Kind.EMAIL: "a personal email address",
    Kind.CASE_REFERENCE: "a case or file reference",
}


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: `text` is `source[start:end]`."""

    kind: Kind
    start: int
    end: int
    text: str

    @property
    def label(self) -> str:
        return LABELS[self.kind]
