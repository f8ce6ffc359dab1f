"""How long hostile documents take to be judged: the limits, graphql-core's rules, the cost.

Run from the repository root::

    .venv/bin/python -m bench.validation [--runs 15]

Prints the median milliseconds (of ``--runs`` rounds, after one warm-up) of:

* ``limits``: ``schema.limits.check_document`` (linear: every fragment measured once);
* ``standard``: graphql-core's specified rules on the same document (what the limits
  spare the server when they refuse first);
* ``execute``: the whole ``schema.execute`` as the server runs it (production schema:
  parse, limits, validation, cost), i.e. the time until the refusal or the answer, with
  a new text each time so that the parser and validation caches never answer;
* ``cost``: ``schema.cost.operation_cost`` alone (for documents that pass the limits).

The documents: ``N`` fragments where each spreads the next one twice (a 2^N expansion;
the issue's goal is under 20 ms for N = 40), a field with ten unknown directives,
500 repeated ``__typename``, a circular introspection query, 30 aliases of a year of
quarter-hours, and a fan-out of pages in pages. None needs a database: everything
here happens before a resolver runs.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import graphql

from domain.base import Language
from schema.build import build_schema
from schema.cost import operation_cost
from schema.limits import DEFAULT_LIMITS, check_document


def doubly_spread(n: int) -> str:
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(n - 1)]
    fragments.append(f"fragment F{n - 1} on Query {{ viewer {{ user {{ id }} }} }}")
    return "query { ...F0 } " + " ".join(fragments)


def aliased_years(count: int) -> str:
    series = " ".join(
        f'y{i}: consumption(locationOfUseId: "TG9j", from: "2025-12-01", to: "2026-11-30", '
        "resolution: QUARTER_HOUR) { points { start kwh unitPrice cost quality } }"
        for i in range(count)
    )
    return f'{{ customer(id: "Q3VzdG9tZXI6MQ") {{ {series} }} }}'


DOCUMENTS: dict[str, str] = {
    "doubly spread, N=20": doubly_spread(20),
    "doubly spread, N=40": doubly_spread(40),
    "doubly spread, N=60": doubly_spread(60),
    "ten unknown directives": "query { __typename " + "@aa " * 10 + "}",
    "500 x __typename": "query { " + "__typename " * 500 + "}",
    "circular introspection": "query { __schema { types { fields { type { fields { type { fields "
    "{ name } } } } } } } }",
    "30 aliased years of 15 min": aliased_years(30),
    "fan-out of pages": """{ viewer { customers {
      messageThreads(first: 100) { edges { node { messages { body attachments { url } } } } }
      invoices(first: 100) { totalCount edges { node { lines { description }
        contract { prices { amount } } } } }
    } } }""",
}


#: The context of an anonymous request without a database (what passes runs as anonymous).
ANONYMOUS = SimpleNamespace(
    principal=None, budget=None, language=Language.EN, client_address="", request_id=""
)


def median_ms(action: Callable[[], object], runs: int) -> float:
    action()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    production = build_schema(production=True)
    schema = production._schema
    print(f"{'document':<30} {'limits':>9} {'standard':>10} {'execute':>9} {'cost':>9}  outcome")
    for name, text in DOCUMENTS.items():
        document = graphql.parse(text)
        limits = median_ms(lambda document=document: check_document(document, DEFAULT_LIMITS), args.runs)
        # graphql-core's rules on a 2^60 document are not exponential, but cap the runs anyway.
        standard = median_ms(lambda document=document: graphql.validate(schema, document), min(args.runs, 5))

        counter = iter(range(10**9))

        def execute(text: str = text, counter: Iterator[int] = counter) -> object:
            # A new comment each time: the parser and validation caches never answer.
            return asyncio.run(production.execute(f"{text} # {next(counter)}", context_value=ANONYMOUS))

        run = median_ms(execute, args.runs)
        result = asyncio.run(production.execute(text, context_value=ANONYMOUS))
        outcome = (
            ",".join(sorted({(e.extensions or {}).get("code", "?") for e in result.errors or []})) or "ran"
        )
        if check_document(document, DEFAULT_LIMITS) is None:
            cost_ms = median_ms(
                lambda document=document: operation_cost(
                    schema, document, None, None, DEFAULT_LIMITS.max_cost
                ),
                args.runs,
            )
            cost = f"{cost_ms:9.2f}"
        else:
            cost = f"{'-':>9}"
        print(f"{name:<30} {limits:9.2f} {standard:10.2f} {run:9.2f} {cost}  {outcome}")
    print("\nmilliseconds, medians; goal: the N=40 bomb judged in under 20 ms (execute column)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
