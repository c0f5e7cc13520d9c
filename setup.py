"""Puts Steppe's runners and schemas inside the built package.

In the repository they live beside the package (`runners/`, `schemas/`), where `make`,
their own test suites and an editable install use them. A wheel carries a copy in
`orchestrator/_shipped/`, laid out the same way, which `orchestrator/core/paths.py`
prefers when it exists. MANIFEST.in puts the same files into the sdist, so a wheel
built from the sdist has them too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = (
    "runners/node/package.json",
    "runners/node/package-lock.json",
    "runners/node/src/*.mjs",
    "runners/node/src/motia/*.*js",
    "runners/python/steppe_runner/**/*.py",
    "runners/ruby/runner.rb",
    "runners/ruby/echo.rb",
    "runners/ruby/lib/**/*.rb",
    "schemas/*.json",
)


class BuildWithRunners(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # an editable install runs the checkout's own runners/ and schemas/
        root = Path(__file__).resolve().parent
        target = Path(self.build_lib) / "orchestrator" / "_shipped"
        for pattern in SHIPPED:
            sources = sorted(p for p in root.glob(pattern) if p.is_file())
            if not sources:
                # A wheel without a runner installs fine and fails at the first step file.
                raise SystemExit(f"setup.py: nothing matches {pattern} (is MANIFEST.in in step?)")
            for source in sources:
                copy = target / source.relative_to(root)
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, copy)


setup(cmdclass={"build_py": BuildWithRunners})
