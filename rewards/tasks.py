"""Celery tasks: thin wrappers over the tier services (scheduled by migration 0003)."""

from celery import shared_task

from . import services


@shared_task(name="rewards.tasks.reevaluate_tiers")
def reevaluate_tiers():
    return services.tiers_reevaluate()
