"""Writes of prize draws: tickets bought with points or granted by staff, and
the job that draws due draws.

The draw's row is locked by every write (tickets, and the draw itself), so a
per-member limit holds under concurrency, no ticket is sold after the draw
ran, and a draw is never drawn twice. Locks go draw -> account, as the
catalog's go reward -> account.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.services import ledger
from loyalty.transactions import unit_of_work

from ..catalog.services import prizes_issue
from ..exceptions import DrawNotOpen, TicketLimitReached, TicketsNotForSale
from ..models import DrawEntry, PrizeDraw
from .rules import draw_winners
from .selectors import draw_entries_in_order, draws_due, member_tickets


def _check_tickets(tickets):
    if isinstance(tickets, bool) or not isinstance(tickets, int) or tickets < 1:
        raise ValidationError({"tickets": _("Give a whole number of tickets, at least one.")})


@unit_of_work()
def draw_tickets_buy(*, member, draw, tickets, storefront=None, now=None, idempotency_key=None):
    """Buy ``tickets`` of ``draw`` for the member with points
    (``ledger.points_spend``, source: the draw). The same ``idempotency_key``
    returns the entry it made.

    Raises TicketsNotForSale (tickets only granted by staff), DrawNotOpen,
    TicketLimitReached, and the ledger's InsufficientPoints and MemberNotActive.
    """
    _check_tickets(tickets)
    now = now or timezone.now()
    draw = PrizeDraw.objects.select_for_update().get(pk=draw.pk)
    key = None if idempotency_key is None else f"draw:{draw.pk}:member:{member.pk}:tickets:{idempotency_key}"
    if key is not None and (bought := DrawEntry.objects.filter(spend_entry__idempotency_key=key).first()):
        return bought
    if draw.entry_cost_points is None:
        raise TicketsNotForSale(draw=draw.pk)
    if not draw.is_open_at(now):
        raise DrawNotOpen(draw=draw.pk)
    if draw.max_tickets_per_member is not None:
        held = member_tickets(draw, member)
        if held + tickets > draw.max_tickets_per_member:
            raise TicketLimitReached(draw=draw.pk, limit=draw.max_tickets_per_member, held=held, requested=tickets)
    entry = ledger.points_spend(
        member=member,
        points=tickets * draw.entry_cost_points,
        storefront=storefront,
        source=draw,
        reason=f"Prize draw: {draw.name_en}",
        now=now,
        idempotency_key=key,
    )
    return DrawEntry.objects.create(draw=draw, member=member, tickets=tickets, spend_entry=entry, created_at=now)


@unit_of_work()
def draw_tickets_grant(*, draw, member, tickets, staff_user, note, now=None):
    """Staff give the member ``tickets`` free (a contest prize, a goodwill
    gesture), with the reason kept on the entry. Allowed until the draw runs,
    and above the per-member limit, which is for tickets bought.

    Raises DrawNotOpen once the draw was drawn.
    """
    _check_tickets(tickets)
    if not note.strip():
        raise ValidationError({"note": _("Give the reason for the tickets.")})
    now = now or timezone.now()
    draw = PrizeDraw.objects.select_for_update().get(pk=draw.pk)
    if draw.drawn_at is not None:
        raise DrawNotOpen(draw=draw.pk)
    return DrawEntry.objects.create(
        draw=draw, member=member, tickets=tickets, staff_user=staff_user, note=note.strip(), created_at=now
    )


@unit_of_work()
def draw_run(*, draw, now=None):
    """Draw the winners of ``draw`` if its time has come and it was not drawn:
    the winners (rules.draw_winners, with ``secrets``) each get a coupon for
    the prize, and the log is stored with the draw. Returns the log, or None
    when there was nothing to do (drawn before, not due, unpublished)."""
    now = now or timezone.now()
    draw = PrizeDraw.objects.select_for_update().select_related("prize").get(pk=draw.pk)
    if draw.drawn_at is not None or draw.draw_at > now or not draw.is_active:
        return None
    log = draw_winners(draw_entries_in_order(draw), draw.winners_count)
    prizes_issue(draw=draw, member_ids=log["winners"], now=now)
    draw.drawn_at, draw.draw_log = now, log
    draw.save(update_fields=["drawn_at", "draw_log"])
    return log


def draws_run(now=None):
    """The job: draw every published draw whose time has come, each in its own
    transaction. A drawn draw is never drawn again, so running twice, or on
    two workers at once, draws each draw once. Returns how many were drawn."""
    now = now or timezone.now()
    due = draws_due(now).filter(is_active=True)
    return sum(draw_run(draw=draw, now=now) is not None for draw in due)
