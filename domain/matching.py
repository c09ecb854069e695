"""Which words to match a request against practice with (and a new share against open requests).

Pure: plain text in, words out. The database's full-text search does the matching and ranking
(storage.matching); this only chooses what to ask it. A request says a lot that every request says ("Has anyone
got ideas for...", "looking for a partner", "young people"), and a search that matches any of its words ranks
those above what the request is about, most of all on PostgreSQL, whose ts_rank does not discount common words.
So the words kept are the request's own: not English's small words, not the words every request and share in
children's services uses. Tags count as words too ("youth-voice" is "youth" and "voice").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_TERMS = 24  # words in one match: a long share is matched on its first, which carry its title and tags

# English's small words, and the words of asking and sharing themselves.
_ENGLISH = """
a about above after again against all almost also although always am among an and another any anybody anyone
anything anywhere are around as at away back be because been before being below between both but by can cannot
could did do does doing done down during each either else enough etc even ever every everyone everything far few
for from further get gets getting give given go goes going gone got had has have having he her here hers herself
him himself his how however i if in into is it its itself just keep kept know known last least less let like lot
lots made make makes making many may me might more most much must my myself near need needed needs never new next
no nor not nothing now of off often on once one only onto or other others otherwise our ours ourselves out over
own per perhaps please put quite rather re really right said same say says see seem seems she should since so
some someone something somewhere soon still such sure take than that the their theirs them themselves then there
these they thing things this those though through thus till to too toward towards try trying under until up upon
us use used using very via want wanted wants was way ways we well went were what whatever when where whether which
while who whom whose why will with within without would yes yet you your yours yourself yourselves
"""
_ASKING = """
advice anyone best approach approaches area authority authorities collaborate collaboration co deliver delivered
delivering done example examples experience find found good great hello help helped helping helps hi idea ideas
interested involve involved join just looking partner partners partnership partnerships practice practices
recommend run running share shared sharing similar someone support supported supporting thanks tips welcome
work worked working works
"""
_EVERYWHERE = """
child children kid kids people person staff team teams young youngster youngsters
"""
STOPWORDS = frozenset((_ENGLISH + _ASKING + _EVERYWHERE).split())

_WORD = re.compile(r"[^\W_]+")


def match_terms(text: str, tags: Iterable[str] = (), *, limit: int = MAX_TERMS) -> list[str]:
    """The distinct words to match on, lower-case, tags' words first then the text's in order: letters and
    digits only (so no query syntax reaches the database), no stop words, none shorter than three characters
    unless it holds a digit or is typed in capitals ("Y6", "PE")."""
    words = [word for tag in tags for word in _WORD.findall(tag)] + _WORD.findall(text)
    kept: dict[str, None] = {}
    for word in words:
        lower = word.lower()
        if lower in STOPWORDS or lower in kept:
            continue
        if len(lower) < 2 or (len(lower) < 3 and not (any(c.isdigit() for c in lower) or word.isupper())):
            continue
        kept[lower] = None
    return list(kept)[:limit]


def tags_named(text: str, tags: Iterable[str]) -> tuple[str, ...]:
    """Which of these tags a text names without a #: a request has no tags of its own, so "a partner for our
    youth voice project" carries #youth-voice. Words of a tag may be joined by spaces or hyphens; a tag of four
    letters or fewer counts only in capitals, as an acronym ("SEND", "EAL"), so "please send ideas" is not #send.
    """
    found = []
    for tag in tags:
        words = _WORD.findall(tag)
        if not words:
            continue
        acronym = len(tag) <= 4
        joined = r"[\s-]+".join(re.escape(word.upper() if acronym else word) for word in words)
        pattern = re.compile(r"(?<![\w#])" + joined + r"(?![\w-])", 0 if acronym else re.IGNORECASE)
        if pattern.search(text):
            found.append(tag)
    return tuple(found)
