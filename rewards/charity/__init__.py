"""Charity: causes members give points to, and the money staff transfer to
them. docs/rewards.md describes the rules.

* ``selectors``: causes with their totals, a member's donations;
* ``services``: donating points, recording a transfer.
"""
