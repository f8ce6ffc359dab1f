"""The ``energy-portal`` command: serve, migrate, seed, export-schema, sweep-files,
notify-invoices, record-temperatures, and in development dev-add-invoice and dev-record-payment."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

from app.settings import Settings, SettingsError

DEFAULT_SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema.graphql"


def export_schema_text(production: bool = False) -> str:
    """The SDL of the schema, as committed in ``schema.graphql``."""
    from schema.build import build_schema

    return build_schema(production=production).as_str() + "\n"


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    if "ENERGY_PORTAL_PUBLIC_ORIGIN" not in os.environ:
        # Links in email, file URLs and the development IdP's redirects use the server's
        # own origin: by default the address it listens on.
        host = "127.0.0.1" if args.host in {"0.0.0.0", "::"} else args.host  # noqa: S104 (a comparison)
        os.environ["ENERGY_PORTAL_PUBLIC_ORIGIN"] = f"http://{host}:{args.port}"
    settings = Settings()
    settings.check_for_production()
    if args.workers > 1:
        # Migrate (and seed) once here, so that the workers do not race to do it.
        asyncio.run(_prepare(settings))
        uvicorn.run(
            "app.http:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level="info",
            proxy_headers=True,
            forwarded_allow_ips=args.forwarded_allow_ips,
        )
    else:
        from app.http import create_app

        uvicorn.run(
            create_app(settings),
            host=args.host,
            port=args.port,
            log_level="info",
            proxy_headers=True,
            forwarded_allow_ips=args.forwarded_allow_ips,
        )
    return 0


async def _prepare(settings: Settings) -> None:
    from app.runtime import Runtime

    runtime = await Runtime.start(settings)
    await runtime.close()


async def _migrate() -> None:
    from app.db import create_engine
    from app.migrate import upgrade_to_head

    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.resolved_database_url, pre_ping=settings.database_pre_ping)
    try:
        await upgrade_to_head(engine)
    finally:
        await engine.dispose()


async def _seed(seeding_date: date | None) -> bool:
    from app.runtime import Runtime
    from domain.base import today_helsinki

    settings = Settings()
    if settings.is_production:
        raise SettingsError("the demo data is for development mode only")
    runtime = await Runtime.start(settings, seed=False)
    try:
        if seeding_date is None:
            return await runtime.seed_if_empty()
        await runtime.seed(seeding_date or today_helsinki())
        return True
    finally:
        await runtime.close()


async def _sweep_files(grace_minutes: int | None, dry_run: bool) -> int:
    """Sweep the file store once (see ``domain.files``), printing what went and what stayed."""
    from datetime import timedelta

    from app.db import create_engine, session_factory
    from app.sweeper import sweep_once
    from domain.files import FilesystemStore

    settings = Settings()
    engine = create_engine(settings.resolved_database_url, pre_ping=settings.database_pre_ping)
    store = FilesystemStore(settings.files_dir)
    grace = None if grace_minutes is None else timedelta(minutes=grace_minutes)
    try:
        result = await sweep_once(settings, session_factory(engine), store, grace=grace, dry_run=dry_run)
    except Exception as exc:
        print(
            f"energy-portal: the sweep could not ask the database ({exc.__class__.__name__}: {exc})",
            file=sys.stderr,
        )
        return 1
    finally:
        await engine.dispose()
    verb = "would remove" if dry_run else "removed"
    for path in result.removed:
        print(f"{verb} {path}")
    for key in result.kept_recent:
        print(f"kept {key[:2]}/{key} (no row references it yet; younger than the grace period)")
    for path in result.unknown:
        print(f"left alone {path} (not a file the sweeper knows)")
    print(f"{store.root}: {result.summary()}")
    return 0


@contextlib.asynccontextmanager
async def _events_of(settings: Settings) -> AsyncIterator[Any]:
    """An event bus publishing through Redis when it is configured (the running servers'
    subscribers hear of it), else ``None``: a command's own process has no subscribers."""
    if not settings.redis_url:
        yield None
        return
    from redis.asyncio import Redis

    from resolvers.events import EventBus

    redis = Redis.from_url(settings.redis_url)
    try:
        yield EventBus(redis)
    finally:
        await redis.aclose()


