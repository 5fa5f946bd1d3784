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
    pieces = _pack(text.split("\n"), "\n", limit, length, cut=lambda line: _split_line(line, limit, length))
    return [piece for piece in pieces if piece.strip()]


def _split_line(line: str, limit: int, length: Callable[[str], int]) -> list[str]:
    """Cut one overlong line at spaces, or hard where a word alone is longer than `limit`."""
    return _pack(line.split(" "), " ", limit, length, cut=lambda word: _hard_cut(word, limit, length))


def _pack(parts: list[str], separator: str, limit: int, length: Callable[[str], int], *,
          cut: Callable[[str], list[str]]) -> list[str]:
    """Join `parts` with `separator` into pieces of at most `limit`; a part that does not fit is `cut`."""
    pieces: list[str] = []
    current = ""
    for part in parts:
        candidate = f"{current}{separator}{part}" if current else part
        if length(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        *whole, current = cut(part)
        pieces.extend(whole)
    pieces.append(current)
    return pieces


def _hard_cut(word: str, limit: int, length: Callable[[str], int]) -> list[str]:
    pieces: list[str] = []
    while length(word) > limit:
        head = _prefix_within(word, limit, length)
        pieces.append(head)
        word = word[len(head):]
    return [*pieces, word]


def _prefix_within(word: str, limit: int, length: Callable[[str], int]) -> str:
    size = 0
    for index, char in enumerate(word):
        size += length(char)
        if size > limit:
            return word[:index]
    return word
