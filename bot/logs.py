"""Logging set-up, with a filter that keeps Slack tokens and secrets out of every log line."""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

_SECRET = re.compile(r"xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")


class RedactingFormatter(logging.Formatter):
    """Formats a record, then takes Slack tokens and the given secrets out of all of it (tracebacks too)."""

    def __init__(self, fmt: str, *secrets: str):
        super().__init__(fmt)
        self.secrets = [s for s in secrets if len(s) >= 8]  # real secrets are long; "s" must not redact every s

    def format(self, record: logging.LogRecord) -> str:
        text = _SECRET.sub("xox*-[redacted]", super().format(record))
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return text


class _Stderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a line is logged, not what it was when logging was set up (a
    worker thread may log after a caller, such as a test, has swapped stderr and closed its own)."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> TextIO:
        return sys.stderr


def configure(level: int = logging.INFO, *secrets: str) -> None:
    handler = _Stderr()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", *secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
