"""Identifiers with a fixed shape: NHS, National Insurance and Unique Pupil Numbers, postcodes, case references.

NHS numbers and UPNs carry a check character; a number whose check fails is not reported (it is a count, a
phone number or a typo, and flagging it would teach people to ignore the warning).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from domain.personal_data.kinds import Finding, Kind


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# 10 digits, written 3-3-4 with spaces or hyphens, or run together.
_NHS = re.compile(r"(?<![\w+/.-])(\d{3})([ -]?)(\d{3})\2(\d{4})(?![\w/-]|\.\d)")


def nhs_number_is_valid(number: str) -> bool:
    """True when the 10 digits pass the NHS modulus-11 check (NHS Data Dictionary, "NHS Number").

    The first nine digits are weighted 10 down to 2; 11 minus the remainder of their sum by 11 is the check
    digit, where 11 means 0 and 10 means no number has that stem.
    """
    digits = re.sub(r"[ -]", "", number)
    if not re.fullmatch(r"\d{10}", digits):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 10:
        return False
    return (0 if check == 11 else check) == int(digits[9])


# National Insurance numbers (HMRC's National Insurance Manual, NIM39110): two prefix letters, six digits and
# a suffix A to D. D, F, I, Q, U and V are never used in the prefix, nor O as its second letter, and the
# prefixes BG, GB, KN, NK, NT, TN and ZZ are never allocated.
_NINO = re.compile(
    r"(?<![\w])(?!(?:BG|GB|KN|NK|NT|TN|ZZ))([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])"
    r" ?(\d{2}) ?(\d{2}) ?(\d{2}) ?([A-D])(?!\w)",
    re.IGNORECASE,
)

# Unique Pupil Numbers (DfE, "Unique pupil numbers (UPN)" guidance): a check letter, the 3-digit local
# authority number, the 4-digit establishment number, 2 digits for the year and a 3-character serial (a
# temporary UPN ends in a letter). The check letter and a temporary UPN's last letter come from this alphabet
# of 23 letters (no I, O or S), where the position is the value.
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
_UPN = re.compile(rf"(?<![\w])[{UPN_LETTERS}]\d{{11}}[\d{UPN_LETTERS}](?!\w)", re.IGNORECASE)


def upn_check_letter(rest: str) -> str:
    """The check letter for a UPN's last 12 characters: characters 2 to 13 are weighted 2 to 13, the sum's
    remainder by 23 picks the letter. A letter in the last place counts as its position in UPN_LETTERS."""
    total = 0
    for weight, char in enumerate(rest.upper(), start=2):
        value = int(char) if char.isdigit() else UPN_LETTERS.index(char)
        total += weight * value
    return UPN_LETTERS[total % 23]


def upn_is_valid(upn: str) -> bool:
    upn = upn.strip().upper()
    if not re.fullmatch(rf"[{UPN_LETTERS}]\d{{11}}[\d{UPN_LETTERS}]", upn):
        return False
    return upn_check_letter(upn[1:]) == upn[0]


# UK postcode areas (Royal Mail), with the Crown Dependencies' GY, JE and IM and the non-geographic BX. A
# postcode is only reported when its area is real, which keeps "KS3 2AB"-like strings out.
_AREAS = _words(
    "AB AL B BA BB BD BH BL BN BR BS BT BX CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E EC EH EN "
    "EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL LN LS LU M ME MK ML N "
    "NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN "
    "TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE"
)
_POSTCODE = re.compile(
    r"(?<![\w])(?P<area>[A-Z]{1,2})(?P<district>\d[A-Z\d]?) ?(?P<sector>\d)(?P<unit>[ABD-HJLNP-UW-Z]{2})(?!\w)"
    r"|(?<![\w])GIR ?0AA(?!\w)",
    re.IGNORECASE,
)

# Case and file references. Either a word that says it is one ("case ref 48213", "file no. 4567", "our ref:
# SC/2291", "Mosaic ID 123456") followed by a code with at least three digits, or a code shaped like a
# records system's ("CR-2024-0012", "LAC/123/45", "SC/2291") on its own.
_REF_CODE = r"(?P<code>(?=[A-Z]{0,6}[/-]?\d)(?=(?:[A-Z/-]*\d){3})[A-Z]{0,6}[/-]?\d[\dA-Z]*(?:[/-][\dA-Z]+)*)"
# Whose reference it is: a record or a system says so with "ref", "no.", "number" or "ID"; a person ("our",
# "her") only with "ref", since "her number" is usually a phone number.
_RECORD = (
    r"case|file|client|child|child's|pupil|person|record|records|referral|CP|LAC|CLA|CIN|MASH|EHA|EHCP|YOT|YJS|"
    r"Mosaic|LCS|Liquidlogic|Eclipse|CareFirst|EHM|police|crime|incident|log|court"
)
_REF_WORD = r"ref(?:erence)?\.?(?:\s*(?:no|number)\.?)?"
_CASE_WITH_WORD = re.compile(
    rf"\b(?:(?:{_RECORD})\s+(?:{_REF_WORD}|no\.?|number|num\.?|id|\#)"
    rf"|(?:our|your|my|their|his|her)\s+{_REF_WORD}|{_REF_WORD}|(?<!\bin\s)case)"
    rf"\s*(?:is\s+)?[:#.-]?\s*{_REF_CODE}(?![\w/-]|\s\d)",
    re.IGNORECASE,
)
_CASE_CODE = re.compile(
    r"(?<![\w/-])(?!(?:FY|AY|KS|COVID|GCSE|ISO|PO)\b)[A-Z]{1,5}"
    r"(?:/\d{2,}(?:/\d+)+|/\d{3,}|-\d{4}-\d{3,})(?![\w/-])"
)
# An organisation's own references ("grant reference 2024/118", "invoice no. 5531") are not about a person.
_ORGANISATION_REF = re.compile(
    r"\b(?:grant|funding|bid|invoice|order|purchase|PO|booking|course|qualification|charity|company|contract|"
    r"tender|award|application|Ofsted|URN|project|our\s+grant)\s*$",
    re.IGNORECASE,
)
# "case 2024" and "ref 2023" read as years more often than as references; "ref 2023/118" is still one.
_BARE_YEAR = re.compile(r"(?:19|20)\d\d")


_DIGIT = re.compile(r"\d")


def find_numbers(text: str) -> Iterator[Finding]:
    if not _DIGIT.search(text):
        return
    for match in _NHS.finditer(text):
        if nhs_number_is_valid(match.group(1) + match.group(3) + match.group(4)):
            yield Finding(Kind.NHS_NUMBER, match.start(), match.end(), match.group())
    for match in _NINO.finditer(text):
        yield Finding(Kind.NI_NUMBER, match.start(), match.end(), match.group())
    for match in _UPN.finditer(text):
        if upn_is_valid(match.group()):
            yield Finding(Kind.UPN, match.start(), match.end(), match.group())
    for match in _POSTCODE.finditer(text):
        if _postcode_area_and_district_ok(match):
            yield Finding(Kind.POSTCODE, match.start(), match.end(), match.group())
    for match in _CASE_WITH_WORD.finditer(text):
        code = match.group("code")
        if _BARE_YEAR.fullmatch(code) or _ORGANISATION_REF.search(text[max(0, match.start() - 20) : match.start()]):
            continue
        yield Finding(Kind.CASE_REFERENCE, match.start(), match.end(), match.group())
    for match in _CASE_CODE.finditer(text):
        yield Finding(Kind.CASE_REFERENCE, match.start(), match.end(), match.group())


def _postcode_area_and_district_ok(match: re.Match[str]) -> bool:
    """A real area, and a district that ends in a letter only as A9A (W1A) and AA9A (EC1A) districts may."""
    area = match.group("area")
    if area is None:
        return True
    if area.upper() not in _AREAS:
        return False
    district = match.group("district").upper()
    if district[-1].isdigit():
        return True
    allowed = "ABCDEFGHJKPSTUW" if len(area) == 1 else "ABEHMNPRVWXY"
    return district[-1] in allowed
