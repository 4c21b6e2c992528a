"""The "tier" field of loyalty's member representation."""

from loyalty.api.contributors import MemberContributor


class TierContributor(MemberContributor):
    """Loads the tier in the member's own query (a join), so reading a member
    costs no more queries with tiers than without."""

    def prepare(self, queryset):
        return queryset.select_related("tier_status__tier")

    def represent(self, member):
        status = getattr(member, "tier_status", None)
        if status is None:
            return None
        tier = status.tier
        return {"code": tier.code, "name": tier.name, "since": status.since, "perks": tier.perks}
