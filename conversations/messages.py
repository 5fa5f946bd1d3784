"""What flows between a channel adapter and the dialog engine."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Attachment", "Choice", "Inbound", "Reply"]


@dataclass(frozen=True, slots=True)
class Inbound:
    """One update from a person on a channel: either typed text or a pressed button's payload."""

    channel: str
    user_id: str
    chat_id: str
    update_id: str
    text: str | None = None
    choice: str | None = None
    display_name: str | None = None

    @property
    def may_change_roles(self) -> bool:
        """A command or a press: only the dialog steps these reach change roles or the chosen language (joining,
        taking a role, /ngonngu); typed answers, the bulk of the traffic, never do."""
        return self.choice is not None or (self.text or "").startswith("/")


@dataclass(frozen=True, slots=True)
class Choice:
    """A button on rich channels, a numbered line on text channels."""

    label: str
    payload: str


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot says: text, optional choices and an optional file.

    `key` and `values` name the catalog text it was made from, so the engine can ask the same question again
    later, in the person's language at that time; channels ignore them.
    """

    text: str
    choices: tuple[Choice, ...] = field(default_factory=tuple)
    attachment: Attachment | None = None
    key: str | None = field(default=None, compare=False, repr=False)
    values: Mapping[str, object] | None = field(default=None, compare=False, repr=False)
