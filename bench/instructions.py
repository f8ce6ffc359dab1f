"""Instructions per ``Consumption`` request, counted by callgrind: figures that do not drift.

On a shared VM wall times drift by 15-30 % from one run to the next, which hides any
change smaller than that. Callgrind counts the instructions a request executes instead,
the same from run to run, per thread: the event loop's (where GraphQL, SQLAlchemy and
the domain run) and all of them (with SQLite's connection threads; PostgreSQL's own work
is in its server, not here). Run from the repository root (valgrind must be installed)::

    .venv/bin/python -m bench.instructions                      # SQLite, every case
    .venv/bin/python -m bench.instructions --only HOUR --postgres

Each case runs in a process of its own under ``valgrind --tool=callgrind`` with
instrumentation off until the schema is built, the database open and three warm-up
requests done; then ``--requests`` requests are counted. ``floor`` is the benchmark's
hand-written SQL and JSON (``bench.consumption``). Under valgrind a request takes about
50 times as long; a case takes 20-60 seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.consumption import DEFAULT_POSTGRES, DEFAULT_SQLITE

ROOT = Path(__file__).resolve().parent.parent
CASES = ("HOUR, a year", "QUARTER_HOUR, a year", "DAY, three years", "MONTH, all years")


def _wait_for(path: Path, process: subprocess.Popen[bytes]) -> None:
    while not path.exists():
        if process.poll() is not None:
            raise RuntimeError(f"the measured process ended early (exit {process.returncode})")
        time.sleep(0.2)


def _instructions(folder: Path, pid: int) -> tuple[int, int]:
    """(event-loop thread, all threads) instructions of callgrind's first dump of ``pid``."""
    main = total = 0
    for path in folder.glob(f"callgrind.out.{pid}.1-*"):
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("summary:"):
                count = int(line.split()[1])
                total += count
                if path.name.endswith("-01"):
                    main = count
                break
    return main, total


def measure(case: str, job: str, url: str, requests: int) -> tuple[float, float]:
    """Millions of instructions per request: (event-loop thread, all threads)."""
    folder = Path(tempfile.mkdtemp(prefix="instructions-"))
    try:
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            "--separate-threads=yes",
            f"--callgrind-out-file={folder}/callgrind.out.%p",
            sys.executable,
            "-m",
            "bench.instructions",
            "--child",
            str(folder),
            "--case",
            case,
            "--job",
            job,
            "--url",
            url,
            "--requests",
            str(requests),
        ]
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for(folder / "ready", process)
        subprocess.run(["callgrind_control", "-i", "on", str(process.pid)], check=True, capture_output=True)
        (folder / "go").touch()
        _wait_for(folder / "done", process)
        subprocess.run(["callgrind_control", "-d", str(process.pid)], check=True, capture_output=True)
        (folder / "done").unlink()
        process.wait(timeout=120)
        main, total = _instructions(folder, process.pid)
        return main / requests / 1e6, total / requests / 1e6
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def child(args: argparse.Namespace) -> None:
    """The measured process: warm up, then run the requests between two signals."""
    from app.runtime import tune_garbage_collector
    from bench import consumption
    from domain.base import today_helsinki

    folder = Path(args.child)
    today = today_helsinki()
    target = await consumption.prepare("x", args.url, DEFAULT_SQLITE.parent)
    tune_garbage_collector()
    case = next(c for c in consumption.cases(target, today) if c.name == args.case)

    async def job() -> tuple[bytes, int]:
        if args.job == "floor":
            return await consumption.run_floor(target, case, today)
        return await consumption.run_graphql(target.fast, target, case, today)

    for _ in range(3):
        await job()
    (folder / "ready").touch()
    _until(lambda: (folder / "go").exists())  # (blocking: nothing else is to run meanwhile)
    for _ in range(args.requests):
        await job()
    (folder / "done").touch()
    _until(lambda: not (folder / "done").exists())
    await target.runtime.close()


def _until(condition: Callable[[], bool]) -> None:
    while not condition():
        time.sleep(0.05)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.instructions", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--postgres", nargs="?", const=DEFAULT_POSTGRES)
    parser.add_argument("--only", action="append", help="cases whose name contains this (repeatable)")
    parser.add_argument("--requests", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--job", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        asyncio.run(child(args))
        return 0
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
        return 2
    url = args.postgres or f"sqlite+aiosqlite:///{DEFAULT_SQLITE}"
    print(
        f"Database: {'PostgreSQL' if args.postgres else 'SQLite'}; {args.requests} requests a case, "
        f"millions of instructions per request (callgrind), Python {sys.version.split()[0]}\n"
    )
    print(f"{'case':<22} {'fast loop':>10} {'fast all':>9} {'floor loop':>11} {'floor all':>10}")
    for case in CASES:
        if args.only and not any(part.lower() in case.lower() for part in args.only):
            continue
        fast = measure(case, "fast", url, args.requests)
        floor = measure(case, "floor", url, args.requests)
        print(f"{case:<22} {fast[0]:>10.0f} {fast[1]:>9.0f} {floor[0]:>11.0f} {floor[1]:>10.0f}", flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
