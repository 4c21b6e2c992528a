"""Celery tasks: thin wrappers over the services, scheduled by migrations 0003
(tiers) and 0007 (the rest)."""

from celery import shared_task

from . import services
from .catalog.services import coupons_expire
from .draws.services import draws_run
from .memberships.services import memberships_expire


@shared_task(name="rewards.tasks.reevaluate_tiers")
def reevaluate_tiers():
    return services.tiers_reevaluate()


@shared_task(name="rewards.tasks.award_birthday_bonuses")
def award_birthday_bonuses():
    return services.birthday_bonuses_award()


@shared_task(name="rewards.tasks.expire_coupons")
def expire_coupons():
    return coupons_expire()


@shared_task(name="rewards.tasks.expire_memberships")
def expire_memberships():
    return memberships_expire()


@shared_task(name="rewards.tasks.run_prize_draws")
def run_prize_draws():
    return draws_run()
