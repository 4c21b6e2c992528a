from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    name = "rewards"
    verbose_name = _("Rewards")

    def ready(self):
        """Plug tiers, memberships and the catalog into loyalty's extension
        points: loyalty never imports rewards (DESIGN.md), so rewards registers
        itself here."""
        from loyalty.api.contributors import member_contributors
        from loyalty.api.errors import DOMAIN_ERROR_STATUS
        from loyalty.cabinet.explain import source_describers
        from loyalty.checkout import Stage, checkout_pipeline
        from loyalty.signals import demo_loaded, order_cancelled, order_completed, order_placed, order_returned
        from members.cabinet.registry import cabinet

        from . import checkout, demo, exceptions, receivers, selectors
        from .api.contributors import TierContributor
        from .cabinet import blocks as cabinet_blocks
        from .catalog import checkout as coupon_checkout
        from .catalog import receivers as coupon_receivers
        from .memberships import receivers as membership_receivers

        # The benefits of the tier and the paid membership (the best of each
        # kind wins) come first in their stages, before coupons and campaigns.
        # They read the member's tier and membership, loaded with the member.
        checkout_pipeline.load_with_member(**selectors.MEMBER_BENEFITS)
        checkout_pipeline.register(
            checkout.benefit_discount, name="rewards.benefit_discount", stage=Stage.DISCOUNTS, order=10
        )
        checkout_pipeline.register(
            checkout.benefit_free_shipping, name="rewards.benefit_free_shipping", stage=Stage.SHIPPING, order=10
        )
        # Before loyalty.redemption (REDEMPTION, 100), which reads the cap.
        checkout_pipeline.register(
            checkout.benefit_redemption_cap, name="rewards.benefit_redemption_cap", stage=Stage.REDEMPTION, order=10
        )
        # After loyalty.base_earning (EARNING, 100), whose points it multiplies.
        checkout_pipeline.register(
            checkout.benefit_earning, name="rewards.benefit_earning", stage=Stage.EARNING, order=110
        )
        order_completed.connect(receivers.evaluate_on_order_completed, dispatch_uid="rewards.tiers.order_completed")
        order_returned.connect(receivers.evaluate_on_order_returned, dispatch_uid="rewards.tiers.order_returned")
        member_contributors.register("tier", TierContributor())

        # The rewards catalog: coupons after tier benefits, before campaigns.
        checkout_pipeline.register(
            coupon_checkout.coupon_discounts, name="rewards.coupon_discounts", stage=Stage.DISCOUNTS, order=20
        )
        checkout_pipeline.register(
            coupon_checkout.coupon_free_shipping, name="rewards.coupon_free_shipping", stage=Stage.SHIPPING, order=20
        )
        order_placed.connect(coupon_receivers.reserve_on_order_placed, dispatch_uid="rewards.coupons.order_placed")
        order_completed.connect(coupon_receivers.use_on_order_completed, dispatch_uid="rewards.coupons.order_completed")
        order_cancelled.connect(
            coupon_receivers.release_on_order_cancelled, dispatch_uid="rewards.coupons.order_cancelled"
        )
        order_returned.connect(
            coupon_receivers.give_back_on_order_returned, dispatch_uid="rewards.coupons.order_returned"
        )

        # What memberships saved, kept through the order's life.
        order_placed.connect(
            membership_receivers.record_on_order_placed, dispatch_uid="rewards.memberships.order_placed"
        )
        order_completed.connect(
            membership_receivers.count_on_order_completed, dispatch_uid="rewards.memberships.order_completed"
        )
        order_cancelled.connect(
            membership_receivers.drop_on_order_cancelled, dispatch_uid="rewards.memberships.order_cancelled"
        )
        order_returned.connect(
            membership_receivers.lower_on_order_returned, dispatch_uid="rewards.memberships.order_returned"
        )

        # The personal cabinet (members' shell, loyalty's history).
        cabinet.add_nav("rewards", _("Rewards"), "cabinet_rewards:catalog", order=30)
        cabinet.add_nav("coupons", _("My coupons"), "cabinet_rewards:coupons", order=35)
        cabinet.add_panel("tier", cabinet_blocks.tier_panel, order=20)
        cabinet.add_rules_section("tiers", cabinet_blocks.tiers_section, order=40)
        cabinet.add_rules_section("catalog", cabinet_blocks.catalog_section, order=50)
        cabinet.add_export("rewards", cabinet_blocks.export_rewards)
        source_describers.register("rewards.reward", cabinet_blocks.describe_reward_entries)
        demo_loaded.connect(demo.add_demo_rewards, dispatch_uid="rewards.demo")

        # The API's statuses of rewards' errors (loyalty.api.errors must not
        # import rewards): 404 when what the request names does not exist,
        # 409 when the current state refuses it, 422 when it never can succeed.
        DOMAIN_ERROR_STATUS.update(
            {
                exceptions.OutOfStock: 409,
                exceptions.LimitReached: 409,
                exceptions.CouponNotAvailable: 409,
                exceptions.CouponNotRefundable: 409,
                exceptions.RewardNotAvailable: 422,
                exceptions.TierRequired: 422,
                exceptions.MembershipNotFound: 404,
                exceptions.MembershipAlreadyActive: 409,
                exceptions.MembershipPaymentConflict: 409,
                exceptions.PlanNotAvailable: 422,
                exceptions.MembershipNotRenewable: 422,
                exceptions.DrawNotOpen: 409,
                exceptions.TicketLimitReached: 409,
                exceptions.TicketsNotForSale: 422,
                exceptions.CauseNotAvailable: 422,
                exceptions.BelowMinimumDonation: 422,
            }
        )
