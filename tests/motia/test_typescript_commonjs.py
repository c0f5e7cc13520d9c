"""TypeScript in a CommonJS project (issue 16, item 6), through the real server and Node
runner: with no `"type": "module"` in package.json, or no package.json, a `.ts` step or
helper may use `require`, `module.exports`, `exports.x`, `__dirname` and `__filename`;
ESM-syntax TypeScript keeps working there and in a `"type": "module"` project.

Motia ran TypeScript as CommonJS up to 0.13: packages/core/src/node/node-runner.ts at
v0.13.0-beta.160 calls `require('ts-node').register({ transpileOnly: true,
compilerOptions: { module: 'commonjs' } })`, then `require(path.resolve(filePath))`.
Motia 0.17 compiles TypeScript to ESM with esbuild (packages/core/src/ts-compiler.ts at
v0.17.14-beta.196, `format: 'esm'`) and its scaffold writes `"type": "module"`
(packages/snap/src/create/index.ts at the same tag), so projects from before 0.17 are the
CommonJS ones. Steppe follows the package scope, as ts-node and tsx do."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import reloader_for, serving

HELPER = """
// Written for ts-node: CommonJS exports, no import or export.
const { readFileSync } = require('fs')
const { join } = require('path')

function greet(name: string): string {
  return `${readFileSync(join(__dirname, 'greeting.txt'), 'utf8').trim()}, ${name}`
}

module.exports = { greet, VERSION: 1 }
"""
REQUIRES = """
import type { Handlers } from 'motia'
const helper = require('./lib/helper')

export const config = { type: 'api', name: 'Requires', method: 'GET', path: '/requires', emits: [] }

export const handler: Handlers['Requires'] = async () => ({
  status: 200,
  body: { greeting: helper.greet('ada'), version: helper.VERSION, file: __filename },
})
"""
IMPORTS = """
import { greet } from './lib/helper'

exports.config = { type: 'api', name: 'Imports', method: 'GET', path: '/imports', emits: [] }
exports.handler = async () => ({ status: 200, body: { greeting: greet('bo') } })
"""
ESM_SYNTAX = """
import { z } from 'zod'
import type { Handlers } from 'motia'

export const config = {
  type: 'api', name: 'EsmSyntax', method: 'POST', path: '/esm', emits: [],
  bodySchema: z.object({ n: z.number() }),
}

export const handler: Handlers['EsmSyntax'] = async (req) => ({
  status: 200,
  body: { doubled: req.body.n * 2 },
})
"""
ESM_HELPER = """
export const shout = (text: string): string => `${text.toUpperCase()}!`
export const folder: string = __dirname
"""
ESM_STEP = """
import { z } from 'zod'
import { shout, folder } from './lib/shout'

export const config = {
  type: 'api', name: 'EsmProject', method: 'POST', path: '/shout', emits: [],
  bodySchema: z.object({ text: z.string() }),
}

export const handler = async (req: { body: { text: string } }) => ({
  status: 200,
  body: { text: shout(req.body.text), folder, hasRequire: typeof require !== 'undefined' },
})
"""
COMMONJS_FILES = {
    "steps/lib/helper.ts": HELPER,
    "steps/lib/greeting.txt": "hello\n",
    "steps/requires.step.ts": REQUIRES,
    "steps/imports.step.ts": IMPORTS,
    "steps/esm-syntax.step.ts": ESM_SYNTAX,
}


@pytest.mark.parametrize(
    "manifest",
    [{"package.json": '{"name": "legacy-app", "version": "1.0.0"}'}, {}],
    ids=["package.json without type", "no package.json"],
)
async def test_commonjs_typescript_requires_and_exports(
    make_project: Callable[..., Path], manifest: dict[str, str]
) -> None:
    root = make_project(COMMONJS_FILES | manifest)
    async with serving(root) as (_services, client):
        assert (await client.get("/__steppe/api/problems")).json() == []
        assert (await client.get("/requires")).json() == {
            "greeting": "hello, ada",
            "version": 1,
            "file": str(root / "steps" / "requires.step.ts"),
        }
        assert (await client.get("/imports")).json() == {"greeting": "hello, bo"}
        assert (await client.post("/esm", json={"n": 21})).json() == {"doubled": 42}
        assert (await client.post("/esm", json={"n": "x"})).status_code == 400


async def test_an_esm_project_keeps_typescript_esm(make_project: Callable[..., Path]) -> None:
    root = make_project(
        {
            "package.json": '{"name": "app", "type": "module"}',
            "steps/lib/shout.ts": ESM_HELPER,
            "steps/shout.step.ts": ESM_STEP,
        }
    )
    async with serving(root) as (_services, client):
        assert (await client.get("/__steppe/api/problems")).json() == []
        response = await client.post("/shout", json={"text": "hey"})
        folder = str(root / "steps" / "lib")
        assert response.json() == {"text": "HEY!", "folder": folder, "hasRequire": False}


async def test_a_required_helper_edit_reloads_the_step(make_project: Callable[..., Path]) -> None:
    root = make_project(COMMONJS_FILES)
    async with serving(root) as (services, client):
        assert (await client.get("/requires")).json()["version"] == 1
        reloader = reloader_for(services)
        helper = root / "steps" / "lib" / "helper.ts"
        helper.write_text(HELPER.replace("VERSION: 1", "VERSION: 2"), encoding="utf-8")
        await reloader.apply_changes({helper})
        assert (await client.get("/requires")).json()["version"] == 2
        assert (await client.get("/imports")).json() == {"greeting": "hello, bo"}
