"""The rewards catalog: rewards bought with points, the coupons they issue,
the checkout steps that apply them and the receivers that follow an order's
life. docs/rewards.md describes the rules.

* ``rules``: the code alphabet and why a coupon is refused (no queries);
* ``selectors``: what the catalog and a member's coupons look like;
* ``services``: redeem, refund, and the coupon moves of the order lifecycle;
* ``checkout``: the steps of loyalty's checkout pipeline;
* ``receivers``: the receivers of loyalty's order signals.
"""
