"""A project's `.env` file: parsed, and loaded into the environment at start-up.

Every command that loads a project calls `load_dotenv` first (from `open_runtime`),
so step files see the values in their runner's environment and `requiredEnv` is
checked against them. Variables already set in the environment win: a `.env`
holds development defaults, and a deployment's real environment must not be
overridden by a file that was left behind. The file is never required.

Values are secrets: nothing here logs or raises them. An error names the file
and the line, never the line's text.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import MutableMapping
from pathlib import Path
from typing import NoReturn

from orchestrator.core.errors import ConfigError

DOTENV_NAME = ".env"

log = logging.getLogger("steppe")

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}


def parse_dotenv(text: str, source: str = DOTENV_NAME) -> dict[str, str]:
    """The variables a `.env` text defines, in order; a later definition wins.

    Accepted: `KEY=VALUE`, `export KEY=VALUE`, blank lines and `#` comments, spaces
    around `=`, unquoted values (a ` #` starts a trailing comment), single-quoted
    values (literal), double-quoted values (`\\n`, `\\t`, `\\"`, `\\\\` escapes);
    quoted values may span lines. No variable expansion. Raises ConfigError
    naming `source` and the line for anything else.
    """
    parser = _Parser(text.removeprefix("\ufeff").replace("\r\n", "\n"), source)
    return parser.parse()


def load_dotenv(root: Path, environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Set the variables of `root/.env` that are not set yet; the names that were set.

    A missing file is no error. Values already in the environment are kept, even
    when empty, because whoever set them chose to.
    """
    target = os.environ if environ is None else environ
    path = root / DOTENV_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), f"cannot be read ({type(exc).__name__})") from None
    loaded = []
    for key, value in parse_dotenv(text, str(path)).items():
        if key not in target:
            target[key] = value
            loaded.append(key)
    # Names only, and only at debug level: the values are secrets.
    log.debug("loaded %d variable(s) from %s", len(loaded), path)
    return loaded


class _Parser:
    """A cursor over the text; quoted values may run over several lines."""

    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.pos = 0
        self.line = 1

    def parse(self) -> dict[str, str]:
        values: dict[str, str] = {}
        while self.pos < len(self.text):
            self._skip_blanks()
            if self.pos >= len(self.text):
                break
            if self._peek() in "#\n":
                self._skip_line()
                continue
            key, value = self._assignment()
            values[key] = value
            self._end_of_line()
        return values

    def _assignment(self) -> tuple[str, str]:
        if self.text.startswith("export", self.pos) and self.text[self.pos + 6 : self.pos + 7] in (
            " ",
            "\t",
        ):
            self.pos += 6
            self._skip_blanks()
        match = _KEY.match(self.text, self.pos)
        if match is None:
            self._fail("expected KEY=VALUE (a name of letters, digits and '_')")
        key = match.group()
        self.pos = match.end()
        self._skip_blanks()
        if self._peek() != "=":
            # Not even the name is printed: a line without '=' may be a bare token
            # (`sk-proj-…`) pasted on its own, which the name pattern also matches.
            self._fail("expected '=' after the name (KEY=VALUE)")
        self.pos += 1
        value_start = self.pos
        self._skip_blanks()
        quote = self._peek()
        if quote in ("'", '"'):
            return key, self._quoted(quote)
        self.pos = value_start
        return key, self._unquoted()

    def _unquoted(self) -> str:
        end = self.text.find("\n", self.pos)
        end = len(self.text) if end == -1 else end
        raw = self.text[self.pos : end]
        self.pos = end
        # A '#' starts a comment only after whitespace, so `a#b` and `=#b` keep theirs.
        comment = re.search(r"\s#", raw)
        if comment:
            raw = raw[: comment.start()]
        return raw.strip()

    def _quoted(self, quote: str) -> str:
        start_line = self.line
        self.pos += 1
        out: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == quote:
                self.pos += 1
                return "".join(out)
            if char == "\\" and quote == '"' and self.pos + 1 < len(self.text):
                following = self.text[self.pos + 1]
                if following in _ESCAPES:
                    out.append(_ESCAPES[following])
                    self.pos += 2
                    continue
            if char == "\n":
                self.line += 1
            out.append(char)
            self.pos += 1
        self.line = start_line
        self._fail(f"the {quote} quote is never closed")

    def _end_of_line(self) -> None:
        self._skip_blanks()
        char = self._peek()
        if char == "#":
            self._skip_line()
        elif char == "\n":
            self.pos += 1
            self.line += 1
        elif char:
            self._fail("unexpected text after the closing quote")

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _skip_blanks(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t":
            self.pos += 1

    def _skip_line(self) -> None:
        end = self.text.find("\n", self.pos)
        if end == -1:
            self.pos = len(self.text)
        else:
            self.pos = end + 1
            self.line += 1

    def _fail(self, message: str) -> NoReturn:
        raise ConfigError(self.source, f"line {self.line}: {message}")
