"""Rendering replies as text, for every channel: choices as a numbered list (which the engine accepts back by
number or label) and long texts cut below a platform's limit at line breaks, then spaces."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from conversations.messages import Choice, Reply

__all__ = ["numbered", "numbered_choices", "split_text"]


def numbered_choices(choices: Sequence[Choice]) -> list[str]:
    """Return one `1. label` line per choice, numbered as the engine reads a typed number back."""
    return [f"{number}. {choice.label}" for number, choice in enumerate(choices, 1)]


def numbered(reply: Reply) -> str:
    """Return the reply's text followed by its choices as `1. label` lines."""
    return "\n".join(line for line in [reply.text, *numbered_choices(reply.choices)] if line)


def split_text(text: str, limit: int, *, length: Callable[[str], int] = len) -> list[str]:
    """Cut `text` into pieces of at most `limit` (as `length` counts), at line breaks where possible, then at
    spaces, hard only where one word is longer than `limit`; blank pieces are left out."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if length(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        pieces = _split_line(line, limit, length)
        chunks.extend(pieces[:-1])
        current = pieces[-1]
    if current.strip():
        chunks.append(current)
    return [chunk for chunk in chunks if chunk.strip()]


def _split_line(line: str, limit: int, length: Callable[[str], int]) -> list[str]:
    """Cut one overlong line at spaces, or hard where a word alone is longer than `limit`."""
    pieces: list[str] = []
    current = ""
    for word in line.split(" "):
        candidate = f"{current} {word}" if current else word
        if length(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        while length(word) > limit:
            head = _prefix_within(word, limit, length)
            pieces.append(head)
            word = word[len(head):]
        current = word
    pieces.append(current)
    return pieces


def _prefix_within(word: str, limit: int, length: Callable[[str], int]) -> str:
    size = 0
    for index, char in enumerate(word):
        size += length(char)
        if size > limit:
            return word[:index]
    return word
