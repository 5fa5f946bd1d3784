"""Files by signed link, for platforms that fetch a file from a URL rather than take an upload (Zalo's
`sendPhoto`): the bytes are kept in the database for `FILE_TTL` and served at `/f/<token>` by `bot.web.app`,
the token an HMAC-signed file id with its expiry, so any process behind the load balancer can serve it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.inbox import DATABASE_FAILURES
from bot.web.auth import Signer
from conversations.messages import Attachment
from storage.web import add_shared_file

__all__ = ["FILE_PURPOSE", "FILE_TTL", "FileLinks"]

log = logging.getLogger(__name__)

FILE_TTL = timedelta(hours=24)
FILE_PURPOSE = "file"  # what `/f/` tokens are signed for (a session cookie is refused there)


class FileLinks:
    """Put an attachment at a signed link under `base_url` (the server's public HTTPS address)."""

    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], key: bytes, base_url: str,
                 clock: Callable[[], datetime]) -> None:
        self._sessions, self._signer, self._clock = sessions, Signer(key), clock
        self.base_url = base_url.rstrip("/")

    async def link(self, attachment: Attachment) -> str | None:
        """Keep `attachment` for `FILE_TTL` and return the URL it is served at; None when the database could not
        keep it (the reply then goes without the file, saying so, rather than not at all)."""
        now = self._clock()
        try:
            async with self._sessions() as session, session.begin():
                file_id = await add_shared_file(session, filename=attachment.filename,
                                                mime_type=attachment.mime_type, content=attachment.content, now=now,
                                                expires_at=now + FILE_TTL)
        except DATABASE_FAILURES as failure:
            log.warning("file %s not kept for its link: %s", attachment.filename, type(failure).__name__)
            return None
        token = self._signer.sign(FILE_PURPOSE, {"f": file_id}, expires=now + FILE_TTL)
        return f"{self.base_url}/f/{token}"
