"""loyalty's part of the personal cabinet: balances, expiring points, the
history explained in words, orders, gifts of points, and the earn/spend rules.
Plugged into members' cabinet shell from LoyaltyConfig.ready()."""
