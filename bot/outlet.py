"""What every channel's outlet shares: how a call to a platform is retried at start (the Bot API unreachable, a 5xx,
a 429) and cut short at a stop, and how an attachment larger than the platform takes goes as a signed link
instead (`FileRule`, `fitted`). The outlet contract itself (`Outlet`, `SendFailed`, `SendFailure`) lives in
`conversations.outlet`, below channels and jobs alike."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

from conversations.i18n import Translator
from conversations.messages import Attachment, Reply
from conversations.outlet import SendFailed

__all__ = ["START_BACKOFF", "FileLinker", "FileRule", "fitted", "keep_trying", "unless_stopped"]

log = logging.getLogger(__name__)

T = TypeVar("T")

START_BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)  # seconds between failed start-up calls, the last one repeated


async def keep_trying(
    call: Callable[[], Awaitable[object]], *, stop: asyncio.Event, what: str,
    backoff: Sequence[float] = START_BACKOFF,
) -> bool:
    """Await `call()` until it succeeds (True) or `stop` is set first (False).

    A retryable `SendFailed` (the platform unreachable, a 5xx, a 429) is logged with what was being done and
    tried again after the next `backoff` delay, or the platform's `retry_after`; any other failure is raised.
    The log line shows only the failure's detail, which never contains a token.
    """
    failures = 0
    while not stop.is_set():
        try:
            await call()
        except SendFailed as failed:
            if not failed.retryable:
                raise
            delay = failed.retry_after or backoff[min(failures, len(backoff) - 1)]
            failures += 1
            log.warning("%s failed (%s); retrying in %s s", what, failed, delay)
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
        else:
            return True
    return False


async def unless_stopped(work: Awaitable[T], stop: asyncio.Event) -> T | None:
    """Await `work`, or cancel it and return None as soon as `stop` is set."""
    task = asyncio.ensure_future(work)
    stopper = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        stopper.cancel()
        return task.result()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return None


class FileLinker(Protocol):
    """Where a file is kept to be fetched by a signed link (`bot.web.files.FileLinks`)."""

    async def link(self, attachment: Attachment) -> str | None:
        """Keep `attachment` and return its URL; None when it could not be kept."""
        ...


@dataclass(frozen=True, slots=True)
class FileRule:
    """What a channel declares about files: the largest upload its platform takes, and what it says instead.

    Attributes:
        limit: bytes an attachment may have to go as an upload (0: the platform takes no uploads).
        linked: the catalog key of the line that gives the file's link (`{name}`, `{url}`).
        unavailable: the key of the line said when no link can be made (`{name}`): no public web address is
            configured, or the database could not keep the file.
    """

    limit: int
    linked: str
    unavailable: str


async def fitted(reply: Reply, rule: FileRule, *, files: FileLinker | None, t: Translator) -> Reply:
    """Return `reply` as the platform can take it: an attachment over `rule.limit` is kept at a signed link
    (`files`, when the web pages have a public address) and replaced by a line of text that gives the link or
    says the file could not be sent here."""
    attachment = reply.attachment
    if attachment is None or len(attachment.content) <= rule.limit:
        return reply
    url = await files.link(attachment) if files is not None else None
    line = t(rule.linked, name=attachment.filename, url=url) if url is not None else \
        t(rule.unavailable, name=attachment.filename)
    return replace(reply, text=f"{reply.text}\n\n{line}" if reply.text else line, attachment=None)
