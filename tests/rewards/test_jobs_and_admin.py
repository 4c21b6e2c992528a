"""The rewards jobs are scheduled by migrations and run as Celery tasks; the
admin pages of memberships, prize draws and charity open; the OpenAPI schema
documents the new endpoints; a plan that grants a tier opens that tier's
rewards."""

import pytest
import yaml
from django_celery_beat.models import PeriodicTask
from rest_framework.test import APIClient

from rewards import tasks
from rewards.catalog.services import reward_redeem
from rewards.exceptions import TierRequired
from rewards.memberships.services import membership_cancel, membership_purchase
from rewards.models import Cause, Membership

from .catalog_helpers import give_points, make_reward
from .test_draws import make_draw
from .test_memberships import make_plan

pytestmark = pytest.mark.django_db


def test_the_jobs_are_scheduled():
    scheduled = {task.task: task for task in PeriodicTask.objects.filter(task__startswith="rewards.")}

    assert set(scheduled) == {
        "rewards.tasks.reevaluate_tiers",
        "rewards.tasks.award_birthday_bonuses",
        "rewards.tasks.expire_coupons",
        "rewards.tasks.expire_memberships",
        "rewards.tasks.run_prize_draws",
    }
    birthdays = scheduled["rewards.tasks.award_birthday_bonuses"].crontab
    assert (birthdays.hour, birthdays.minute, str(birthdays.timezone)) == ("0", "10", "Europe/Moscow")
    assert scheduled["rewards.tasks.run_prize_draws"].interval.every == 1


def test_the_tasks_run(program):
    jobs = (tasks.expire_coupons, tasks.expire_memberships, tasks.run_prize_draws, tasks.award_birthday_bonuses)

    assert [job.delay().get() for job in jobs] == [0, 0, 0, 0]


def test_the_admin_pages_open(admin_client, member, storefront, program):
    plan = make_plan()
    membership_purchase(member=member, plan=plan, storefront=storefront, number="P-1")
    draw = make_draw()
    cause = Cause.objects.create(name_en="Shelter")
    pages = [
        "/admin/rewards/membershipplan/",
        "/admin/rewards/membershipplan/add/",
        f"/admin/rewards/membershipplan/{plan.pk}/change/",
        "/admin/rewards/membership/",
        f"/admin/rewards/membership/{member.pk}/change/",
        "/admin/rewards/membershippayment/",
        "/admin/rewards/membershipsaving/",
        "/admin/rewards/prizedraw/",
        "/admin/rewards/prizedraw/add/",
        f"/admin/rewards/prizedraw/{draw.pk}/change/",
        "/admin/rewards/drawentry/",
        "/admin/rewards/cause/",
        f"/admin/rewards/cause/{cause.pk}/change/",
        "/admin/rewards/donation/",
        "/admin/rewards/charitytransfer/",
    ]

    assert {page: admin_client.get(page).status_code for page in pages} == dict.fromkeys(pages, 200)


def test_staff_cancel_a_membership_in_the_admin(admin_client, member, storefront, program):
    membership_purchase(member=member, plan=make_plan(), storefront=storefront, number="P-1")

    admin_client.post("/admin/rewards/membership/", {"action": "end_now", "_selected_action": [member.pk]})

    assert Membership.objects.get(pk=member.pk).status == Membership.Status.EXPIRED


def test_a_plan_granting_a_tier_opens_its_rewards(member, storefront, tiers):
    give_points(member, 1000)
    reward = make_reward(min_tier=tiers["gold"])
    membership_purchase(member=member, plan=make_plan(grants_tier=tiers["gold"]), storefront=storefront, number="P-1")

    assert reward_redeem(member=member, reward=reward).reward == reward

    membership_cancel(member=member, immediately=True)
    with pytest.raises(TierRequired):
        reward_redeem(member=member, reward=reward)


def test_the_schema_documents_the_new_endpoints():
    paths = yaml.safe_load(APIClient().get("/api/schema/").content)["paths"]

    assert set(paths["/api/v1/membership-plans"]) == {"get"}
    assert set(paths["/api/v1/members/{external_id}/membership"]) == {"get"}
    for action in ("purchase", "renew", "cancel"):
        operation = paths[f"/api/v1/members/{{external_id}}/membership/{action}"]["post"]
        assert operation["parameters"][0]["name"] == "Idempotency-Key"
    assert set(paths["/api/v1/draws"]) == set(paths["/api/v1/draws/{draw_id}"]) == {"get"}
    assert set(paths["/api/v1/members/{external_id}/draws/{draw_id}/tickets"]) == {"post"}
    assert set(paths["/api/v1/causes"]) == {"get"}
    assert set(paths["/api/v1/members/{external_id}/donations"]) == {"get", "post"}
