"""`/talks timezone`, `/talks holidays`, `/talks closed` and `/talks closed-days`: anyone may see them; workspace owners
and admins change them. What people type is read first (a wrong name or date is answered at once, changing nothing);
a change is a job that checks with Slack that its person is an owner or admin, saves it and records it in the audit
trail together, and answers only them."""

from __future__ import annotations

import datetime as dt
import re

import handlers.calendar.blocks as cb
from domain import text as t
from domain.calendar import Closable, ZoneError, make_calendar, parse_zone
from domain.closures import ClosureError, Nation, Policy, parse_closure, parse_nation
from domain.dates import DateError
from domain.words import plural
from handlers.calendar.choices import calendar_of, record_change
from handlers.calendar.importing import open_import_form
from handlers.context import Job, TalksRequest, after_ack
from handlers.jobs import JobRun, talks_request
from handlers.permissions import refusal
from storage import calendars as store

NOTHING_CHANGED = "Nothing has changed."
DEFAULT_WORDS = frozenset({"default", "reset"})
_KINDS = {
    "digest": Closable.DIGESTS,
    "review": Closable.REVIEWS,
    "reminder": Closable.REVIEWS,
    "prompt": Closable.PROMPTS,
}


# ---- /talks timezone ------------------------------------------------------------------------------------------


def handle_timezone(request: TalksRequest) -> Job | None:
    typed = request.rest.strip()
    if not typed:
        request.ack()
        with request.deps.sessions.begin() as session:
            chosen = store.get_timezone(session, team_id=request.team_id)
        request.say(cb.zone_text(request.deps.tz, chosen=chosen is not None))
        return None
    if typed.lower() in DEFAULT_WORDS:
        return Job(change_timezone, (request.command, None))
    try:
        zone = parse_zone(typed)
    except ZoneError as error:
        request.ack(text=f"{t.escape(str(error))} {NOTHING_CHANGED}", response_type="ephemeral")
        return None
    return Job(change_timezone, (request.command, zone.key))


@after_ack
def change_timezone(run: JobRun, command: dict, zone: str | None) -> None:
    """Choose the workspace's time zone (None: the app's default), for its owners and admins."""
    request, deps = talks_request(run, command), run.deps
    if why := refusal(request, "change the workspace's time zone", champions_may=False):
        request.say(why)
        return
    if not run.done("set"):
        with deps.sessions.begin() as session:  # the choice, its audit entry and the note of them commit together
            before = store.set_timezone(session, team_id=request.team_id, timezone=zone, now=deps.clock())
            if before != zone:
                details = {"from": before or "default", "to": zone or "default"}
                record_change(session, deps, request.team_id, request.user_id, "timezone", details)
            run.note(session, "set", before)
    was, now = make_calendar(deps.default_tz, timezone=run.value("set")), make_calendar(deps.default_tz, timezone=zone)
    request.say(cb.zone_changed(was.tz, now.tz))


# ---- /talks holidays ------------------------------------------------------------------------------------------


def handle_holidays(request: TalksRequest) -> Job | None:
    typed = request.rest.strip()
    if not typed:
        request.ack()
        with request.deps.sessions.begin() as session:
            nation = store.get_calendar(session, team_id=request.team_id, closures_from=dt.date.max).nation
        request.say(cb.holidays_text(Nation(nation) if nation else None, request.deps.today()))
        return None
    try:
        nation = parse_nation(typed)
    except ClosureError as error:
        request.ack(text=f"{t.escape(str(error))} {NOTHING_CHANGED}", response_type="ephemeral")
        return None
    return Job(change_holidays, (request.command, nation.value if nation else None))


@after_ack
def change_holidays(run: JobRun, command: dict, nation: str | None) -> None:
    """Choose whose bank holidays the workspace keeps (None: none), for its owners and admins."""
    request, deps = talks_request(run, command), run.deps
    if why := refusal(request, "change which bank holidays are kept", champions_may=False):
        request.say(why)
        return
    if not run.done("set"):
        with deps.sessions.begin() as session:
            before = store.set_nation(session, team_id=request.team_id, nation=nation, now=deps.clock())
            if before != nation:
                details = {"from": before or "none", "to": nation or "none"}
                record_change(session, deps, request.team_id, request.user_id, "bank_holidays", details)
            run.note(session, "set", before)
    before = run.value("set")
    with deps.sessions.begin() as session:
        calendar = calendar_of(session, deps, request.team_id)
    was, now = (Nation(before) if before else None), (Nation(nation) if nation else None)
    request.say(cb.holidays_changed(was, now, deps.today(), calendar))


# ---- /talks closed --------------------------------------------------------------------------------------------


def handle_closed(request: TalksRequest) -> Job | None:
    typed = request.rest.strip()
    word = typed.split(maxsplit=1)[0].lower() if typed else ""
    if not typed:
        request.ack()
        _list_closed(request)
        return None
    if word == "import":
        open_import_form(request)
        return None
    if word in ("remove", "delete", "open"):
        return _remove(request, typed.split(maxsplit=1)[1] if " " in typed else "")
    try:
        closure = parse_closure(typed, today=request.deps.today())
    except ClosureError as error:
        request.ack(text=f"{t.escape(str(error))} {NOTHING_CHANGED}", response_type="ephemeral")
        return None
    if closure.last < request.deps.today():
        request.ack(text=cb.closure_over(closure.first, closure.last), response_type="ephemeral")
        return None
    return Job(add_closure, (request.command, closure.first.isoformat(), closure.last.isoformat()))


