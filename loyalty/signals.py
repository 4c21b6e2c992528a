"""Extension points of the order lifecycle (DESIGN.md: a lower app defines the
signal, higher apps connect to it from their AppConfig.ready()).

Receivers run inside the transaction that changed the order, so whatever they
write (a tier upgrade, a referral reward, a challenge's progress) commits or
rolls back with it, and a DomainError they raise refuses the change (a coupon
another order has reserved refuses the placing). Each is sent with ``order``
and ``now``; ``order_placed`` also carries ``calculation`` (the Calculation the
order was placed with, its applied coupons included) and ``order_returned``
carries ``order_return``.
"""

from django.dispatch import Signal

order_placed = Signal()
order_completed = Signal()
order_cancelled = Signal()
order_returned = Signal()

# ``manage.py load_demo`` built the demo (``members``, ``cabinet_member``: the
# member who signs in to the cabinet, ``now``): higher apps add their demo data.
demo_loaded = Signal()