async def _notify_invoices() -> int:
    """Tell customers of their new and overdue invoices once (``app.notifier``), and publish
    the live events of those and of the payments recorded since the last run (with Redis)."""
    from app.db import create_engine, session_factory
    from app.notifier import announce_once, announce_payments_once

    settings = Settings()
    engine = create_engine(settings.resolved_database_url, pre_ping=settings.database_pre_ping)
    sessions = session_factory(engine)
    try:
        async with _events_of(settings) as events:
            origin = settings.web_app_origin or settings.public_origin
            done = await announce_once(sessions, origin, events=events)
            payments = await announce_payments_once(sessions, events)
    except Exception as exc:
        print(
            f"energy-portal: could not reach the database ({exc.__class__.__name__}: {exc})", file=sys.stderr
        )
        return 1
    finally:
        await engine.dispose()
    print(f"told of {done.invoices} invoices: {done.emails} emails and {done.sms} text messages queued")
    if events is None:
        print(
            "no Redis configured: no live events for these invoices (no server hears this process); "
            "payment events are left to a server's notifier run"
        )
    else:
        print(f"{payments} payment events published")
    return 0


def _development_settings(command: str) -> Settings:
    settings = Settings()
    if settings.is_production:
        raise SettingsError(f"{command} is for development mode only")
    return settings


NO_REDIS_NOTE = (
    "no Redis configured: this process cannot reach a server's subscribers; a running server's "
    "notifier publishes the event at its next run (every ENERGY_PORTAL_NOTIFY_INTERVAL_MINUTES)"
)


