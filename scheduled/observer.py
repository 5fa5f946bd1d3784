"""What the jobs and the senders report as they run, to whoever watches (the composition root plugs in the
metrics): a neutral `Protocol` here, so that `scheduled` never imports the web pages or the channels."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from conversations.outlet import SendFailure

__all__ = ["NoObserver", "PushObserver"]


class PushObserver(Protocol):
    """Told of each finished job run, each failed send and each exception a job or a sender met."""

    def job_succeeded(self, name: str, at: datetime) -> None:
        """The job `name` ran to its commit at `at`."""
        ...

    def send_failed(self, channel: str, failure: SendFailure) -> None:
        """A push on `channel` did not go out, for `failure`."""
        ...

    def failed(self, error: BaseException) -> None:
        """A job run or a sender's drain raised `error` (rolled back, logged)."""
        ...


class NoObserver:
    """Watches nothing: the default where no metrics are kept (simulations, tests of a job alone)."""

    def job_succeeded(self, name: str, at: datetime) -> None:
        """Ignore it."""

    def send_failed(self, channel: str, failure: SendFailure) -> None:
        """Ignore it."""

    def failed(self, error: BaseException) -> None:
        """Ignore it."""
