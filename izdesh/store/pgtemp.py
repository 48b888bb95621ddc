"""A throwaway PostgreSQL server on a temporary folder and a free loopback port, for the test suite
and the benchmarks: the real server from Debian's `postgresql` package, not a stand-in.

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user the Debian
package creates.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise PostgresUnavailable("no PostgreSQL server binaries (Debian package `postgresql`)")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TempPostgres:
    def __init__(self, *, durable: bool = False) -> None:
        self.durable = durable  # the server's default settings (benchmarks), not the test ones
        self.bindir = _bindir()
        self.dir = Path(tempfile.mkdtemp(prefix="izdesh-pg-"))
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        self._dbs = 0

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=self.dir)

    def start(self) -> TempPostgres:
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        data = self.dir / "data"
        self._run("initdb", "-D", str(data), "-U", "izdesh", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not self.durable:  # a test server's data is thrown away: durability off, speed matters more
            opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=256MB"
        self._opts = opts
        self._start()
        return self

    def _start(self) -> None:
        # -l: the server must not hold our output pipes open (subprocess.run would wait for it)
        data = self.dir / "data"
        self._run("pg_ctl", "-D", str(data), "-o", self._opts, "-l", str(self.dir / "server.log"), "-w", "start")

    def server_cpu(self) -> float:
        """CPU seconds the server has used so far: the postmaster, its children that ended
        (backends of closed connections) and those still running (Linux /proc)."""
        return server_cpu(self.dir / "data")

    @property
    def url(self) -> str:
        return f"postgresql://izdesh@127.0.0.1:{self.port}/postgres"

    def create_database(self, name: str | None = None) -> str:
        import psycopg

        self._dbs += 1
        name = name or f"t{self._dbs}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://izdesh@127.0.0.1:{self.port}/{name}"

    def restart(self) -> None:
        """Stop the server and start it again, same port: its client connections die ("fast"
        mode; "immediate" would lose the last commits, written without fsync)."""
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")
        self._start()

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> TempPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def server_cpu(data_dir: Path) -> float:
    """CPU seconds of the PostgreSQL server whose data folder is `data_dir` (on this machine)."""
    tick = os.sysconf("SC_CLK_TCK")
    pid = int((data_dir / "postmaster.pid").read_text().split()[0])

    def stat(p: int | str) -> list[str]:
        with open(f"/proc/{p}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()  # fields from the state on (the name may hold spaces)

    own = stat(pid)
    total = sum(int(x) for x in own[11:15])  # utime, stime, cutime, cstime
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                st = stat(d)
            except OSError:
                continue
            if int(st[1]) == pid:  # ppid
                total += int(st[11]) + int(st[12])
    return total / tick
