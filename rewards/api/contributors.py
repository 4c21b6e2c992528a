"""The "tier" field of loyalty's member representation."""

from django.db.models import F

from loyalty.api.contributors import MemberContributor

from ..selectors import tier_by_id


class TierContributor(MemberContributor):
    """Reads the tier's id and date in the member's own query (a join), and
    the tier itself from the process cache: reading a member costs no more
    queries with tiers than without."""

    def prepare(self, queryset):
        return queryset.annotate(
            tier_status_tier_id=F("tier_status__tier_id"), tier_status_since=F("tier_status__since")
        )

    def represent(self, member):
        tier = tier_by_id(member.tier_status_tier_id)
        if tier is None:
            return None
        return {"code": tier.code, "name": tier.name, "since": member.tier_status_since, "perks": tier.perks}
