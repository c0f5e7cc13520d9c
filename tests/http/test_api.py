"""What a handler's `{status, body, headers?}` becomes on the wire (api.step_response)."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.http.api import InvalidHandlerResponse, step_response

TRACE = "t" * 32


def test_a_json_body_gets_the_json_type_and_the_trace_header() -> None:
    response = step_response({"status": 201, "body": {"ok": True}}, TRACE)
    assert (response.status, response.body) == (201, b'{"ok":true}')
    assert response.headers == {"content-type": "application/json", "x-trace-id": TRACE}


def test_status_defaults_to_200_and_a_missing_body_is_null() -> None:
    response = step_response({}, TRACE)
    assert (response.status, response.body) == (200, b"null")


def test_handler_headers_are_lower_cased_and_may_replace_the_content_type() -> None:
    result = {"body": {"a": 1}, "headers": {"Content-Type": "application/vnd.api+json", "X-N": 5}}
    response = step_response(result, TRACE)
    assert response.headers == {
        "content-type": "application/vnd.api+json",
        "x-n": "5",
        "x-trace-id": TRACE,
    }
    assert response.body == b'{"a":1}'


def test_text_and_bytes_with_a_non_json_type_go_as_they_are() -> None:
    text = step_response({"body": "héllo", "headers": {"content-type": "text/plain"}}, TRACE)
    assert text.body == "héllo".encode()
    png = step_response({"body": b"\x89PNG", "headers": {"content-type": "image/png"}}, TRACE)
    assert png.body == b"\x89PNG" and png.headers["content-type"] == "image/png"
    # Without a type (or with a JSON one) a string is a JSON string.
    assert step_response({"body": "hi"}, TRACE).body == b'"hi"'


def test_nan_and_infinities_are_null_as_json_stringify_makes_them() -> None:
    body = {"x": float("nan"), "y": [float("inf"), 1.5, {"z": float("-inf")}], "n": None}
    response = step_response({"body": body}, TRACE)
    assert response.body == b'{"x":null,"y":[null,1.5,{"z":null}],"n":null}'


def test_no_content_and_not_modified_carry_no_body() -> None:
    for status in (204, 304):
        response = step_response({"status": status, "body": {"ignored": True}}, TRACE)
        assert response.body == b"" and response.headers == {"x-trace-id": TRACE}


def test_the_trace_header_and_body_framing_are_the_servers() -> None:
    headers = {"x-trace-id": "mine", "Content-Length": "999", "transfer-encoding": "chunked"}
    response = step_response({"body": {}, "headers": headers}, TRACE)
    assert response.headers == {"content-type": "application/json", "x-trace-id": TRACE}


@pytest.mark.parametrize(
    ("result", "says"),
    [
        ("not a response", "str; expected {status, body, headers?}"),
        ({"status": 99}, "status 99; expected an integer from 200 to 599"),
        ({"status": 100}, "status 100"),
        ({"status": 600}, "status 600"),
        ({"status": "200"}, "status '200'"),
        ({"status": True}, "status True"),
        ({"headers": ["a"]}, "headers of type list"),
        ({"headers": {"x-bad": "a\r\nset-cookie: x"}}, "line break or NUL in the value of header"),
        ({"headers": {"bad name": "v"}}, "the header name 'bad name'"),
        ({"body": b"\x00", "headers": {}}, "a body that is not JSON"),
    ],
)
def test_anything_else_is_refused_saying_what(result: Any, says: str) -> None:
    with pytest.raises(InvalidHandlerResponse) as caught:
        step_response(result, TRACE)
    assert says in str(caught.value)
