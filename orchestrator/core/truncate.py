"""Capping text that comes from user code: a log message, a line a runner printed.

A handler may print one 50 MB line or never print a newline at all; kept whole, such
text grows the orchestrator for good and stalls whoever reads it. Text over
`LINE_LIMIT` bytes keeps its first `LINE_LIMIT - MARKER_ROOM` bytes (whole characters)
and ends in a visible marker that says how much was cut (`… [truncated 49,934,528
bytes]`): at most `LINE_LIMIT` bytes in all. The runners cut printed lines the same
way (`runners/*/…/stdio*`), so what they send passes here unchanged.
"""

from __future__ import annotations

import codecs

LINE_LIMIT = 64 * 1024
"""Bytes (UTF-8) of a log message, of a runner's stderr line, of an entry's fields."""
MARKER_ROOM = 64
"""Bytes left for the marker at the end of text that was cut."""


def truncation_marker(dropped: int) -> str:
    return f"… [truncated {dropped:,} bytes]"


def utf8_size(text: str) -> int:
    # An ASCII string's length is its size; only other text is encoded to be measured.
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def cap_text(text: str, limit: int = LINE_LIMIT) -> str:
    """`text` when its UTF-8 fits in `limit` bytes; else its start and the marker, in
    at most `limit` bytes."""
    if len(text) <= limit // 4:  # a character is at most 4 bytes: it fits, unmeasured
        return text
    size = utf8_size(text)
    if size <= limit:
        return text
    keep = limit - MARKER_ROOM
    # The first `keep` characters hold at least the first `keep` bytes.
    head = text[:keep].encode("utf-8", "surrogatepass")[:keep]
    kept, split = _decode_head(head)
    return kept + truncation_marker(size - len(head) + split)


def _decode_head(head: bytes) -> tuple[str, int]:
    """`head` decoded (invalid UTF-8 replaced), less a character the cut split in two
    at its end; and how many bytes that left out."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    text = decoder.decode(head, final=False)
    return text, len(decoder.getstate()[0])


class LineCutter:
    """Cuts a byte stream into lines as `cap_text` cuts text, keeping at most `limit`
    bytes of each: memory stays bounded however long a line is, and no chunk is
    copied more than once."""

    __slots__ = ("_dropped", "_kept", "_limit")

    def __init__(self, limit: int = LINE_LIMIT) -> None:
        self._limit = limit
        self._kept = bytearray()
        self._dropped = 0

    def feed(self, chunk: bytes | bytearray) -> list[str]:
        """The lines that `chunk` completes."""
        lines = []
        start = 0
        while (end := chunk.find(b"\n", start)) != -1:
            self._add(chunk, start, end)
            lines.append(self._take())
            start = end + 1
        self._add(chunk, start, len(chunk))
        return lines

    def finish(self) -> str | None:
        """What is left of an unfinished last line, if anything."""
        return self._take() if self._kept or self._dropped else None

    def _add(self, chunk: bytes | bytearray, start: int, end: int) -> None:
        take = min(end - start, self._limit - len(self._kept))
        if take > 0:
            self._kept += memoryview(chunk)[start : start + take]
        self._dropped += end - start - max(take, 0)

    def _take(self) -> str:
        kept, dropped = bytes(self._kept), self._dropped
        self._kept.clear()
        self._dropped = 0
        if not dropped:
            return kept.removesuffix(b"\r").decode("utf-8", errors="replace")
        keep = self._limit - MARKER_ROOM
        text, split = _decode_head(kept[:keep])
        return text + truncation_marker(dropped + len(kept) - keep + split)
