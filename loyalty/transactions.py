"""The transaction of a service: all or nothing, with as few savepoints as that needs.

Services call services: completing an order settles its points in the
ledger, and the order's signal lets tiers and coupons react. With Django's
plain ``atomic`` every one of those calls would open a savepoint, two round
trips to the database each (SAVEPOINT, RELEASE), more than a dozen on one
order's completion, though nobody ever rolls back to them: a failure anywhere
fails the whole operation.

``unit_of_work`` opens the transaction (or, inside someone else's
transaction, such as a test's or the one that stores an idempotent answer,
one savepoint) at the outermost service call only; the services it calls join
it without a savepoint. A failure rolls back the whole unit, and the caller
of the outermost service gets the exception with its own transaction intact.
Code that must recover from a failure inside a unit and go on takes its own
savepoint, visibly: ``with transaction.atomic():``.

Use it as a decorator, ``@unit_of_work()``, or as ``with unit_of_work():``.
"""

import contextlib
import threading

from django.db import transaction

_state = threading.local()


@contextlib.contextmanager
def unit_of_work():
    depth = getattr(_state, "depth", 0)
    with transaction.atomic(savepoint=depth == 0):
        _state.depth = depth + 1
        try:
            yield
        finally:
            _state.depth = depth