def _list_closed(request: TalksRequest) -> None:
    deps = request.deps
    with deps.sessions.begin() as session:
        choices = store.get_calendar(session, team_id=request.team_id, closures_from=deps.today())
    nation = Nation(choices.nation) if choices.nation else None
    request.respond(blocks=cb.closed_list(choices.closures, nation, deps.today(), deps.tz), response_type="ephemeral")


@after_ack
def add_closure(run: JobRun, command: dict, first: str, last: str) -> None:
    """Close the workspace from `first` to `last` (ISO dates), for its owners and admins."""
    request, deps = talks_request(run, command), run.deps
    days = (dt.date.fromisoformat(first), dt.date.fromisoformat(last))
    if why := refusal(request, "add closed days", champions_may=False):
        request.say(why)
        return
    if not run.done("added"):
        with deps.sessions.begin() as session:
            added = store.add_closures(
                session, team_id=request.team_id, days=[(*days, "")], source=store.TYPED, now=deps.clock()
            )
            if added:
                record_change(
                    session, deps, request.team_id, request.user_id, "closures", {"added": [c.id for c in added]}
                )
            run.note(session, "added", bool(added))
    if not run.value("added"):
        request.say(cb.closure_already(*days))
        return
    with deps.sessions.begin() as session:
        calendar = calendar_of(session, deps, request.team_id)
        kept = store.get_calendar(session, team_id=request.team_id, closures_from=days[1]).closures
    request.say(cb.closures_added([c for c in kept if (c.first, c.last) == days][:1], calendar))


def _remove(request: TalksRequest, typed: str) -> Job | None:
    """`/talks closed remove 2026-12-21 to 2027-01-04`, or `remove terms.ics` (every closure read from that file)."""
    if re.search(r"\.ics$", typed.strip(), re.IGNORECASE):
        return Job(remove_closures, (request.command, "", "", t.unescape(typed.strip())))
    try:
        closure = parse_closure(typed, today=request.deps.today())
    except (ClosureError, DateError) as error:
        said = (
            f"{t.escape(str(error))} To remove one, type for example `/talks closed remove 2026-12-21 to 2027-01-04`."
        )
        request.ack(text=f"{said} {NOTHING_CHANGED}", response_type="ephemeral")
        return None
    return Job(remove_closures, (request.command, closure.first.isoformat(), closure.last.isoformat(), ""))


@after_ack
def remove_closures(run: JobRun, command: dict, first: str, last: str, source: str) -> None:
    """Remove the closure of exactly these days, or every closure from one calendar file."""
    request, deps = talks_request(run, command), run.deps
    if why := refusal(request, "remove closed days", champions_may=False):
        request.say(why)
        return
    if source:
        what = f"from {t.escape(source)}"
    else:
        what = cb.days_words(dt.date.fromisoformat(first), dt.date.fromisoformat(last))
    if not run.done("removed"):
        with deps.sessions.begin() as session:
            closures = store.get_calendar(session, team_id=request.team_id).closures
            if source:
                ids = [c.id for c in closures if c.source.lower() == source.lower()]
            else:
                ids = [c.id for c in closures if (c.first.isoformat(), c.last.isoformat()) == (first, last)]
            removed = store.remove_closures(session, team_id=request.team_id, ids=ids)
            if removed:
                record_change(session, deps, request.team_id, request.user_id, "closures", {"removed": ids})
            run.note(session, "removed", removed)
    removed = run.value("removed")
    if not removed:
        request.say(cb.nothing_to_remove(what))
        return
    if source:
        request.say(f"✅ Done: the {plural(removed, 'closure')} {what} are gone: those days are open again.")
    else:
        request.say(f"✅ Done: {what} is open again.")


# ---- /talks closed-days ---------------------------------------------------------------------------------------


def handle_closed_days(request: TalksRequest) -> Job | None:
    words = request.rest.lower().split()
    if not words:
        request.ack()
        with request.deps.sessions.begin() as session:
            calendar = calendar_of(session, request.deps, request.team_id)
        request.say(cb.closed_days_text(calendar))
        return None
    kind = _KINDS.get(words[0].rstrip("s")) if len(words) == 2 else None
    policy = {
        "move": Policy.MOVE,
        "moved": Policy.MOVE,
        "wait": Policy.MOVE,
        "skip": Policy.SKIP,
        "skipped": Policy.SKIP,
    }
    if kind is None or words[1] not in policy:
        request.ack(text=cb.closed_days_usage(request.rest.strip()), response_type="ephemeral")
        return None
    return Job(change_closed_days, (request.command, kind.value, policy[words[1]].value))


@after_ack
def change_closed_days(run: JobRun, command: dict, kind: str, policy: str) -> None:
    """Choose whether a kind of post moves to the next working day or is skipped on closed days."""
    request, deps = talks_request(run, command), run.deps
    if why := refusal(request, "change what happens on closed days", champions_may=False):
        request.say(why)
        return
    closable = Closable(kind)
    if not run.done("set"):
        with deps.sessions.begin() as session:
            was = calendar_of(session, deps, request.team_id).policy(closable)
            store.set_policy(session, team_id=request.team_id, kind=closable, policy=policy, now=deps.clock())
            if was.value != policy:
                details = {"kind": kind, "from": was.value, "to": policy}
                record_change(session, deps, request.team_id, request.user_id, "closed_days", details)
            run.note(session, "set", was.value)
    request.say(cb.closed_days_changed(closable, Policy(run.value("set")), Policy(policy)))
