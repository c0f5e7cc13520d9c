"""Hot reload in a real `steppe dev` process: edits in every language show up over HTTP
within 2 s, a broken edit keeps the last good version serving and shows the error, and
an edited helper reloads the steps that import it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

STEPS = {
    "ts": (
        "steps/v.step.ts",
        "import { word } from '../lib/word'\n"
        "export const config = { type: 'api', name: 'VTs', method: 'GET', path: '/v/ts' }\n"
        "export const handler = async () => ({ status: 200, body: { v: VERSION, word } })\n",
    ),
    "js": (
        "steps/v.step.js",
        "const { word } = require('../lib/word.js')\n"
        "exports.config = { type: 'api', name: 'VJs', method: 'GET', path: '/v/js' }\n"
        "exports.handler = async () => ({ status: 200, body: { v: VERSION, word } })\n",
    ),
    "py": (
        "steps/v.step.py",
        "from lib.word import WORD\n"
        "config = {'type': 'api', 'name': 'VPy', 'method': 'GET', 'path': '/v/py'}\n\n"
        "async def handler(req, context):\n"
        "    return {'status': 200, 'body': {'v': VERSION, 'word': WORD}}\n",
    ),
    "rb": (
        "steps/v.step.rb",
        "require_relative '../lib/word'\n"
        "def config\n  { type: 'api', name: 'VRb', method: 'GET', path: '/v/rb' }\nend\n"
        "def handler(req, ctx)\n  { status: 200, body: { v: VERSION, word: Word::WORD } }\nend\n",
    ),
}
HELPERS = {
    "ts": ("lib/word.ts", "export const word = 'WORD'\n"),
    "js": ("lib/word.js", "exports.word = 'WORD'\n"),
    "py": ("lib/word.py", "WORD = 'WORD'\n"),
    "rb": ("lib/word.rb", "module Word\n  WORD = 'WORD'\nend\n"),
}
BROKEN = {"ts": "export const = (", "js": "exports.x = (", "py": "def (:", "rb": "def config\n"}
RELOAD_WITHIN = 2.0


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _until(predicate: Callable[[], bool], timeout: float) -> float:
    """Seconds until predicate() holds; raises AssertionError after `timeout`."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        try:
            if predicate():
                return time.monotonic() - began
        except OSError:  # not listening yet
            pass
        time.sleep(0.02)
    raise AssertionError(f"not seen within {timeout}s")


def test_edits_in_every_language_reload_without_a_restart(
    make_project: Callable[..., Path],
) -> None:
    root = make_project()
    for lang, (rel, text) in STEPS.items():
        _write(root, rel, text.replace("VERSION", "1"))
        _write(root, *HELPERS[lang])
    (root / "lib" / "__init__.py").write_text("")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "orchestrator", "dev", "--dir", str(root), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        _until(lambda: _get(f"{base}/v/py")[0] == 200, 30)
        for lang in STEPS:
            assert _get(f"{base}/v/{lang}") == (200, {"v": 1, "word": "WORD"}), lang
        server_pid_runners = _get(f"{base}/__steppe/api/steps")[1]
        assert len(server_pid_runners) == 4

        # 1. An edit in each language is served within 2 s.
        for lang, (rel, text) in STEPS.items():
            _write(root, rel, text.replace("VERSION", "2"))
            took = _until(lambda lang=lang: _get(f"{base}/v/{lang}")[1]["v"] == 2, 10)
            assert took < RELOAD_WITHIN, f"{lang} edit took {took:.2f}s to be served"

        # 2. A broken edit: the last good version still serves, and the error is shown.
        for lang, (rel, _) in STEPS.items():
            _write(root, rel, BROKEN[lang])

        def shown(lang: str) -> bool:
            problems = _get(f"{base}/__steppe/api/problems")[1]
            path = str(root / STEPS[lang][0])
            return any(p["path"] == path and "last good version" in p["message"] for p in problems)

        for lang in STEPS:
            _until(lambda lang=lang: shown(lang), 10)
            assert _get(f"{base}/v/{lang}") == (200, {"v": 2, "word": "WORD"}), lang

        # 3. Fixed again, then a helper edit reloads the steps that import it.
        for rel, text in STEPS.values():
            _write(root, rel, text.replace("VERSION", "3"))
        for lang in STEPS:
            _until(lambda lang=lang: _get(f"{base}/v/{lang}")[1]["v"] == 3, 10)
        assert not _get(f"{base}/__steppe/api/problems")[1]
        for lang, (rel, text) in HELPERS.items():
            _write(root, rel, text.replace("'WORD'", "'NEW'"))
            took = _until(lambda lang=lang: _get(f"{base}/v/{lang}")[1]["word"] == "NEW", 10)
            assert took < RELOAD_WITHIN, f"{lang} helper edit took {took:.2f}s"

        # 4. A new file adds a route; a deleted one removes it.
        _write(root, "steps/extra.step.py", STEPS["py"][1].replace("VERSION", "9")
               .replace("VPy", "Extra").replace("/v/py", "/extra"))  # fmt: skip
        _until(lambda: _get(f"{base}/extra")[0] == 200, 10)
        (root / "steps" / "extra.step.py").unlink()
        _until(lambda: _get(f"{base}/extra")[0] == 404, 10)
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=30)
    assert server.returncode == 0, stderr.decode(errors="replace")[-3000:]
    assert b"reload failed, the last good version still serves" in stderr