async def _dev_add_invoice(customer_number: str) -> int:
    """Issue today the next invoice of the customer (``app.dev_billing``) and, with Redis, tell
    of it at once through the notifier's path (email, SMS, ``NEW_INVOICE``)."""
    from app.db import create_engine, session_factory
    from app.dev_billing import DevCommandError, add_invoice
    from app.notifier import announce_invoice
    from domain.base import today_helsinki
    from domain.notifications import NotificationKind

    settings = _development_settings("dev-add-invoice")
    engine = create_engine(settings.resolved_database_url, pre_ping=settings.database_pre_ping)
    sessions = session_factory(engine)
    try:
        added = await add_invoice(
            sessions, customer_number, today_helsinki(), settings.full_invoice_details_from
        )
        print(
            f"invoice {added.invoice_number} added: {added.total} EUR for "
            f"{added.period_start.isoformat()}..{added.period_end.isoformat()}"
        )
        async with _events_of(settings) as events:
            if events is None:
                print(NO_REDIS_NOTE)
            else:
                link = f"{(settings.web_app_origin or settings.public_origin).rstrip('/')}/invoices"
                await announce_invoice(sessions, added.invoice_id, NotificationKind.NEW_INVOICE, link, events)
                print("NEW_INVOICE published")
    except DevCommandError as exc:
        print(f"energy-portal: {exc}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    return 0


async def _dev_record_payment(invoice_number: str, amount: str | None) -> int:
    """Record a payment received today (``app.dev_billing``) and, with Redis, publish the
    payment events due at once (``app.notifier.announce_payments_once``)."""
    from app.db import create_engine, session_factory
    from app.dev_billing import DevCommandError, parse_amount, record_payment
    from app.notifier import announce_payments_once
    from domain.base import today_helsinki

    settings = _development_settings("dev-record-payment")
    engine = create_engine(settings.resolved_database_url, pre_ping=settings.database_pre_ping)
    sessions = session_factory(engine)
    try:
        paid = None if amount is None else parse_amount(amount)
        done = await record_payment(sessions, invoice_number, paid, today_helsinki())
        print(f"payment of {done.amount} EUR recorded: {done.paid_amount} of {done.total} EUR paid")
        async with _events_of(settings) as events:
            if events is None:
                print(NO_REDIS_NOTE)
            else:
                published = await announce_payments_once(sessions, events)
                print(f"{published} PAYMENT_RECEIVED events published")
    except DevCommandError as exc:
        print(f"energy-portal: {exc}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    return 0


async def _record_temperatures(day: date, means: dict[int, float]) -> int:
    """Store one day's mean temperatures by grid operator ID (``domain.reporting``), for the job
    that feeds them; exits 1 when the database refuses them (e.g. an unknown grid operator)."""
    from app.db import create_engine
    from domain.reporting import upsert_daily_temperatures

    settings = Settings()
    engine = create_engine(settings.resolved_database_url, pre_ping=settings.database_pre_ping)
    try:
        async with engine.begin() as conn:
            written = await upsert_daily_temperatures(conn, day, means)
    except Exception as exc:
        print(f"energy-portal: temperatures not stored ({exc.__class__.__name__}: {exc})", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    print(f"{written} daily mean temperatures stored for {day.isoformat()}")
    return 0


def _grid_mean(text: str) -> tuple[int, float]:
    """``GRID_OPERATOR_ID=MEAN_C``, e.g. ``3=-4.2``."""
    grid, _, mean = text.partition("=")
    try:
        value = (int(grid), float(mean))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not GRID_OPERATOR_ID=MEAN_C") from None
    if not -70.0 <= value[1] <= 50.0:
        raise argparse.ArgumentTypeError(f"{text!r}: a daily mean outside -70..+50 deg C")
    return value


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``energy-portal``."""
    parser = argparse.ArgumentParser(prog="energy-portal", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the server (migrates, and seeds the demo data in development)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--forwarded-allow-ips",
        default="127.0.0.1",
        help="proxies whose X-Forwarded-For/-Proto are believed (comma-separated, or *); default 127.0.0.1",
    )
    sub.add_parser("migrate", help="apply the database migrations")
    seed = sub.add_parser("seed", help="insert the demo data into an empty database (development)")
    seed.add_argument("--date", type=date.fromisoformat, default=None, help="seeding date (default today)")
    export = sub.add_parser("export-schema", help="write the GraphQL SDL")
    export.add_argument("--output", type=Path, default=DEFAULT_SCHEMA_PATH, help="file, or - for stdout")
    sweep = sub.add_parser(
        "sweep-files",
        help="remove stored files no row references, stale uploads and old cached documents",
    )
    sweep.add_argument(
        "--grace-minutes",
        type=int,
        default=None,
        help="keep unreferenced files younger than this (default ENERGY_PORTAL_FILE_SWEEP_GRACE_MINUTES)",
    )
    sweep.add_argument("--dry-run", action="store_true", help="print what would be removed, remove nothing")
    sub.add_parser("notify-invoices", help="tell customers of new and overdue invoices (once each)")
    record = sub.add_parser(
        "record-temperatures",
        help="store a day's mean outdoor temperatures per grid area (replacing that day's)",
    )
    record.add_argument("--date", type=date.fromisoformat, required=True, help="the local day")
    record.add_argument("means", nargs="+", type=_grid_mean, metavar="GRID_OPERATOR_ID=MEAN_C")
    dev_invoice = sub.add_parser(
        "dev-add-invoice", help="development: issue today the next invoice of a customer's latest contract"
    )
    dev_invoice.add_argument("--customer-number", required=True)
    dev_payment = sub.add_parser(
        "dev-record-payment", help="development: record a payment received today for an invoice"
    )
    dev_payment.add_argument("--invoice-number", required=True)
    dev_payment.add_argument("--amount", default=None, help="euros, e.g. 12.50 (default: all that is due)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "migrate":
            asyncio.run(_migrate())
            print("migrations applied")
        elif args.command == "seed":
            seeded = asyncio.run(_seed(args.date))
            print("demo data seeded" if seeded else "the database already has users: nothing seeded")
        elif args.command == "notify-invoices":
            return asyncio.run(_notify_invoices())
        elif args.command == "sweep-files":
            if args.grace_minutes is not None and args.grace_minutes < 0:
                parser.error("--grace-minutes must not be negative")
            return asyncio.run(_sweep_files(args.grace_minutes, args.dry_run))
        elif args.command == "record-temperatures":
            return asyncio.run(_record_temperatures(args.date, dict(args.means)))
        elif args.command == "dev-add-invoice":
            return asyncio.run(_dev_add_invoice(args.customer_number))
        elif args.command == "dev-record-payment":
            return asyncio.run(_dev_record_payment(args.invoice_number, args.amount))
        elif args.command == "export-schema":
            sdl = export_schema_text()
            if str(args.output) == "-":
                sys.stdout.write(sdl)
            else:
                args.output.write_text(sdl)
                print(f"schema written to {args.output}")
    except SettingsError as exc:
        print(f"energy-portal: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
