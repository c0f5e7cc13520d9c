"""Refused Motia 1.0 configs: each error names the file, the step, `triggers[i]` and
the field. Trigger shapes are Motia 1.0's motia-js/packages/motia/src/types.ts
(`TriggerConfig`); cron takes 6 or 7 fields as for 0.17."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from orchestrator.model.step import Step
from orchestrator.model.trigger_validation import check_any_step_config
from tests.helpers import serving


def errors(triggers: list[Any], **extra: Any) -> list[str]:
    return [str(p) for p in check_any_step_config({"name": "S", "triggers": triggers, **extra})[0]]


def test_each_trigger_is_checked_against_its_type() -> None:
    assert errors([{"type": "webhook"}]) == [
        "triggers[0].type: 'webhook' is not a trigger type (http, queue, cron, state, stream)"
        " (step 'S')"
    ]
    assert errors([{"type": "http", "method": "GET", "path": "/x"}, {"type": "queue"}]) == [
        "triggers[1].topic: is required (step 'S')"
    ]
    assert errors([{"type": "http", "method": "GET"}]) == [
        "triggers[0].path: is required (step 'S')"
    ]
    assert errors([{"type": "cron"}]) == ["triggers[0].expression: is required (step 'S')"]
    (bad_cron,) = errors([{"type": "cron", "expression": "* * * * * * * *"}])
    assert bad_cron.startswith("triggers[0].expression: '* * * * * * * *' is not a valid cron")
    assert errors([{"type": "cron", "expression": "0 0 12 * * * 2027"}]) == []
    assert errors([{"type": "cron", "expression": "*/5 * * * * *"}]) == []


def test_queue_options_are_checked_and_must_agree() -> None:
    (unknown,) = errors([{"type": "queue", "topic": "a", "config": {"maxRetrys": 1}}])
    assert unknown.startswith("triggers[0].config.maxRetrys: is not a known option")
    two = [
        {"type": "queue", "topic": "a", "config": {"maxRetries": 1}},
        {"type": "queue", "topic": "b", "config": {"maxRetries": 2}},
    ]
    (differ,) = errors(two)
    assert differ.startswith("triggers[1].config: differs from triggers[0].config")


def test_an_unknown_trigger_field_is_a_warning_and_triggers_must_be_a_list() -> None:
    config = {"name": "S", "triggers": [{"type": "state", "conditon": True}]}
    found, warnings = check_any_step_config(config)
    assert found == [] and str(warnings[0]).startswith(
        "triggers[0].conditon: is not a known option; did you mean 'condition'?"
    )
    not_a_list = check_any_step_config({"name": "S", "triggers": "http"})[0]
    assert [str(e) for e in not_a_list] == ["triggers: 'http' is not of type 'array' (step 'S')"]


BAD_FILES = {
    "steps/no_topic.step.ts": """
export const config = { name: 'NoTopic', triggers: [{ type: 'queue', input: { type: 'object' } }] }
export const handler = async () => {}
""",
    "steps/bad_middleware.step.js": """
export const config = {
  name: 'BadMw', triggers: [{ type: 'http', method: 'GET', path: '/m', middleware: ['auth'] }],
}
export const handler = async () => ({ status: 200, body: {} })
""",
    "steps/bad_condition.step.js": """
export const config = {
  name: 'BadCond', triggers: [{ type: 'queue', topic: 't', condition: 'yes' }],
}
export const handler = async () => {}
""",
    "steps/not_a_map.step.js": """
export const config = { name: 'NotMap', triggers: ['http'] }
export const handler = async () => {}
""",
    "steps/same_route.step.js": """
export const config = {
  name: 'SameRoute', triggers: [{ type: 'http', method: 'GET', path: '/taken/:x' }],
}
export const handler = async () => ({ status: 200, body: {} })
""",
    "steps/a_taken.step.js": """
export const config = { type: 'api', name: 'Taken', method: 'GET', path: '/taken/:id', emits: [] }
export const handler = async () => ({ status: 200, body: {} })
""",
}


async def test_refused_files_name_file_step_trigger_and_field(
    make_project: Callable[..., Path],
) -> None:
    async with serving(make_project(BAD_FILES)) as (services, _client):
        project = services.runtime.project
        problems = {p.path.name: p.describe(project.root) for p in project.errors}
        assert problems["no_topic.step.ts"] == (
            "steps/no_topic.step.ts: triggers[0].topic: is required (step 'NoTopic')"
        )
        assert (
            "step 'BadMw': triggers[0].middleware[0] is not a function"
            in problems["bad_middleware.step.js"]
        )
        assert (
            "step 'BadCond': triggers[0].condition is not a function"
            in problems["bad_condition.step.js"]
        )
        assert "step 'NotMap': triggers[0] is not a map" in problems["not_a_map.step.js"]
        assert problems["same_route.step.js"] == (
            "steps/same_route.step.js: triggers[0].path: GET /taken/:x is already served by Taken"
        )
        assert set(project.steps) == {"Taken"}


def test_enqueues_is_emits_in_either_kind_of_file() -> None:
    old = {"type": "event", "name": "S", "subscribes": ["a"], "enqueues": ["b"]}
    found, warnings = check_any_step_config(old)
    assert found == [] and warnings == []
    assert Step("S", "event", Path("s.js"), "node", old).emit_topics == {"b"}
    new = {"name": "S", "triggers": [], "virtualEnqueues": [{"topic": "c", "label": "maybe"}]}
    assert check_any_step_config(new) == ([], [])
    assert Step("S", "noop", Path("s.js"), "node", new).virtual_emits[0].label == "maybe"
