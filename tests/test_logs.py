"""The caps of core/truncate.py and core/logs.py (issue 15, item 4): text over 64 KiB
is cut with a visible marker, a stderr line is never held whole, the tail is bounded
by bytes as well as entries, and a log file that cannot be written costs one warning.

Motia caps none of this: each chunk a step prints is a log entry whatever its size
(packages/core/src/call-step-file.ts, onStdout), and its logger passes messages on
as they are (packages/core/src/logger.ts)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from orchestrator.core.logs import TAIL_BYTES, LogSink, LogTail
from orchestrator.core.truncate import LINE_LIMIT, MARKER_ROOM, LineCutter, cap_text

KEPT = LINE_LIMIT - MARKER_ROOM


def test_text_that_fits_is_kept_whole() -> None:
    assert cap_text("short") == "short"
    assert cap_text("x" * LINE_LIMIT) == "x" * LINE_LIMIT
    assert cap_text("é" * (LINE_LIMIT // 2)) == "é" * (LINE_LIMIT // 2)


def test_text_over_the_limit_is_cut_with_a_marker_within_the_limit() -> None:
    cut = cap_text("x" * 50_000_000)
    assert cut == "x" * KEPT + "… [truncated 49,934,528 bytes]"
    assert len(cut.encode()) <= LINE_LIMIT
    # A character is never split: 'a' and 32,735 'é' fill 65,471 bytes.
    assert cap_text("a" + "é" * LINE_LIMIT) == "a" + "é" * (KEPT // 2 - 1) + (
        "… [truncated 65,602 bytes]"
    )


def test_a_runners_cut_text_passes_unchanged() -> None:
    """The runners cut the same way (runners/*/…/stdio*): the orchestrator adds no
    second marker to what they send."""
    once = cap_text("y" * 1_000_000)
    assert cap_text(once) == once


def test_lines_are_cut_as_they_stream_in() -> None:
    cutter = LineCutter()
    assert cutter.feed(b"short\r\nlong") == ["short"]
    chunk = b"z" * 65536
    for _ in range(800):  # 52 MB without a newline: at most LINE_LIMIT bytes are held
        assert cutter.feed(chunk) == []
        assert len(cutter._kept) <= LINE_LIMIT
    [line] = cutter.feed(b"\xc3\xa9 end\nrest")
    dropped = 4 + 800 * 65536 + 6 - KEPT
    assert line == "long" + "z" * (KEPT - 4) + f"… [truncated {dropped:,} bytes]"
    assert cutter.finish() == "rest"
    assert cutter.finish() is None


def test_a_line_cut_inside_a_character_loses_it_whole() -> None:
    cutter = LineCutter(limit=100)
    [line] = cutter.feed(b"a" + "é".encode() * 100 + b"\n")  # 36 bytes kept: 'a', 17 'é'
    assert line == "a" + "é" * 17 + "… [truncated 166 bytes]"
    assert cutter.feed(b"\xff ok\n") == ["\ufffd ok"]  # not UTF-8: replaced, as before


def test_the_tail_is_bounded_by_bytes_and_pages_by_seq() -> None:
    logs = LogSink(None, None)
    for n in range(200):
        logs.write("info", f"{n} " + "x" * 100_000, trace_id="t" if n % 2 else None)
    entries = list(logs.tail)
    assert logs.tail.bytes <= TAIL_BYTES
    assert len(entries) == TAIL_BYTES // (LINE_LIMIT + 100)
    assert entries[-1]["msg"].startswith("199 ")
    assert entries[-1]["msg"].endswith("… [truncated 34,532 bytes]")
    newest = entries[-1]["seq"]
    page = logs.tail.page(limit=3, max_bytes=10**9, before=newest)
    assert [e["seq"] for e in page] == [newest - 3, newest - 2, newest - 1]
    page = logs.tail.page(limit=5, max_bytes=10**9, trace_id="t")
    assert [e["seq"] for e in page] == [newest - 8, newest - 6, newest - 4, newest - 2, newest]
    # A byte budget ends a page early, but never empty.
    assert len(logs.tail.page(limit=100, max_bytes=3 * LINE_LIMIT)) == 2
    assert len(logs.tail.page(limit=100, max_bytes=10)) == 1


def test_the_tail_keeps_its_entry_count_too() -> None:
    tail = LogTail(max_entries=3)
    for n in range(5):
        tail.append({"seq": n}, 10)
    assert [e["seq"] for e in tail] == [2, 3, 4]
    assert tail.bytes == 30


def test_fields_over_the_limit_become_their_cut_json() -> None:
    logs = LogSink(None, None)
    logs.write("info", "small", fields={"blob": "b" * 100_000, "n": 1})
    logs.write("info", "fits", fields={"n": 1})
    big, small = list(logs.tail)
    assert list(big["fields"]) == ["truncated"]
    assert big["fields"]["truncated"].startswith('{"blob": "bbbb')
    assert big["fields"]["truncated"].endswith("… [truncated 34,548 bytes]")
    assert small["fields"] == {"n": 1}


def test_a_log_file_on_a_full_disk_warns_once_and_logging_goes_on() -> None:
    """/dev/full answers every write with ENOSPC, as a full disk does."""
    out = io.StringIO()
    logs = LogSink(Path("/dev/full"), Console(file=out, width=400), console_level="info")
    for n in range(3):
        logs.write("error", f"failure {n}")  # errors are written at once
    for n in range(5000):
        logs.write("info", f"busy {n}")  # past the 64 KiB buffer: written, and failing
    logs.close()
    printed = out.getvalue()
    assert printed.count("cannot write the log file /dev/full") == 1, printed
    assert "No space left on device" in printed
    assert "serving goes on" in printed
    assert [e["msg"] for e in logs.tail][-1] == "busy 4999"


def test_entries_reach_the_file_as_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "steppe.jsonl"
    logs = LogSink(path, None)
    logs.write("info", "x" * 100_000, step="Big")
    logs.write("warn", "second")
    logs.close()
    first, second = [json.loads(line) for line in path.read_text().splitlines()]
    assert first["step"] == "Big"
    assert first["msg"].endswith("x… [truncated 34,528 bytes]")
    assert (second["seq"], second["msg"]) == (first["seq"] + 1, "second")
