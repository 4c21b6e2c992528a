"""The demo runs on SQLite (bin/demo), while the suite runs on PostgreSQL: a
newcomer's first command must not meet SQL that only PostgreSQL takes. In a
separate process with the demo's settings: migrate a new SQLite file, load
a small demo, drive a storefront's checkout over the API (with idempotency
keys) and the member read, then verify the ledger."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

STOREFRONT_FLOW = r"""
import json
import sys

import django

django.setup()
from django.test import Client

from members.models import Member

key = open(sys.argv[1]).read().strip()
client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}", HTTP_HOST="127.0.0.1")
member = Member.objects.exclude(external_id=None).order_by("pk").first()


def post(path, body, key):
    response = client.post(path, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    return response.status_code, response.json(), response.headers.get("Idempotent-Replayed")


cart = {
    "number": "SQLITE-1",
    "member": member.external_id,
    "currency": "RUB",
    "lines": [{"id": "1", "sku": "A", "category": "shoes", "quantity": 2, "unit_price": "1500.00"}],
    "points_to_spend": "max",
}
placed = post("/api/v1/orders", cart, "place-1")
replayed = post("/api/v1/orders", cart, "place-1")
completed = post("/api/v1/orders/SQLITE-1/complete", {}, "complete-1")
one_unit = {"number": "R-1", "lines": [{"line_id": "1", "quantity": 1}]}
returned = post("/api/v1/orders/SQLITE-1/returns", one_unit, "return-1")
read = client.get(f"/api/v1/members/{member.external_id}")
print(json.dumps({
    "placed": placed[0],
    "replayed": [replayed[0], replayed[2], replayed[1] == placed[1]],
    "completed": [completed[0], completed[1]["status"]],
    "returned": [returned[0], returned[1]["order"]["status"]],
    "read": [read.status_code, {"balances", "expiring", "pending_points", "tier"} <= set(read.json())],
}))
"""


def run(*command, env):
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)


def test_the_demo_runs_on_sqlite(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "CELERY_BROKER_URL": "memory://",
        "DJANGO_ENV_FILE": "/nonexistent",
    }
    manage = [sys.executable, "manage.py"]
    key_file = tmp_path / "key.txt"

    for command in (
        ["migrate", "--no-input", "-v", "0"],
        ["load_demo", "--members", "8", "--api-key-file", str(key_file)],
    ):
        result = run(*manage, *command, env=env)
        assert result.returncode == 0, result.stderr[-3000:]

    flow = run(sys.executable, "-c", STOREFRONT_FLOW, str(key_file), env=env)
    assert flow.returncode == 0, flow.stderr[-3000:]
    answers = flow.stdout.strip().splitlines()[-1]
    assert answers == (
        '{"placed": 201, "replayed": [201, "true", true], "completed": [200, "completed"], '
        '"returned": [201, "partially_returned"], "read": [200, true]}'
    )

    verify = run(*manage, "verify_ledger", "--no-progress", env=env)
    assert verify.returncode == 0, verify.stdout[-3000:] + verify.stderr[-3000:]
    assert "no mismatches" in verify.stdout
