"""Reading request bodies: JSON that a step can receive, and JSON it cannot."""

from __future__ import annotations

import pytest

from orchestrator.http.json_body import BadRequest, parse_json_body


def test_empty_body_is_none_and_json_is_parsed() -> None:
    assert parse_json_body(b"  ") is None
    assert parse_json_body(b'{"a": [1, 2.5, "x", null]}') == {"a": [1, 2.5, "x", None]}


def test_integers_beyond_64_bits_become_floats_as_in_javascript() -> None:
    assert parse_json_body(b"[18446744073709551615, -9223372036854775808]") == [
        18446744073709551615,
        -9223372036854775808,
    ]
    [big] = parse_json_body(b"[322390912744712044544]")
    assert isinstance(big, float) and big == 3.2239091274471204e20


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"a": ', "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b'["\\ud902"]', "unpaired UTF-16 surrogate"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_bodies_no_step_could_receive_are_bad_requests(raw: bytes, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        parse_json_body(raw)
