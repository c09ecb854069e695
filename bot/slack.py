"""The Slack Web API client: pointed at SLACK_API_URL, retrying rate limits, 5xx and dropped connections, counted.

Retries live here, in one place, so every call the app makes (posts, updates, DMs) gets them. So does counting
(bot.metrics): every attempt at a call is counted once, by method and outcome. The last attempt is counted by
WebClient.api_call, which `count_calls` wraps for the whole class, so a client made from ours (the delivery
pipeline's copy without the rate-limit retry) or by Bolt is counted too; an attempt that is retried is counted
by the retry handler that retries it.
"""

from __future__ import annotations

import functools
import random
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import Jitter
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import SlackResponse

from bot import metrics
from bot.config import Settings

CONNECTION_ERROR = "connection_error"


class ProportionalJitter(Jitter):
    """Spread retries by up to a quarter of the wait, so the waits still grow 0.5 s, 1 s, 2 s."""

    def recalculate(self, duration: float) -> float:
        return duration * random.uniform(1.0, 1.25)


class _CountsRetried(RetryHandler):
    """Counts each attempt it retries (the attempt that ends a call is counted by WebClient.api_call)."""

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        method = request.url.rstrip("/").rpartition("/")[2]
        body = response.body if response is not None else None
        outcome = answer_error(response.status_code, body) if response is not None else CONNECTION_ERROR
        metrics.count_slack_call(method, outcome)
        super().prepare_for_next_attempt(state=state, request=request, response=response, error=error)


class CountedRateLimitRetryHandler(_CountsRetried, RateLimitErrorRetryHandler):
    """Sleeps for Retry-After, then tries again; each 429 is counted."""


class CountedServerErrorRetryHandler(_CountsRetried, ServerErrorRetryHandler):
    """Backs off after a 500 or 503, then tries again; each is counted."""


class CountedConnectionErrorRetryHandler(_CountsRetried, ConnectionErrorRetryHandler):
    """Backs off after a dropped connection, then tries again; each is counted."""


def retry_handlers(max_retries: int = 3) -> list[RetryHandler]:
    backoff = BackoffRetryIntervalCalculator(backoff_factor=0.5, jitter=ProportionalJitter())
    return [
        CountedRateLimitRetryHandler(max_retry_count=max_retries),  # sleeps for Retry-After
        CountedServerErrorRetryHandler(max_retry_count=max_retries, interval_calculator=backoff),
        CountedConnectionErrorRetryHandler(max_retry_count=max_retries, interval_calculator=backoff),
    ]


def answer_error(status: int, body: dict[str, Any] | None) -> str:
    """How an answer from the Web API is counted: 'ok', Slack's error code, 'ratelimited' for a 429, or the
    HTTP status of another answer that is not Slack's JSON."""
    if status == 429:
        return "ratelimited"
    if status != 200:
        return f"http_{status}"
    if body is None or body.get("ok"):
        return "ok"
    return str(body.get("error") or "unknown_error")[:64]


def count_calls() -> None:
    """Count every Web API call made by any WebClient in this process (once: it wraps the class's api_call)."""
    if getattr(WebClient.api_call, "counted", False):
        return
    call = WebClient.api_call

    @functools.wraps(call)
    def counted_call(self: WebClient, api_method: str, **options: Any) -> SlackResponse:
        try:
            response = call(self, api_method, **options)
        except SlackApiError as error:
            metrics.count_slack_call(api_method, answer_error(error.response.status_code, _json(error.response)))
            raise
        except OSError:
            metrics.count_slack_call(api_method, CONNECTION_ERROR)
            raise
        except Exception as error:
            metrics.count_slack_call(api_method, type(error).__name__)
            raise
        metrics.count_slack_call(api_method, answer_error(response.status_code, _json(response)))
        return response

    counted_call.counted = True  # type: ignore[attr-defined]
    WebClient.api_call = counted_call  # type: ignore[method-assign,assignment]


def _json(response: SlackResponse) -> dict[str, Any] | None:
    return response.data if isinstance(response.data, dict) else None


def make_client(settings: Settings, *, timeout: int = 10) -> WebClient:
    count_calls()
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=timeout,
        retry_handlers=retry_handlers(),
    )
