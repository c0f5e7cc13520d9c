"""Identifiers: hex of a UUID's length; event and delivery ids sort by creation."""

from __future__ import annotations

import os
import re

from orchestrator.core.ids import random_id, time_ordered_id


def test_ids_are_32_lower_case_hex_digits_and_unique() -> None:
    ids = [random_id() for _ in range(1000)] + [time_ordered_id() for _ in range(1000)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    assert len(set(ids)) == len(ids)


def test_time_ordered_ids_made_later_sort_later() -> None:
    ids = [time_ordered_id() for _ in range(1000)]
    # Same-nanosecond ids may tie on the clock part, and then order by chance.
    assert [i[:16] for i in ids] == sorted(i[:16] for i in ids)
    assert ids[0] < ids[-1]


def test_a_forked_child_makes_ids_of_its_own() -> None:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: send one id and leave without running pytest's teardown
        os.write(write_end, random_id().encode())
        os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    with os.fdopen(read_end) as pipe:
        from_child = pipe.read()
    assert re.fullmatch(r"[0-9a-f]{32}", from_child)
    assert from_child != random_id()
