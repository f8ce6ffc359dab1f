"""The floor: a minimal Starlette endpoint, asyncpg, orjson, hand-written SQL."""

from __future__ import annotations

import argparse
import base64
import contextlib
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

import orjson

_FLOOR_DASHBOARD_CUSTOMERS = """
    SELECT c.id, c.customer_number, c.name, c.kind, 'OWNER' AS relationship, NULL::json AS permissions
    FROM customer_owners o JOIN customers c ON c.id = o.customer_id WHERE o.user_id = $1
    UNION ALL
    SELECT c.id, c.customer_number, c.name, c.kind,
           CASE g.kind WHEN 'HOUSING_MANAGER' THEN 'HOUSING_MANAGER' ELSE 'DELEGATE' END, g.permissions
    FROM access_grants g JOIN customers c ON c.id = g.customer_id
    WHERE g.grantee_user_id = $1 AND g.status = 'ACTIVE'
    ORDER BY 1"""
_FLOOR_LOCATIONS = """
    SELECT l.customer_id, l.id, l.metering_point_id, l.metering_resolution, l.street, l.postal_code,
           l.city, g.name, g.service_url
    FROM locations_of_use l JOIN grid_operators g ON g.id = l.grid_operator_id
    WHERE l.customer_id = ANY($1::int[]) ORDER BY l.id"""
_FLOOR_BULLETINS = """
    SELECT id, title_fi, body_fi, severity, published_at FROM bulletins
    WHERE published_at <= now() AND (visible_until IS NULL OR visible_until > now())
      AND audience = ANY($1::text[])
    ORDER BY published_at DESC, id DESC"""
_FLOOR_INVOICES = """
    SELECT i.id, i.invoice_number, i.issued_on, i.due_on, i.period_start, i.period_end, i.total,
           i.paid_amount, i.credited, i.reference_number, c.id, c.contract_number,
           (SELECT count(*) FROM invoices WHERE customer_id = $1) AS total_count
    FROM (SELECT * FROM invoices WHERE customer_id = $1 ORDER BY issued_on DESC, id DESC LIMIT $2) i
    LEFT JOIN contracts c ON c.id = i.contract_id
    ORDER BY i.issued_on DESC, i.id DESC"""
_FLOOR_LINES = """
    SELECT invoice_id, description, quantity, unit, unit_price, vat_rate, amount_excl_vat, amount_incl_vat
    FROM invoice_lines WHERE invoice_id = ANY($1::int[]) ORDER BY invoice_id, position"""


