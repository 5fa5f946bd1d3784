"""The dialog a person is in, as the engine keeps it between two messages.

Besides the flow's own state, the engine keeps what it needs to judge the next message: the choices offered
at the current step, the question last asked (to ask it again after an interruption), a stamp that never
repeats (so a button answers only the exact question it was shown under), and the dialog set aside under
this one, if any (`/ngonngu` in the middle of joining).
"""

from __future__ import annotations

import enum
import functools
import json
import secrets
import types
from dataclasses import MISSING, dataclass, fields
from datetime import date
from typing import Any, Self, Union, get_args, get_origin, get_type_hints

from conversations.messages import Choice, Reply

__all__ = ["ENGINE_KEY", "Asked", "DialogData", "Held", "StaleData", "new_stamp"]

ENGINE_KEY = "_engine"
_STAMP_BYTES = 6  # 8 URL-safe characters: a stale button matches the current one with chance 2**-48


def new_stamp() -> str:
    """Return a fresh stamp for a newly saved step ("." never occurs in it: it separates the payload)."""
    return secrets.token_urlsafe(_STAMP_BYTES)


@dataclass(frozen=True, slots=True)
class Asked:
    """The question a step last asked: its text, and its catalog key and values to say it in another language."""

    text: str
    key: str | None = None
    values: dict[str, Any] | None = None

    @classmethod
    def of(cls, reply: Reply) -> Asked:
        values = dict(reply.values) if reply.values else None
        if values is not None and not _is_json(values):
            return cls(reply.text)  # the key alone could not be filled in again
        return cls(reply.text, reply.key, values)

    def render(self, t: Any) -> str:
        """Return the question in the locale of `t` when its key is known, else as it was first written."""
        if self.key is None:
            return self.text
        return str(t(self.key, **(self.values or {})))

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "key": self.key, "values": self.values}

    @classmethod
    def from_json(cls, raw: Any) -> Asked | None:
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
            return None
        key, values = raw.get("key"), raw.get("values")
        return cls(raw["text"], key if isinstance(key, str) else None, values if isinstance(values, dict) else None)


@dataclass(frozen=True, slots=True)
class Held:
    """A dialog held between messages: flow, named step, the flow's data and the engine's notes on it."""

    flow: str
    step: str
    data: dict[str, Any]
    offered: tuple[Choice, ...] = ()
    asked: Asked | None = None
    stamp: str = ""
    parent: Held | None = None

    def reask(self, t: Any) -> Reply:
        """Return the step's question again, with the choices it offered."""
        text = self.asked.render(t) if self.asked is not None else ""
        return Reply(text, self.offered)

    def stored(self) -> dict[str, Any]:
        """Return the row's `data` column: the flow's data with the engine's notes beside it."""
        return {**self.data, ENGINE_KEY: self._notes()}

    def _notes(self) -> dict[str, Any]:
        notes: dict[str, Any] = {
            "offered": [[c.payload, c.label] for c in self.offered],
            "asked": self.asked.to_json() if self.asked else None,
            "stamp": self.stamp,
        }
        if self.parent is not None:
            notes["parent"] = {"flow": self.parent.flow, "step": self.parent.step, "data": self.parent.data,
                               **self.parent._notes()}
        return notes

    @classmethod
    def load(cls, flow: str, step: str, stored: dict[str, Any]) -> Held:
        """Read a row's `data` column back (rows written before the engine kept notes load without them)."""
        data = {k: v for k, v in stored.items() if k != ENGINE_KEY and k != "_offered"}
        notes = stored.get(ENGINE_KEY)
        if not isinstance(notes, dict):
            return cls(flow, step, data)
        parent = notes.get("parent")
        return cls(
            flow, step, data,
            offered=tuple(Choice(str(label), str(payload)) for payload, label in notes.get("offered") or ()),
            asked=Asked.from_json(notes.get("asked")),
            stamp=str(notes.get("stamp") or ""),
            parent=cls.load(str(parent["flow"]), str(parent["step"]), {**parent["data"], ENGINE_KEY: parent})
            if isinstance(parent, dict) else None,
        )


def _is_json(values: dict[str, Any]) -> bool:
    try:
        json.dumps(values)
    except (TypeError, ValueError):
        return False
    return True


class StaleData(ValueError):
    """A held dialog's data no longer reads as its dialog's dataclass (a field missing or of the wrong type)."""


class DialogData:
    """Base of a dialog's typed data: a dataclass whose fields hold str, int, bool, None, a `StrEnum`, a `date`
    (kept as an ISO string) or lists and dicts of those, stored as the JSON object of the row's `data` column
    under the same names as before the data was typed, so a dialog saved earlier still loads."""

    __slots__ = ()

    def to_json(self) -> dict[str, Any]:
        """Return the fields as a JSON object."""
        return {f.name: _encode(getattr(self, f.name)) for f in fields(_dataclass(self))}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Self:
        """Read the fields back; raise `StaleData` when one is missing (without a default) or garbled."""
        hints = _hints(_dataclass(cls))
        values: dict[str, Any] = {}
        for f in fields(_dataclass(cls)):
            if f.name in raw:
                values[f.name] = _decode(hints[f.name], raw[f.name])
            elif f.default is MISSING and f.default_factory is MISSING:
                raise StaleData(f"{cls.__name__}.{f.name} is missing")
        return cls(**values)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    """Return the resolved field types of a `DialogData` class: resolving them costs more than reading a whole
    dialog's data, and a class's annotations never change."""
    return get_type_hints(cls)


def _dataclass(obj: Any) -> Any:
    """Return `obj` typed loosely: every `DialogData` subclass is a dataclass, which mypy cannot see here."""
    return obj


def _encode(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _encode(item) for key, item in value.items()}
    return value


def _decode(kind: Any, raw: Any) -> Any:
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        for arm in get_args(kind):
            try:
                return _decode(arm, raw)
            except StaleData:
                continue
        raise StaleData(f"{raw!r} is no {kind}")
    if origin is list and isinstance(raw, list):
        (item,) = get_args(kind) or (Any,)
        return [_decode(item, value) for value in raw]
    if origin is dict and isinstance(raw, dict):
        _, item = get_args(kind) or (str, Any)
        return {key: _decode(item, value) for key, value in raw.items()}
    if kind is Any:
        return raw
    if kind is type(None) and raw is None:
        return None
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        try:
            return kind(raw)
        except ValueError:
            raise StaleData(f"{raw!r} is no {kind.__name__}") from None
    if kind is date and isinstance(raw, str):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise StaleData(f"{raw!r} is no date") from None
    if kind in (str, bool) and type(raw) is kind:
        return raw
    if kind is int and isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    raise StaleData(f"{raw!r} is no {kind}")
