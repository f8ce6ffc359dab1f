"""The everyday pages, in process and over HTTP side by side with PostGraphile 5 and a floor.

Run from the repository root (wrk comes from Debian's packages: ``apt-get install wrk``;
PostGraphile and Node 22 from the npm registry, installed by the benchmark itself with
``npm ci`` into ``bench/postgraphile/node_modules`` on first use, which needs ``npm``)::

    .venv/bin/python -m bench.pages                          # everything (~9 minutes)
    .venv/bin/python -m bench.pages --in-process             # the in-process table only
    .venv/bin/python -m bench.pages --http --only Dashboard --connections 16 --duration 5
    .venv/bin/python -m bench.pages --http --skip-postgraphile --skip-floor --workers 2

The pages (``--only`` keeps those whose name contains the word; repeatable):

* ``Dashboard``: ``../shared/operations/web/Dashboard.graphql``;
* ``Invoices``: the ``Invoices`` operation's fields for the first 12 invoices plus each
  invoice's ``lines`` and ``payment`` as ``InvoiceDetail`` selects them
  (``INVOICES_PAGE`` below);
* ``InvoiceDetail``, ``Contracts``, ``MessageThreads`` (web) and ``Home`` (mobile), the
  client's own documents.

All run as Maija (owner of two customers; the customer is her own, the invoice her latest
FULL one); in process the Dashboard also runs as the housing manager ``isannoitsija``.

**Database.** PostgreSQL ``--database-url`` (default
``postgresql+asyncpg://postgres@127.0.0.1:5432/bench_pages``), created when missing and
migrated and seeded with the demo data on first use (~15 s); Redis ``--redis-url``
(default ``redis://127.0.0.1:6379/7``; ``--redis-url ''`` for none) holds the sessions,
rate limits and cost budgets, as in a deployment. ``--sqlite`` adds an in-process run on
``var/bench-pages/energy-portal.sqlite3`` (seeded on first use, which takes minutes).

**In process** (``--in-process``; ``--runs`` rounds after ``--warmups``, medians): each
page goes through the server's own application (``app.http.build_app``) with a signed-in
session cookie. Columns, all event-loop-thread CPU (``time.thread_time``; asyncpg and the
Redis client run on that thread, aiosqlite's connection thread is not in it) except wall:

* ``context``: ``GraphQLView.get_context`` as the server calls it (the principal from the
  session cookie: Redis or the database; the rest of the context), statements counted;
* ``execute``: ``schema.execute`` of the page with that context (the schema the server
  runs, its extensions and the execution fast path included; no JSON encoding);
* ``request``: the whole request through the ASGI application, called directly (body
  read, admission, the view, context, execute, cost budget charge, orjson, headers);
  ``wall`` is its wall time;
* ``stmts``: SQL statements of the whole request (SQLAlchemy ``before_cursor_execute``).

**Over HTTP** (``--http``) three servers answer the same pages from the same database:

* ``project``: ``energy-portal serve`` (uvicorn, development mode, access log on, as
  ``bench.load`` runs it), one process, then ``--workers 2`` (``--workers 1,2``: one run of
  each count; the workers' runs come after the others', each page against PostGraphile's
  figure from the one-process round). The per-principal cost budget is raised for the run
  (``ENERGY_PORTAL_COST_BUDGET`` and ``ENERGY_PORTAL_COST_RESTORE_PER_SECOND``, ``--cost-budget``),
  since one user sending hundreds of requests a second is what it exists to stop.
* ``postgraphile``: PostGraphile 5 (``bench/postgraphile``: amber preset, every table of
  the public schema, node-postgres pool of 10, GraphiQL/watch/explain off,
  ``NODE_ENV=production``) on Node 22, serving ``bench/postgraphile/queries/*.graphql``.
* ``floor``: hand-written: a minimal Starlette endpoint (uvicorn, no access log) with
  asyncpg (pool of 10) and orjson that answers ``Dashboard`` and ``Invoices`` with the same
  JSON as the project (the project's pure rules for status, references and barcodes), with
  hand-written SQL (4 statements for the Dashboard, 2 for the invoices). It serves one
  fixed user (Maija): no session, no access check, no cost budget.

What is not equivalent (PostGraphile's queries are "the closest equivalent" in its own
generated schema): PostGraphile runs no sessions and no access checks (no row-level
security was set up: any caller may read any row; the user and customer are variables),
charges no cost budget, and returns raw columns where the project computes: invoice
status, detail level, amount due, the formatted reference, IBAN and BIC, the virtual
barcode (PostGraphile returns ``paidAmount``, ``credited`` and ``referenceNumber``), contract
status, ``unreadCount`` (PostGraphile returns the read marker), the access list (grant
``permissions`` JSON), signed document and attachment links, and bulletins are not
filtered by audience, window or language (all rows, Finnish columns). ``Home`` filters
OPEN and OVERDUE invoices in the project; PostGraphile's generated conditions cannot say
that, so it returns the latest 5 of any status. Response sizes are printed (``bytes``).

For each page and connection count (``--connections``, default 16,64) the servers take
turns (project, PostGraphile, floor, and again for ``--rounds`` rounds), each driven by
wrk (2 threads, ``--duration`` seconds, after a ``--warmup``-second run the first time a
server sees a page). One port per server (``--port`` and the next three). Printed: req/s,
p50, p99, non-2xx/socket/GraphQL errors, the server's CPU per request (user + system of
its process group from ``/proc``, workers included) and the ratio of req/s to
PostGraphile's. wrk runs on the same 2 cores as the servers. Every server is stopped at
the end (process groups), also on errors and Ctrl-C.

The modules: ``catalogue`` (the pages, their operations and the facts they need),
``in_process``, ``over_http`` (wrk), ``servers`` (the project, PostGraphile, the floor as
process groups), ``floor`` (the floor app) and ``__main__`` (the options).
"""
