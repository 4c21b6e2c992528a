"""Prize draws: tickets bought with points or granted by staff, drawn by a
job at the set time, winners paid with a catalog coupon. docs/rewards.md
describes the rules.

* ``rules``: how winners are drawn from the tickets, and replaying a draw
  from its log (no queries);
* ``selectors``: open draws, results, a member's tickets;
* ``services``: buying and granting tickets, running due draws.
"""
