"""The demo program's tiers, the levels merchants know from the market,
qualified by points earned over the member's lifetime. Newcomer's 5% off the
first purchase is a perk text, not a discount: a member with no purchase yet
sees it, and checkout applies no tier benefit until staff configure one."""

from decimal import Decimal

from django.db import migrations

TIERS = [
    {"code": "newcomer", "name": "Newcomer", "position": 1, "threshold": 0, "perks": ["5% off the first purchase"]},
    {
        "code": "bronze",
        "name": "Bronze",
        "position": 2,
        "threshold": 1001,
        "discount_percent": 10,
        "free_shipping": "from_amount",
        "free_shipping_from": 3000,
        "perks": [],
    },
    {
        "code": "silver",
        "name": "Silver",
        "position": 3,
        "threshold": 5001,
        "discount_percent": 15,
        "free_shipping": "always",
        "perks": ["Early access to new products"],
    },
    {
        "code": "gold",
        "name": "Gold",
        "position": 4,
        "threshold": 10001,
        "discount_percent": 20,
        "perks": ["Exclusive offers", "Invitations to events"],
    },
    {
        "code": "platinum",
        "name": "Platinum",
        "position": 5,
        "threshold": 0,
        "invitation_only": True,
        "perks": ["Individual terms", "Personal manager"],
    },
]


def create_tiers(apps, schema_editor):
    Tier = apps.get_model("rewards", "Tier")
    TierProgram = apps.get_model("rewards", "TierProgram")
    TierProgram.objects.get_or_create(pk=1, defaults={"basis": "points", "window": "lifetime"})
    if Tier.objects.exists():
        return
    for fields in TIERS:
        numbers = {
            key: Decimal(fields[key])
            for key in ("threshold", "discount_percent", "free_shipping_from")
            if key in fields
        }
        Tier.objects.create(**{**fields, **numbers})


def delete_tiers(apps, schema_editor):
    apps.get_model("rewards", "Tier").objects.filter(code__in=[tier["code"] for tier in TIERS]).delete()


class Migration(migrations.Migration):
    dependencies = [("rewards", "0001_initial")]

    operations = [migrations.RunPython(create_tiers, delete_tiers)]
