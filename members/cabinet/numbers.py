"""Member numbers: the number on the virtual loyalty card, the one a shopper
reads out at a till or types to send a gift.

Ten digits: the member's id, zero-padded to nine, and a Luhn check digit, so
a mistyped digit or two swapped neighbours is caught instead of reaching
another member.
"""

import re

NUMBER_DIGITS = 9


def _luhn_digit(digits):
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def member_number(member):
    body = f"{member.pk:0{NUMBER_DIGITS}d}"
    return body + _luhn_digit(body)


def member_number_display(number):
    """Grouped for reading aloud: 0000 0012 34."""
    return " ".join(number[index : index + 4] for index in range(0, len(number), 4))


def member_id_from_number(text):
    """The member id a typed number stands for, or None if it is not a valid number."""
    digits = re.sub(r"[\s-]", "", text or "")
    if not digits.isdigit() or len(digits) != NUMBER_DIGITS + 1:
        return None
    body, check = digits[:-1], digits[-1]
    if _luhn_digit(body) != check or int(body) == 0:
        return None
    return int(body)


def public_name(member):
    """How another member sees this one (a gift's sender or recipient): the
    first name and the initial of the last name, else a masked email, else
    the member number. Never the whole name, email or phone."""
    if member.first_name:
        initial = f" {member.last_name[0]}." if member.last_name else ""
        return f"{member.first_name}{initial}"
    if member.email:
        local, _, domain = member.email.partition("@")
        return f"{local[:1]}***@{domain}"
    return member_number_display(member_number(member))
