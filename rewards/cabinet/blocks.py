"""rewards' blocks of the cabinet: the tier panel, the tiers and catalog
sections of the program rules, the export, and the words for entries a
reward caused. Registered from RewardsConfig.ready()."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loyalty.selectors import program_get
from members.cabinet.registry import Block
from members.templatetags.cabinet import money, number, points

from ..catalog.selectors import rewards_available
from ..models import Coupon, Reward, TierChange, TierProgram
from ..selectors import member_tier_get, tier_program_get, tier_progress, tiers_list


def format_value(value, basis, currency):
    """A qualifying value as the shopper reads it: points, money or orders."""
    if value is None:
        return ""
    if basis == TierProgram.Basis.SPEND:
        return money(value, currency)
    if basis == TierProgram.Basis.ORDERS:
        count = int(value)
        return ngettext("%(count)s order", "%(count)s orders", count) % {"count": number(count)}
    return points(int(value))


def tier_panel(request, member):
    program = program_get()
    progress = tier_progress(member, program, now=timezone.now())
    if progress.tier is None and progress.next_tier is None:
        return None

    def shown(value):
        return format_value(value, progress.basis, program.currency)

    return Block(
        "cabinet/rewards/tier_panel.html",
        {
            "progress": progress,
            "value": shown(progress.value),
            "next_threshold": shown(progress.next_tier.threshold) if progress.next_tier else "",
            "needed_for_next": shown(progress.needed_for_next),
            "needed_to_keep": shown(progress.needed_to_keep),
            "keep_threshold": shown(progress.keep_threshold),
            # keep_by is the first instant after the period: the last day is the one before.
            "keep_until": progress.keep_by - datetime.timedelta(microseconds=1) if progress.keep_by else None,
            "bar_value": int(progress.value),
            "bar_max": int(progress.next_tier.threshold) if progress.next_tier else 0,
            "basis_label": TierProgram.Basis(progress.basis).label,
        },
    )


def tiers_section(request, member):
    tiers = tiers_list()
    if not tiers:
        return None
    settings = tier_program_get()
    program = program_get()
    status = member_tier_get(member) if member is not None else None
    rows = [
        {
            "tier": tier,
            "threshold": format_value(tier.threshold, settings.basis, program.currency),
            "keep": format_value(tier.threshold_to_keep, settings.basis, program.currency),
        }
        for tier in tiers
    ]
    return Block(
        "cabinet/rewards/rules_tiers.html",
        {
            "rows": rows,
            "settings": settings,
            "bases": TierProgram.Basis,
            "windows": TierProgram.Window,
            "policies": TierProgram.DowngradePolicy,
            "currency": program.currency,
            "program": program,
            "current": status.tier if status else None,
        },
    )


def catalog_section(request, member):
    rewards = list(rewards_available(timezone.now()))
    if not rewards:
        return None
    return Block("cabinet/rewards/rules_catalog.html", {"rewards": rewards, "currency": program_get().currency})


def export_rewards(member):
    status = member_tier_get(member)
    return {
        "tier": None
        if status is None
        else {
            "code": status.tier.code,
            "name": status.tier.name,
            "since": status.since.isoformat(),
            "review_at": status.review_at.isoformat() if status.review_at else None,
        },
        "tier_changes": [
            {
                "from": change.from_tier.code if change.from_tier else None,
                "to": change.to_tier.code,
                "reason": change.reason,
                "changed_at": change.changed_at.isoformat(),
            }
            for change in TierChange.objects.filter(member=member)
            .select_related("from_tier", "to_tier")
            .order_by("changed_at", "id")
        ],
        "coupons": [
            {
                "code": coupon.code,
                "reward": coupon.reward.name_en,
                "status": coupon.status,
                "issued_at": coupon.issued_at.isoformat(),
                "valid_until": coupon.valid_until.isoformat(),
                "used_at": coupon.used_at.isoformat() if coupon.used_at else None,
            }
            for coupon in Coupon.objects.filter(member=member).select_related("reward").order_by("issued_at", "id")
        ],
    }


def describe_reward_entries(entries):
    """{entry id: text} for entries whose source is a reward: one query."""
    rewards = Reward.objects.in_bulk({entry.source_id for entry in entries})
    texts = {}
    for entry in entries:
        reward = rewards.get(entry.source_id)
        if reward is not None:
            texts[entry.pk] = _("Redeemed for the reward “%(reward)s”") % {"reward": reward.name}
    return texts
