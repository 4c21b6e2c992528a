"""Summarise the py-spy profiles of a benchmark run (bench/run --profile ...).

    .venv/bin/python bench/profile_report.py bench/results/<run> [operation ...]

py-spy samples only threads that are not sleeping (not those waiting for
PostgreSQL's answer), so the shares are shares of the workers' busy time.
One exception: right after a worker sends a query (or its answer) the
process it woke often takes the core, and the worker, still runnable, waits
for it in psycopg's send or wait, or in gunicorn's write; those samples are
contention, not work, and are shown as their own kind. Profile with one
worker and one connection (bench/run --workers 1 --connections 1) to see
the work alone. For each
operation: the share of the samples inside each of the project's functions
and of a few library hot spots (inclusive: a function's callees count), and
the share by kind of work.
"""

import re
import sys
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<name>.+) \((?P<file>[^():]+):\d+\)$")
PROJECT = ("loyalty/", "members/", "rewards/", "campaigns/", "analytics/", "bench/")
# Kinds of work, by the first matching frame from the top of the stack (the innermost wins).
KINDS = [
    (
        "runnable, waiting for a core after waking PostgreSQL or the client",
        ("psycopg/client_cursor.py", "psycopg/connection.py", "gunicorn/util.py"),
    ),
    ("SQL: building the query (Django ORM compiler)", ("django/db/models/sql/",)),
    ("SQL: sending it and reading rows (psycopg)", ("psycopg/",)),
    ("model instances from rows", ("django/db/models/base.py", "django/db/models/query.py")),
    ("DRF serializers and fields", ("rest_framework/serializers.py", "rest_framework/fields.py")),
    ("JSON parsing and rendering", ("json/", "rest_framework/renderers.py", "rest_framework/parsers.py")),
    ("Django request/response handling", ("django/core/handlers/", "django/http/", "django/middleware/")),
    ("transactions and savepoints", ("django/db/transaction.py",)),
    ("gunicorn", ("gunicorn/",)),
]
LIBRARY_HOT_SPOTS = (
    "SQLCompiler.as_sql",
    "SQLCompiler.execute_sql",
    "Cursor.execute",
    "Atomic.__enter__",
    "Atomic.__exit__",
    "Serializer.data",
    "ApiKeyAuthentication.authenticate",
)


def frames(line):
    stack, _, count = line.rpartition(" ")
    return stack.split(";"), int(count)


def summarise(paths):
    inclusive, kinds = Counter(), Counter()
    total = 0
    for path in paths:
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            stack, count = frames(line)
            total += count
            seen = set()
            for frame in stack:
                match = FRAME.match(frame)
                if not match:
                    continue
                name, file = match["name"], match["file"]
                key = f"{name} ({file})"
                if key in seen:
                    continue
                seen.add(key)
                if file.startswith(PROJECT) or name in LIBRARY_HOT_SPOTS:
                    inclusive[key] += count
            kind = "other"
            for frame in reversed(stack):
                match = FRAME.match(frame)
                file = match["file"] if match else ""
                found = next((label for label, prefixes in KINDS if file.startswith(prefixes)), None)
                if found is None and file.startswith(PROJECT):
                    found = "the project's own code"
                if found:
                    kind = found
                    break
            kinds[kind] += count
    return total, inclusive, kinds


def main():
    run_dir = Path(sys.argv[1])
    operations = sys.argv[2:] or sorted({path.name.split("-")[1] for path in run_dir.glob("profile-*.txt")})
    for operation in operations:
        paths = sorted(run_dir.glob(f"profile-{operation}-*.txt"))
        if not paths:
            continue
        total, inclusive, kinds = summarise(paths)
        print(f"\n== {operation}: {total} samples")
        print("by kind of work (innermost frame):")
        for kind, count in kinds.most_common():
            print(f"  {count / total:6.1%}  {kind}")
        print("inclusive, the project's functions and library hot spots:")
        for key, count in inclusive.most_common(25):
            print(f"  {count / total:6.1%}  {key}")


if __name__ == "__main__":
    main()
