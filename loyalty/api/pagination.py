"""Keyset ("cursor") pagination for histories, newest first."""

import base64
import binascii
import datetime
import json

from django.db.models import Q
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param


class KeysetPagination(BasePagination):
    """Pages ordered by (``position_field``, id), both descending.

    The cursor is the position and id of the last row of the page, and the
    next page is the rows strictly before it. Rows inserted meanwhile (new
    entries arrive at the top) never shift a page, unlike offsets, and every
    page is one index range scan however deep it is. DRF's CursorPagination
    encodes only the position plus an offset among equal positions, and ledger
    jobs write many entries of one account with the same moment.
    """

    position_field = "occurred_at"
    page_size = 50
    max_page_size = 200
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size_used = self._page_size(request)
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor:
            position, pk = self._decode(cursor)
            queryset = queryset.filter(
                Q(**{f"{self.position_field}__lte": position}),
                Q(**{f"{self.position_field}__lt": position}) | Q(pk__lt=pk),
            )
        rows = list(queryset.order_by(f"-{self.position_field}", "-pk")[: self.page_size_used + 1])
        self.has_next = len(rows) > self.page_size_used
        self.page = rows[: self.page_size_used]
        return self.page

    def get_paginated_response(self, data):
        return Response({"next": self._next_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "The URL of the next (older) page; null on the last page.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "in": "query",
                "required": False,
                "description": "The cursor from the `next` link of the previous page.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "in": "query",
                "required": False,
                "description": f"Rows per page, 1 to {self.max_page_size}; {self.page_size} when omitted.",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]

    def _page_size(self, request):
        field = serializers.IntegerField(min_value=1, max_value=self.max_page_size)
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            return field.run_validation(raw)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({self.page_size_query_param: error.detail}) from None

    def _next_link(self):
        if not self.has_next:
            return None
        last = self.page[-1]
        payload = json.dumps([getattr(last, self.position_field).isoformat(), last.pk])
        cursor = base64.urlsafe_b64encode(payload.encode()).decode()
        return replace_query_param(self.request.build_absolute_uri(), self.cursor_query_param, cursor)

    def _decode(self, cursor):
        try:
            position, pk = json.loads(base64.urlsafe_b64decode(cursor.encode()))
            position = datetime.datetime.fromisoformat(position)
            if position.tzinfo is None:
                raise ValueError(position)
            return position, int(pk)
        except (binascii.Error, UnicodeError, ValueError, TypeError):
            raise serializers.ValidationError({self.cursor_query_param: [_("This cursor is not valid.")]}) from None
