"""What identifies a child in practice text: a name next to an age, a school year or a care status, and dates of
birth.

A name here is one to three capitalised words; which capitalised words are not names (sentence openers, days,
subjects, groups of people...) is the list `NOT_NAMES`. A name alone is not reported: "Sam came on Tuesday" is
ordinary, "Sam, 14" and "Sam (Year 9)" are not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from domain.personal_data.kinds import Finding, Kind


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_UPPER = "A-ZÀ-ÖØ-ÞŁŚŻŹĆŃŠČŽ"
_LOWER = "a-zß-öø-ÿłśżźćńšžčęąěřůőı"
_WORD = rf"(?:[A-Z]['’])?[{_UPPER}][{_LOWER}]+(?:-?[{_UPPER}][{_LOWER}]+)?"
_NAME = rf"(?P<name>{_WORD}(?:\s{_WORD}){{0,2}})"
# An age from 0 to 25 (care leavers and young people with SEND are supported to 25), not a range ("11-16",
# "11 to 16"), "12+" or a percentage.
_AGE = r"(?:1\d|2[0-5]|\d)(?!\d)(?!\s*(?:[-–]|to|or)\s*\d)(?!\s*[+%])"
_AGE_UNIT = r"(?:\s*(?:years?|yrs?)(?:[\s-]old)?|\s*y/?o\b|-years?-old)"
# After "Sam, 14" comes punctuation or a word that goes with an age; "Leeds, 14 young people" is a count.
_AGE_ENDS = (
    r"(?=\s*(?:[,;!?)\]*_~\"'”’—–-]|\.(?!\d)|:(?!\d)|$)"
    r"|\s+(?:and|who|is|was|has|from|lives|living|in|with|attends|at)\b|\s*-?\s*(?:years?|yrs?|y/?o)\b)"
)
_YEAR_GROUP = r"(?:Year|Yr|Y)\s?(?:1[0-3]|[1-9]|R)(?!\d)|Reception"
_CARE_STATUS = (
    r"(?:looked[- ]after(?:\s+child)?|in\s+(?:local\s+authority\s+|foster\s+|residential\s+|kinship\s+)?care\b"
    r"|LAC|CLA|CiN|CIN|CiC|child\s+in\s+need|care\s+leaver|fostered"
    r"|(?:on|subject\s+to)\s+(?:a\s+)?(?:CP|child\s+protection)\s+plan|(?:on|subject\s+to)\s+a\s+care\s+order)\b"
)
# Each family of patterns runs only when its cue is in the text (most texts have no care words, for one).
_AGE_PATTERNS = [
    # Jamie, 14 | Jamie, 14 years old
    re.compile(rf"{_NAME},\s*{_AGE}{_AGE_UNIT}?{_AGE_ENDS}"),
    # Jo Bloggs, aged 12 | Tom Smith age 9
    re.compile(rf"{_NAME},?\s+(?:aged?|age:)\s*{_AGE}"),
    # Tom Smith (age 9) | Ellie (7) | Sam (14, LAC)
    re.compile(rf"{_NAME}\s*\(\s*(?:aged?\s*)?{_AGE}{_AGE_UNIT}?\s*(?:[,;/][^)\n]{{0,25}})?\)"),
    # Sam is 12 | Sam, who is 12 years old
    re.compile(
        rf"{_NAME},?\s+(?:who\s+is|who's|is|is\s+now|has\s+just\s+turned|turned|turns)\s+{_AGE}{_AGE_UNIT}?{_AGE_ENDS}"
    ),
    # a 12-year-old called Sam | 14-year-old Tyler | a 12yo, Sam
    re.compile(
        rf"(?<!\d)(?:1\d|2[0-5]|\d)\s?(?:-?\s?years?\s?-?\s?old|yo|y/o)\s+(?:(?:boy|girl|lad|young\s+person|child|"
        rf"pupil|student|son|daughter|brother|sister)\s*)?(?:called\s+|named\s+|known\s+as\s+|,\s*)?{_NAME}"
    ),
    # a lad of 14 called Marcus Reid | is 14, called Marcus
    re.compile(rf"\b(?:is|aged?|of)\s+{_AGE}{_AGE_UNIT}?,?\s+(?:called|named|known\s+as)\s+{_NAME}"),
    # Precious: she's 8 now | Sam - he is 14
    re.compile(
        rf"{_NAME}\s*[:,–—-]\s*(?:she|he|they)(?:'s|’s|\s+is|\s+are|'re|’re)\s+"
        rf"(?:now\s+|only\s+|just\s+)?{_AGE}(?:\s+now)?{_AGE_ENDS}"
    ),
]
_YEAR_PATTERNS = [
    # Sam (Year 9) | Sam (Y9, LAC)
    re.compile(rf"{_NAME}\s*\(\s*(?:{_YEAR_GROUP})\b[^)]{{0,25}}\)"),
    # Sam, Year 9 | Sam, a Year 9 | Sam Smith in Year 9 | Sam, who is in Year 10
    re.compile(
        rf"{_NAME}(?:,\s*(?:an?\s+|in\s+)?|\s+(?:(?:who\s+|and\s+)?(?:is\s+|was\s+|is\s+now\s+)?(?:in|from)\s+))"
        rf"(?:{_YEAR_GROUP})\b"
    ),
    # a Year 9 called Sam Smith | a Year 9 pupil, Sam | Year 9 student Sam
    re.compile(
        rf"\b(?:an?\s+|one\s+|our\s+)?(?:{_YEAR_GROUP})\s*(?:pupil|student|girl|boy|lad|learner|young\s+person|child)?"
        rf"\s*(?:called|named|known\s+as|,)\s*{_NAME}"
    ),
    re.compile(rf"(?:{_YEAR_GROUP})\s+(?:pupil|student|girl|boy|lad|learner)\s+{_NAME}"),
]
_CARE_PATTERNS = [
    # Ellie (LAC) | Sam (in care)
    re.compile(rf"{_NAME}\s*\(\s*(?:LAC|CLA|CiN|CIN|CiC|CP|in\s+care|looked\s+after|care\s+leaver)\b[^)]{{0,25}}\)"),
    # Ellie, who is looked after | Sam is in care | Sam, a care leaver | Sam is on a CP plan
    re.compile(
        rf"{_NAME}(?:,\s*(?:who\s+(?:is|are|was|were|has\s+been|have\s+been)\s+)?|\s+(?:who\s+)?(?:is|are|was|"
        rf"were|has\s+been|had\s+been|is\s+currently|is\s+now|became)\s+)(?:an?\s+)?{_CARE_STATUS}"
    ),
]
_CHILD_PATTERNS = [
    (re.compile(r"\d"), _AGE_PATTERNS),
    (re.compile(rf"{_YEAR_GROUP}"), _YEAR_PATTERNS),
    (
        re.compile(r"(?i:looked|care\b|foster|child\s+in\s+need|plan\b|order\b)|LAC|CLA|CiN|CIN|CiC|\bCP\b"),
        _CARE_PATTERNS,
    ),
]

# Capitalised words that open sentences or name things other than people. A name's first word may not be one.
NOT_NAMES = _words(
    """
    A An The This That These Those Our Their His Her My Your We They He She It I You One Some All Most Many Few
    Each Every Both Any No None Several Other Others Another Such What Which Who Whom Whose Where When Why How
    After Before During On In At By For From With Without Since Until Till While Also Then Now Today Tonight
    Yesterday Tomorrow Last Next So But And Or If As Please Thanks Thank Hi Hello Dear Total Overall About
    Around Approximately Over Under Only Just Nearly Almost Up Down Out Off Into Onto Of To Via Per Across
    Between Among Within Through Throughout Above Below Near Outside Inside Here There Yes Not Never Always
    Often Usually Sometimes Again Still Yet Even Ever Once Twice Well Very Really More Less Much First Second
    Third Fourth Fifth Final Finally Later Earlier Recently Currently Already Group Groups Session Sessions Week
    Weeks Weekly Term Terms Termly Day Days Daily Month Months Monthly Year Years Yearly Annual Class Classes
    Cohort Cohorts Number Numbers Step Steps Phase Phases Level Levels Page Pages Chapter Section Item Items
    Table Tables Figure Question Questions Part Parts Unit Units Module Modules Lesson Lessons Band Bands Tier
    Tiers Grade Grades Wave Waves Round Rounds Cycle Block Blocks Slot Slots Team Teams Floor Box Bus Route
    Platform Gate Pitch Pitches Ward Zone Zones Area Areas Site Sites Hall Halls Lab Studio Suite Bay Room Rooms
    Key Stage Stages Point Points Score Scores Rate Rates Ratio Target Targets Goal Goals Age Ages Aged Plus
    Minus Average Mean Median Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mondays Tuesdays
    Wednesdays Thursdays Fridays Saturdays Sundays Mon Tue Tues Wed Thu Thur Thurs Fri Sat Sun Weekend Weekends
    Weekday Weekdays January February March April May June July August September October November December Jan
    Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Spring Summer Autumn Winter Easter Christmas Halloween Diwali
    Eid Ramadan Children Child Young People Person Kids Kid Pupils Pupil Students Student Learners Learner Boys
    Boy Girls Girl Lads Teens Teenagers Adults Adult Parents Parent Carers Carer Families Family Staff
    Volunteers Volunteer Mentors Mentor Mentees Participants Attendees Members Member Referrals Referral Cases
    Case Schools School Leavers Siblings Babies Baby Toddlers Infants Everyone Everybody Nobody Anyone Someone
    Somebody Mums Dads Mum Dad Grandparents Mr Mrs Ms Miss Mx Dr Prof Cllr Sir Dame Rev Foster Fosterers Workers
    Worker Practitioners Professionals Colleagues Partners Leaders Leader Ambassadors Reps Voice Council
    Councils Forum Board Panel Service Services Project Projects Programme Programmes Club Clubs Centre Centres
    Hub Hubs Trust Academy College Nursery Nurseries Provision Charity Ofsted Maths English Science History
    Geography Art Music Drama Computing French Spanish German Reading Writing Phonics Attendance Literacy
    Numeracy Biology Chemistry Physics Sport Sports Football Netball Cricket Rugby Swimming Dance Cooking
    Gardening Options Evening Mornings Morning Afternoon Afternoons Evenings Lunch Breakfast Dinner Tea Assembly
    Break Breaks Holiday Holidays Half Full Time Times Date Dates Deadline Budget Cost Costs Price Funding Grant
    Grants Places Place Spaces Capacity Limit Max Min Minimum Maximum Size Totals Count Counts Tally Sum Range
    Ranges Answer Note Notes Update Updates Result Results Outcome Outcomes Impact Feedback Survey Surveys Data
    Figures Stats Statistics Percent Percentage Chart Reception Sixth Form Primary Secondary Infant Junior
    Juniors Seniors Senior Early Further Higher Special Mainstream Alternative Premium Free Meals Healthy Start
    Sure Virtual Local Authority Police Health Social Care Education Children's Youth Justice Court Courts Judge
    Magistrates Anyway However Meanwhile Similarly Likewise Instead Otherwise Therefore Hence Thus Although
    Though Because Unless Whether Whereas Including Excluding Especially Particularly Mainly Mostly Generally
    Roughly Aim Aims Plan Plans Idea Ideas Tip Tips Top Best Worst New Old Big Small Little Great Good Bad Happy
    Sad Open Closed Drop Pop Walk Run Talk Talks Chat Share Shares Ask Asks Request Requests Offer Offers Help
    Support Looking Looked Seeking Need Needs Want Wants Join Joined Come Came Bring Email Phone Call Text
    Contact Under-Fives Term-Time SEND SEN EHCP CAMHS NHS DSL DfE UK GP GPs Yr Mixed Boys' Girls' Wk Wks Set
    Sets Match Matches Game Games Heat Heats Race Races Lap Laps
    """
)
_NOT_NAME_ENDINGS = ("tion", "sion", "ment", "ness", "ship", "ism", "ology", "ings")
# "Mrs Patel (Year 6 teacher)" and "Leanne (Reception lead)" are staff, not children.
_TITLE_BEFORE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Cllr|Sir|Dame|Rev|PC|DC|DS|Sgt)\.?\s+$")
_ADULT_ROLE = re.compile(
    r"\b(?:teacher|teachers|lead|leader|tutor|head|staff|co-?ordinator|worker|assistant|TA|SENCO|manager|mentor|"
    r"practitioner|nurse|officer|coach|volunteer|governor|rep)\b",
    re.IGNORECASE,
)
_ADULT_ROLE_NEXT = re.compile(rf"\s*(?:{_ADULT_ROLE.pattern})", re.IGNORECASE)
# "youth worker Abdul, 24" and "our tutor Sam": a staff job just before the name. ("young leader Sam, 14" is not.)
_STAFF_JOB_BEFORE = re.compile(
    r"\b(?:teacher|tutor|worker|co-?ordinator|manager|practitioner|nurse|officer|coach|SENCO|assistant|TA|mentor|"
    r"governor|head|social\s+worker|therapist|psychologist|colleague|apprentice\s+youth\s+worker)\s*,?\s*$",
    re.IGNORECASE,
)

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_DOB_DATE = (
    r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})(?!\d)"
    r"|\d{4}-\d{1,2}-\d{1,2}(?!\d)"
    rf"|(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}}|\s+\d{{2}}(?!\d))?"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?(?!\d)"
    rf"|(?:in\s+)?{_MONTH}\s+\d{{4}})"
)
_DOB_TRIGGER = r"\b(?:d\.?\s?o\.?\s?b\b\.?|date\s+of\s+birth|birth\s?date|born(?:\s+on)?|b\.(?=\s*\d))"
_DOB_CUE = re.compile(r"(?i:d\.?\s?o\.?\s?b|birth|born|b\.)")
_DATE_OF_BIRTH = re.compile(
    rf"{_DOB_TRIGGER}\s*(?:is\s+|was\s+|of\s+)?[:\-–(]?\s*{_DOB_DATE}",
    re.IGNORECASE,
)
# "we need a date of birth. School says it's 3.4.12": a few words later, a date with its year still counts.
_FULL_DATE = (
    r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})(?!\d)|\d{4}-\d{1,2}-\d{1,2}(?!\d)"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\s+\d{{4}})"
)
_DATE_OF_BIRTH_NEARBY = re.compile(rf"{_DOB_TRIGGER}[^\n\d]{{0,40}}?{_FULL_DATE}", re.IGNORECASE)


def find_children(text: str) -> Iterator[Finding]:
    patterns = [pattern for cue, family in _CHILD_PATTERNS if cue.search(text) for pattern in family]
    for pattern in patterns:
        position = 0
        while match := pattern.search(text, position):
            name = match.group("name")
            first = name.split()[0]
            if _is_a_name(name) and not _is_staff(text, match):
                yield Finding(Kind.CHILD, match.start(), match.end(), match.group())
                position = match.end()
            else:
                # Try again from the next word: "Monday Sam Smith, 14" holds "Sam Smith, 14".
                position = match.start("name") + len(first)
                if position <= match.start():
                    position = match.start() + 1
    for pattern in (_DATE_OF_BIRTH, _DATE_OF_BIRTH_NEARBY) if _DOB_CUE.search(text) else ():
        for match in pattern.finditer(text):
            yield Finding(Kind.DATE_OF_BIRTH, match.start(), match.end(), match.group())


def _is_staff(text: str, match: re.Match[str]) -> bool:
    """A title or a staff job before the name, or a staff role in the brackets or straight after it."""
    before = text[max(0, match.start("name") - 30) : match.start("name")]
    if _TITLE_BEFORE.search(before) or _STAFF_JOB_BEFORE.search(before):
        return True
    bracketed = match.group().partition("(")[2]
    return bool(_ADULT_ROLE.search(bracketed) or _ADULT_ROLE_NEXT.match(text, match.end()))


def _is_a_name(name: str) -> bool:
    words = name.split()
    if words[0] in NOT_NAMES or words[0].rstrip("'’s") in NOT_NAMES:
        return False
    if len(words) == 1:
        word = words[0].lower()
        if word.endswith(_NOT_NAME_ENDINGS) or (word.endswith("ing") and len(word) >= 6):
            return False
    return True
