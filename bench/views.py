"""The benchmark's two baselines, behind the same API-key authentication,
permission, throttling and error handling as the product's endpoints (the
project's REST_FRAMEWORK defaults): what any endpoint of this stack costs at
least, to compare the product's endpoints with.

* ``GET /api/bench/noop``: authenticates the key and answers {"ok": true}.
* ``POST /api/bench/write`` {"member": "<external id>"}: the least a ledger
  write does, in one transaction: lock the member's account row
  (SELECT ... FOR UPDATE), insert one row, update the account row. The
  update sets ``available`` to itself, so the row gets a new version like a
  real balance change while the ledger's invariants stay untouched.
"""

from django.db import transaction
from django.db.models import F
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from loyalty.models import Account

from .models import BaselineWrite


class NoopView(APIView):
    def get(self, request):
        return Response({"ok": True})


class WriteView(APIView):
    def post(self, request):
        external_id = request.data.get("member") if isinstance(request.data, dict) else None
        if not isinstance(external_id, str):
            raise ValidationError({"member": ["Give a member's external id."]})
        with transaction.atomic():
            account_id = (
                Account.objects.select_for_update(of=("self",))
                .filter(member__external_id=external_id)
                .values_list("pk", flat=True)
                .first()
            )
            if account_id is None:
                raise NotFound("No member has this external id.", code="member_not_found")
            BaselineWrite.objects.create(account_id=account_id)
            Account.objects.filter(pk=account_id).update(available=F("available"))
        return Response({"ok": True}, status=201)
