"""Numbers, money and points as the active language writes them:
1,234.50 in English, 1 234,50 in Russian."""

from decimal import Decimal

from django import template
from django.utils import formats
from django.utils.translation import ngettext

register = template.Library()

CURRENCY_SIGNS = {"RUB": "₽", "USD": "$", "EUR": "€", "GBP": "£", "KZT": "₸", "BYN": "Br", "UAH": "₴"}


@register.filter
def money(amount, currency=""):
    """Grouped, with the currency's sign after the number: whole amounts
    without decimals (1 250 ₽), others with two (1 250,50 ₽)."""
    if amount is None or amount == "":
        return ""
    amount = Decimal(amount)
    places = 0 if amount == amount.to_integral_value() else 2
    number = formats.number_format(amount, decimal_pos=places, use_l10n=True, force_grouping=True)
    sign = CURRENCY_SIGNS.get(currency, currency)
    return f"{number}\u00a0{sign}" if sign else number


@register.filter
def number(value):
    """A whole number, grouped for the active language."""
    if value is None or value == "":
        return ""
    return formats.number_format(
        value, decimal_pos=0 if isinstance(value, int) else None, use_l10n=True, force_grouping=True
    )


@register.filter
def points(value):
    """“1 point”, “1,250 points”; in Russian “1 балл”, “3 балла”, “1 250 баллов”."""
    if value is None or value == "":
        return ""
    value = int(value)
    return ngettext("%(count)s point", "%(count)s points", abs(value)) % {"count": number(value)}


@register.filter
def signed_points(value):
    """“+120”, “−50” (a real minus sign), grouped."""
    value = int(value)
    if value > 0:
        return f"+{number(value)}"
    if value < 0:
        return f"\u2212{number(-value)}"
    return "0"


@register.filter
def percent_of(part, whole):
    """``part`` as a whole percent of ``whole``, within 0..100 (for a progress bar's label)."""
    try:
        whole = Decimal(whole)
        if whole <= 0:
            return 100
        return max(0, min(100, int(Decimal(part) * 100 / whole)))
    except (TypeError, ArithmeticError, ValueError):
        return 0
