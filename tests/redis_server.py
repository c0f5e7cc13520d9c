"""A `redis-server` of the tests' own (Debian's, `make redis-check`), on a free port in
a temporary folder: no persistence files are left behind, and no test touches a
Redis someone else runs."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import redis

from tests.started_server import free_port


class RedisServer:
    """One redis-server process; `aof` turns on `appendonly yes` with `appendfsync
    always` (the crash test: every acknowledged write is on disk)."""

    def __init__(self, *, aof: bool = False) -> None:
        self.aof = aof
        self.folder = Path(tempfile.mkdtemp(prefix="steppe-redis-"))
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        persistence = ["--appendonly", "yes", "--appendfsync", "always"] if self.aof else []
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", *persistence,
             "--dir", str(self.folder), "--logfile", str(self.folder / "redis.log")],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.02)
            finally:
                client.close()

    def kill(self) -> None:
        """SIGKILL: what a crash of Redis looks like."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self.folder, ignore_errors=True)

    def prefix(self) -> str:
        """A key prefix of a test's own, so that tests sharing the server never meet."""
        return f"test-{uuid.uuid4().hex[:12]}"

    def shared_queue(self) -> dict[str, str]:
        """Settings for instances of one project sharing this server's state and queue
        under a prefix of their own (streams in memory)."""
        return {
            "state": "redis", "queue": "redis", "streams": "memory",
            "redis_url": self.url, "redis_prefix": self.prefix(),
        }  # fmt: skip
