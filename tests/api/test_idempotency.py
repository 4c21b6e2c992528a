"""Idempotent POSTs, sequential and concurrent, and the purge of old keys."""

import datetime
import time

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from loyalty.api import members as member_views
from loyalty.api.authentication import StorefrontUser
from loyalty.api.idempotency import idempotent
from loyalty.exceptions import InsufficientPoints
from loyalty.models import ApiKey, IdempotencyRecord
from loyalty.services.idempotency import idempotency_records_purge
from loyalty.services.storefronts import api_key_create
from loyalty.tasks import purge_idempotency_records
from members.models import ConsentRecord, Member

from ..concurrency import run_at_once
from ..factories import MemberFactory, StorefrontFactory
from .helpers import client_for, error_of

GRANT = {"purpose": "marketing_email", "granted": True, "text_version": "v1"}


def consents_url(member):
    return f"/api/v1/members/{member.external_id}/consents"


def post(client, path, body, key):
    return client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db
class TestSequential:
    def test_a_replay_returns_the_first_answer_and_changes_nothing(self, api, member):
        first = post(api, consents_url(member), GRANT, "key-1")
        replay = post(api, consents_url(member), dict(reversed(GRANT.items())), "key-1")

        assert first.status_code == replay.status_code == 201
        assert replay.json() == first.json()
        assert replay["Idempotent-Replayed"] == "true"
        assert not first.has_header("Idempotent-Replayed")
        assert ConsentRecord.objects.count() == 1

    def test_the_same_key_with_another_body_is_refused(self, api, member):
        post(api, consents_url(member), GRANT, "key-1")

        response = post(api, consents_url(member), {**GRANT, "granted": False}, "key-1")

        assert response.status_code == 422
        error = error_of(response)
        assert error["code"] == "idempotency_key_reused"
        assert error["details"] == {"idempotency_key": "key-1"}
        assert ConsentRecord.objects.count() == 1

    def test_the_same_key_for_another_member_is_refused(self, api, member, other_member):
        post(api, consents_url(member), GRANT, "key-1")

        response = post(api, consents_url(other_member), GRANT, "key-1")

        assert error_of(response)["code"] == "idempotency_key_reused"

    def test_keys_belong_to_their_storefront(self, api, member):
        other = client_for(api_key_create(storefront=StorefrontFactory(), name="Other")[1])

        first = post(api, consents_url(member), GRANT, "key-1")
        second = post(other, consents_url(member), GRANT, "key-1")

        assert first.status_code == second.status_code == 201
        assert not second.has_header("Idempotent-Replayed")
        assert ConsentRecord.objects.count() == 2
        assert IdempotencyRecord.objects.count() == 2

    def test_without_a_key_every_request_counts(self, api, member):
        for _ in range(2):
            assert api.post(consents_url(member), GRANT, format="json").status_code == 201

        assert ConsentRecord.objects.count() == 2
        assert not IdempotencyRecord.objects.exists()

    def test_invalid_input_is_not_stored_so_the_key_can_be_used_again(self, api, member):
        refused = post(api, consents_url(member), {**GRANT, "purpose": "telepathy"}, "key-1")
        accepted = post(api, consents_url(member), GRANT, "key-1")

        assert refused.status_code == 400
        assert accepted.status_code == 201
        assert not accepted.has_header("Idempotent-Replayed")

    def test_an_unknown_member_is_not_stored(self, api):
        missing = post(api, "/api/v1/members/later/consents", GRANT, "key-1")
        member = MemberFactory(external_id="later")
        accepted = post(api, consents_url(member), GRANT, "key-1")

        assert missing.status_code == 404
        assert accepted.status_code == 201

    @pytest.mark.parametrize("idempotency_key", ["", "x" * 201, "tab\tkey", "ключ"])
    def test_a_malformed_key(self, api, member, idempotency_key):
        response = post(api, consents_url(member), GRANT, idempotency_key.encode().decode("latin-1"))

        assert response.status_code == 400
        assert error_of(response)["code"] == "invalid_idempotency_key"
        assert not ConsentRecord.objects.exists()

    def test_a_key_of_two_hundred_printable_characters(self, api, member):
        assert post(api, consents_url(member), GRANT, "k ~" * 66 + "!!").status_code == 201


