"""`steppe completion bash|zsh|fish` (docs/reference.md §9): scripts made from the
parser, run in the real shell where it is installed."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.helpers import REPO_ROOT


def _script(shell: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "orchestrator", "completion", shell],
        capture_output=True, text=True, cwd=REPO_ROOT, check=True,
    )  # fmt: skip
    return result.stdout


def _bash_complete(script: str, *words: str) -> list[str]:
    line = " ".join(words)
    program = (
        f"{script}\nCOMP_WORDS=(steppe {line}); COMP_CWORD={len(words)}; _steppe; "
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )
    result = subprocess.run(["bash", "-c", program], capture_output=True, text=True, check=True)
    return result.stdout.split()


def test_bash_completes_commands_options_and_choices() -> None:
    script = _script("bash")
    assert {"dev", "start", "emit", "dlq", "completion"} <= set(_bash_complete(script, ""))
    assert _bash_complete(script, "st") == ["start"]
    assert {"--port", "--json", "--host"} <= set(_bash_complete(script, "dev", "--"))
    assert set(_bash_complete(script, "dlq", "")) >= {"list", "show", "replay", "purge"}
    assert set(_bash_complete(script, "completion", "")) >= {"bash", "zsh", "fish"}


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_scripts(shell: str) -> None:
    script = _script(shell)
    if shell == "fish":
        assert "complete -c steppe -n __fish_use_subcommand -a dev" in script
        assert "complete -c steppe -n '__fish_seen_subcommand_from dev' -l json" in script
    else:
        assert script.startswith("autoload -U +X bashcompinit && bashcompinit\n")
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed; the script's text was checked")
    subprocess.run([shell, "-n"], input=script, text=True, check=True)
