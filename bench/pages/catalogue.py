"""The pages measured: their operations, the facts read from the demo data, and shared paths."""

from __future__ import annotations

import base64
import contextlib
import os
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
PGL_DIR = ROOT / "bench" / "postgraphile"
DATA_DIR = ROOT / "var" / "bench-pages"
DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_pages"
DEFAULT_SQLITE = DATA_DIR / "energy-portal.sqlite3"

LOGIN = "mutation($input: LoginInput!) { login(input: $input) { errors { code } } }"

#: The invoices page: the ``Invoices`` operation's fields for the first 12 invoices, plus
#: each invoice's ``lines`` and ``payment`` as ``InvoiceDetail`` selects them.
INVOICES_PAGE = """
query InvoicesPage($customerId: ID!, $first: Int = 12) {
  customer(id: $customerId) {
    id
    invoices(first: $first) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        cursor
        node {
          id
          invoiceNumber
          issuedOn
          dueOn
          periodStart
          periodEnd
          status
          detailLevel
          total { amount currency }
          payment {
            referenceNumber
            iban
            bic
            recipientName
            amountDue { amount currency }
            dueOn
            virtualBarcode
          }
          contract { id contractNumber }
          lines {
            description
            quantity
            unit
            unitPrice { amount currency }
            vatRate
            amountExclVat { amount currency }
            amountInclVat { amount currency }
          }
        }
      }
    }
  }
}
"""


def _operation(kind: str, name: str) -> str:
    return (SHARED / "operations" / kind / f"{name}.graphql").read_text()


@dataclass(frozen=True)
class Page:
    """One page: the project's document and PostGraphile's closest equivalent."""

    name: str
    document: str
    operation: str
    #: Variables from the facts (``Facts``) of the signed-in user.
    variables: Any
    postgraphile: str | None
    pg_variables: Any = None
    floor: bool = False


@dataclass
class Facts:
    """IDs the pages need, found through the project's own API as Maija."""

    user_global: str = ""
    user_id: int = 0
    customer_global: str = ""
    customer_id: int = 0
    invoice_global: str = ""
    invoice_id: int = 0


def _row_id(global_id: str) -> int:
    padded = global_id + "=" * (-len(global_id) % 4)
    return int(base64.urlsafe_b64decode(padded).decode().rsplit(":", 1)[1])


PAGES = [
    Page(
        "Dashboard",
        _operation("web", "Dashboard"),
        "Dashboard",
        lambda f: {"language": "FI"},
        "Dashboard",
        lambda f: {"userId": f.user_id},
        floor=True,
    ),
    Page(
        "Invoices",
        INVOICES_PAGE,
        "InvoicesPage",
        lambda f: {"customerId": f.customer_global},
        "Invoices",
        lambda f: {"customerId": f.customer_id},
        floor=True,
    ),
    Page(
        "InvoiceDetail",
        _operation("web", "InvoiceDetail"),
        "InvoiceDetail",
        lambda f: {"invoiceId": f.invoice_global},
        "InvoiceDetail",
        lambda f: {"invoiceId": f.invoice_id},
    ),
    Page(
        "Contracts",
        _operation("web", "Contracts"),
        "Contracts",
        lambda f: {"customerId": f.customer_global},
        "Contracts",
        lambda f: {"customerId": f.customer_id},
    ),
    Page(
        "MessageThreads",
        _operation("web", "MessageThreads"),
        "MessageThreads",
        lambda f: {"customerId": f.customer_global},
        "MessageThreads",
        lambda f: {"customerId": f.customer_id, "userId": f.user_id},
    ),
    Page(
        "Home",
        _operation("mobile", "Home"),
        "Home",
        lambda f: {},
        "Home",
        lambda f: {"userId": f.user_id},
    ),
]


def selected_pages(only: list[str] | None) -> list[Page]:
    if not only:
        return PAGES
    return [p for p in PAGES if any(word.lower() in p.name.lower() for word in only)]


def graphql_body(document: str, operation: str, variables: dict[str, Any]) -> bytes:
    return orjson.dumps({"query": document, "operationName": operation, "variables": variables})


DASHBOARD_BODY = graphql_body(PAGES[0].document, "Dashboard", {"language": "FI"})


def own_customer(dashboard: dict[str, Any]) -> str:
    """The global ID of the first customer the viewer owns, from a ``Dashboard`` answer."""
    return next(c["id"] for c in dashboard["data"]["viewer"]["customers"] if c["relationship"] == "OWNER")


def invoices_body(customer_global: str) -> bytes:
    return graphql_body(INVOICES_PAGE, "InvoicesPage", {"customerId": customer_global})


def facts_from(dashboard: dict[str, Any], invoices: dict[str, Any]) -> Facts:
    """Maija's user, her own customer and her latest FULL invoice, from the API's answers."""
    facts = Facts()
    facts.user_global = dashboard["data"]["viewer"]["user"]["id"]
    facts.user_id = _row_id(facts.user_global)
    facts.customer_global = own_customer(dashboard)
    facts.customer_id = _row_id(facts.customer_global)
    nodes = [e["node"] for e in invoices["data"]["customer"]["invoices"]["edges"]]
    full = [n for n in nodes if n["detailLevel"] == "FULL"] or nodes
    facts.invoice_global = full[0]["id"]
    facts.invoice_id = _row_id(facts.invoice_global)
    return facts


def machine() -> str:
    cpu = platform.processor() or "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )
