"""Reads of the program and the ledger."""

from .models import Account, Entry, Hold, Lot, Program


def program_get():
    """The program settings row, created with defaults on first use."""
    program, _ = Program.objects.get_or_create(pk=Program.SINGLETON_ID)
    return program


def account_get(member):
    """The member's account, or an unsaved empty one if nothing was ever credited."""
    return Account.objects.filter(member=member).first() or Account(member=member)


def entries_for(member):
    return Entry.objects.filter(account_id=member.pk).order_by("-occurred_at", "-id")


def lots_open_for(member):
    """Lots with points left, soonest-expiring first (the order they are spent in)."""
    return Lot.objects.filter(account_id=member.pk, remaining__gt=0).order_by("is_pending", "expires_at", "id")


def holds_active_for(member):
    return Hold.objects.filter(account_id=member.pk, status=Hold.Status.ACTIVE).order_by("created_at")