class SpendOrFail(APIView):
    """A POST that writes and then fails, as a ledger endpoint may."""

    calls = 0

    @idempotent
    def post(self, request):
        SpendOrFail.calls += 1
        Member.objects.create(external_id=f"written-{SpendOrFail.calls}")
        if request.data["fail"] == "domain":
            raise InsufficientPoints(available=3, requested=5)
        if request.data["fail"] == "crash":
            raise RuntimeError("boom")
        return Response({"ok": True})


@pytest.mark.django_db
class TestDomainErrors:
    @pytest.fixture(autouse=True)
    def reset_calls(self):
        SpendOrFail.calls = 0

    def call(self, storefront, body):
        request = APIRequestFactory().post("/api/v1/spend", body, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
        force_authenticate(request, user=StorefrontUser(storefront), token=ApiKey.objects.get())
        return SpendOrFail.as_view()(request)

    def test_a_domain_error_is_an_answer_that_is_stored_and_replayed(self, storefront, key):
        first = self.call(storefront, {"fail": "domain"})
        replay = self.call(storefront, {"fail": "domain"})

        assert first.status_code == replay.status_code == 409
        assert first.data == replay.data
        assert replay.data["error"]["code"] == "insufficient_points"
        assert replay.data["error"]["details"] == {"available": 3, "requested": 5}
        assert replay["Idempotent-Replayed"] == "true"
        assert SpendOrFail.calls == 1
        assert not Member.objects.exists()  # the domain error's writes were rolled back

    def test_a_crash_stores_nothing(self, storefront, key):
        with pytest.raises(RuntimeError):
            self.call(storefront, {"fail": "crash"})

        assert not IdempotencyRecord.objects.exists()
        assert not Member.objects.exists()
        assert self.call(storefront, {"fail": "crash-no-more"}).status_code == 200


@pytest.mark.django_db
class TestPurge:
    def test_only_records_past_their_time_are_deleted_and_a_second_run_finds_none(self, storefront, settings):
        settings.IDEMPOTENCY_KEY_TTL_HOURS = 48
        now = timezone.now()
        for key, hours in [("old", 49), ("older", 24 * 30), ("recent", 47)]:
            IdempotencyRecord.objects.create(
                storefront=storefront, key=key, fingerprint="f", created_at=now - datetime.timedelta(hours=hours)
            )

        assert idempotency_records_purge(now=now) == 2
        assert idempotency_records_purge(now=now) == 0
        assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]

    def test_the_task_purges_and_is_scheduled(self, storefront):
        IdempotencyRecord.objects.create(
            storefront=storefront, key="old", fingerprint="f", created_at=timezone.now() - datetime.timedelta(days=3)
        )

        assert purge_idempotency_records() == 1
        assert PeriodicTask.objects.get(name="loyalty.tasks.purge_idempotency_records").enabled


THREADS = 8  # concurrent requests per test


@pytest.fixture
def slow_consents(monkeypatch):
    """The first request holds its transaction open long enough for every
    replay to arrive while it runs."""
    record = member_views.consent_record

    def slow(**kwargs):
        time.sleep(0.3)
        return record(**kwargs)

    monkeypatch.setattr(member_views, "consent_record", slow)


@pytest.mark.django_db(transaction=True)
@pytest.mark.concurrency
class TestConcurrent:
    def test_concurrent_replays_write_once_and_get_the_same_answer(self, key, member, slow_consents):
        responses = run_at_once(lambda index: post(client_for(key), consents_url(member), GRANT, "key-1"))

        assert {response.status_code for response in responses} == {201}
        assert len({response.content for response in responses}) == 1
        assert sum(response.has_header("Idempotent-Replayed") for response in responses) == THREADS - 1
        assert ConsentRecord.objects.count() == 1
        assert IdempotencyRecord.objects.count() == 1

    def test_concurrent_requests_with_one_key_and_different_bodies(self, key, member, slow_consents):
        responses = run_at_once(
            lambda index: post(client_for(key), consents_url(member), {**GRANT, "text_version": f"v{index}"}, "k")
        )

        statuses = sorted(response.status_code for response in responses)
        assert statuses == [201] + [422] * (THREADS - 1)
        assert ConsentRecord.objects.count() == 1

    def test_concurrent_first_puts_of_one_member_enrol_once(self, key, program):
        responses = run_at_once(
            lambda index: client_for(key).put("/api/v1/members/C-1", {"email": "c1@example.com"}, format="json")
        )

        assert sorted(response.status_code for response in responses) == [200] * (THREADS - 1) + [201]
        assert Member.objects.count() == 1
