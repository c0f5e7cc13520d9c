"""Fixtures for tests of Steppe as a user installs it (built once per test session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.install.installed import Installed, build_dists


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "install: builds the wheel and installs it into a fresh virtual environment (slow; "
        "part of `make test`)",
    )


@pytest.fixture(scope="session")
def dists(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The wheel and the sdist, built from a copy of the checkout."""
    return build_dists(tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory, dists: tuple[Path, Path]) -> Installed:
    """Steppe installed from the wheel into a new virtual environment outside the repository."""
    return Installed.create(tmp_path_factory.mktemp("venv") / "venv", dists[0])
