"""`steppe completion bash|zsh|fish`: a shell completion script made from the parser
itself, so a new command or option completes without anyone editing a script."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

SHELLS = ("bash", "zsh", "fish")


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    help: str
    options: tuple[tuple[str, str], ...]  # (option string, help)
    choices: tuple[str, ...]  # of its first positional argument, if it has a fixed set


def commands(parser: argparse.ArgumentParser) -> list[Command]:
    """Every subcommand of `parser`, with its options and positional choices."""
    found: list[Command] = []
    for action in parser._actions:  # argparse has no public walk of its tree
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {a.dest: a.help or "" for a in action._choices_actions}
        for name, sub in action.choices.items():
            options = tuple((flag, a.help or "") for a in sub._actions for flag in a.option_strings)
            choices = next(
                (tuple(map(str, a.choices)) for a in sub._actions
                 if not a.option_strings and a.choices),
                (),
            )  # fmt: skip
            found.append(Command(name, helps.get(name, ""), options, choices))
    return found


def script(shell: str, parser: argparse.ArgumentParser) -> str:
    """The completion script for `shell` (one of SHELLS)."""
    found = commands(parser)
    if shell == "fish":
        return _fish(found)
    bash = _bash(found)
    if shell == "zsh":
        # zsh runs bash completion functions through bashcompinit.
        return "autoload -U +X bashcompinit && bashcompinit\n" + bash
    return bash


def _bash(found: list[Command]) -> str:
    names = " ".join(c.name for c in found)
    cases = "\n".join(
        f'        {c.name}) words="{" ".join(flag for flag, _ in c.options)} '
        f'{" ".join(c.choices)}" ;;'
        for c in found
    )
    return f"""# steppe completion (bash): eval "$(steppe completion bash)"
_steppe() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}} words
    if [[ $COMP_CWORD -eq 1 ]]; then
        COMPREPLY=($(compgen -W "{names} --version --help" -- "$cur"))
        return
    fi
    case ${{COMP_WORDS[1]}} in
{cases}
        *) words="" ;;
    esac
    if [[ ${{COMP_WORDS[COMP_CWORD-1]}} == --dir ]]; then
        COMPREPLY=($(compgen -d -- "$cur"))
        return
    fi
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
}}
complete -o default -F _steppe steppe
"""


def _fish(found: list[Command]) -> str:
    lines = ["# steppe completion (fish): steppe completion fish | source", "complete -c steppe -f"]
    for command in found:
        lines.append(
            f"complete -c steppe -n __fish_use_subcommand -a {command.name} "
            f"-d {_quote(command.help)}"
        )
        seen = f"-n '__fish_seen_subcommand_from {command.name}'"
        for flag, help_text in command.options:
            kind = f"-l {flag[2:]}" if flag.startswith("--") else f"-s {flag[1:]}"
            lines.append(f"complete -c steppe {seen} {kind} -d {_quote(help_text)}")
        if command.choices:
            lines.append(f"complete -c steppe {seen} -a {_quote(' '.join(command.choices))}")
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
