"""Celery tasks: thin wrappers over the ledger jobs (scheduled by migration
0002) and the purge of idempotency records (scheduled by migration 0003)."""

from celery import shared_task

from .services import idempotency, ledger_jobs


@shared_task(name="loyalty.tasks.activate_due_lots")
def activate_due_lots():
    return ledger_jobs.activate_due_lots()


@shared_task(name="loyalty.tasks.expire_due_lots")
def expire_due_lots():
    return ledger_jobs.expire_due_lots()


@shared_task(name="loyalty.tasks.release_stale_holds")
def release_stale_holds():
    return ledger_jobs.release_stale_holds()


@shared_task(name="loyalty.tasks.purge_idempotency_records")
def purge_idempotency_records():
    return idempotency.idempotency_records_purge()
