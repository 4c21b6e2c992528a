"""Checkout calculation: the price of a cart with its discounts, the points
that may pay for it and the points it earns, as a pipeline of steps.

The API's ``calculate`` endpoint and the place-order service call
``cart_from_data`` and ``checkout_calculate``; higher apps add steps to
``checkout_pipeline`` from their ``AppConfig.ready()``. docs/checkout.md
describes the stages and the stacking rules.
"""

from .calculation import (
    Calculation,
    Effect,
    EffectKind,
    EffectLine,
    LineCalculation,
    Source,
    SourceType,
    checkout_calculate,
)
from .cart import SPEND_MAX, Cart, CartLine, cart_from_data
from .pipeline import Stage, checkout_pipeline
from .steps import register_base_steps

# Importing the package is enough to price a cart: loyalty's own steps are
# always in the pipeline (registering them again changes nothing).
register_base_steps(checkout_pipeline)

__all__ = [
    "SPEND_MAX",
    "Calculation",
    "Cart",
    "CartLine",
    "Effect",
    "EffectKind",
    "EffectLine",
    "LineCalculation",
    "Source",
    "SourceType",
    "Stage",
    "cart_from_data",
    "checkout_calculate",
    "checkout_pipeline",
]