def _gid(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def _money(amount: Decimal) -> dict[str, str]:
    return {"amount": str(amount), "currency": "EUR"}


def floor_app(dsn: str, username: str) -> Any:
    """The floor's ASGI application (one fixed user: no session, no access check)."""
    import asyncpg
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route
    from stdnum import iban as iban_format

    from app.settings import Settings
    from domain import invoices as rules
    from domain.base import Section, today_helsinki
    from domain.payments import format_reference, virtual_barcode

    defaults = Settings.model_fields
    full_from: date = defaults["full_invoice_details_from"].default
    payee_iban: str = defaults["payee_iban"].default
    payee_bic: str = defaults["payee_bic"].default
    payee_name: str = defaults["payee_name"].default
    owner_access = [{"section": s.value, "level": "READ_WRITE"} for s in Section]
    state: dict[str, Any] = {}

    async def dashboard(conn: Any) -> dict[str, Any]:
        user_id = state["user_id"]
        user = await conn.fetchrow(
            "SELECT id, username, email, role, strong_identity IS NOT NULL FROM users WHERE id = $1", user_id
        )
        customers = await conn.fetch(_FLOOR_DASHBOARD_CUSTOMERS, user_id)
        ids = [row[0] for row in customers]
        locations: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        for row in await conn.fetch(_FLOOR_LOCATIONS, ids):
            locations[row[0]].append(
                {
                    "id": _gid("LocationOfUse", row[1]),
                    "meteringPointId": row[2],
                    "meteringResolution": row[3],
                    "address": {"street": row[4], "postalCode": row[5], "city": row[6]},
                    "gridOperator": {"name": row[7], "serviceUrl": row[8]},
                }
            )
        audiences = {"ALL"} | {"PERSONS" if row[3] == "PERSON" else "ORGANIZATIONS" for row in customers}
        bulletins = await conn.fetch(_FLOOR_BULLETINS, sorted(audiences))
        out = []
        for cid, number, name, kind, relationship, permissions in customers:
            if permissions is None:
                access = owner_access
            else:
                access = [{"section": s, "level": lvl} for s, lvl in orjson.loads(permissions).items()]
            out.append(
                {
                    "id": _gid("Customer", cid),
                    "customerNumber": number,
                    "name": name,
                    "kind": kind,
                    "relationship": relationship,
                    "access": access,
                    "locationsOfUse": locations[cid],
                }
            )
        return {
            "viewer": {
                "user": {
                    "id": _gid("User", user[0]),
                    "username": user[1],
                    "email": user[2],
                    "role": user[3],
                    "strongIdentityLinked": user[4],
                },
                "customers": out,
            },
            "bulletins": [
                {
                    "id": _gid("Bulletin", b[0]),
                    "title": b[1],
                    "body": b[2],
                    "severity": b[3],
                    "publishedAt": b[4].isoformat(),
                }
                for b in bulletins
            ],
        }

    async def invoices(conn: Any, first: int) -> dict[str, Any]:
        customer_id = state["customer_id"]
        today = today_helsinki()
        rows = await conn.fetch(_FLOOR_INVOICES, customer_id, first + 1)
        page = rows[:first]
        lines: dict[int, list[dict[str, Any]]] = {row[0]: [] for row in page}
        full_ids = [row[0] for row in page if row[2] >= full_from]
        if full_ids:
            for ln in await conn.fetch(_FLOOR_LINES, full_ids):
                lines[ln[0]].append(
                    {
                        "description": ln[1],
                        "quantity": None if ln[2] is None else str(ln[2]),
                        "unit": ln[3],
                        "unitPrice": None if ln[4] is None else _money(ln[4]),
                        "vatRate": str(ln[5]),
                        "amountExclVat": _money(ln[6]),
                        "amountInclVat": _money(ln[7]),
                    }
                )
        formatted_iban = iban_format.format(payee_iban)
        edges = []
        for n, row in enumerate(page):
            iid, number, issued, due, start, end, total, paid, credited, ref, contract_id, contract_no, _ = (
                row
            )
            amount_due = rules.amount_due(total, paid, credited)
            full = issued >= full_from
            edges.append(
                {
                    "cursor": base64.b64encode(f"o:{n}".encode()).decode(),
                    "node": {
                        "id": _gid("Invoice", iid),
                        "invoiceNumber": number,
                        "issuedOn": issued,
                        "dueOn": due,
                        "periodStart": start,
                        "periodEnd": end,
                        "status": rules.invoice_status(
                            total=total, paid=paid, due_on=due, credited=credited, today=today
                        ).value,
                        "detailLevel": "FULL" if full else "BASIC",
                        "total": _money(total),
                        "payment": {
                            "referenceNumber": format_reference(ref),
                            "iban": formatted_iban,
                            "bic": payee_bic,
                            "recipientName": payee_name,
                            "amountDue": _money(amount_due),
                            "dueOn": due,
                            "virtualBarcode": virtual_barcode(payee_iban, amount_due, ref, due),
                        },
                        "contract": None
                        if contract_id is None
                        else {"id": _gid("Contract", contract_id), "contractNumber": contract_no},
                        "lines": lines[iid] if full else None,
                    },
                }
            )
        return {
            "customer": {
                "id": _gid("Customer", customer_id),
                "invoices": {
                    "totalCount": rows[0][12] if rows else 0,
                    "pageInfo": {
                        "hasNextPage": len(rows) > first,
                        "endCursor": edges[-1]["cursor"] if edges else None,
                    },
                    "edges": edges,
                },
            }
        }

    async def graphql(request: Request) -> Response:
        payload = orjson.loads(await request.body())
        operation = payload.get("operationName")
        async with state["pool"].acquire() as conn:
            if operation == "Dashboard":
                data = await dashboard(conn)
            elif operation == "InvoicesPage":
                data = await invoices(conn, int((payload.get("variables") or {}).get("first") or 12))
            else:
                return Response(orjson.dumps({"errors": [{"message": "the floor has no such page"}]}), 400)
        return Response(orjson.dumps({"data": data}), media_type="application/json")

    async def healthz(_: Request) -> Response:
        return Response("ok")

    @contextlib.asynccontextmanager
    async def lifespan(_: Any) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(dsn, min_size=2, max_size=10)
        user_id = await pool.fetchval("SELECT id FROM users WHERE username = $1", username)
        state.update(
            pool=pool,
            user_id=user_id,
            customer_id=await pool.fetchval(
                "SELECT customer_id FROM customer_owners WHERE user_id = $1 ORDER BY customer_id LIMIT 1",
                user_id,
            ),
        )
        try:
            yield
        finally:
            await pool.close()

    return Starlette(
        routes=[Route("/graphql", graphql, methods=["POST"]), Route("/healthz", healthz)], lifespan=lifespan
    )


def serve_floor(args: argparse.Namespace) -> int:
    import uvicorn

    dsn = args.database_url.replace("postgresql+asyncpg://", "postgresql://")
    uvicorn.run(
        floor_app(dsn, "maija"), host="127.0.0.1", port=args.port, log_level="warning", access_log=False
    )
    return 0
