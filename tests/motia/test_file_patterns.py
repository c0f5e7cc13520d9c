"""Step and stream files named as Motia 0.17 discovers them, served through the real
server, and look-alike files that are skipped listed by `steppe build` with the reason.

Motia's patterns: packages/snap/src/generate-locked-data.ts at v0.17.14-beta.196
(`**/*.step.{ts,js,rb}`, `**/*_step.{ts,js,py,rb}`, `**/*.stream.{ts,js,rb}`,
`**/*_stream.{ts,js,py,rb}`, under steps/ and src/)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from orchestrator.model.discovery import classify, skipped_files
from tests.helpers import serving

MOTIA_NAMES = {
    "a_step.ts": ("step", "node"),
    "a_step.js": ("step", "node"),
    "a_step.mjs": ("step", "node"),
    "a_step.cjs": ("step", "node"),
    "a_step.rb": ("step", "ruby"),
    "a_step.py": ("step", "python"),
    "a_stream.ts": ("stream", "node"),
    "a_stream.js": ("stream", "node"),
    "a_stream.rb": ("stream", "ruby"),
    "a_stream.py": ("stream", "python"),
}


@pytest.mark.parametrize(("name", "expected"), sorted(MOTIA_NAMES.items()))
def test_motia_names_are_classified(name: str, expected: tuple[str, str]) -> None:
    found = classify(Path(name))
    assert found is not None and (found.kind, found.language) == expected


TS_STEP = """
export const config = { type: 'api', name: 'TsUnderscore', method: 'GET', path: '/ts', emits: [] }
export const handler = async () => ({ status: 200, body: { from: 'ts' } })
"""
JS_STEP = """
exports.config = { type: 'api', name: 'JsUnderscore', method: 'GET', path: '/js', emits: [] }
exports.handler = async () => ({ status: 200, body: { from: 'js' } })
"""
RB_STEP = """
def config
  { type: 'api', name: 'RbUnderscore', method: 'GET', path: '/rb', emits: [] }
end

def handler(_req, _ctx)
  { status: 200, body: { from: 'rb' } }
end
"""
TS_STREAM = """
const base = { storageType: 'default' }
export const config = { name: 'tally', schema: { type: 'object' }, baseConfig: base }
"""
JS_STREAM = """
const base = { storageType: 'default' }
exports.config = { name: 'notes', schema: { type: 'object' }, baseConfig: base }
"""
RB_STREAM = """
def config
  { name: 'marks', schema: { type: 'object' }, baseConfig: { storageType: 'default' } }
end
"""


@pytest.fixture
def motia_named_project(make_project: Callable[..., Path]) -> Path:
    return make_project(
        {
            "steps/ts_api_step.ts": TS_STEP,
            "steps/js_api_step.js": JS_STEP,
            "src/rb_api_step.rb": RB_STEP,
            "steps/tally_stream.ts": TS_STREAM,
            "steps/notes_stream.js": JS_STREAM,
            "steps/marks_stream.rb": RB_STREAM,
            # Look-alikes: never loaded, each listed with its reason.
            "steps/widget.step.tsx": TS_STEP,
            "steps/types.step.d.ts": "export {}\n",
            "steps/dist/old.step.js": JS_STEP,
            "steps/node_modules/pkg/dep.step.js": JS_STEP,
        }
    )


async def test_underscore_steps_and_streams_are_served(motia_named_project: Path) -> None:
    async with serving(motia_named_project) as (services, client):
        for path, language in (("/ts", "ts"), ("/js", "js"), ("/rb", "rb")):
            response = await client.get(path)
            assert response.status_code == 200, response.text
            assert response.json() == {"from": language}
        assert set(services.runtime.project.streams) == {"tally", "notes", "marks"}
        snapshot = await client.get("/streams/notes/g1")
        assert snapshot.status_code == 200


def test_skipped_look_alikes_are_listed_with_their_reason(motia_named_project: Path) -> None:
    reasons = {
        s.path.relative_to(motia_named_project).as_posix(): s.reason
        for s in skipped_files(motia_named_project)
    }
    assert set(reasons) == {
        "steps/widget.step.tsx",
        "steps/types.step.d.ts",
        "steps/dist/old.step.js",
    }
    assert "matches none of" in reasons["steps/widget.step.tsx"]
    assert "declaration" in reasons["steps/types.step.d.ts"]
    assert "inside dist/" in reasons["steps/dist/old.step.js"]


def test_build_lists_skipped_files(motia_named_project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "orchestrator", "build", "--dir", str(motia_named_project)],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )
    assert result.returncode == 0, result.stderr
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped ")]
    assert any("steps/widget.step.tsx: matches none of" in line for line in skipped), skipped
    assert any("steps/dist/old.step.js: inside dist/" in line for line in skipped), skipped
    assert not any("node_modules" in line for line in skipped)
    assert "3 steps, 3 streams, no errors" in result.stderr
