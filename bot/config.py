"""Settings, read from the environment in one place into a frozen object whose secrets never print."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SLACK_API_URL = "https://slack.com/api/"


class ConfigError(Exception):
    """A setting is missing or wrong; str() is one sentence a person can act on."""


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str = field(repr=False)
    slack_signing_secret: str = field(repr=False)
    database_url: str = field(repr=False)  # may hold a password; redact_url() is the printable form
    slack_api_url: str = SLACK_API_URL
    timezone: str = "Europe/London"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def secrets(self) -> tuple[str, ...]:
        """What must never reach a log: the token, the signing secret and the database password."""
        from sqlalchemy.engine import make_url

        return self.slack_bot_token, self.slack_signing_secret, make_url(self.database_url).password or ""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, *, require_slack: bool = True) -> Settings:
        env = dict(os.environ if env is None else env)
        token = env.get("SLACK_BOT_TOKEN", "").strip()
        secret = env.get("SLACK_SIGNING_SECRET", "").strip()
        if require_slack and not token:
            raise ConfigError(
                "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-...) from your Slack app's "
                "OAuth & Permissions page."
            )
        if require_slack and not secret:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your Slack app's Basic Information page."
            )
        api_url = env.get("SLACK_API_URL", "").strip() or SLACK_API_URL
        if not api_url.endswith("/"):
            api_url += "/"
        timezone = env.get("PROGRAMME_TALKS_TZ", "").strip() or "Europe/London"
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ConfigError(
                f"PROGRAMME_TALKS_TZ is '{timezone}', which is not a time zone name such as Europe/London."
            ) from error
        return cls(
            slack_bot_token=token,
            slack_signing_secret=secret,
            database_url=env.get("DATABASE_URL", "").strip() or default_database_url(),
            slack_api_url=api_url,
            timezone=timezone,
        )


def default_database_url() -> str:
    return f"sqlite:///{Path.cwd() / 'programme-talks.sqlite3'}"


def redact_url(url: str) -> str:
    """A database URL with any password hidden, for logs and /healthz."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
