"""Project settings from steppe.toml or [tool.steppe] in pyproject.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.core.errors import ConfigError
from orchestrator.model.settings import Settings, load_settings


def test_defaults_without_any_file(tmp_path: Path) -> None:
    assert load_settings(tmp_path) == Settings()


def test_pyproject_table_is_read_with_kebab_or_snake_keys(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname="x"\n[tool.steppe]\nport = 4000\nstep-dirs = ["flows"]\nstate = "memory"\n'
    )
    settings = load_settings(tmp_path)
    assert (settings.port, settings.step_dirs, settings.state) == (4000, ("flows",), "memory")


def test_steppe_toml_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.steppe]\nport = 4000\n")
    (tmp_path / "steppe.toml").write_text("port = 5000\n")
    assert load_settings(tmp_path).port == 5000


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("prot = 1\n", "prot: unknown setting; did you mean 'port'?"),
        ('port = "80"\n', "port: must be int"),
        ('state = "mongo"\n', "state: must be one of sqlite, memory, redis"),
        ("port = \n", "is not valid TOML"),
    ],
)
def test_bad_settings_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "steppe.toml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path)
    assert message in str(caught.value) and "steppe.toml" in str(caught.value)


def test_strict_emits_is_a_boolean(tmp_path: Path) -> None:
    (tmp_path / "steppe.toml").write_text("strict_emits = true\n")
    assert load_settings(tmp_path).strict_emits is True
    (tmp_path / "steppe.toml").write_text("strict-emits = 1\n")
    with pytest.raises(ConfigError, match="strict-emits: must be bool, got 1"):
        load_settings(tmp_path)


def test_stream_deflate_is_off_unless_set_to_true(tmp_path: Path) -> None:
    assert Settings().stream_deflate is False
    (tmp_path / "steppe.toml").write_text("stream-deflate = true\n")
    assert load_settings(tmp_path).stream_deflate is True
    (tmp_path / "steppe.toml").write_text('stream_deflate = "yes"\n')
    with pytest.raises(ConfigError, match="stream_deflate: must be bool"):
        load_settings(tmp_path)
