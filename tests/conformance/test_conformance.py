"""The same five steps, written in TypeScript, JavaScript, Python and Ruby, behave the same
through the real runners and the real server (tests/conformance/steps/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import trio

from orchestrator.core.errors import RemoteError
from tests.helpers import serving, wait_for

CONFORMANCE_DIR = Path(__file__).parent
LANGS = {"ts": "Ts", "js": "Js", "py": "Py", "rb": "Rb"}


def _without_lang(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_lang(v) for k, v in value.items() if k not in ("lang", "traceId")}
    return value


async def test_api_handlers_answer_identically() -> None:
    async with serving(CONFORMANCE_DIR) as (_, client):
        answers = {}
        for lang in LANGS:
            response = await client.post(
                f"/conf/{lang}/items/7", params={"q": "z"}, json={"name": "x", "qty": 2}
            )
            assert response.status_code == 201, response.text
            assert response.headers["x-lang"] == lang
            body = response.json()
            assert body["lang"] == lang
            assert body["traceId"] == response.headers["x-trace-id"]
            answers[lang] = _without_lang(body)
    assert answers["ts"] == {"id": "7", "name": "x", "qty": 4, "query": "z"}
    assert all(answer == answers["ts"] for answer in answers.values()), answers


async def test_body_schemas_in_every_form_reject_the_same_way() -> None:
    """zod (TS), JSON Schema (JS, Python) and the shorthand (Ruby) give the same 400."""
    async with serving(CONFORMANCE_DIR) as (_, client):
        bodies = {}
        for lang in LANGS:
            response = await client.post(f"/conf/{lang}/items/7", json={"qty": "two"})
            assert response.status_code == 400, response.text
            bodies[lang] = response.json()["errors"]
    assert bodies["rb"] == [
        {"path": "name", "message": "'name' is a required property"},
        {"path": "qty", "message": "'two' is not of type 'number'"},
    ]
    assert all(errors == bodies["rb"] for errors in bodies.values()), bodies


async def test_event_handlers_emit_and_use_state_identically() -> None:
    async with serving(CONFORMANCE_DIR) as (services, client):
        for lang in LANGS:
            response = await client.post(
                "/__steppe/api/emit", json={"topic": f"conf.event.{lang}", "data": {"value": 4}}
            )
            assert response.status_code == 202, response.text
        await services.bus.wait_idle()
        state = services.env.state
        done = {lang: await state.get("conf-done", lang) for lang in LANGS}
        last = {lang: await state.get(f"conf-{lang}", "last") for lang in LANGS}
    for lang in LANGS:
        assert last[lang] == {"value": 4, "lang": lang}
        assert done[lang] == {
            "value": 5,
            "lang": lang,
            "got": 4,
            "missingIsNull": True,
            "deleted": 1,
            "groupSize": 1,
        }


async def test_cron_handlers_get_only_the_context() -> None:
    async with serving(CONFORMANCE_DIR) as (services, _):
        steps = services.runtime.project.steps
        async with trio.open_nursery() as nursery:
            for suffix in LANGS.values():
                nursery.start_soon(services.cron.run_now, steps[f"ConfCron{suffix}"])
        ran = {lang: await services.env.state.get("conf-cron", lang) for lang in LANGS}
    for lang, value in ran.items():
        assert value["ran"] is True and len(value["traceId"]) == 32, (lang, value)


async def test_thrown_errors_reach_the_orchestrator_with_name_message_and_stack() -> None:
    async with serving(CONFORMANCE_DIR) as (services, _):
        steps = services.runtime.project.steps
        for lang, suffix in LANGS.items():
            step = steps[f"ConfThrow{suffix}"]
            trace_id = services.env.tracer.start_trace("cli", "test")
            with pytest.raises(RemoteError) as caught:
                await services.env.invoker.invoke(step, trace_id, {})
            assert caught.value.remote_message == f"boom from {lang}"
            # The stack names the step file at the line that throws (TS: mapped back from JS).
            source = step.path.read_text().splitlines()
            line = next(
                n
                for n, text in enumerate(source, 1)
                if "boom from" in text and ("raise" in text or "throw " in text)
            )
            where = (
                f'{step.path.name}", line {line}' if lang == "py" else f"{step.path.name}:{line}"
            )
            assert caught.value.stack and where in caught.value.stack, caught.value.stack
            trace = services.env.tracer.get(trace_id)
            assert trace is not None and trace.status == "error"


async def test_printed_output_becomes_a_log_line_of_the_step_not_protocol_noise() -> None:
    async with serving(CONFORMANCE_DIR) as (services, _):
        steps = services.runtime.project.steps
        for lang, suffix in LANGS.items():
            step = steps[f"ConfPrint{suffix}"]
            trace_id = services.env.tracer.start_trace("cli", "test")
            result = await services.env.invoker.invoke(step, trace_id, {})
            assert result == {"printed": True}

            def printed(step_name: str = step.name, text: str = f"printed by {lang}") -> bool:
                return any(
                    e["step"] == step_name and text in e["msg"] for e in services.env.logs.tail
                )

            await wait_for(printed, timeout=5)
            after = [e for e in services.env.logs.tail if e["msg"] == "after print"]
            assert any(e["traceId"] == trace_id for e in after)


async def test_runner_refusals_carry_the_same_error_names_in_every_language() -> None:
    """The names of runners/README.md "Errors", as the orchestrator receives them."""
    async with serving(CONFORMANCE_DIR) as (services, _):
        steps = services.runtime.project.steps
        pool = services.env.invoker.pool
        for suffix in LANGS.values():
            step = steps[f"ConfThrow{suffix}"]
            unloaded = step.path.with_name(f"never-loaded{''.join(step.path.suffixes)}")
            for path, fn, name in [
                (step.path, "canAccess", "NoSuchFunction"),
                (unloaded, "handler", "NotLoaded"),
            ]:
                with pytest.raises(RemoteError) as caught:
                    await pool.invoke(
                        language=step.language, path=path, owner=step.name, trace_id="t", fn=fn
                    )
                assert caught.value.name == name, (suffix, caught.value)
