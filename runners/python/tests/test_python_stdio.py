"""Printed text is cut at LINE_LIMIT bytes before it becomes a `log` note (issue 15
item 4), and an unfinished line keeps no more than that however long it grows. Motia
caps nothing: each chunk a child process prints becomes a log entry
(packages/core/src/call-step-file.ts, onStdout); Steppe's runner is shared, so one
note that size would hold up every other step's call."""

from __future__ import annotations

from typing import Any

from steppe_runner.stdio import LINE_LIMIT, OutputSink

KEPT = LINE_LIMIT - 64  # the rest of the limit is the marker's


def printed(*writes: tuple[str, str]) -> list[dict[str, Any]]:
    notes: list[dict[str, Any]] = []
    sink = OutputSink("iid", 7, notes.append)
    for source, text in writes:
        sink.write(source, text)
    sink.close()
    return notes


def test_lines_that_fit_are_sent_whole() -> None:
    notes = printed(("stdout", "one\r\ntw"), ("stdout", "o\n"), ("stderr", "é" * 10))
    assert [(n["level"], n["source"], n["msg"]) for n in notes] == [
        ("info", "stdout", "one"),
        ("info", "stdout", "two"),
        ("error", "stderr", "é" * 10),
    ]
    [note] = printed(("stdout", "z" * LINE_LIMIT + "\n"))
    assert note["msg"] == "z" * LINE_LIMIT


def test_a_huge_line_is_cut_with_a_marker() -> None:
    [note] = printed(("stdout", "x" * 3_000_000 + "\n"))
    assert note["msg"] == "x" * KEPT + "… [truncated 2,934,528 bytes]"
    assert len(note["msg"].encode()) <= LINE_LIMIT
    assert note["iid"] == 7


def test_a_line_printed_in_pieces_is_cut_the_same() -> None:
    piece = "y" * 50_000
    [note] = printed(*[("stdout", piece)] * 60)  # never a newline: 3,000,000 bytes
    assert note["msg"] == "y" * KEPT + "… [truncated 2,934,528 bytes]"


def test_a_character_is_never_split() -> None:
    [note] = printed(("stdout", "a" + "é" * LINE_LIMIT + "\n"))
    # 'a' and 32,735 'é' fill 65,471 bytes: the next 'é' does not fit whole.
    assert note["msg"] == "a" + "é" * (KEPT // 2 - 1) + "… [truncated 65,602 bytes]"
