"""Extension points of the order lifecycle (DESIGN.md: a lower app defines the
signal, higher apps connect to it from their AppConfig.ready()).

Receivers run inside the transaction that changed the order, so whatever they
write (a tier upgrade, a referral reward, a challenge's progress) commits or
rolls back with it. Each is sent with ``order`` and ``now``; ``order_returned``
also carries ``order_return``.
"""

from django.dispatch import Signal

order_completed = Signal()
order_cancelled = Signal()
order_returned = Signal()
