"""JSON semantics of values crossing the protocol (steppe_runner.values)."""

from __future__ import annotations

import enum
from collections import OrderedDict, namedtuple
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from steppe_runner.values import SerializationError, to_loggable, to_plain


class Colour(str, enum.Enum):  # noqa: UP042 - the mixin form json.dumps must handle
    RED = "red"


class Size(enum.IntEnum):
    BIG = 3


def test_plain_values_pass_through() -> None:
    value = {"s": "é", "i": -(2**63), "f": 1.5, "b": True, "n": None, "l": [[], {}], "raw": b"\x00"}
    assert to_plain(value) == value


def test_json_semantics() -> None:
    point = namedtuple("point", "x y")
    converted = to_plain(
        {
            1: "int key",
            None: "none key",
            "when": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
            "day": date(2024, 1, 2),
            "tuple": (1, 2),
            "set": {3},
            "point": point(1, 2),
            "ordered": OrderedDict(a=1),
            "colour": Colour.RED,
            "size": Size.BIG,
        }
    )
    assert converted == {
        "1": "int key",
        "null": "none key",
        "when": "2024-01-02T03:04:05+00:00",
        "day": "2024-01-02",
        "tuple": [1, 2],
        "set": [3],
        "point": [1, 2],
        "ordered": {"a": 1},
        "colour": "red",
        "size": 3,
    }
    assert type(converted["colour"]) is str and type(converted["size"]) is int


def test_pydantic_instances_become_their_json_dump() -> None:
    pydantic = pytest.importorskip("pydantic")

    class Pet(pydantic.BaseModel):
        name: str
        born: date

    assert to_plain([Pet(name="Rex", born=date(2020, 1, 1))]) == [
        {"name": "Rex", "born": "2020-01-01"}
    ]


def test_unserialisable_value_is_named_with_its_place() -> None:
    with pytest.raises(SerializationError, match=r"return value\['a'\]\[1\]: .* Decimal"):
        to_plain({"a": [1, Decimal("1.5")]}, "return value")
    cycle: list[object] = []
    cycle.append(cycle)
    with pytest.raises(SerializationError, match="refers to itself"):
        to_plain(cycle)


def test_loggable_values_never_fail() -> None:
    assert to_loggable({"d": Decimal("2"), "ok": 1}) == {"d": "Decimal('2')", "ok": 1}


def test_an_integer_msgpack_cannot_carry_is_refused_naming_where_it_is() -> None:
    assert to_plain({"edge": [2**64 - 1, -(2**63)]}) == {"edge": [2**64 - 1, -(2**63)]}
    with pytest.raises(SerializationError) as caught:
        to_plain({"body": {"n": [1, 2**100]}}, "return value")
    assert str(caught.value) == (
        "return value['body']['n'][1]: the integer 1267650600228229401496703205376 is "
        "outside the 64-bit range a message can carry"
    )
    with pytest.raises(SerializationError, match=r"value\[0\]: the integer -9223372036854775809"):
        to_plain([-(2**63) - 1])
    assert to_loggable({"n": 2**100}) == repr({"n": 2**100})
