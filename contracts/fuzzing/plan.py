"""How the Schemathesis work of a run is split over processes, and the configuration each gets.

The coverage phase sends thousands of requests for an operation with a body, so it is split by
method: each process gets a configuration that switches it off for the methods another process
covers. Everything else about the run's Schemathesis settings is here too (see `CONFIG`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Work in order of cost, split over the processes: the coverage phase sends thousands of requests
# for an operation with a body, so it is split by method. POST has no coverage phase: its body is
# PUT's, read and validated as PUT's is (covered there), and every valid POST of it would create a
# relation on the server; examples, fuzzing and the stateful phase send POST.
UNITS = {
    ("coverage", "PUT"): 9,
    ("coverage", "PATCH"): 9,
    ("stateful", ""): 3,
    ("fuzzing", ""): 2,
    ("coverage", "GET"): 1,
    ("coverage", "DELETE"): 1,
    ("examples", ""): 1,
}
NO_COVERAGE = ("POST",)
# The exit status of a process that stopped between two requests when asked to (contracts.fuzzing.hooks).
STOPPED = 130
CONFIG = """\
# Written by contracts.fuzzing.plan for one run; see the docstring of contracts.fuzzing.hooks for the rest
# (among others: a 412 to valid data is accepted only for a stale If-Unmodified-Since, and a
# DELETE or PATCH goes only to a relation this run created).

# The spec documents every method the vendor has on these paths, so the methods left are ones
# the server has no action for: ASP.NET Web API answers them 405 with Allow (RFC 9110 15.5.6).
# None of these probes names a relation it could change (POST /Relation/{id} goes to the run's
# relation, like PUT). TRACE (refused by IIS before the API) and QUERY (a draft method) are
# not the API's to answer.
[phases.coverage]
unexpected-methods = ["get", "put", "post", "delete", "patch", "options"]

# The stateful phase follows the spec's own links (POST's RelationId to GET, PUT, PATCH and
# DELETE). Links Schemathesis would infer lead nowhere useful here (GET /default's RelationId 0),
# and one inferred entry point would keep POST from starting any scenario.
[phases.stateful.inference]
algorithms = []
"""
# --read-only: nothing but GET leaves, not even a probe of an undocumented method.
READ_ONLY_CONFIG = """\
# Written by contracts.fuzzing.plan for a --read-only run: only the GET operations, and no probes of
# undocumented methods (they would be writes).
[phases.coverage]
unexpected-methods = []
"""


@dataclass(frozen=True, slots=True)
class Group:
    """The work of one Schemathesis process: its phases, and the methods it runs coverage for."""

    phases: tuple[str, ...]
    coverage: tuple[str, ...] = ()

    def config(self, base: str) -> str:
        """`base` plus the coverage phase switched off for every method another process covers."""
        if "coverage" not in self.phases:
            return base
        elsewhere = [m for _, m in UNITS if m and m not in self.coverage] + list(NO_COVERAGE)
        blocks = [
            f'[[operations]]\ninclude-method = "{m}"\nphases.coverage.enabled = false\n' for m in elsewhere
        ]
        return "\n".join([base, *blocks])


def plan(phases: tuple[str, ...], workers: int, methods: tuple[str, ...] | None = None) -> list[Group]:
    """Split the work over at most `workers` processes, heaviest first, balancing the weight;
    `methods` limits the coverage phase (under --read-only: GET)."""
    units = [
        (phase, method)
        for phase, method in UNITS
        if phase in phases and (not method or methods is None or method in methods)
    ]
    bins: list[list[tuple[str, str]]] = [[] for _ in range(max(1, min(workers, len(units))))]
    for unit in sorted(units, key=lambda unit: -UNITS[unit]):
        min(bins, key=lambda units: sum(UNITS[u] for u in units)).append(unit)
    return [
        Group(
            phases=tuple(phase for phase in phases if any(unit[0] == phase for unit in work)),
            coverage=tuple(method for phase, method in work if phase == "coverage"),
        )
        for work in bins
        if work
    ]


WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def others_read_only(collection: str) -> str:
    """Configuration that keeps Schemathesis from writing to any resource but `collection` (the
    relation's): every other path of the spec is only read. One regular expression on the operation's
    label (`PUT /api/v1/Contact/{id}`): Schemathesis ORs the criteria of an `[[operations]]` entry."""
    prefix = re.escape(collection.rstrip("/"))
    methods = "|".join(WRITE_METHODS)
    return (
        "\n# A real tenant's other resources (contacts, persons, ...) are only read: --all-resources.\n"
        f"[[operations]]\ninclude-name-regex = '(?i)^({methods}) (?!{prefix}(/|$))'\nenabled = false\n"
    )
