"""The Slack Web API client: pointed at SLACK_API_URL, retrying rate limits, 5xx and dropped connections.

Retries live here, in one place, so every call the app makes (posts, updates, DMs) gets them.
"""

from __future__ import annotations

import random

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import Jitter

from bot.config import Settings


class ProportionalJitter(Jitter):
    """Spread retries by up to a quarter of the wait, so the waits still grow 0.5 s, 1 s, 2 s."""

    def recalculate(self, duration: float) -> float:
        return duration * random.uniform(1.0, 1.25)


def retry_handlers(max_retries: int = 3) -> list[RetryHandler]:
    backoff = BackoffRetryIntervalCalculator(backoff_factor=0.5, jitter=ProportionalJitter())
    return [
        RateLimitErrorRetryHandler(max_retry_count=max_retries),  # sleeps for Retry-After
        ServerErrorRetryHandler(max_retry_count=max_retries, interval_calculator=backoff),
        ConnectionErrorRetryHandler(max_retry_count=max_retries, interval_calculator=backoff),
    ]


def make_client(settings: Settings, *, timeout: int = 10) -> WebClient:
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=timeout,
        retry_handlers=retry_handlers(),
    )
