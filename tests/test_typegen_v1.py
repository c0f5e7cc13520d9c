"""`steppe types` for Motia 1.0 step files: `Handlers<typeof config>` infers the handler's
input from the config's triggers, as Motia 1.0's own types do
(`frameworks/motia/motia-js/packages/motia/src/types.ts`: `TriggerToInput`,
`InferHandlerInput`, `Handlers`; `src/triggers.ts` and `src/step.ts` for the helpers),
checked with the real `tsc` on tests/fixtures/motia1/ (written from Motia 1.0's docs and
playground) and on tests/typegen/checks_v1/."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from orchestrator.model.step import Step
from orchestrator.services.project import Project
from orchestrator.typegen.python import python_typed_dicts
from orchestrator.typegen.typescript import typescript_declarations
from tests.helpers import TESTS_DIR
from tests.typecheck import marked_lines, tsc_errors

FIXTURE = TESTS_DIR / "fixtures" / "motia1"
CHECKS = TESTS_DIR / "typegen" / "checks_v1"


def _v1_step(name: str, triggers: list[dict[str, Any]], **config: Any) -> Step:
    # The type a loader gives a 1.0 step does not matter to the types: its `triggers` do.
    return Step(
        name=name,
        type="noop",
        path=Path(f"/p/steps/{name}.step.ts"),
        language="node",
        config={"name": name, "triggers": triggers, **config},
        handlers=frozenset({"handler"}),
    )


def _object(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required}


STRING, NUMBER = {"type": "string"}, {"type": "number"}
ORDER = _object(["id"], id=STRING)
PING = _object([], n={"type": "integer"})


def _project(root: Path) -> Project:
    steps = [
        _v1_step(
            "Create",
            [{"type": "http", "method": "POST", "path": "/o", "bodySchema": ORDER}],
            enqueues=["order.created", {"topic": "order.audit", "conditional": True}],
        ),
        _v1_step(
            "Process",
            [
                {"type": "queue", "topic": "order.created", "input": ORDER},
                {"type": "queue", "topic": "ping", "input": PING},
                {"type": "cron", "expression": "* * * * *"},
            ],
        ),
    ]
    return Project(root, steps={s.name: s for s in steps})


def test_topics_come_from_queue_triggers_and_enqueues(tmp_path: Path) -> None:
    text = typescript_declarations(_project(tmp_path))
    assert '"order.created": SteppeTypes.ProcessInput;' in text
    assert '"ping": SteppeTypes.ProcessInput2;' in text
    assert '"order.audit": unknown;' in text  # declared, no subscriber
    assert "export type CreateBody = {" in text
    # A 1.0 step's handler is `Handlers<typeof config>`, not one of the named 0.17 handlers.
    handlers = text[text.index("export interface StepHandlers {") :]
    assert "Create:" not in handlers and "Process:" not in handlers


def test_python_typed_dicts_of_triggers(tmp_path: Path) -> None:
    text = python_typed_dicts(_project(tmp_path))
    assert "class CreateBody(TypedDict):" in text
    assert "class ProcessInput(TypedDict):" in text
    assert "class ProcessInput2(TypedDict):" in text


@pytest.fixture
def typed_fixture(tmp_path: Path) -> Path:
    """tests/fixtures/motia1 copied, with `steppe types` run on it by the real command."""
    root = tmp_path / "motia1"
    shutil.copytree(FIXTURE, root)
    result = subprocess.run(
        [sys.executable, "-m", "orchestrator", "types", "--dir", str(root)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    # Every file of the fixture loads (1.0 configs and the `motia` module included).
    assert result.returncode == 0 and "wrote types.d.ts" in result.stderr, result.stderr
    (root / "checks").mkdir()
    return root


def test_tsc_accepts_the_motia_1_fixture(typed_fixture: Path) -> None:
    # good.ts pins the handlers' inferred types, so an `any` would fail it.
    shutil.copy(CHECKS / "good.ts", typed_fixture / "checks" / "good.ts")
    returncode, errors, stdout = tsc_errors(typed_fixture)
    assert errors == {} and returncode == 0, stdout


def test_tsc_rejects_each_mistake_in_a_motia_1_step(typed_fixture: Path) -> None:
    shutil.copy(CHECKS / "bad.ts", typed_fixture / "checks" / "bad.ts")
    returncode, errors, stdout = tsc_errors(typed_fixture)
    assert returncode != 0
    # The fixture type-checks; bad.ts fails exactly on its marked lines.
    assert set(errors) == {"checks/bad.ts"}, stdout
    assert errors["checks/bad.ts"] == marked_lines(CHECKS / "bad.ts", "// error")


ENQUEUE_CHECKS = """\
import { enqueue } from 'motia'
export const known = async () => {
  await enqueue({ topic: 'order.stored', data: { orderId: 'o', total: 'ten' } }) // error
  await enqueue({ topic: 'audit', data: { action: 'deleted' } }) // error
  await enqueue({ topic: 'order.created', data: { orderId: 'o', item: 'i' } }) // error
  await enqueue({ topic: 'audit', data: { action: 'stored', count: 2 }, messageGroupId: 'g' })
  await enqueue({ topic: 'not.subscribed', data: { anything: true } })
}
"""


def test_tsc_types_enqueue_by_the_queue_triggers_of_the_project(typed_fixture: Path) -> None:
    """With the fixture's 1.0 steps loaded (their configs as a runner reports them: zod
    made JSON Schema), `enqueue` of their topics takes what their queue triggers accept."""
    action = {"type": "string", "enum": ["stored", "reported"]}
    order = _object(["orderId", "item", "quantity"], orderId=STRING, item=STRING, quantity=NUMBER)
    stored = _object(["orderId", "total"], orderId=STRING, total=NUMBER)
    legacy = {
        "type": "event",
        "name": "Legacy",
        "subscribes": ["order.created"],
        "input": _object(["orderId"], orderId=STRING, item=STRING, quantity=NUMBER),
    }
    steps = [
        _v1_step("Notify", [{"type": "queue", "topic": "order.stored", "input": stored}]),
        _v1_step("Audit", [{"type": "queue", "topic": "audit",
                            "input": _object(["action"], action=action, count=NUMBER)}]),
        _v1_step("ProcessOrder",
                 [{"type": "queue", "topic": "order.created", "input": order, "condition": True}],
                 enqueues=["order.stored", "audit"]),
        Step(name="Legacy", type="event", path=typed_fixture / "steps/legacy.step.ts",
             language="node", config=legacy),
    ]  # fmt: skip
    project = Project(typed_fixture, steps={s.name: s for s in steps})
    (typed_fixture / "types.d.ts").write_text(typescript_declarations(project))
    shutil.copy(CHECKS / "good.ts", typed_fixture / "checks" / "good.ts")
    (typed_fixture / "checks" / "enqueue.ts").write_text(ENQUEUE_CHECKS)
    _, errors, stdout = tsc_errors(typed_fixture)
    # The fixture and good.ts still type-check; each marked enqueue is refused.
    assert set(errors) == {"checks/enqueue.ts"}, stdout
    marked = marked_lines(typed_fixture / "checks/enqueue.ts", "// error")
    assert errors["checks/enqueue.ts"] == marked, stdout
