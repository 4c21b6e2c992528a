"""loyalty's blocks of the cabinet: dashboard panels, sections of the
program-rules page, the "my data" export, and the program settings the shell
needs. Registered from LoyaltyConfig.ready()."""

from decimal import Decimal

from django.utils import timezone

from members.cabinet.registry import Block, CabinetSettings

from ..models import Account, Lot, Program
from ..rules import base_points_for, money_for_points, points_covering, quantize_money
from ..selectors import program_get
from .selectors import balance_summary, entries_export, expiring_soon, member_orders

EXAMPLE_ORDER_AMOUNTS = (Decimal(1000), Decimal(5000))


def cabinet_settings():
    program = program_get()
    return CabinetSettings(
        name=program.name,
        logo_url=program.logo_url,
        brand_colour=program.brand_colour,
        accent_colour=program.accent_colour,
        time_zone=program.time_zone,
        currency=program.currency,
    )


# Dashboard panels


def balance_panel(request, member):
    return Block("cabinet/loyalty/balance_panel.html", balance_summary(member, program_get()))


def expiring_panel(request, member):
    program = program_get()
    days = expiring_soon(member, program, now=timezone.now())
    if not days:
        return None
    return Block(
        "cabinet/loyalty/expiring_panel.html",
        {"days": days, "currency": program.currency, "warning": any(day["soon"] for day in days)},
    )


# Sections of the program rules, computed with the very functions the ledger uses


def earning_section(request, member):
    program = program_get()
    examples = [
        {"amount": quantize_money(amount, program.currency), "points": base_points_for(amount, program)}
        for amount in EXAMPLE_ORDER_AMOUNTS
    ]
    return Block(
        "cabinet/loyalty/rules_earning.html",
        {"program": program, "examples": examples, "per_amount": program.earn_rule == Program.EarnRule.PER_AMOUNT},
    )


def spending_section(request, member):
    program = program_get()
    example_amount = EXAMPLE_ORDER_AMOUNTS[0]
    cap_points = points_covering(example_amount * program.redemption_cap_percent / 100, program)
    return Block(
        "cabinet/loyalty/rules_spending.html",
        {
            "program": program,
            "one_point": money_for_points(1, program),
            "example_amount": quantize_money(example_amount, program.currency),
            "example_cap_points": cap_points,
            "example_cap_value": money_for_points(cap_points, program),
        },
    )


def expiry_section(request, member):
    program = program_get()
    return Block("cabinet/loyalty/rules_expiry.html", {"program": program, "policy": Program.ExpiryPolicy})


def gifts_section(request, member):
    program = program_get()
    if not program.gifts_enabled:
        return None
    return Block("cabinet/loyalty/rules_gifts.html", {"program": program})


# My data


def export_points(member):
    program = program_get()
    account = Account.objects.filter(member=member).first()
    return {
        "account": None
        if account is None
        else {
            "available": account.available,
            "pending": account.pending,
            "held": account.held,
            "lifetime_earned": account.lifetime_earned,
            "lifetime_spent": account.lifetime_spent,
            "lifetime_expired": account.lifetime_expired,
            "currency": program.currency,
        },
        "entries": entries_export(member),
        "open_lots": [
            {
                "remaining": lot.remaining,
                "pending": lot.is_pending,
                "available_at": lot.available_at.isoformat(),
                "expires_at": lot.expires_at.isoformat() if lot.expires_at else None,
            }
            for lot in Lot.objects.filter(account_id=member.pk, remaining__gt=0).order_by("expires_at", "id")
        ],
        "orders": [
            {
                "number": order.number,
                "storefront": order.storefront.name,
                "status": order.status,
                "placed_at": order.placed_at.isoformat(),
                "completed_at": order.completed_at.isoformat() if order.completed_at else None,
                "currency": order.currency,
                "subtotal": str(order.subtotal),
                "discounts": str(order.discount_total),
                "shipping": str(order.shipping),
                "paid_with_points": str(order.points_value),
                "payable_total": str(order.payable_total),
                "points_spent": order.spent_net,
                "points_earned": order.earned_net,
                "lines": [
                    {
                        "sku": line.sku,
                        "category": line.category,
                        "quantity": line.quantity,
                        "unit_price": str(line.unit_price),
                        "amount": str(line.amount),
                        "returned_quantity": line.returned_quantity,
                    }
                    for line in order.lines.all()
                ],
            }
            for order in member_orders(member).prefetch_related("lines")
        ],
    }
