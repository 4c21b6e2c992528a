"""Checks of the ledger's invariants (DESIGN.md, "The ledger: rules that never bend").

For every account, the cached balances must equal the sums of its journal and
the state of its lots and holds:

    available        = sum(available_delta) = sum(remaining of available lots) - debt
    pending          = sum(pending_delta)   = sum(remaining of pending lots)
    held             = sum(held_delta)      = sum(points of active holds)
                                            = sum(allocations of active holds)
    lifetime_earned  = earned - taken back on returns
    lifetime_spent   = spent and captured - given back on returns
    lifetime_expired = expired
    debt > 0 only while no available lot has points left
    next_due_at      <= the first moment a pending lot becomes available,
                        an open lot expires or an active hold times out

Accounts are read in key order, a chunk at a time, with one grouped query per
source, so memory stays bounded however long the journal is.
"""

from dataclasses import dataclass

from django.db.models import Count, F, Min, Q, Sum

from .models import Account, Entry, Hold, HoldAllocation, Lot

CHUNK_SIZE = 2000


@dataclass(frozen=True)
class Mismatch:
    account_id: int
    check: str
    cached: int
    actual: int

    def __str__(self):
        return f"account {self.account_id}: {self.check}: cached {self.cached}, actual {self.actual}"


def _grouped(queryset, **sums):
    rows = queryset.order_by().values("account_id").annotate(**sums)
    return {row.pop("account_id"): row for row in rows}


def _entry_sums(first_id, last_id):
    kind = Entry.Kind
    return _grouped(
        Entry.objects.filter(account_id__gte=first_id, account_id__lte=last_id),
        available=Sum("available_delta"),
        pending=Sum("pending_delta"),
        held=Sum("held_delta"),
        earned=Sum("points", filter=Q(kind=kind.EARN), default=0)
        - Sum("points", filter=Q(kind=kind.CLAWBACK), default=0),
        spent=Sum("points", filter=Q(kind__in=(kind.SPEND, kind.CAPTURE)), default=0)
        - Sum("points", filter=Q(kind=kind.REFUND), default=0),
        expired=Sum("points", filter=Q(kind=kind.EXPIRE), default=0),
    )


def _lot_sums(first_id, last_id):
    return _grouped(
        Lot.objects.filter(account_id__gte=first_id, account_id__lte=last_id),
        available=Sum("remaining", filter=Q(is_pending=False), default=0),
        pending=Sum("remaining", filter=Q(is_pending=True), default=0),
        broken=Count("id", filter=Q(remaining__lt=0) | Q(remaining__gt=F("amount"))),
        next_available=Min("available_at", filter=Q(is_pending=True)),
        next_expiry=Min("expires_at", filter=Q(remaining__gt=0)),
    )


def _hold_sums(first_id, last_id):
    active = Hold.objects.filter(account_id__gte=first_id, account_id__lte=last_id, status=Hold.Status.ACTIVE)
    holds = _grouped(active, held=Sum("points"), next_timeout=Min("expires_at"))
    allocated = _grouped(
        HoldAllocation.objects.filter(hold__in=active).annotate(account_id=F("hold__account_id")),
        allocated=Sum("points"),
    )
    return holds, allocated


def _check_chunk(accounts):
    first_id, last_id = accounts[0]["pk"], accounts[-1]["pk"]
    entries = _entry_sums(first_id, last_id)
    lots = _lot_sums(first_id, last_id)
    holds, allocations = _hold_sums(first_id, last_id)
    for account in accounts:
        account_id = account["pk"]
        entry = entries.get(account_id, {})
        lot = lots.get(account_id, {})
        actual = {
            "available = sum of entries": entry.get("available") or 0,
            "pending = sum of entries": entry.get("pending") or 0,
            "held = sum of entries": entry.get("held") or 0,
            "available = available lots - debt": (lot.get("available") or 0) - account["debt"],
            "pending = pending lots": lot.get("pending") or 0,
            "held = active holds": (holds.get(account_id) or {}).get("held") or 0,
            "held = lots allocated to active holds": (allocations.get(account_id) or {}).get("allocated") or 0,
            "lifetime earned": entry.get("earned") or 0,
            "lifetime spent": entry.get("spent") or 0,
            "lifetime expired": entry.get("expired") or 0,
        }
        cached = {
            "available = sum of entries": account["available"],
            "pending = sum of entries": account["pending"],
            "held = sum of entries": account["held"],
            "available = available lots - debt": account["available"],
            "pending = pending lots": account["pending"],
            "held = active holds": account["held"],
            "held = lots allocated to active holds": account["held"],
            "lifetime earned": account["lifetime_earned"],
            "lifetime spent": account["lifetime_spent"],
            "lifetime expired": account["lifetime_expired"],
        }
        for check, value in cached.items():
            if value != actual[check]:
                yield Mismatch(account_id, check, value, actual[check])
        if lot.get("broken"):
            yield Mismatch(account_id, "lots with remaining outside 0..amount", 0, lot["broken"])
        if account["debt"] > 0 and (lot.get("available") or 0) > 0:
            yield Mismatch(account_id, "debt left unpaid while available lots have points", 0, lot["available"])
        due = [lot.get("next_available"), lot.get("next_expiry"), (holds.get(account_id) or {}).get("next_timeout")]
        first_due = min((moment for moment in due if moment is not None), default=None)
        if first_due is not None and (account["next_due_at"] is None or account["next_due_at"] > first_due):
            # The writes would not see it fall due: it would wait for the nightly jobs.
            yield Mismatch(account_id, "next_due_at after the first due moment", account["next_due_at"], first_due)


def ledger_mismatches(chunk_size=CHUNK_SIZE, on_chunk=None):
    """Yield every Mismatch in the ledger. ``on_chunk(n)`` is called after each
    chunk of n accounts, for progress reports."""
    fields = (
        "pk",
        "available",
        "pending",
        "held",
        "debt",
        "lifetime_earned",
        "lifetime_spent",
        "lifetime_expired",
        "next_due_at",
    )
    last_id = None
    while True:
        page = Account.objects.order_by("pk")
        if last_id is not None:
            page = page.filter(pk__gt=last_id)
        accounts = list(page.values(*fields)[:chunk_size])
        if not accounts:
            return
        yield from _check_chunk(accounts)
        last_id = accounts[-1]["pk"]
        if on_chunk:
            on_chunk(len(accounts))
