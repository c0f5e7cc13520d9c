"""orchestrator/model/dotenv.py: the `.env` parser, loading it, and `requiredEnv` against it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from orchestrator.core.errors import ConfigError
from orchestrator.model.dotenv import load_dotenv, parse_dotenv
from orchestrator.model.settings import Settings
from orchestrator.wiring.runtime import open_runtime
from tests.helpers import serving

SECRET = "s3cr3t-value-do-not-print"


def test_parses_assignments_comments_and_blank_lines() -> None:
    text = """
# a comment
   # an indented comment

PLAIN=value
SPACED = spaced value \t
export EXPORTED=yes
export  ALSO_EXPORTED = yes too
EMPTY=
EMPTY_WITH_COMMENT= # nothing here
INLINE=value # a comment
HASH_IN_VALUE=a#b
HASH_FIRST=#not-a-comment
URL=postgres://user:pa=ss@host:5432/db?x=1
dotted.name-ok=1
"""
    assert parse_dotenv(text) == {
        "PLAIN": "value",
        "SPACED": "spaced value",
        "EXPORTED": "yes",
        "ALSO_EXPORTED": "yes too",
        "EMPTY": "",
        "EMPTY_WITH_COMMENT": "",
        "INLINE": "value",
        "HASH_IN_VALUE": "a#b",
        "HASH_FIRST": "#not-a-comment",
        "URL": "postgres://user:pa=ss@host:5432/db?x=1",
        "dotted.name-ok": "1",
    }


def test_quoted_values() -> None:
    text = (
        "SINGLE='literal \\n # $HOME \"x\"'\n"
        'DOUBLE="tab\\there\\nnew line \\"quoted\\" \\\\ # not a comment"\n'
        "TRAILING='kept'   # comment after the quote\n"
        'EMPTY_QUOTES=""\n'
        "export QUOTED_EXPORT='x y'\n"
        'MULTI="line one\nline two"\n'
        "PEM='-----BEGIN KEY-----\nabc\n-----END KEY-----'\n"
        "AFTER=still parsed\n"
    )
    assert parse_dotenv(text) == {
        "SINGLE": 'literal \\n # $HOME "x"',
        "DOUBLE": 'tab\there\nnew line "quoted" \\ # not a comment',
        "TRAILING": "kept",
        "EMPTY_QUOTES": "",
        "QUOTED_EXPORT": "x y",
        "MULTI": "line one\nline two",
        "PEM": "-----BEGIN KEY-----\nabc\n-----END KEY-----",
        "AFTER": "still parsed",
    }


def test_no_variable_expansion_crlf_bom_and_last_definition_wins() -> None:
    text = "\ufeffA=1\r\nB=${A}-$A\r\nA=2\r\n"
    assert parse_dotenv(text) == {"A": "2", "B": "${A}-$A"}


def test_an_export_named_variable_is_still_a_variable() -> None:
    assert parse_dotenv("export=1\nexporter=2") == {"export": "1", "exporter": "2"}


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (f"OK=1\nJUST_A_NAME {SECRET}\n", 2, "expected '=' after the name (KEY=VALUE)"),
        # A bare token alone on a line (issue 15): the name pattern matches it, so the
        # message must not quote the name either.
        ("OK=1\nsk-proj-AbC123secret\n", 2, "expected '=' after the name (KEY=VALUE)"),
        (f"OK=1\n\n1BAD={SECRET}\n", 3, "expected KEY=VALUE"),
        (f"A=1\nB='{SECRET}\nC=3\n", 2, "quote is never closed"),
        (f'A="{SECRET}" trailing\n', 1, "unexpected text after the closing quote"),
    ],
)
def test_errors_name_the_file_and_line_but_never_the_value(
    text: str, line: int, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_dotenv(text, "/project/.env")
    error = str(caught.value)
    assert error.startswith(f"/project/.env: line {line}: ")
    assert message in error
    assert SECRET not in error
    assert "AbC123" not in error


def test_load_never_overrides_and_a_missing_file_is_no_error(tmp_path: Path) -> None:
    assert load_dotenv(tmp_path, {}) == []
    (tmp_path / ".env").write_text("NEW=from-file\nSET=from-file\nBLANK=from-file\n")
    environ = {"SET": "from-environment", "BLANK": ""}
    assert load_dotenv(tmp_path, environ) == ["NEW"]
    assert environ == {"SET": "from-environment", "BLANK": "", "NEW": "from-file"}


def test_load_into_os_environ(tmp_path: Path, restore_environ: None) -> None:
    os.environ.pop("STEPPE_TEST_DOTENV", None)
    (tmp_path / ".env").write_text("STEPPE_TEST_DOTENV=loaded\n")
    assert load_dotenv(tmp_path) == ["STEPPE_TEST_DOTENV"]
    assert os.environ["STEPPE_TEST_DOTENV"] == "loaded"


NEEDS_SECRET = {
    "steps/needs_secret.step.py": f"EXPECTED = {SECRET!r}\n"
    + """
import os

config = {
    "type": "api", "name": "NeedsSecret", "method": "GET", "path": "/secret",
    "requiredEnv": ["STEPPE_TEST_SECRET"],
}

def handler(req, context):
    # Whether the runner inherited the value, without ever returning the value.
    return {"status": 200, "body": {"matches": os.environ.get("STEPPE_TEST_SECRET") == EXPECTED}}
""",
}


async def test_a_step_is_refused_without_its_required_env(
    make_project: Callable[..., Path], restore_environ: None
) -> None:
    os.environ.pop("STEPPE_TEST_SECRET", None)
    root = make_project(NEEDS_SECRET)
    async with open_runtime(root, Settings()) as runtime:
        project = runtime.project
    assert "NeedsSecret" not in project.steps
    [problem] = project.errors
    assert problem.field == "requiredEnv"
    assert "STEPPE_TEST_SECRET" in problem.message


async def test_a_step_is_accepted_with_its_required_env_from_dotenv(
    make_project: Callable[..., Path], restore_environ: None
) -> None:
    os.environ.pop("STEPPE_TEST_SECRET", None)
    root = make_project({**NEEDS_SECRET, ".env": f"export STEPPE_TEST_SECRET='{SECRET}'\n"})
    async with serving(root) as (services, client):
        assert "NeedsSecret" in services.runtime.project.steps
        assert not services.runtime.project.errors
        response = await client.get("/secret")
    assert response.json() == {"matches": True}


def test_cli_never_prints_env_values(
    make_project: Callable[..., Path], restore_environ: None
) -> None:
    root = make_project({**NEEDS_SECRET, ".env": f"OTHER_SECRET={SECRET}\n"})
    env = {k: v for k, v in os.environ.items() if k != "STEPPE_TEST_SECRET"}
    build = subprocess.run(
        [sys.executable, "-m", "orchestrator", "build", "--verbose", "--dir", str(root)],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert build.returncode == 1
    assert "needs environment variables: STEPPE_TEST_SECRET" in build.stderr
    assert SECRET not in build.stdout + build.stderr

    (root / ".env").write_text(f"GOOD=1\nBROKEN '{SECRET}'\n")
    broken = subprocess.run(
        [sys.executable, "-m", "orchestrator", "build", "--dir", str(root)],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert broken.returncode == 2
    assert ".env: line 2: expected '=' after the name" in " ".join(broken.stderr.split())
    assert "BROKEN" not in broken.stderr
    assert SECRET not in broken.stdout + broken.stderr
