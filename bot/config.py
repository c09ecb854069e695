"""Settings, read from the environment in one place into a frozen object whose secrets never print."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SLACK_API_URL = "https://slack.com/api/"
LOG_FORMATS = ("text", "json")

# What each variable is for, in the words a missing-variable sentence uses.
WHERE_FROM = {
    "SLACK_BOT_TOKEN": "the Bot User OAuth Token (xoxb-...) from your Slack app's OAuth & Permissions page",
    "SLACK_SIGNING_SECRET": "the Signing Secret from your Slack app's Basic Information page",
    "SLACK_APP_TOKEN": "an App-Level Token (xapp-...) with the connections:write scope from your Slack app's Basic "
    "Information page",
    "SLACK_CLIENT_ID": "the Client ID from your Slack app's Basic Information page",
    "SLACK_CLIENT_SECRET": "the Client Secret from your Slack app's Basic Information page",
}
KEEP_UNINSTALLED_DAYS = 30  # how long a workspace's data is kept after it uninstalls the app, unless set
JOB_LEASE_SECONDS = 30  # longer than any one job takes: only a stopped worker leaves its jobs this long
MAKE_KEY = "python3 -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
QUOTES = ('"', "'")  # pasted with the value from a shell script or a .env file
SIGNING_SECRET = re.compile(r"[0-9a-fA-F]{32}")
DATABASE_EXAMPLES = "postgresql://user:password@host/database or sqlite:///path/to/file.sqlite3"


class ConfigError(Exception):
    """A setting is missing or wrong; str() is one sentence a person can act on."""


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str = field(repr=False)
    slack_signing_secret: str = field(repr=False)
    database_url: str = field(repr=False)  # may hold a password; redact_url() is the printable form
    slack_api_url: str = SLACK_API_URL
    timezone: str = "Europe/London"
    slack_app_token: str = field(default="", repr=False)  # serving over Socket Mode needs it; over HTTP, none
    log_format: str = "text"  # "text" or "json" (one JSON object a line, for a log collector)
    # Many workspaces (OAuth): the app's credentials, instead of one workspace's SLACK_BOT_TOKEN.
    slack_client_id: str = ""
    slack_client_secret: str = field(default="", repr=False)
    slack_redirect_uri: str = ""  # https://<public address>/slack/oauth_redirect; unset: the app's one at Slack
    secret_key: str = field(default="", repr=False)  # Fernet key(s), comma-separated, newest first
    keep_uninstalled_days: int = KEEP_UNINSTALLED_DAYS
    job_lease_seconds: int = JOB_LEASE_SECONDS  # a job a stopped worker held is taken over after this long

    @property
    def oauth(self) -> bool:
        """Whether the app serves many workspaces, each installed through OAuth (else one, with SLACK_BOT_TOKEN)."""
        return bool(self.slack_client_id)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def secrets(self) -> tuple[str, ...]:
        """What must never reach a log: the tokens, the signing secret and the database password."""
        from sqlalchemy.engine import make_url

        password = make_url(self.database_url).password or ""
        return (
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_app_token,
            self.slack_client_secret,
            *self.secret_key.split(","),
            password,
        )

    @classmethod
    def from_env(
        cls,
        env: dict[str, str] | None = None,
        *,
        require_slack: bool = True,
        require_signing_secret: bool = True,
        socket_mode: bool = False,
    ) -> Settings:
        """Read the settings. With `require_slack`, what the install mode needs and is missing is a ConfigError
        naming every missing variable at once: for one workspace the bot token (and, with
        `require_signing_secret`, the signing secret); for many (SLACK_CLIENT_ID or SLACK_CLIENT_SECRET set) the
        client id and secret (and the signing secret). With `socket_mode`, the bot token and the app-level token.

        Only presence is checked here; `check()` holds each setting to the shape it must have.
        """
        env = dict(os.environ if env is None else env)
        token = env.get("SLACK_BOT_TOKEN", "").strip()
        secret = env.get("SLACK_SIGNING_SECRET", "").strip()
        oauth = bool(env.get("SLACK_CLIENT_ID", "").strip() or env.get("SLACK_CLIENT_SECRET", "").strip())
        if require_slack:
            _check_install_mode(env, oauth=oauth, socket_mode=socket_mode)
            required = _required(oauth=oauth, socket_mode=socket_mode, signing_secret=require_signing_secret)
            if missing := [name for name in required if not env.get(name, "").strip()]:
                raise ConfigError(missing_sentence(missing))
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
            slack_app_token=env.get("SLACK_APP_TOKEN", "").strip(),
            log_format=log_format_from_env(env),
            slack_client_id=env.get("SLACK_CLIENT_ID", "").strip(),
            slack_client_secret=env.get("SLACK_CLIENT_SECRET", "").strip(),
            slack_redirect_uri=env.get("SLACK_REDIRECT_URI", "").strip(),
            secret_key=env.get("PROGRAMME_TALKS_SECRET_KEY", "").strip(),
            keep_uninstalled_days=_keep_days(env),
            job_lease_seconds=_job_lease(env),
        )

    def check(self, *, slack: bool = True) -> Settings:
        """The settings, if each has the shape it must; otherwise a ConfigError saying what is wrong. Without
        `slack` (for a command that never talks to Slack, such as migrate), only the database's.

        Slack's own rules, no stricter: tokens are known by their prefix (Slack may change their length), and a
        signing secret is 32 hexadecimal characters, checked only against real Slack (a stand-in for testing
        may sign with anything). Secrets are never repeated back.
        """
        if slack:
            self._check_slack()
        check_database_url(self.database_url)
        return self

    def _check_slack(self) -> None:
        if self.slack_bot_token:
            _check_token("SLACK_BOT_TOKEN", self.slack_bot_token, "xoxb-")
        if self.slack_app_token:
            _check_token("SLACK_APP_TOKEN", self.slack_app_token, "xapp-")
        for name, value in (
            ("SLACK_CLIENT_ID", self.slack_client_id),
            ("SLACK_CLIENT_SECRET", self.slack_client_secret),
        ):
            if value.startswith(QUOTES) or value.endswith(QUOTES) or any(c.isspace() for c in value):
                raise ConfigError(
                    f"{name} has quotation marks or a space in it: copy {WHERE_FROM[name]} again, on its own."
                )
        if self.slack_redirect_uri and not self.slack_redirect_uri.startswith(("https://", "http://")):
            raise ConfigError(
                "SLACK_REDIRECT_URI is not an address: set it to https://<your address>/slack/oauth_redirect, as "
                "listed under Redirect URLs on your Slack app's OAuth & Permissions page, or leave it unset."
            )
        if self.secret_key:
            check_secret_key(self.secret_key)
        if self.slack_signing_secret and talks_to_real_slack(self.slack_api_url):
            _check_signing_secret(self.slack_signing_secret)
        if urlsplit(self.slack_api_url).scheme not in ("http", "https"):
            raise ConfigError(
                "SLACK_API_URL is not an http:// or https:// address: leave it unset to use Slack, or give the "
                "address of a stand-in ending in /api/."
            )


def missing_sentence(missing: list[str]) -> str:
    """One sentence naming every missing variable and where each comes from."""
    if len(missing) == 1:
        name = missing[0]
        return f"{name} is not set: copy {WHERE_FROM[name]}."
    names = ", ".join(missing[:-1]) + f" and {missing[-1]}"
    sources = ", ".join(WHERE_FROM[name] for name in missing[:-1]) + f", and {WHERE_FROM[missing[-1]]}"
    return f"{names} are not set: copy {sources}."


def _check_install_mode(env: dict[str, str], *, oauth: bool, socket_mode: bool) -> None:
    """One install mode at a time: one workspace (SLACK_BOT_TOKEN) or many (SLACK_CLIENT_ID and _SECRET)."""
    if oauth and env.get("SLACK_BOT_TOKEN", "").strip():
        raise ConfigError(
            "SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set: for one workspace keep SLACK_BOT_TOKEN and unset "
            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET; for many workspaces (each installing through /slack/install) "
            "unset SLACK_BOT_TOKEN."
        )
    if oauth and socket_mode:
        raise ConfigError(
            "--socket-mode serves one workspace, but SLACK_CLIENT_ID is set for many: unset SLACK_CLIENT_ID and "
            "SLACK_CLIENT_SECRET and set SLACK_BOT_TOKEN, or serve over HTTP without --socket-mode."
        )


def _required(*, oauth: bool, socket_mode: bool, signing_secret: bool) -> tuple[str, ...]:
    if socket_mode:
        return ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")  # Socket Mode's requests are not signed
    first = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET") if oauth else ("SLACK_BOT_TOKEN",)
    return (*first, "SLACK_SIGNING_SECRET") if signing_secret else first


def _keep_days(env: dict[str, str]) -> int:
    text = env.get("PROGRAMME_TALKS_KEEP_UNINSTALLED_DAYS", "").strip()
    if not text:
        return KEEP_UNINSTALLED_DAYS
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(
            f"PROGRAMME_TALKS_KEEP_UNINSTALLED_DAYS is '{text}': set it to a whole number of days, 1 or more (the "
            f"default is {KEEP_UNINSTALLED_DAYS})."
        )
    return int(text)


def _job_lease(env: dict[str, str]) -> int:
    text = env.get("PROGRAMME_TALKS_JOB_LEASE_SECONDS", "").strip()
    if not text:
        return JOB_LEASE_SECONDS
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(
            f"PROGRAMME_TALKS_JOB_LEASE_SECONDS is '{text}': set it to a whole number of seconds, 1 or more (the "
            f"default is {JOB_LEASE_SECONDS})."
        )
    return int(text)


def check_secret_key(value: str) -> None:
    """A ConfigError unless `value` is one Fernet key, or several separated by commas (the newest first)."""
    from cryptography.fernet import Fernet

    for key in value.split(","):
        try:
            Fernet(key.strip().encode())
        except ValueError as error:
            raise ConfigError(
                "PROGRAMME_TALKS_SECRET_KEY is not a key the app can use (44 characters of URL-safe base64, or "
                f"several separated by commas, the newest first): make one with {MAKE_KEY}."
            ) from error


def log_format_from_env(env: dict[str, str]) -> str:
    log_format = env.get("PROGRAMME_TALKS_LOG_FORMAT", "").strip().lower() or "text"
    if log_format not in LOG_FORMATS:
        raise ConfigError(
            f"PROGRAMME_TALKS_LOG_FORMAT is '{log_format}': set it to text (lines for people) or json (one JSON "
            "object a line, for a log collector)."
        )
    return log_format


def talks_to_real_slack(api_url: str) -> bool:
    host = urlsplit(api_url).hostname or ""
    return host == "slack.com" or host.endswith(".slack.com")


KNOWN_PREFIXES = {
    "xoxb-": "a bot token",
    "xoxp-": "a user token",
    "xapp-": "an app-level token",
    "xoxe": "a refresh token",
    "xoxa-": "a workspace token",
}
WHERE_TOKEN = {
    "xoxb-": "the Bot User OAuth Token from your Slack app's OAuth & Permissions page",
    "xapp-": "an App-Level Token from your Slack app's Basic Information page, or leave it unset (serving over HTTP "
    "needs none)",
}


def _check_token(name: str, value: str, prefix: str) -> None:
    if value.startswith(QUOTES) or value.endswith(QUOTES):
        raise ConfigError(f"{name} is in quotes: set it to the token alone, without the quotation marks.")
    if any(character.isspace() for character in value):
        raise ConfigError(f"{name} has a space or line break inside it: copy {WHERE_TOKEN[prefix]} again.")
    if value.startswith(prefix):
        return
    found = next((kind for start, kind in KNOWN_PREFIXES.items() if value.startswith(start)), None)
    what = f"is {found} ({value[:5]}...)" if found else "is not a Slack token"
    raise ConfigError(f"{name} {what}, but it must start with {prefix}: use {WHERE_TOKEN[prefix]}.")


def _check_signing_secret(secret: str) -> None:
    if secret.startswith(QUOTES) or secret.endswith(QUOTES):
        raise ConfigError("SLACK_SIGNING_SECRET is in quotes: set it to the secret alone, without the quotation marks.")
    if SIGNING_SECRET.fullmatch(secret):
        return
    where = "copy the Signing Secret again from your Slack app's Basic Information page"
    if len(secret) == 24:
        raise ConfigError(
            f"SLACK_SIGNING_SECRET is 24 characters long, like Slack's old Verification Token, which the app does "
            f"not use: {where}."
        )
    if secret.startswith("xox"):
        raise ConfigError(f"SLACK_SIGNING_SECRET holds a Slack token, not the signing secret: {where}.")
    if len(secret) != 32:
        raise ConfigError(
            f"SLACK_SIGNING_SECRET is {len(secret)} characters long, but Slack's signing secrets are 32: {where}."
        )
    raise ConfigError(
        f"SLACK_SIGNING_SECRET is not hexadecimal (Slack's signing secrets are 32 characters, each 0-9 or a-f): "
        f"{where}."
    )


def check_database_url(url: str) -> None:
    """A ConfigError if `url` is not a database the app can use: PostgreSQL (psycopg 3) or a SQLite file whose
    folder exists and can be written to (SQLite writes its journal beside the file)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if url.startswith("postgres://"):
        raise ConfigError(
            "DATABASE_URL starts with postgres://, which SQLAlchemy does not read: write postgresql:// instead."
        )
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise ConfigError(f"DATABASE_URL is not a database URL such as {DATABASE_EXAMPLES}.") from error
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    if backend not in ("postgresql", "sqlite"):
        raise ConfigError(
            f"DATABASE_URL is a {backend} database, which Programme Talks does not support: use {DATABASE_EXAMPLES}."
        )
    if backend == "postgresql":
        if "+" in parsed.drivername and driver != "psycopg":
            raise ConfigError(
                f"DATABASE_URL asks for the {driver} driver, which Programme Talks does not use: write postgresql:// "
                "(it connects with psycopg 3)."
            )
        return
    if "+" in parsed.drivername and driver != "pysqlite":
        raise ConfigError(
            f"DATABASE_URL asks for the {driver} driver, which Programme Talks does not use: write sqlite:///path."
        )
    _check_sqlite_file(parsed.database)


