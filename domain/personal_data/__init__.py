"""The personal-data check run on every text before Programme Talks posts it.

The people in these texts are children and young people, so the check looks for what identifies one of them,
or anyone's private contact details, and tells the author in plain words what it found. It is a safety net,
not a guarantee: the forms also ask the author to confirm that a text names no child. Pure functions, no Slack,
no database, no network; nothing leaves the process.

What is reported (`Kind`), and how it is decided:

- A child's name with their age, school year or care status (CHILD): one to three capitalised words that are
  not on our list of ordinary capitalised words (days, months, subjects, "Children", "Year", ...) next to an
  age from 0 to 25 ("Jamie, 14", "Tom Smith (age 9)", "a 12-year-old called Sam"), a school year ("Sam
  (Year 9)", "a Year 9 called Sam Smith") or a care status ("Ellie, who is looked after", "Sam (LAC)", "is on
  a CP plan", "a care leaver"). "Year 9 students", "14 young people", "aged 11-16" and "Child A, 9" name no
  one and pass, and nor do staff: a name after a title ("Mrs Patel (Year 6 teacher)") or a job ("youth worker
  Abdul, 24"), or followed by one ("Jess, Year 9 lead").
- A date of birth (DATE_OF_BIRTH): "DOB", "d.o.b.", "date of birth", "birth date" or "born" followed by a day
  and month or a month and year, in any common form (03/04/2012, 3.4.12, 2012-04-03, 3rd April 2012, April
  2012), or followed within 40 characters by a full date with its year ("a date of birth. School says it's
  3.4.12"). "Born in 2012" (a year alone), "her birthday party on 3 April" and session dates pass.
- NHS numbers (NHS_NUMBER): ten digits, spaced 3-3-4 or not, whose modulus-11 check digit is right.
- National Insurance numbers (NI_NUMBER): HMRC's format and prefix rules.
- Unique Pupil Numbers (UPN): 13 characters whose DfE check letter is right.
- Postcodes (POSTCODE): a full UK postcode with a real postcode area ("LS6 2QT"). A postcode covers about 15
  homes, so we cannot tell a venue's from a family's: share a venue's name and town instead.
- Street addresses (ADDRESS): a house number (or "Flat 3") followed by a street name ending in Road, Street,
  Lane, Avenue, Close, Drive, Way, Crescent, Court, Gardens, Place, Terrace... A street named without a house
  number ("the youth centre on Elm Road") passes.
- Case and file references (CASE_REFERENCE): "case ref", "file no.", "our ref", "Mosaic ID" and the like
  followed by a code with at least three digits, or a code shaped like a records system's ("CR-2024-0012",
  "LAC/123/45", "SC/2291").
- Phone numbers (PHONE) and email addresses (EMAIL), less an organisation's own published ones:

  Phone numbers. We read the number's range from Ofcom's National Telephone Numbering Plan. Mobiles (07...),
  including the numbers Ofcom reserves for drama, and any number written with another country's + code, are
  always reported. Numbers that only organisations hold pass: 03 (non-geographic numbers used by public
  bodies and charities), 0800 and 0808 (freephone), 084 and 087 (business rate) and 09 (premium rate); short
  numbers such as 111, 999, 101 and the 116 xxx helplines are never read as phone numbers. A geographic
  landline (01 or 02) may be a family's home, so it is reported unless the words just before it call it an
  organisation's line: "switchboard", "reception", "school office", "main office", "helpline", "advice line",
  "duty line" or "duty team", "front door", "MASH", "enquiries", "main line", "referral line", "booking line"
  (the list is `_ORGANISATION_LINE` in contacts.py); and even then it is reported if "her", "his", "their",
  "my", "mum", "dad", "mother", "father", "carer", "home", "mobile", "personal" or "direct" come between that
  word and the number ("reception, her direct line: 0113 ...").

  Email addresses. The part before the @ is split into words at dots, dashes, underscores and digits, and
  run-together words are split into known words ("youthteam" is "youth" + "team"). The address is an
  organisation's mailbox, and passes, when every word is a role or service word from `ROLE_WORDS` (info,
  enquiries, hello, admin, office, contact, team, referrals, safeguarding, reception, admissions, youth,
  senco, year, ...) or a word of the address's own domain ("leeds" in leeds.youth@leeds.gov.uk), and at least
  one is a role word. Anything else is reported: a name (jo.bloggs@, jsmith@, sarah@), a role with a name
  (sarah.senco@), or a made-up handle. On webmail (gmail, hotmail, outlook, icloud, btinternet...) anyone can
  take any name, so there the domain's words vouch for nothing: leedsyouthclub@gmail.com is reported,
  info@gmail.com would not be.

What is not reported: counts and statistics, percentages, times ("10:30"), session dates, "Room 12", "Key
Stage 3", Ofsted, school and venue names, a professional's first name alone, "Child A" as written in case
reviews, 0800 1111 and other helplines.

What it cannot know, and so gets wrong, in both directions: a list of places with counts in brackets
("Harehills (12), Chapeltown (9)") reads like children with their ages and is reported; an organisation's
landline given without a word like "reception" is reported; a child's name with no age, year or care status
next to it, or an age written out in words ("Sam, fourteen"), is not. The author's own confirmation on the
form covers what it misses. Measured on tests/data/personal_data_corpus.jsonl by benchmarks/personal_data.py.

Libraries weighed, and not used (measured on the same corpus): presidio-analyzer has NHS, NINO and postcode
recognisers but needs spaCy (about 390 MB installed, 1.3 s to import and start), its email recogniser tries
to fetch the Public Suffix List over the network on first use, and it flagged 21 of the 180 clean texts
(role mailboxes, helplines); phonenumbers (48 MB) holds the Ofcom drama ranges invalid, so with its validity
check it found 10 of the 26 texts with a phone number, and without it it read "2012" and "11-16" as phone
numbers in 38 clean texts. Each UK rule above is a few lines here and costs microseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from domain.personal_data.children import find_children
from domain.personal_data.contacts import ROLE_WORDS, find_contacts, is_organisation_mailbox
from domain.personal_data.kinds import LABELS, Finding, Kind
from domain.personal_data.numbers import find_numbers, nhs_number_is_valid, upn_check_letter, upn_is_valid
from domain.text import escape

__all__ = [
    "LABELS",
    "MARK_CLOSE",
    "MARK_OPEN",
    "ROLE_WORDS",
    "Finding",
    "Kind",
    "describe",
    "find_personal_data",
    "highlight",
    "is_organisation_mailbox",
    "nhs_number_is_valid",
    "upn_check_letter",
    "upn_is_valid",
]

# Plain characters, not mrkdwn: they show whatever sits next to them (*, _, ~, `), and a finding's own * or _
# cannot open or close them.
MARK_OPEN = "⟦"
MARK_CLOSE = "⟧"
_PRECEDENCE = (
    Kind.NHS_NUMBER,
    Kind.UPN,
    Kind.NI_NUMBER,
    Kind.EMAIL,
    Kind.PHONE,
    Kind.DATE_OF_BIRTH,
    Kind.POSTCODE,
    Kind.ADDRESS,
    Kind.CHILD,
    Kind.CASE_REFERENCE,
)
_MOST_KINDS_NAMED = 3
_SNIPPET_CHARS = 30
# Kinds whose phrase alone would not tell the author which words were meant.
_QUOTED = frozenset({Kind.CHILD, Kind.ADDRESS, Kind.CASE_REFERENCE, Kind.DATE_OF_BIRTH})
_CARE_WORDS = re.compile(r"\b(?:looked|care|foster\w*|child in need|protection|order)\b|\b(?:LAC|CLA|CiN|CIN|CiC|CP)\b")
_YEAR_WORDS = re.compile(r"\b(?:Year|Yr|Y)\s?(?:\d|R)|Reception")


def find_personal_data(text: str) -> tuple[Finding, ...]:
    """Everything in `text` that looks like personal data, in order, none overlapping another.

    Where two findings overlap, the more specific kind wins (`_PRECEDENCE`: an NHS number checked by its check
    digit beats a case reference read from the words around it), then the one that starts first, then the longer.
    """
    candidates = sorted(
        (*find_children(text), *find_numbers(text), *find_contacts(text)),
        key=lambda finding: (_PRECEDENCE.index(finding.kind), finding.start, -finding.end),
    )
    kept: list[Finding] = []
    for finding in candidates:
        if all(finding.end <= other.start or finding.start >= other.end for other in kept):
            kept.append(finding)
    return tuple(sorted(kept, key=lambda finding: finding.start))


def describe(findings: Iterable[Finding]) -> str:
    """What was found, for the author, in plain words (plain text: escape it for mrkdwn).

    One phrase a kind, in the order they appear, at most three kinds named:
    'a name next to an age (“Jamie, 14”) and a phone number'. Empty when nothing was found.
    """
    first_of_kind: dict[Kind, Finding] = {}
    for finding in findings:
        first_of_kind.setdefault(finding.kind, finding)
    phrases = [_phrase(finding) for finding in first_of_kind.values()]
    if len(phrases) > _MOST_KINDS_NAMED:
        others = len(phrases) - (_MOST_KINDS_NAMED - 1)
        phrases = [*phrases[: _MOST_KINDS_NAMED - 1], f"{others} other kinds of personal detail"]
    if len(phrases) <= 1:
        return "".join(phrases)
    return f"{', '.join(phrases[:-1])} and {phrases[-1]}"


def _phrase(finding: Finding) -> str:
    if finding.kind is Kind.CHILD:
        if _CARE_WORDS.search(finding.text):
            label = "a name next to a care status"
        elif _YEAR_WORDS.search(finding.text):
            label = "a name next to a school year"
        else:
            label = "a name next to an age"
    else:
        label = finding.label
    if finding.kind in _QUOTED:
        return f"{label} (“{_snippet(finding.text)}”)"
    return label


def _snippet(text: str) -> str:
    """At most _SNIPPET_CHARS characters, cut at a space unless that would leave less than half."""
    text = " ".join(text.split())
    if len(text) <= _SNIPPET_CHARS:
        return text
    cut = text[: _SNIPPET_CHARS - 1]
    if " " in cut[_SNIPPET_CHARS // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip() + "…"


def highlight(text: str, findings: Iterable[Finding]) -> str:
    """`text` escaped for Slack mrkdwn, with each finding between ⟦ and ⟧, to show the author what to take out.

    Everything is escaped (so `<!here>` cannot ping anyone); the findings must come from `find_personal_data`
    on this same text.
    """
    pieces: list[str] = []
    position = 0
    for finding in sorted(findings, key=lambda f: f.start):
        if finding.start < position:
            continue
        pieces.append(escape(text[position : finding.start]))
        pieces.append(f"{MARK_OPEN}{escape(text[finding.start : finding.end])}{MARK_CLOSE}")
        position = finding.end
    pieces.append(escape(text[position:]))
    return "".join(pieces)
