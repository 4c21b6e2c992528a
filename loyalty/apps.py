from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = _("Loyalty")

    def ready(self):
        """Fill members' personal cabinet (members never imports loyalty)."""
        from members.cabinet.registry import cabinet

        from .cabinet import blocks

        cabinet.set_settings_provider(blocks.cabinet_settings)
        cabinet.add_nav("history", _("History"), "cabinet_points:history", order=20)
        cabinet.add_nav("orders", _("Orders"), "cabinet_points:orders", order=25)
        cabinet.add_nav("gift", _("Gift points"), "cabinet_points:gift", order=50)
        cabinet.add_panel("balance", blocks.balance_panel, order=10)
        cabinet.add_panel("expiring", blocks.expiring_panel, order=15)
        cabinet.add_rules_section("earning", blocks.earning_section, order=10)
        cabinet.add_rules_section("spending", blocks.spending_section, order=20)
        cabinet.add_rules_section("expiry", blocks.expiry_section, order=30)
        cabinet.add_rules_section("gifts", blocks.gifts_section, order=60)
        cabinet.add_export("points", blocks.export_points)
