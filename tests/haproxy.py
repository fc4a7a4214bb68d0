"""HAProxy in front of several app servers, as a test fixture and as the configuration docs/deploying.md shows.

The binary is Debian's ``haproxy``; when it is missing and we are root (CI) it is installed with apt, as
tests/browser.py does for Chromium (waiting while another apt holds its lock). It runs in the foreground
(``-db``) as a child in a process group of its own, with its configuration in the test's folder.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from .pg import free_port

COOKIE = "SERVERID"  # HAProxy's stickiness cookie: which app server holds this browser's session
APT_TRIES = 30  # apt's lock may be held by another test installing Chromium or PostgreSQL: 30 x 10 s at most


def _apt(*args: str) -> None:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for _ in range(APT_TRIES):
        done = subprocess.run(["apt-get", "-o", "DPkg::Lock::Timeout=10", *args], env=env, capture_output=True,
                              text=True, timeout=600)
        if done.returncode == 0:
            return
        if "lock" not in (done.stderr + done.stdout).lower():
            raise RuntimeError(f"apt-get {' '.join(args)} failed: {done.stderr[-1000:]}")
        time.sleep(2)
    raise RuntimeError(f"apt-get {' '.join(args)}: the package lock stayed busy")


def haproxy() -> str:
    """The haproxy binary; installed from Debian's package when missing and we are root."""
    for candidate in (shutil.which("haproxy"), "/usr/sbin/haproxy"):
        if candidate and Path(candidate).exists():
            return candidate
    if os.geteuid() != 0:
        raise RuntimeError("HAProxy is missing; install the Debian package 'haproxy'")
    _apt("update", "-qq")
    _apt("install", "-y", "-qq", "--no-install-recommends", "haproxy")
    if not Path("/usr/sbin/haproxy").exists():
        raise RuntimeError("installing 'haproxy' did not provide /usr/sbin/haproxy")
    return "/usr/sbin/haproxy"


def config(port: int, servers: dict[str, int], address: str = "127.0.0.1") -> str:
    """The load balancer the docs describe: sticky by an inserted cookie, WebSocket pass-through with
    a long tunnel timeout, health checks on Streamlit's own endpoint, and redispatch of a browser
    whose server is down to one that is up."""
    lines = "\n".join(f"    server {name} {address}:{p} check cookie {name}" for name, p in servers.items())
    return f"""\
global
    maxconn 500
    log stdout format raw local0 info

defaults
    mode http
    log global
    option httplog
    option forwardfor
    option redispatch          # a browser whose server is down is sent to one that is up
    retries 2
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h          # Streamlit's WebSocket (/_stcore/stream) lives as long as the browser tab
    timeout http-request 10s
    timeout check 5s           # a busy server answers its health check late, but it is not down

frontend insats
    bind {address}:{port}
    default_backend insats_app

backend insats_app
    balance roundrobin
    cookie {COOKIE} insert indirect nocache httponly
    option httpchk
    http-check send meth GET uri /_stcore/health
    http-check expect status 200
    default-server inter 2s fall 2 rise 2
{lines}
"""


class HAProxy:
    """``haproxy -db -f <config>`` on a free 127.0.0.1 port; ``url`` once every named server is up."""

    def __init__(self, directory: Path, servers: dict[str, int]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = directory / "haproxy.cfg"
        self.config.write_text(config(self.port, servers))
        self.log = directory / "haproxy.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 20) -> None:
        binary = haproxy()
        subprocess.run([binary, "-c", "-q", "-f", str(self.config)], check=True, timeout=timeout)
        self.process = subprocess.Popen([binary, "-db", "-f", str(self.config)], stdout=self.log.open("w"),
                                        stderr=subprocess.STDOUT, start_new_session=True)
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"haproxy exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("haproxy did not answer within the timeout")

    def stop(self) -> None:
        kill_group(self.process)


def kill_group(process: subprocess.Popen | None, sig: int = signal.SIGTERM, wait: float = 10) -> None:
    """Stop a child started with ``start_new_session`` and everything it started; SIGKILL if it lingers
    ``wait`` seconds (``wait=0``: only send the signal)."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
        if wait:
            process.wait(wait)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(wait)