def _check_sqlite_file(database: str | None) -> None:
    if not database or database == ":memory:" or database.startswith("file:") or "mode=memory" in database:
        raise ConfigError(
            "DATABASE_URL is a SQLite database in memory, which is lost when the app stops and not shared with its "
            "worker: give a file, such as sqlite:///path/to/file.sqlite3."
        )
    path = Path(database).expanduser().absolute()
    if path.is_dir():
        raise ConfigError(
            f"DATABASE_URL names {path}, which is a folder: name a file in it, such as {path}/talks.sqlite3."
        )
    folder = path.parent
    if not folder.is_dir():
        raise ConfigError(
            f"DATABASE_URL names a SQLite file in {folder}, a folder that does not exist: create it, or change "
            "DATABASE_URL."
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(
            f"DATABASE_URL names a SQLite file in {folder}, a folder this user cannot write to (SQLite writes its "
            "journal beside the file): let it write there, or change DATABASE_URL."
        )
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise ConfigError(
            f"DATABASE_URL names {path}, a file this user cannot read and write: change its owner or mode."
        )


def default_database_url() -> str:
    return f"sqlite:///{Path.cwd() / 'programme-talks.sqlite3'}"


def redact_url(url: str) -> str:
    """A database URL with any password hidden, for logs and /healthz."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
