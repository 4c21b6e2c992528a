from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self):
        """The cabinet shell's own navigation and dashboard panel; the apps
        above add theirs from their own ready()."""
        from .cabinet.registry import cabinet
        from .cabinet.views import card_panel

        cabinet.add_nav("dashboard", _("Overview"), "cabinet:dashboard", order=0)
        cabinet.add_nav("profile", _("Profile"), "cabinet:profile", order=80)
        cabinet.add_nav("my_data", _("My data"), "cabinet:my_data", order=90)
        cabinet.add_panel("card", card_panel, order=90)
