"""How higher apps add their part to the API's member representation.

``loyalty`` must not import the apps above it, yet a member's representation
shows what they own: the tier belongs to ``rewards``. So loyalty declares the
fields it leaves to others (``tier``, null until someone fills it) and a
higher app registers a contributor for one of them from its
``AppConfig.ready()``::

    from loyalty.api.contributors import MemberContributor, member_contributors

    class TierContributor(MemberContributor):
        def prepare(self, queryset):
            return queryset.select_related("tier_status__tier")

        def represent(self, member):
            return {"code": member.tier_status.tier.code, ...}

    member_contributors.register("tier", TierContributor())

``prepare`` lets a contributor load what it needs in the query that loads
the member (select_related, annotate) or with one prefetch, so reading a
member keeps a fixed number of queries; ``represent`` returns the field's
JSON value and must not query.
"""

from django.core.exceptions import ImproperlyConfigured


class MemberContributor:
    def prepare(self, queryset):
        """The member queryset, extended with what ``represent`` reads."""
        return queryset

    def represent(self, member):
        raise NotImplementedError


class MemberContributorRegistry:
    def __init__(self, defaults):
        self.defaults = dict(defaults)
        self._contributors = {}

    def register(self, field, contributor):
        if field not in self.defaults:
            raise ImproperlyConfigured(f"The member representation has no field {field!r} for others to fill.")
        if field in self._contributors:
            raise ImproperlyConfigured(f"{self._contributors[field]!r} already fills {field!r}.")
        self._contributors[field] = contributor

    def prepare(self, queryset):
        for contributor in self._contributors.values():
            queryset = contributor.prepare(queryset)
        return queryset

    def represent(self, member):
        """{field: value} for every declared field, the default where nobody contributes."""
        values = dict(self.defaults)
        for field, contributor in self._contributors.items():
            values[field] = contributor.represent(member)
        return values


member_contributors = MemberContributorRegistry({"tier": None})
