"""Contact details: phone numbers, email addresses and street addresses, told apart from an organisation's own.

The rules are set out for people in the package docstring (domain/personal_data/__init__.py); keep the two in
step.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from domain.personal_data.kinds import Finding, Kind


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# UK numbers as people type them: 07700 900123, 07700-900-123, (0113) 496 0123, +44 (0)20 7946 0000, 0044 ...
# 10 or 11 digits from the leading 0. Shorter service numbers (0800 1111, 116 123, 111) never match, and
# would pass anyway.
_UK_PHONE = re.compile(
    r"(?<![\w+])(?:(?P<intl>(?:\+|00)\s?44\s?(?:\(0\)\s?)?)|\(?0)(?P<rest>\d(?:[ )-]{0,2}\d){8,9})(?!\d)"
)
# Any other country's number, only when written with its + prefix.
_FOREIGN_PHONE = re.compile(r"(?<![\w+])\+(?!44)\d{1,3}(?:[ -]?\d){7,12}(?!\d)")
# Number ranges that belong to organisations, by Ofcom's National Telephone Numbering Plan, as the digits after
# the leading 0: 03 (non-geographic, used by public bodies and charities), 080 (freephone), 084 and 087
# (business rate) and 09 (premium rate).
_ORGANISATION_RANGES = ("3", "80", "84", "87", "9")
# A geographic (01/02) number passes only when the words just before it call it an organisation's line.
_ORGANISATION_LINE = re.compile(
    r"\b(?:switchboard|reception|(?:school|main|front|general|council|centre|club)\s+office|help\s?line|"
    r"advice\s+line|duty\s+(?:line|desk|team|number)|front\s+door|MASH|enquiries|enquiry\s+line|main\s+line|"
    r"referral\s+line|booking\s+line)\b(?P<gap>[^.\n\d]{0,25})$",
    re.IGNORECASE,
)
_PERSONAL_WORDS = re.compile(
    r"\b(?:her|his|their|my|mum|mum's|dad|dad's|mother|father|carer|home|mobile|personal|direct)\b", re.IGNORECASE
)

# The address starts at a letter or digit, so Slack's _italics_ around it stay outside.
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9.+'-])(?P<local>[A-Za-z0-9][\w.+'-]*)@(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
)
# Words that name a role, a team or a service rather than a person. An address made only of these (and of words
# from its own domain) is an organisation's mailbox.
ROLE_WORDS = _words(
    """
    info information enquiries enquiry enq hello hi admin administration office offices contact contactus us team
    teams referrals referral refer safeguarding reception admissions admission bookings booking book events event
    general mail post mailbox help helpdesk helpline support advice duty mash front door early family families
    hub hubs youth young people youthwork work worker service services children childrens child kids school
    schools nursery nurseries preschool college academy send sen senco sendco inclusion attendance welfare
    wellbeing health visiting visitors nursing camhs mentoring mentors volunteer volunteers volunteering fostering
    foster adoption care leavers project projects programme programmes club clubs centre center trust charity
    council parish finance accounts hr jobs careers recruitment press media comms communications marketing news
    newsletter feedback complaints dpo data protection privacy foi it ict noreply no reply head headteacher
    principal bursar clerk governors governance sixthform sixth form holiday activities partnership partnerships
    network forum board practice social justice youthjustice yot yjs play playwork community communities
    outreach training learning development parents parent carers library year years class form
    pastoral staff house
    """
)
# Webmail where anyone can take any address: the domain's own words do not vouch for the address.
_WEBMAIL = _words(
    """
    gmail googlemail hotmail outlook live msn yahoo ymail icloud me mac aol btinternet btopenworld sky virginmedia
    blueyonder talktalk ntlworld tiscali protonmail proton gmx mail zoho yandex fastmail
    """
)
_DOMAIN_FILLER = _words("www co uk org gov sch ac nhs net com ltd plc info eu int scot wales cymru police")

# A street address: a house number (14, 14a, 14-16, Flat 3, 14) and a street name ending in a street word.
_STREET_WORDS = (
    "Road|Rd|Street|St|Lane|Ln|Avenue|Ave|Close|Cl|Drive|Dr|Way|Crescent|Cres|Court|Ct|Gardens|Gdns|Place|Pl|"
    "Terrace|Tce|Grove|Mews|Row|Square|Sq|Hill|Walk|View|Rise|Parade|Vale|Fold|Croft|Mount|Wharf|Yard|Gate|"
    "Boulevard|Villas|Cottages|Meadows?|Chase|Brow|Bank|Wynd|Park|Green"
)
_HOUSE = r"(?:(?:Flat|Apartment|Apt|Unit)\s+\d{1,4}[A-Za-z]?,?\s+)?\d{1,4}[A-Za-z]?(?:\s?[-–/]\s?\d{1,4}[A-Za-z]?)?,?"
_ADDRESS = re.compile(
    rf"(?<![\w:.,/£$%-])(?:{_HOUSE}\s+(?:[A-Z][\w'’.-]*\s+){{1,3}}(?:{_STREET_WORDS})"
    rf"|(?:Flat|Apartment|Apt)\s+\d{{1,4}}[A-Za-z]?,?\s+(?:[A-Z][\w'’.-]*\s+){{1,3}}(?:{_STREET_WORDS}))"
    r"(?![\w'’])"
)
# The same in lower case ("14 elm road"), with the unmistakable street words only.
_ADDRESS_LOWER = re.compile(
    r"(?<![\w:.,/£$%-])\d{1,4}[a-z]?\s+(?:[a-z][a-z'’]+\s+){1,2}"
    r"(?:road|street|lane|avenue|close|drive|crescent|gardens|terrace|grove|mews)(?![\w'’])"
)
# What follows a number in "14 Young People" or "3 Sessions" is no street name.
_NOT_A_STREET_NAME = re.compile(
    r"\d+[A-Za-z]?,?\s+(?:Young|People|Children|Pupils|Students|Sessions|Staff|Families|Parents|Schools|Years?|"
    r"Weeks?|Days?|Hours?|Minutes?|Key|Top|Ways?)\b"
)
# "Room 14, Elm Court building": a number after these words is not a house number.
_NOT_A_HOUSE = re.compile(
    r"\b(?:room|rooms|suite|floor|level|stand|table|page|year|yr|step|chapter|section|week|day|session|bus|route|"
    r"platform|gate|pitch|ward|bay|stage|phase|group|class|lesson|term|aged?|ages|under|over|of|no\.?|number)\s*$",
    re.IGNORECASE,
)


def find_contacts(text: str) -> Iterator[Finding]:
    for match in _UK_PHONE.finditer(text):
        if _is_personal_uk_number(text, match):
            yield Finding(Kind.PHONE, match.start(), match.end(), match.group())
    for match in _FOREIGN_PHONE.finditer(text):
        yield Finding(Kind.PHONE, match.start(), match.end(), match.group())
    for match in _EMAIL.finditer(text) if "@" in text else ():
        if not is_organisation_mailbox(match.group("local"), match.group("domain")):
            yield Finding(Kind.EMAIL, match.start(), match.end(), match.group())
    for pattern in (_ADDRESS, _ADDRESS_LOWER):
        for match in pattern.finditer(text):
            if _NOT_A_STREET_NAME.match(text, match.start()) or _NOT_A_HOUSE.search(
                text[max(0, match.start() - 12) : match.start()]
            ):
                continue
            yield Finding(Kind.ADDRESS, match.start(), match.end(), match.group())


def _is_personal_uk_number(text: str, match: re.Match[str]) -> bool:
    digits = re.sub(r"\D", "", match.group("rest"))
    if digits.startswith(_ORGANISATION_RANGES):
        return False
    if digits.startswith(("1", "2")):
        before = text[max(0, match.start() - 60) : match.start()]
        labelled = _ORGANISATION_LINE.search(before)
        if labelled and not _PERSONAL_WORDS.search(labelled.group("gap")):
            return False
    return True


def is_organisation_mailbox(local: str, domain: str) -> bool:
    """True when every word of the address before the @ is a role word or a word of its own (non-webmail)
    domain, and at least one is a role word: info@, safeguarding@, youth.team@, leeds.youth@leeds.gov.uk."""
    labels = [label for label in domain.lower().split(".") if label not in _DOMAIN_FILLER]
    webmail = any(label in _WEBMAIL for label in labels)
    domain_words = frozenset() if webmail else frozenset(labels)
    words = [word for word in re.split(r"[^a-z]+", local.lower()) if word]
    if not words:
        return False
    found_role = False
    for word in words:
        parts = _split_into_known_words(word, domain_words)
        if parts is None:
            return False
        found_role = found_role or any(part in ROLE_WORDS for part in parts)
    return found_role


def _split_into_known_words(word: str, domain_words: frozenset[str]) -> tuple[str, ...] | None:
    """`word` as role words and domain words run together ("youthteam" -> youth, team), or None."""

    @cache
    def split_from(index: int) -> tuple[str, ...] | None:
        if index == len(word):
            return ()
        for end in range(len(word), index + 1, -1):
            part = word[index:end]
            if part in ROLE_WORDS or _is_domain_word(part, domain_words):
                rest = split_from(end)
                if rest is not None:
                    return (part, *rest)
        return None

    return split_from(0)


def _is_domain_word(part: str, domain_words: frozenset[str]) -> bool:
    """A domain label, or the start or end of one ("leeds" in leedsyouth.org), of four letters or more."""
    return part in domain_words or (
        len(part) >= 4 and any(label.startswith(part) or label.endswith(part) for label in domain_words)
    )
