"""The registry of checkout steps.

A step is a function that takes the ``Calculation`` in progress, reads the
cart and the figures so far, and adds effects through the calculation's
methods. Steps run in the order of their position: the stage first, then the
``order`` within the stage. loyalty registers its own steps; higher apps
(rewards, campaigns) register theirs from their ``AppConfig.ready()``, so
loyalty never imports them::

    from loyalty.checkout import Stage, checkout_pipeline

    checkout_pipeline.register(benefit_discount, name="rewards.benefit_discount", stage=Stage.DISCOUNTS, order=10)

Positions are explicit: two steps at the same position are refused, because
their order would otherwise depend on which app happened to load first.

A step that reads something of the member's (their tier) declares it as an
annotation, ``load_with_member(tier_id=F("tier_status__tier_id"))``: the
storefront API then reads the cart's member with it in one query, and the
step finds it on the member (``member.tier_id``).
"""

import enum
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


class Stage(enum.IntEnum):
    """The stages of a calculation, in the order they run.

    The order is the stacking rule of checkout: discounts change the amounts
    that points may pay, points change the amounts that earn.
    """

    # Line and order discounts: tier and membership discounts, coupons, campaigns.
    DISCOUNTS = 100
    # Discounts on shipping: free shipping from tiers, rewards, campaigns.
    SHIPPING = 200
    # Points as payment. Steps that change the redemption cap run before
    # loyalty's redemption step (order 100).
    REDEMPTION = 300
    # Points earned: loyalty's base earning (order 100), then multipliers and
    # bonuses of higher apps (order above 100).
    EARNING = 400
    # Steps that read the whole result. loyalty refuses every coupon code that
    # no earlier step claimed (order 1000).
    CLOSING = 500


@dataclass(frozen=True)
class Step:
    name: str
    handler: Callable
    stage: Stage
    order: int

    @property
    def position(self):
        return (self.stage, self.order)


def _same_function(first, second):
    """True for one function, also after its module was imported again
    (a reload or a test re-import makes a new function object)."""
    return (first.__module__, first.__qualname__) == (second.__module__, second.__qualname__)


class Pipeline:
    def __init__(self):
        self._steps_by_name = {}
        self._ordered = ()
        self._member_annotations = {}

    def register(self, handler, *, name, stage, order):
        """Add ``handler`` at (``stage``, ``order``) under a unique ``name``.

        Registering the same function again under its name at the same
        position changes nothing, so ``ready()`` may run twice; anything else
        under a taken name or position is a configuration error.
        """
        step = Step(name=name, handler=handler, stage=Stage(stage), order=order)
        registered = self._steps_by_name.get(name)
        if registered is not None:
            if registered.position != step.position or not _same_function(registered.handler, handler):
                raise ImproperlyConfigured(f"Another checkout step is registered as {name!r}.")
        else:
            for other in self._steps_by_name.values():
                if other.position == step.position:
                    raise ImproperlyConfigured(
                        f"Checkout steps {other.name!r} and {name!r} have the same position {step.stage.name} "
                        f"{order}: give them different orders."
                    )
        self._steps_by_name[name] = step
        self._ordered = tuple(sorted(self._steps_by_name.values(), key=lambda step: step.position))

    def unregister(self, name):
        """Remove the step registered as ``name`` (KeyError if there is none)."""
        del self._steps_by_name[name]
        self._ordered = tuple(step for step in self._ordered if step.name != name)

    @property
    def steps(self):
        """The registered steps in the order they run."""
        return self._ordered

    def load_with_member(self, **annotations):
        """Read the cart's member with these annotations (expressions over
        Member): what steps read of the member then costs no query of its
        own, whatever the number of steps reading it. Values (ids, dates),
        not related rows: building related model instances costs more than
        the query itself."""
        for name, expression in annotations.items():
            if name in self._member_annotations and self._member_annotations[name] != expression:
                raise ImproperlyConfigured(f"Another expression is loaded with the member as {name!r}.")
        self._member_annotations.update(annotations)

    @property
    def member_annotations(self):
        return dict(self._member_annotations)


checkout_pipeline = Pipeline()
