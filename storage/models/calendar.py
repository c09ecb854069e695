"""Each workspace's calendar: its time zone, whose bank holidays it keeps, its closures, and what its scheduled posts
do on closed days (domain.calendar)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, TeamId, _ts


class WorkspaceCalendar(Base):
    """A workspace's choices (`/talks timezone`, `/talks holidays`, `/talks closed-days`); None means the default:
    the app's PROGRAMME_TALKS_TZ, no bank holidays, and domain.calendar.DEFAULT_POLICIES."""

    __tablename__ = "workspace_calendars"

    team_id: Mapped[str] = mapped_column(TeamId, primary_key=True)
    timezone: Mapped[str | None] = mapped_column(String(64))  # an IANA name, e.g. "Europe/Dublin"
    nation: Mapped[str | None] = mapped_column(String(32))  # domain.closures.Nation: england | wales | ...
    digests_on_closed_days: Mapped[str | None] = mapped_column(String(8))  # "move" | "skip"
    reviews_on_closed_days: Mapped[str | None] = mapped_column(String(8))
    prompts_on_closed_days: Mapped[str | None] = mapped_column(String(8))
    updated_at: Mapped[dt.datetime] = _ts()


class WorkspaceClosure(Base):
    """Whole days a workspace is closed, first to last (both included): typed (`/talks closed 2026-12-21 to
    2027-01-04`) or read from an .ics calendar, whose file name `source` keeps. Who added it is in the audit trail."""

    __tablename__ = "workspace_closures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(200), default="")  # the calendar event's summary ("" when typed)
    source: Mapped[str] = mapped_column(String(200), default="")  # "" when typed, else the .ics file's name
    added_at: Mapped[dt.datetime] = _ts()

    __table_args__ = (Index("ix_workspace_closures_team_id_last_day", "team_id", "last_day"),)
