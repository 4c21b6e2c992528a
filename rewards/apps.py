from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    name = "rewards"
    verbose_name = _("Rewards")

    def ready(self):
        """Plug tiers into loyalty's extension points: loyalty never imports
        rewards (DESIGN.md), so rewards registers itself here."""
        from loyalty.api.contributors import member_contributors
        from loyalty.checkout import Stage, checkout_pipeline
        from loyalty.signals import order_completed, order_returned

        from . import checkout, receivers
        from .api.contributors import TierContributor

        checkout_pipeline.register(
            checkout.tier_discount, name="rewards.tier_discount", stage=Stage.DISCOUNTS, order=10
        )
        checkout_pipeline.register(
            checkout.tier_free_shipping, name="rewards.tier_free_shipping", stage=Stage.SHIPPING, order=10
        )
        # Tier benefits come first in their stages, before coupons and campaigns.
        # Before loyalty.redemption (REDEMPTION, 100), which reads the cap.
        checkout_pipeline.register(
            checkout.tier_redemption_cap, name="rewards.tier_redemption_cap", stage=Stage.REDEMPTION, order=10
        )
        # After loyalty.base_earning (EARNING, 100), whose points it multiplies.
        checkout_pipeline.register(checkout.tier_earning, name="rewards.tier_earning", stage=Stage.EARNING, order=110)
        order_completed.connect(receivers.evaluate_on_order_completed, dispatch_uid="rewards.tiers.order_completed")
        order_returned.connect(receivers.evaluate_on_order_returned, dispatch_uid="rewards.tiers.order_returned")
        member_contributors.register("tier", TierContributor())
