"""Every ledger entry in words, as the shopper reads it in their history:
"Earned for order W-100234", "Expired", "Returned with order W-100234",
"Adjusted by support: reason".

Entries caused by a higher app's object (a reward bought with points, a
campaign's bonus) name it through a describer that app registers from its
``AppConfig.ready()``, since loyalty must not import it::

    from loyalty.cabinet.explain import source_describers

    source_describers.register("rewards.reward", describe_rewards)

A describer takes the entries whose source is of that model and returns
{entry id: text}, reading what it needs in one query.
"""

from collections import defaultdict

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from ..models import Entry


class SourceDescribers:
    def __init__(self):
        self._describers = {}

    def register(self, model_label, function):
        existing = self._describers.get(model_label)
        if existing is not None and (existing.__module__, existing.__qualname__) != (
            function.__module__,
            function.__qualname__,
        ):
            raise ImproperlyConfigured(f"Entries caused by {model_label} already have a describer.")
        self._describers[model_label] = function

    def describe(self, entries):
        """{entry id: text} for the entries some registered describer knows."""
        by_model = defaultdict(list)
        for entry in entries:
            if entry.source_type_id is not None:
                by_model[entry.source_type.app_label + "." + entry.source_type.model].append(entry)
        texts = {}
        for label, group in by_model.items():
            describer = self._describers.get(label)
            if describer is not None:
                texts.update(describer(group))
        return texts


source_describers = SourceDescribers()


def _order(entry):
    return entry.order.number if entry.order_id else ""


def describe(entry, *, partner=None, source_text=None):
    """One sentence for one entry. ``partner`` is the other member's display
    name of a transfer, ``source_text`` what a higher app said about its
    source."""
    kind = entry.kind
    order = _order(entry)
    if kind == Entry.Kind.EARN:
        if order:
            return _("Earned for order %(order)s") % {"order": order}
        if source_text:
            return source_text
        return _("Bonus: %(reason)s") % {"reason": entry.reason} if entry.reason else _("Bonus")
    if kind == Entry.Kind.ACTIVATE:
        if order:
            return _("Points for order %(order)s became available") % {"order": order}
        return _("Pending points became available")
    if kind == Entry.Kind.SPEND:
        if source_text:
            return source_text
        if order:
            return _("Spent on order %(order)s") % {"order": order}
        return _("Spent: %(reason)s") % {"reason": entry.reason} if entry.reason else _("Spent")
    if kind == Entry.Kind.HOLD:
        return _("Reserved for order %(order)s") % {"order": order} if order else _("Reserved")
    if kind == Entry.Kind.CAPTURE:
        return _("Spent on order %(order)s") % {"order": order} if order else _("Spent")
    if kind == Entry.Kind.RELEASE:
        if entry.reason == Entry.RELEASE_REASON_TIMEOUT:
            return _("Reservation for order %(order)s released: the order was not completed in time") % {"order": order}
        return _("Reservation for order %(order)s released") % {"order": order} if order else _("Reservation released")
    if kind == Entry.Kind.EXPIRE:
        if entry.reason == Entry.EXPIRY_REASON_INACTIVITY:
            return _("Expired: no purchases for too long")
        return _("Expired")
    if kind == Entry.Kind.CLAWBACK:
        return _("Taken back: order %(order)s was returned") % {"order": order}
    if kind == Entry.Kind.REFUND:
        return _("Returned with order %(order)s") % {"order": order}
    if kind == Entry.Kind.ADJUSTMENT:
        return _("Adjusted by support: %(reason)s") % {"reason": entry.reason}
    if kind == Entry.Kind.TRANSFER:
        if entry.available_delta < 0:
            return _("Gift to %(member)s") % {"member": partner} if partner else _("Gift sent")
        return _("Gift from %(member)s") % {"member": partner} if partner else _("Gift received")
    return entry.get_kind_display()
