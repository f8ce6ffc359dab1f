"""The per-request GraphQL context: who asks, in which language, a database, and fresh dataloaders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.budget import Budget
from auth.principal import Principal
from auth.ratelimit import RateLimiter
from domain.base import Language
from domain.files import FilesystemStore
from resolvers.errors import forbidden, unauthenticated
from resolvers.loaders import Loaders


@dataclass(frozen=True)
class Rules:
    """Deployment facts the business rules depend on."""

    cutover_date: date
    full_invoice_details_from: date
    session_days: int
    production: bool
    secure_cookies: bool
    payee_name: str
    payee_iban: str
    payee_bic: str
    payee_business_id: str = "2841675-3"
    seller_street: str = "Energiakatu 1"
    seller_postal_code: str = "00100"
    seller_city: str = "Helsinki"
    seller_vat_number: str = "FI28416753"
    customer_service_phone: str = "+358 20 123 4567"
    customer_service_email: str = "asiakaspalvelu@example.fi"
    late_payment_interest_percent: Decimal = Decimal("11.5")
    contract_terms_version: str = "2024-01"
    public_origin: str = "http://127.0.0.1:8000"
    #: Where people open links sent to them (``/accept-invitation``).
    web_app_origin: str = "http://127.0.0.1:8000"
    signing_key: str = ""
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    session_idle_minutes: int = 60


@dataclass
class Context:
    """Built once per request by the application; never shared between requests."""

    sessions: async_sessionmaker[AsyncSession]
    rules: Rules
    principal: Principal | None
    today: date
    language: Language = Language.FI
    request: Any = None
    response: Any = None
    request_id: str = ""
    #: Rate limiter shared by the process (database or Redis backed).
    limiter: RateLimiter | None = None
    #: Client address as seen by the server (for per-address rate limits).
    client_address: str = ""
    #: Content-addressed file storage (message attachments).
    files: FilesystemStore | None = None
    #: Sessions for reads only (``app.db.read_session_factory``); ``sessions`` when not given.
    read_sessions: async_sessionmaker[AsyncSession] = None  # type: ignore[assignment]
    #: Core connections for reads only (``Runtime.read_connections``); ``read_sessions`` when
    #: not given (the reads that take them take sessions too).
    read_connections: Callable[[], Any] = None  # type: ignore[assignment]
    #: The cost budgets of principals (``auth.budget``); ``None`` charges nothing.
    budget: Budget | None = None
    loaders: Loaders = field(init=False)
    #: Reads made once per request and shared by the fields that need them (by name).
    once: dict[str, Any] = field(init=False, default_factory=dict)
    #: Live updates (``resolvers.events``); ``None`` publishes nothing.
    events: Any = None
    #: A websocket's ``connection_init`` payload (strawberry sets it), and how to find the
    #: principal of the connection again (a subscription checks it before every event).
    connection_params: Any = None
    reauthenticate: Any = None
    #: Sections read on behalf of someone else, for the owner's access log
    #: (``resolvers.access_log``; recorded once the operation has run).
    reads: dict[tuple[int, Any], Any] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        if self.read_sessions is None:
            self.read_sessions = self.sessions
        if self.read_connections is None:
            self.read_connections = self.read_sessions
        self.renew(self.today)

    def renew(self, today: date) -> None:
        """New loaders (nothing cached) for the principal as it is now and ``today``: a
        long-lived context (a websocket's) renews them before each event it answers."""
        self.today = today
        self.loaders = Loaders(
            self.sessions, self.principal, self.today, self.rules.cutover_date, self.read_sessions
        )

    def require_principal(self) -> Principal:
        """The signed-in principal, or an ``UNAUTHENTICATED`` error."""
        if self.principal is None:
            raise unauthenticated()
        return self.principal

    def require_user(self) -> Principal:
        """A signed-in person: ``UNAUTHENTICATED`` without a principal, ``FORBIDDEN`` for a
        program with a personal API token (it reads customer data, and nothing of a user's:
        not the account, the viewer, bulletins, nor anything an owner manages)."""
        principal = self.require_principal()
        if principal.api_token is not None:
            raise forbidden()
        return principal


def screen_language(principal: Principal | None, header: str | None) -> Language:
    """The language of what the service says in answer to a request: the signed-in user's
    chosen language; else what the request's ``Accept-Language`` asks for; else the user's
    default language (``domain.languages``); else Finnish."""
    if principal is not None and principal.language is not None and (principal.language_chosen or not header):
        return principal.language
    return language_from_header(header)


def requested_language(request: Any) -> Language | None:
    """The language a request's ``Accept-Language`` asks for; ``None`` when it names none."""
    header = None if request is None else request.headers.get("accept-language")
    return language_from_header(header) if header else None


def language_from_header(header: str | None) -> Language:
    """The first supported language of an ``Accept-Language`` header; Finnish by default."""
    if not header:
        return Language.FI
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, index, tag.strip().lower()[:2]))
    for _q, _i, tag in sorted(ranked):
        if tag in {"fi", "sv", "en"}:
            return Language(tag.upper())
    return Language.FI
