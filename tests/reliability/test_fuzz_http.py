"""Schemathesis against /openapi.json of the example project: no 5xx but the documented
500 of a handler that throws, and every response matches its schema."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import trio

from tests.helpers import REPO_ROOT, serving

ST = Path(sys.executable).with_name("st")


async def test_the_example_api_survives_schemathesis(monkeypatch: pytest.MonkeyPatch) -> None:
    # The chat example answers 503 while no model is configured (by design, so that it says
    # what is missing). Configured with a model address where nothing listens, its API is
    # fuzzed on its real path, and no real model (say, a key in .env) is ever called.
    monkeypatch.setenv("LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("LLM_API_KEY", "TEST-no-model")
    monkeypatch.setenv("LLM_MODEL", "TEST")
    async with serving(REPO_ROOT) as (services, _):
        command = [str(ST), "run", f"{services.url}/openapi.json", "--checks", "all"]
        command += ["--max-examples", "25", "--seed", "20261126", "--no-color"]
        # JSON text must be valid Unicode to reach a step (lone surrogates are a 400).
        command += ["--generation-codec", "utf-8"]
        result = await trio.run_process(
            command,
            capture_stdout=True,
            capture_stderr=True,
            check=False,
        )
    output = result.stdout.decode(errors="replace")
    assert result.returncode == 0, output[-6000:]
    assert "passed" in output
