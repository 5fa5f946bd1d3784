"""A thin client of the Zalo Bot Platform API (`https://bot-api.zaloplatforms.com/bot<token>/<method>`), and the
typed form of the updates it delivers.

Every failure becomes a `SendFailed` from the closed set in `conversations.outlet`; the token, which sits in the
URL path, never appears in an error or a log line.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx

from conversations.outlet import SendFailed, SendFailure

__all__ = ["CHANNEL", "SECRET_HEADER", "TEXT_LIMIT", "ZaloApi", "ZaloMessage", "parse_update"]

log = logging.getLogger(__name__)

CHANNEL = "zalo"
SECRET_HEADER = "X-Bot-Api-Secret-Token"  # carries our webhook secret on every update Zalo posts
TEXT_LIMIT = 2000  # sendMessage accepts 1 to 2,000 characters
DEFAULT_BASE_URL = "https://bot-api.zaloplatforms.com/bot"


@dataclass(frozen=True, slots=True)
class ZaloMessage:
    """A text message a person sent the bot. A real webhook body / getUpdates result looks like::

        {"ok": true, "result": {"event_name": "message.text.received", "message": {
            "chat": {"id": "e4ea2cd5189df1c3a88c", "chat_type": "PRIVATE"}, "text": "Xin chào",
            "message_id": "16f6366b3f02645a3d15", "date": 1766619597466,
            "from": {"id": "e4ea2cd5189df1c3a88c", "display_name": "Nguyen Van A"}}}}
    """

    message_id: str
    user_id: str
    chat_id: str
    text: str | None
    display_name: str | None


def parse_update(body: Any) -> ZaloMessage | None:
    """Return the message in a getUpdates result or webhook body (with or without the `result` envelope), or
    None for anything that is not a message from a person (stickers, images and unknown events carry no text)."""
    if not isinstance(body, dict):
        return None
    update = body.get("result", body)
    message = update.get("message") if isinstance(update, dict) else None
    if not isinstance(message, dict):
        return None
    sender, chat = message.get("from"), message.get("chat")
    message_id = message.get("message_id")
    if not (isinstance(sender, dict) and isinstance(chat, dict) and message_id and sender.get("id")):
        return None
    text = message.get("text")
    name = sender.get("display_name") or sender.get("first_name")
    return ZaloMessage(
        message_id=str(message_id), user_id=str(sender["id"]), chat_id=str(chat.get("id") or sender["id"]),
        text=text if isinstance(text, str) else None, display_name=name if isinstance(name, str) else None,
    )


class ZaloApi:
    """Call Bot API methods; `transport` lets tests put a fake platform at the far side of the connection."""

    def __init__(self, token: str, *, base_url: str = DEFAULT_BASE_URL,
                 transport: httpx.AsyncBaseTransport | None = None, timeout: float = 40.0) -> None:
        self._token = token
        self._client = httpx.AsyncClient(base_url=f"{base_url}{token}/", transport=transport, timeout=timeout)

    async def close(self) -> None:
        await self._client.aclose()

    def redact(self, text: str) -> str:
        """Return `text` with the token replaced, for errors and logs."""
        return text.replace(self._token, "<token>") if self._token else text

    async def call(self, method: str, payload: dict[str, Any]) -> Any:
        """POST `payload` to `method` and return its `result`, or raise `SendFailed`."""
        try:
            response = await self._client.post(method, json=payload)
        except httpx.TimeoutException:
            raise SendFailed(SendFailure.RETRYABLE, f"{method}: timeout") from None
        except httpx.HTTPError as exc:
            raise SendFailed(SendFailure.RETRYABLE, self.redact(f"{method}: {type(exc).__name__}: {exc}")) from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code < 300 and body.get("ok"):
            return body.get("result")
        raise _failure(method, response.status_code, body, self.redact)

    async def get_update(self, *, wait_seconds: int = 30) -> Any:
        """Long-poll up to `wait_seconds` for the next update and return it as delivered (read it with
        `parse_update`); None when none came."""
        try:
            return await self.call("getUpdates", {"timeout": str(wait_seconds)})
        except SendFailed as failed:
            if failed.detail.endswith("(408)"):
                return None
            raise

    async def send_message(self, chat_id: str, text: str) -> None:
        await self.call("sendMessage", {"chat_id": chat_id, "text": text})

    async def send_photo(self, chat_id: str, url: str) -> None:
        """Send the image Zalo fetches from `url` (public HTTPS): the Bot API takes no upload."""
        await self.call("sendPhoto", {"chat_id": chat_id, "photo": url})

    async def set_webhook(self, url: str, secret: str) -> None:
        await self.call("setWebhook", {"url": url, "secret_token": secret})

    async def delete_webhook(self) -> None:
        await self.call("deleteWebhook", {})


def _failure(method: str, status: int, body: dict[str, Any], redact: Any) -> SendFailed:
    code = body.get("error_code") or status
    description = str(body.get("description") or "")
    detail = redact(f"{method}: {description} ({code})")
    if code == 429:
        retry_after = (body.get("parameters") or {}).get("retry_after")
        return SendFailed(SendFailure.THROTTLED, detail, retry_after=float(retry_after) if retry_after else None)
    if code == 408 or status >= 500:
        return SendFailed(SendFailure.RETRYABLE, detail)
    if code == 403 or "block" in description.lower():
        return SendFailed(SendFailure.BLOCKED, detail)
    return SendFailed(SendFailure.PERMANENT, detail)
