"""Rendering a `Reply` for text-only channels (Zalo, SMS-like): choices become a numbered list that the engine
accepts back by number or label, and long texts are split at line breaks below the platform's limit."""

from __future__ import annotations

from conversations.messages import Reply

__all__ = ["numbered", "split_text"]


def numbered(reply: Reply) -> str:
    """Return the reply's text followed by its choices as `1. label` lines."""
    lines = [reply.text, *(f"{number}. {choice.label}" for number, choice in enumerate(reply.choices, 1))]
    return "\n".join(line for line in lines if line)


def split_text(text: str, limit: int) -> list[str]:
    """Split `text` into pieces of at most `limit` characters, preferring line breaks, then spaces."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest or not pieces:
        pieces.append(rest)
    return pieces
