"""Scheduled delivery: digests, agreement review nudges and meetup reminders, each posted exactly once.

- plan: what a planned post is, and the Duty protocol every duty follows.
- digests, reviews, reminders: the duties; each plans what is due and composes its messages.
- fanout: the one pipeline every post goes through (claim in the ledger, post with its key in the message's
  metadata, record).
- resolution: what a run that stopped mid-post left, looked up in Slack's history: arrived, or posted again.
- runner: runs every duty at a moment (`run-due`), and digests asked for in Slack.
- scheduling: APScheduler, which only wakes the runner each minute, on the replica holding the scheduler lease.
"""

from bot.delivery.runner import DEFAULT_WORKERS, Runner
from bot.delivery.scheduling import start_scheduler

__all__ = ["DEFAULT_WORKERS", "Runner", "start_scheduler"]
