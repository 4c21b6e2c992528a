"""rewards' part of the personal cabinet: the tier panel, the rewards
catalog with redemption, my coupons, the tiers and catalog sections of the
program rules, and the tier and coupons of the "my data" export. Plugged
into members' cabinet shell and loyalty's history from RewardsConfig.ready()."""
