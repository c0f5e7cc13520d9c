"""`request.requestBody` of Motia 1.0 http handlers: the raw request body, read as
Motia 1.0's playground reads it, through the real server and each language's runner.

Motia 1.0's `MotiaHttpRequest.requestBody` is iii's ChannelReader (motia-js/packages/
motia/src/types.ts; sdk/packages/node/iii/src/channels.ts, sdk/packages/python/iii/src/
iii/channels.py). The playground's SSE steps read it chunk by chunk and parse it as a
form: `for await (const chunk of request.requestBody.stream)` (motia-js/playground/steps/
api-steps/sse.step.ts), `for chunk in request.request_body.stream` (motia-py/playground/
steps/api_steps/sse_step.py); Motia has no Ruby, whose idiom is an IO's `read`. The
engine parses only JSON bodies: any other content type gives `body` null and the bytes
in `requestBody` (engine/src/modules/rest_api/views.rs, `dynamic_handler`), and a
condition's input has no `request_body`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import serving

FORM_TS = """
import { type Handlers, http, type StepConfig } from 'motia'

export const config = {
  name: 'FormTs',
  triggers: [http('POST', '/form', {
    condition: (input: any) => input.requestBody === undefined && input.method === undefined,
  })],
  enqueues: [],
} as const satisfies StepConfig

export const handler: Handlers<typeof config> = async ({ request }) => {
  const chunks: string[] = []
  let size = 0
  for await (const chunk of request.requestBody.stream) {
    size += chunk.length
    chunks.push(Buffer.from(chunk).toString('utf-8'))
  }
  const raw = chunks.join('').trim()
  const parts: Record<string, string> = {}
  for (const [key, value] of new URLSearchParams(raw)) parts[key] = value
  const again = (await request.requestBody.readAll()).length
  return { status: 200, body: { parts, raw, size, again, body: request.body ?? null } }
}
"""

FORM_PY = """
from urllib.parse import parse_qsl
from motia import http

config = {"name": "FormPy", "triggers": [http("POST", "/py/form")], "enqueues": []}


async def handler(args):
    request = args.request
    raw_chunks = []
    size = 0
    for chunk in request.request_body.stream:
        size += len(chunk)
        raw_chunks.append(chunk.decode("utf-8", errors="replace"))
    raw = "".join(raw_chunks).strip()
    parts = dict(parse_qsl(raw, keep_blank_values=True))
    # iii's own ways: `async for` over the stream, `await read_all()`
    streamed = b"".join([chunk async for chunk in request.request_body.stream])
    whole = await request.request_body.read_all()
    again = len(whole) if streamed == whole else -1
    body = {"parts": parts, "raw": raw, "size": size, "again": again, "body": request.body}
    return {"status": 200, "body": body}
"""

FORM_RB = """
require 'uri'

def config
  { name: 'FormRb', triggers: [{ type: 'http', method: 'POST', path: '/rb/form' }], enqueues: [] }
end

def handler(args, _ctx)
  bytes = args['request']['requestBody'].read
  raw = bytes.dup.force_encoding('UTF-8').strip
  form = args['request']['headers']['content-type'].to_s.include?('form')
  parts = form ? URI.decode_www_form(raw).to_h : {}
  again = args['request']['requestBody'].read_all.bytesize
  { status: 200, body: { parts: parts, raw: raw, size: bytes.bytesize, again: again,
                         body: args['request']['body'] } }
end
"""

# A 0.17 API step: its request has no requestBody, and a body that is not JSON is a 400.
LEGACY = """
export const config = { type: 'api', name: 'Legacy', path: '/legacy', method: 'POST', emits: [] }
export const handler = async (req) => ({ status: 200, body: { keys: Object.keys(req).sort() } })
"""

FILES = {
    "steps/form.step.ts": FORM_TS,
    "steps/form_step.py": FORM_PY,
    "steps/form.step.rb": FORM_RB,
    "steps/legacy.step.js": LEGACY,
}
PREFIXES = ("", "/py", "/rb")
FORM = {"content-type": "application/x-www-form-urlencoded"}
JSON_TYPE = {"content-type": "application/json"}


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_a_form_body_is_read_from_request_body_the_playground_way(
    make_project: Callable[..., Path], prefix: str
) -> None:
    async with serving(make_project(FILES)) as (_services, client):
        sent = "name=Ada+Lovelace&lang=en&empty="
        answer = await client.post(f"{prefix}/form", content=sent, headers=FORM)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {
            "parts": {"name": "Ada Lovelace", "lang": "en", "empty": ""},
            "raw": sent,
            "size": len(sent),
            "again": len(sent),
            "body": None,  # not JSON: null, as Motia 1.0's engine gives, and no 400
        }


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_a_json_body_is_parsed_and_its_raw_text_readable(
    make_project: Callable[..., Path], prefix: str
) -> None:
    async with serving(make_project(FILES)) as (_services, client):
        sent = '{"a": [1, 2], "b": "é"}'
        answer = await client.post(f"{prefix}/form", content=sent.encode(), headers=JSON_TYPE)
        assert answer.status_code == 200, answer.text
        got = answer.json()
        assert got["raw"] == sent and got["size"] == len(sent.encode())
        assert got["body"] == {"a": [1, 2], "b": "é"}
        empty = await client.post(f"{prefix}/form")
        assert empty.status_code == 200, empty.text
        assert empty.json() == {"parts": {}, "raw": "", "size": 0, "again": 0, "body": None}


async def test_malformed_json_is_still_a_400_and_a_legacy_request_unchanged(
    make_project: Callable[..., Path],
) -> None:
    async with serving(make_project(FILES)) as (_services, client):
        bad = await client.post("/form", content="{oops", headers=JSON_TYPE)
        assert bad.status_code == 400 and bad.json()["error"] == "malformed JSON"
        legacy = await client.post("/legacy", content="a=1", headers=FORM)
        assert legacy.status_code == 400 and legacy.json()["error"] == "malformed JSON"
        ok = await client.post("/legacy", json={"a": 1})
        assert ok.json() == {"keys": ["body", "headers", "pathParams", "queryParams"]}


def test_steppe_run_gives_the_data_as_the_raw_body(make_project: Callable[..., Path]) -> None:
    """`steppe run` (docs/reference.md §9) of a 1.0 http step: `--data` is the body, and
    its JSON text the raw body."""
    project = make_project({"steps/form_step.py": FORM_PY})
    command = ["run", "FormPy", "--dir", str(project), "--data", '{"a": 1}']
    run = subprocess.run(
        [sys.executable, "-m", "orchestrator", *command],
        capture_output=True, text=True, timeout=120, env=dict(os.environ),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)["result"]["body"]
    assert result["raw"] == '{"a": 1}' and result["body"] == {"a": 1}
