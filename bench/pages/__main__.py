"""``python -m bench.pages``: the options, and the tables in order."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import warnings
from pathlib import Path
from typing import Any

import bench.pages
from bench.pages.catalogue import DEFAULT_SQLITE, DEFAULT_URL, machine, selected_pages
from bench.pages.floor import serve_floor
from bench.pages.in_process import in_process
from bench.pages.over_http import http


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pages", description=(bench.pages.__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--in-process", action="store_true", help="only the in-process table")
    parser.add_argument("--http", action="store_true", help="only the HTTP table")
    parser.add_argument("--only", action="append", help="pages whose name contains this (repeatable)")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument(
        "--sqlite", nargs="?", const=DEFAULT_SQLITE, type=Path, help="also in process on SQLite"
    )
    parser.add_argument("--runs", type=int, default=30, help="in-process rounds (medians)")
    parser.add_argument("--warmups", type=int, default=5, help="in-process warm-up rounds")
    parser.add_argument("--connections", default="16,64")
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    parser.add_argument(
        "--warmup", type=int, default=2, help="seconds of wrk before a server's first run of a page"
    )
    parser.add_argument("--rounds", type=int, default=1, help="times the servers take turns on each page")
    parser.add_argument("--workers", default="1,2", help="the project's worker counts, one phase each")
    parser.add_argument("--skip-postgraphile", action="store_true")
    parser.add_argument("--skip-floor", action="store_true")
    parser.add_argument(
        "--port", type=int, default=8790, help="the project's; +1 its workers, +2 PostGraphile, +3 the floor"
    )
    parser.add_argument("--cost-budget", type=int, default=10_000_000)
    parser.add_argument("--serve-floor", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_floor:
        return serve_floor(args)
    pages = selected_pages(args.only)
    if not pages:
        raise SystemExit(f"no page matches {args.only}")
    both = not args.in_process and not args.http
    # authlib (imported by the application) warns about its own httpx integration on import.
    warnings.filterwarnings("ignore", message="The httpx module is deprecated")

    def stop(number: int, _frame: Any) -> None:
        raise SystemExit(128 + number)

    signal.signal(signal.SIGTERM, stop)
    print(f"Machine: {machine()}")
    print(f"Pages: {', '.join(p.name for p in pages)}; database {args.database_url}\n", flush=True)
    if both or args.in_process:
        asyncio.run(in_process(args, pages))
    if both or args.http:
        http(args, pages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
