"""Paid memberships: plans shoppers buy for a fee, the benefits they give in
checkout (``rewards.checkout``, stacked with the tier's by ``rewards.benefits``)
and what they saved. docs/rewards.md describes the rules.

* ``rules``: how long a period lasts (no queries);
* ``selectors``: plans on sale, a member's membership and whether it paid off;
* ``services``: purchase, renewal, cancellation, expiry, and the savings of orders;
* ``receivers``: the receivers of loyalty's order signals that record savings.
"""
