"""A throwaway PostgreSQL cluster for the tests: initdb + pg_ctl in a temp dir, on a free port.

``initdb`` refuses to run as root, so as root (CI) the server runs as the ``postgres`` system user.
When the binaries are missing they are installed from Debian's ``postgresql`` package.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote


def _bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def ensure_binaries() -> tuple[str, str]:
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if initdb and pg_ctl:
        return initdb, pg_ctl
    if os.geteuid() != 0:
        raise RuntimeError("PostgreSQL server binaries are missing; install the Debian package 'postgresql'")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=True, env=env)
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not (initdb and pg_ctl):
        raise RuntimeError("installing 'postgresql' did not provide initdb and pg_ctl")
    return initdb, pg_ctl


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self) -> None:
        self.initdb, self.pg_ctl = ensure_binaries()
        self.root = Path(tempfile.mkdtemp(prefix="insats-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            os.chmod(self.root, 0o755)
            shutil.chown(self.root, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, text=True)

    def start(self, password: str | None = None) -> str:
        """Start the cluster; with ``password``, every connection must give it (scram-sha-256)."""
        auth = ["-A", "trust"]
        if password:
            pwfile = self.root / "pwfile"
            pwfile.write_text(password + "\n")
            if self.as_user:
                shutil.chown(pwfile, "postgres", "postgres")
            auth = ["-A", "scram-sha-256", f"--pwfile={pwfile}"]
        self._run(self.initdb, "-D", str(self.data), *auth, "-U", "postgres", "-E", "UTF8", "--no-sync")
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60"
        self._run(self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")
        login = f"postgres:{quote(password, safe='')}" if password else "postgres"
        return f"postgresql+psycopg://{login}@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        try:
            self._run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
