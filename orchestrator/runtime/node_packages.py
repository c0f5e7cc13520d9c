"""The Node runner's npm packages (esbuild, msgpackr, zod): installed once per Steppe
version into a cache folder, never into the installed package.

Why a cache rather than the wheel: esbuild and msgpackr-extract are native, one build per
platform, so shipping them would turn Steppe's one pure-Python wheel into a wheel per
platform (README, "Install", has the sizes and times). `npm ci` against the lock file the
package ships installs exactly the versions the runner was tested with.

The cache holds a copy of the runner beside its packages
(`node-runner/<key>/runners/node/{src,node_modules}` and `node-runner/<key>/schemas/`),
because Node resolves the runner's own imports from the folders above the importing
file. The key is the Steppe version and a digest of the copied files, so an upgrade (or
a changed runner in a reinstalled development build) gets a fresh copy. A copy is built
in a staging folder and renamed into place, so a folder under its key is always
complete, and two Steppes starting at once never see half an install.

The repository checkout (and so an editable install) runs `runners/node` itself, with
the `node_modules` that `make` installs there.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
import tempfile
import time
from functools import cache
from pathlib import Path

import trio
from rich.status import Status

from orchestrator import __version__
from orchestrator.core.console import err_console
from orchestrator.core.errors import RunnerSetupError
from orchestrator.core.paths import FILES_ROOT, RUNNERS_DIR

CACHE_VARIABLE = "STEPPE_CACHE_DIR"
# --prefer-offline: packages already in npm's own cache are not fetched again, so a
# machine that installed them once (another Steppe version) needs no network.
NPM_CI = ("ci", "--omit=dev", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error")
NO_NPM = (
    "npm is not installed (not on PATH): the Node runner needs it once, to install its "
    "packages. Install it: apt-get install npm (or Node.js 20.6+ from https://nodejs.org, "
    "which includes npm)"
)
# What the cache's copy holds, relative to FILES_ROOT (the runner expects schemas/ there).
_COPIED = (
    "runners/node/package.json",
    "runners/node/package-lock.json",
    "runners/node/src",
    "schemas/protocol.schema.json",
)
_NETWORK_ERROR = re.compile(
    r"ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|network",
    re.IGNORECASE,
)
# user:password@ in a registry URL npm echoes back: never printed.
_CREDENTIALS = re.compile(r"//[^/\s:@]+:[^/\s@]+@")
# A staging folder this old belongs to a Steppe that was killed mid-install.
_STALE_STAGING_SECONDS = 3600.0


def cache_root() -> Path:
    """`STEPPE_CACHE_DIR`, else `steppe/` in the user's cache folder
    (`XDG_CACHE_HOME` or `~/.cache`; `~/Library/Caches` on macOS)."""
    given = os.environ.get(CACHE_VARIABLE)
    if given:
        return Path(given).expanduser().resolve()
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "steppe"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "steppe"


def cached_copy() -> Path:
    """The cache folder of this Steppe's Node runner and its packages."""
    return cache_root() / "node-runner" / _key()


def node_runner_home() -> Path:
    """The folder the Node runner runs from: the checkout's `runners/node` when `make`
    installed its packages there, else its copy in the cache (which may not exist yet)."""
    in_place = RUNNERS_DIR / "node"
    if (in_place / "node_modules").is_dir():
        return in_place
    return cached_copy() / "runners" / "node"


def packages_installed() -> bool:
    return (node_runner_home() / "node_modules").is_dir()


async def ensure_packages() -> Path:
    """The Node runner's folder, after installing its packages into the cache if they are
    not there yet (with a progress line). Raises RunnerSetupError saying what to fix."""
    home = node_runner_home()
    if (home / "node_modules").is_dir():
        return home
    npm = shutil.which("npm")
    if npm is None:
        raise RunnerSetupError(NO_NPM)
    target = cached_copy()
    staging = _staging_folder(target)
    try:
        _copy_runner(staging)
        await _npm_ci(npm, staging / "runners" / "node", target)
        try:
            staging.rename(target)
        except OSError as exc:
            if not (home / "node_modules").is_dir():
                raise RunnerSetupError(_unwritable(target.parent, exc)) from None
            # Another Steppe finished the same install first; its copy is as good.
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return home


def _staging_folder(target: Path) -> Path:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        for leftover in target.parent.glob(f".{target.name}.*"):
            if time.time() - leftover.stat().st_mtime > _STALE_STAGING_SECONDS:
                shutil.rmtree(leftover, ignore_errors=True)
        return Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as exc:
        raise RunnerSetupError(_unwritable(target.parent, exc)) from None


def _copy_runner(staging: Path) -> None:
    try:
        for relative in _COPIED:
            source, copy = FILES_ROOT / relative, staging / relative
            copy.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, copy)
            else:
                shutil.copy2(source, copy)
    except OSError as exc:
        raise RunnerSetupError(_unwritable(staging.parent, exc)) from None


def _unwritable(folder: Path, exc: OSError) -> str:
    return (
        f"cannot write the Node runner's packages into {folder}: {exc.strerror or exc}; "
        f"set {CACHE_VARIABLE} to a folder you can write"
    )


async def _npm_ci(npm: str, folder: Path, target: Path) -> None:
    err_console.print(
        "Setting up the Node runner, once per Steppe version: npm ci (esbuild, msgpackr, "
        f"zod) into {target}"
    )
    started = time.monotonic()
    with err_console.status("npm ci") as status:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_show_elapsed, status, started)
            try:
                result = await trio.run_process(
                    [npm, *NPM_CI],
                    cwd=folder,
                    capture_stdout=True,
                    capture_stderr=True,
                    check=False,
                )
            except OSError as exc:
                raise RunnerSetupError(f"could not run {npm}: {exc}") from None
            nursery.cancel_scope.cancel()
    if result.returncode != 0:
        raise RunnerSetupError(_npm_failure(result.returncode, result.stderr))
    err_console.print(f"Node runner set up in {time.monotonic() - started:.1f}s")


async def _show_elapsed(status: Status, started: float) -> None:
    while True:
        status.update(
            f"npm ci: installing the Node runner's packages… {time.monotonic() - started:.0f}s"
        )
        await trio.sleep(0.5)


def _npm_failure(code: int, stderr: bytes) -> str:
    lines = _CREDENTIALS.sub("//", stderr.decode("utf-8", errors="replace")).splitlines()
    text = "\n".join(lines)
    # npm's first lines name the error (code, syscall, the failed request); its last
    # one, where the full log is.
    said = [line for line in lines if line.strip()][:4]
    said += [line for line in lines[-1:] if "complete log" in line]
    if _NETWORK_ERROR.search(text):
        why = (
            "npm could not reach the package registry (no network, or a proxy npm is not "
            "set up for); connect, or set npm's registry or proxy, and run the command again"
        )
    else:
        why = f"npm ci failed (exit {code})"
    shown = "\n".join(said)
    return f"the Node runner's packages could not be installed: {why}. npm said:\n{shown}"


@cache
def _key() -> str:
    digest = hashlib.sha256()
    for relative in _COPIED:
        source = FILES_ROOT / relative
        for path in sorted(source.rglob("*")) if source.is_dir() else [source]:
            if path.is_file():
                digest.update(path.relative_to(FILES_ROOT).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
    return f"{__version__}-{digest.hexdigest()[:12]}"
