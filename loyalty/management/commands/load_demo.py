"""Build a realistic demo program with a year of history.

Everything is written through the services the platform itself uses
(``members.services`` and ``loyalty.services.ledger``), each ledger call with
``now=`` set to a historical moment, in chronological order, with the ledger
jobs run once a simulated night. The result looks like a program that has
been running for a while: available, pending, reserved, spent, returned,
expired and soon-expiring points.

The history is drawn from a seeded ``random.Random``, so the same seed gives
the same members and the same orders (dates are counted back from today).
"""

import contextlib
import datetime
import hashlib
import heapq
import itertools
import json
import logging
import random
import time
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from loyalty.exceptions import InsufficientPoints
from loyalty.models import Account, Entry, Order, OrderLine, OrderReturn, Program, Storefront
from loyalty.rules import allocate_proportionally, base_points_for, money_for_points, points_covering, program_zone
from loyalty.selectors import program_for_change
from loyalty.services import ledger, ledger_jobs
from loyalty.services.storefronts import api_key_create, storefront_create
from loyalty.signals import demo_loaded
from members.cabinet.services import credentials_set_for_demo
from members.models import Channel, ConsentPurpose, ConsentText, Member
from members.services import consent_record, member_enrol, member_update

DEMO_PROGRAM_NAME = "Demo Store Club"
ADMIN_USERNAME = ADMIN_PASSWORD = "admin"
# The demo member who can sign in to the personal cabinet (demo only).
CABINET_EMAIL, CABINET_PASSWORD = "demo@example.com", "demo"
SUPPORT_USERNAME = "support"
PERSONAL_DATA_TEXT_VERSION = "2025-01"
DEFAULT_API_KEY_FILE = Path(settings.BASE_DIR) / "var" / "demo-api-key.txt"

# code, name, kind, share of orders
STOREFRONTS = [
    ("web-shop", "Web shop", Channel.WEB_SHOP, 45),
    ("mobile-app", "Mobile app", Channel.MOBILE_APP, 30),
    ("marketplace", "Marketplace shop", Channel.MARKETPLACE, 15),
    ("pos-tverskaya", "Store on Tverskaya (point of sale)", Channel.POINT_OF_SALE, 10),
]
WEB_SHOP = "web-shop"
ORDER_PREFIXES = {"web-shop": "W", "mobile-app": "A", "marketplace": "MP", "pos-tverskaya": "POS"}

# Kinds of shopper, given to members in turn so that even a small demo has each.
# name: (enrolled days ago, mean days between orders, buys for days after enrolment or None, redeem probability)
ARCHETYPES = {
    "regular": ((200, 420), 60, None, 0.5),
    "frequent": ((250, 420), 25, None, 0.4),
    "saver": ((370, 420), 75, None, 0.0),
    "lapsed": ((290, 400), 30, 60, 0.2),
    "occasional": ((60, 420), 120, None, 0.3),
    "newcomer": ((2, 20), 10, None, 0.0),
}


def words(text):
    return text.split()


FIRST_NAMES = {
    "m": words(
        "Александр Дмитрий Максим Сергей Андрей Алексей Артём Илья Кирилл Михаил "
        "Никита Иван Егор Роман Павел Олег Владимир Денис Тимур Григорий"
    ),
    "f": words(
        "Анна Мария Елена Ольга Наталья Екатерина Татьяна Ирина Светлана Юлия "
        "Анастасия Дарья Полина Виктория Ксения Алина Вера Софья Марина Людмила"
    ),
}
# (Russian, Latin) pairs: the Latin one makes the email address.
LAST_NAMES = list(
    zip(
        words(
            "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков "
            "Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин"
        ),
        words(
            "ivanov smirnov kuznetsov popov vasiliev petrov sokolov mikhailov novikov fedorov morozov volkov "
            "alekseev lebedev semenov egorov pavlov kozlov stepanov nikolaev orlov andreev makarov nikitin"
        ),
        strict=True,
    )
)
TRANSLIT = str.maketrans(
    dict(
        zip(
            "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
            "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh sch - y - e yu ya".replace("-", "").split(" "),
            strict=True,
        )
    )
)
# What the demo store sells: (SKU, category, price in RUB).
CATALOGUE = [
    ("KIT-0101", "kitchen", 2490),
    ("KIT-0204", "kitchen", 3990),
    ("GRO-0310", "grocery", 590),
    ("GRO-0412", "grocery", 1290),
    ("HOM-0520", "home", 890),
    ("HOM-0633", "home", 4590),
    ("BOO-0710", "books", 790),
    ("ELE-0815", "electronics", 6990),
    ("ELE-0822", "electronics", 1990),
    ("APP-0905", "apparel", 490),
    ("APP-0950", "apparel", 8990),
    ("TOY-1002", "toys", 2290),
]
# Marketing consents and the share of members who give them.
MARKETING_CONSENTS = [
    (ConsentPurpose.MARKETING_EMAIL, 0.6),
    (ConsentPurpose.MARKETING_SMS, 0.3),
    (ConsentPurpose.MARKETING_PUSH, 0.4),
]
MOBILE_CODES = ["903", "905", "909", "915", "916", "925", "926", "977", "985", "999"]
EMAIL_DOMAINS = ["example.com", "example.org", "example.net"]

GOODWILL_REASONS = [
    "Goodwill: the courier was two days late",
    "Compensation: an item was missing from the parcel",
    "Goodwill: a damaged box, the customer kept the goods",
    "Apology for a double charge at the till",
]
CORRECTION_REASONS = [
    "Correction: bonus credited twice by the till",
    "Correction: points for a test purchase",
]


class Command(BaseCommand):
    help = (
        "Load a demo program (RUB, 1 point per 100 RUB, 14 days pending, expiry after 365 days, "
        "Moscow time) with four storefronts and their API keys, a demo-only admin (admin / admin) "
        "and a few hundred members with a year of purchase history written through the ledger "
        "services. Refuses to run on a database that already has members, unless --reset."
    )

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=300, help="How many members (default 300).")
        parser.add_argument("--seed", type=int, default=2025, help="Seed of the random history (default 2025).")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the existing demo (members, orders, the ledger, storefronts, users) and load it again. "
            "Refused on a database that holds anything but the demo.",
        )
        parser.add_argument(
            "--skip-if-loaded",
            action="store_true",
            help="Exit quietly with status 0 when the demo is already loaded (used by bin/demo).",
        )
        parser.add_argument(
            "--api-key-file",
            default=str(DEFAULT_API_KEY_FILE),
            help="Where to write the web shop's API key (default var/demo-api-key.txt); '' to skip.",
        )
        parser.add_argument("--no-progress", action="store_true", help="Do not show progress on stderr.")

    def handle(self, *args, members, seed, reset, skip_if_loaded, api_key_file, no_progress, **options):
        if members < 1:
            raise CommandError("--members must be at least 1.")
        started = time.monotonic()
        self.progress_enabled = not no_progress and options.get("verbosity", 1) > 0
        demo_loaded = Storefront.objects.filter(code=WEB_SHOP).exists()
        if reset:
            self._reset(demo_loaded)
        elif demo_loaded and skip_if_loaded:
            self.stdout.write("The demo is already loaded; nothing to do (use --reset to load it again).")
            return
        elif demo_loaded:
            raise CommandError(
                "The demo is already loaded in this database. "
                "Run `manage.py load_demo --reset` to delete it and load it again."
            )
        elif Member.objects.exists() or Storefront.objects.exists():
            raise CommandError(
                "This database already has members or storefronts that are not the demo's; "
                "load_demo only fills an empty database."
            )

        # The nightly jobs of a simulated year would log a line each.
        jobs_logger = logging.getLogger(ledger_jobs.__name__)
        level = jobs_logger.level
        jobs_logger.setLevel(logging.WARNING)
        try:
            with transaction.atomic():
                demo = DemoBuilder(rng=random.Random(seed), members=members, progress=self._progress)
                web_shop_key = demo.build()
        finally:
            jobs_logger.setLevel(level)

        if api_key_file:
            path = Path(api_key_file)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(web_shop_key + "\n")
            path.chmod(0o600)
        counts = {
            "members": Member.objects.count(),
            "orders": Order.objects.count(),
            "ledger entries": Entry.objects.count(),
            "storefronts": Storefront.objects.count(),
        }
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo loaded in {time.monotonic() - started:.1f} s: "
                + ", ".join(f"{count} {name}" for name, count in counts.items())
                + "."
            )
        )
        self.stdout.write(f"Admin (demo only, never in production): {ADMIN_USERNAME} / {ADMIN_PASSWORD}")
        self.stdout.write(f"Personal cabinet (demo only): {CABINET_EMAIL} / {CABINET_PASSWORD}")
        self.stdout.write(f"API key of the storefront '{WEB_SHOP}': {web_shop_key}")
        if api_key_file:
            self.stdout.write(f"(also written to {api_key_file}; it cannot be shown again)")

    # Reset

    def _reset(self, demo_loaded):
        """Empty the tables the demo fills, but only in a database that holds the demo or nothing."""
        foreign_storefronts = Storefront.objects.exclude(code__in=[code for code, *_ in STOREFRONTS])
        if foreign_storefronts.exists() or (not demo_loaded and Member.objects.exists()):
            raise CommandError(
                "--reset deletes all members, orders, points and users, so it only runs on a database "
                "that holds the demo; this one holds other data. Nothing was deleted."
            )
        tables = set()
        for label in ("admin", "sessions", "auth", "members", "loyalty"):
            for model in apps.get_app_config(label).get_models(include_auto_created=True):
                # The merchant's consent texts are settings, not demo data.
                if model not in (Permission, ConsentText):
                    tables.add(model._meta.db_table)
        tables &= set(connection.introspection.table_names())
        # CASCADE empties the tables of higher apps that point at members or orders too.
        statements = connection.ops.sql_flush(no_style(), sorted(tables), reset_sequences=True, allow_cascade=True)
        with transaction.atomic():
            # PostgreSQL refuses to TRUNCATE tables with deferred constraint checks pending
            # (rows written earlier in the same transaction): run those checks now.
            connection.check_constraints()
            triggers = []
            if connection.vendor == "sqlite":
                # The journal's append-only triggers refuse DELETE; PostgreSQL's TRUNCATE skips row triggers.
                with connection.cursor() as cursor:
                    cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
                    triggers = cursor.fetchall()
                    for name, _sql in triggers:
                        cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
            connection.ops.execute_sql_flush(statements)
            with connection.cursor() as cursor:
                for _name, sql in triggers:
                    cursor.execute(sql)
        self.stdout.write("Deleted the previous demo.")

    # Progress

    def _progress(self, label, done, total):
        """A counter on stderr: rewritten in place on a terminal, a line per tenth otherwise."""
        if not self.progress_enabled:
            return
        stream = self.stderr._out
        percent = 100 * done // max(total, 1)
        if stream.isatty():
            now = time.monotonic()
            if done < total and now - getattr(self, "_last_progress", 0) < 0.1:
                return
            self._last_progress = now
            stream.write(f"\r{label}: {done}/{total} ({percent}%)")
            if done >= total:
                stream.write("\n")
            stream.flush()
        elif (label, percent // 10) != getattr(self, "_last_line", None):
            self._last_line = (label, percent // 10)
            stream.write(f"{label}: {done}/{total} ({percent}%)\n")
            stream.flush()


class DemoBuilder:
    def __init__(self, *, rng, members, progress):
        self.rng = rng
        self.member_count = members
        self.progress = progress
        self.now = timezone.now()
        self.events = []  # heap of (moment, sequence, handler, arguments)
        self.sequence = itertools.count()
        self.order_numbers = {code: itertools.count(100001) for code in ORDER_PREFIXES}
        self.gift_numbers = itertools.count(1)

    def build(self):
        self.program = self._program()
        self.zone = program_zone(self.program)
        User = get_user_model()
        if not User.objects.filter(username=ADMIN_USERNAME).exists():
            User.objects.create_superuser(
                ADMIN_USERNAME,
                "admin@example.com",
                ADMIN_PASSWORD,
                first_name="Demo",
                last_name="Administrator (demo only)",
            )
        self.support = User.objects.filter(username=SUPPORT_USERNAME).first() or User.objects.create_user(
            SUPPORT_USERNAME,
            "support@example.com",
            None,
            first_name="Ольга",
            last_name="Support agent",
            is_staff=True,
        )
        self.storefronts = {}
        keys = {}
        for code, name, kind, _share in STOREFRONTS:
            storefront = storefront_create(name=name, code=code, kind=kind)
            _api_key, keys[code] = api_key_create(storefront=storefront, name=f"{name} (demo)")
            self.storefronts[code] = storefront
        self.storefront_weights = [share for *_, share in STOREFRONTS]
        self.members = self._enrol_members()
        self._plan()
        self._replay_history()
        # Bring everything up to date as the scheduled jobs would.
        ledger_jobs.release_stale_holds()
        ledger_jobs.activate_due_lots()
        ledger_jobs.expire_due_lots()
        self.cabinet_member = self._cabinet_member()
        # Higher apps add their demo data (rewards: a catalog and a coupon).
        demo_loaded.send(sender=type(self), members=self.members, cabinet_member=self.cabinet_member, now=self.now)
        return keys[WEB_SHOP]

    def _cabinet_member(self):
        """The member a visitor signs in to the cabinet as: one with available
        points, a history and (if any) points expiring soon."""
        soon = self.now + datetime.timedelta(days=90)
        candidates = (
            Member.objects.filter(points_account__available__gt=0)
            .annotate(
                entries=Count("points_account__entries", distinct=True),
                expiring=Count(
                    "points_account__lots",
                    filter=Q(points_account__lots__remaining__gt=0, points_account__lots__expires_at__lte=soon),
                    distinct=True,
                ),
            )
            .order_by("-expiring", "-entries", "pk")
        )
        member = candidates.first() or self.members[0]
        member_update(member=member, email=CABINET_EMAIL, language="en")
        credentials_set_for_demo(member=member, password=CABINET_PASSWORD, now=self.now)
        return member

    # Setup

    def _program(self):
        program = program_for_change()
        program.name = DEMO_PROGRAM_NAME
        program.currency = "RUB"
        program.points_name = "points"
        program.point_value = Decimal("1")
        program.earn_rule = Program.EarnRule.PER_AMOUNT
        program.earn_points = 1
        program.earn_step = Decimal("100")
        program.redemption_cap_percent = Decimal("30")
        program.pending_days = 14
        program.expiry_policy = Program.ExpiryPolicy.DAYS_AFTER_EARNING
        program.expiry_days = 365
        program.time_zone = "Europe/Moscow"
        program.rounding = Program.Rounding.DOWN
        program.full_clean()
        program.save()
        return program

    def _local_moment(self, days_ago, earliest_hour=9, latest_hour=22):
        """A moment ``days_ago`` days before today, in shop hours of the program time zone."""
        day = self.now.astimezone(self.zone).date() - datetime.timedelta(days=days_ago)
        minute = self.rng.randrange(earliest_hour * 60, latest_hour * 60)
        moment = datetime.datetime.combine(day, datetime.time(minute // 60, minute % 60), self.zone)
        return moment.astimezone(datetime.UTC)

    def _enrol_members(self):
        rng = self.rng
        plans = []
        names = list(ARCHETYPES)
        phones = set()
        emails = set()
        for index in range(self.member_count):
            archetype = names[index % len(names)]
            (earliest, latest), *_ = ARCHETYPES[archetype]
            enrolled_at = self._local_moment(rng.randint(earliest, latest))
            if enrolled_at >= self.now:
                enrolled_at = self.now - datetime.timedelta(hours=30)
            sex = rng.choice("mf")
            first = rng.choice(FIRST_NAMES[sex])
            last, last_latin = rng.choice(LAST_NAMES)
            if sex == "f":
                last += "а"
                last_latin += "a"
            email = f"{first.lower().translate(TRANSLIT)}.{last_latin}{rng.randint(1, 99)}@{rng.choice(EMAIL_DOMAINS)}"
            while email in emails:
                email = email.replace("@", f"{rng.randint(0, 9)}@")
            emails.add(email)
            phone = f"+7{rng.choice(MOBILE_CODES)}{rng.randint(0, 9_999_999):07d}"
            while phone in phones:
                phone = f"+7{rng.choice(MOBILE_CODES)}{rng.randint(0, 9_999_999):07d}"
            phones.add(phone)
            code = rng.choices([c for c, *_ in STOREFRONTS], weights=self.storefront_weights)[0]
            birth_date = None
            if rng.random() < 0.7:
                birth_date = datetime.date(rng.randint(1960, 2005), rng.randint(1, 12), rng.randint(1, 28))
            plans.append(
                {
                    "archetype": archetype,
                    "enrolled_at": enrolled_at,
                    "storefront": code,
                    "profile": {
                        "external_id": f"C{200000 + index:06d}",
                        "email": email if rng.random() < 0.9 else None,
                        "phone": phone,
                        "first_name": first,
                        "last_name": last,
                        "birth_date": birth_date,
                        "language": "ru" if rng.random() < 0.9 else "en",
                    },
                    "marketing": [purpose for purpose, share in MARKETING_CONSENTS if rng.random() < share],
                }
            )
        # Ids grow with the enrolment date, as they would have.
        plans.sort(key=lambda plan: plan["enrolled_at"])
        members = []
        for done, plan in enumerate(plans, 1):
            storefront = self.storefronts[plan["storefront"]]
            with transaction.atomic():
                member = member_enrol(
                    channel=storefront.kind,
                    storefront=storefront.code,
                    enrolled_at=plan["enrolled_at"],
                    **plan["profile"],
                )
                # member_enrol stamps consents with the current time; the demo's happened at enrolment.
                for purpose in [ConsentPurpose.PERSONAL_DATA, *plan["marketing"]]:
                    consent_record(
                        member=member,
                        purpose=purpose,
                        granted=True,
                        text_version=PERSONAL_DATA_TEXT_VERSION if purpose == ConsentPurpose.PERSONAL_DATA else "",
                        channel=storefront.kind,
                        storefront=storefront.code,
                        recorded_at=plan["enrolled_at"],
                    )
            member.demo_archetype = plan["archetype"]
            member.demo_storefront = plan["storefront"]
            members.append(member)
            self.progress("Members", done, len(plans))
        return members

    # The plan: events in time

    def _at(self, moment, handler, *arguments):
        if moment < self.now:
            heapq.heappush(self.events, (moment, next(self.sequence), handler, arguments))

    def _plan(self):
        rng = self.rng
        for member in self.members:
            _, mean_gap, active_days, redeem = ARCHETYPES[member.demo_archetype]
            moment = member.enrolled_at + datetime.timedelta(minutes=rng.randint(1, 20))
            last = self.now if active_days is None else member.enrolled_at + datetime.timedelta(days=active_days)
            first = True
            while moment < min(last, self.now):
                self._at(moment, self._place_order, member, redeem, first)
                first = False
                gap_days = max(1.0, rng.expovariate(1 / mean_gap))
                moment = moment + datetime.timedelta(days=gap_days)
                moment = self._shop_hours(moment)
        # Staff adjustments and gifts between members, at random moments.
        count = len(self.members)
        for _ in range(max(2, round(count * 0.05))):
            member = rng.choice(self.members)
            self._at(self._random_moment_after(member.enrolled_at), self._adjust, member)
        for _ in range(max(2, round(count * 0.04))):
            sender, recipient = rng.sample(self.members, 2) if count > 1 else (None, None)
            if sender is not None:
                start = max(sender.enrolled_at, recipient.enrolled_at)
                self._at(self._random_moment_after(start), self._gift, sender, recipient)
        # Shoppers at the checkout right now: their points are reserved.
        for _ in range(max(1, round(count * 0.01))):
            member = rng.choice(self.members)
            self._at(self.now - datetime.timedelta(minutes=rng.randint(5, 600)), self._checkout_in_progress, member)
        # The ledger jobs, every night a little after midnight in the program time zone.
        start = min(member.enrolled_at for member in self.members).astimezone(self.zone).date()
        day = start
        while True:
            night = datetime.datetime.combine(day, datetime.time(0, 5), self.zone).astimezone(datetime.UTC)
            if night >= self.now:
                break
            self._at(night, self._nightly_jobs)
            day += datetime.timedelta(days=1)

    def _shop_hours(self, moment):
        local = moment.astimezone(self.zone)
        if 9 <= local.hour < 22:
            return moment
        minute = self.rng.randrange(9 * 60, 22 * 60)
        day = local.date() + datetime.timedelta(days=1 if local.hour >= 22 else 0)
        opening = datetime.datetime.combine(day, datetime.time(), self.zone)
        return (opening + datetime.timedelta(minutes=minute)).astimezone(datetime.UTC)

    def _random_moment_after(self, start):
        span = (self.now - start).total_seconds()
        return start + datetime.timedelta(seconds=self.rng.uniform(0.1, 0.95) * span)

    def _replay_history(self):
        # Handlers schedule follow-ups (completions, returns), so progress is counted in days.
        start = self.events[0][0] if self.events else self.now
        total_days = (self.now - start).days + 1
        while self.events:
            moment, _, handler, arguments = heapq.heappop(self.events)
            handler(moment, *arguments)
            self.progress("History, days", (moment - start).days, total_days)
        self.progress("History, days", total_days, total_days)

    # Handlers: each writes through the services at its historical moment

    def _available(self, member):
        return Account.objects.filter(pk=member.pk).values_list("available", flat=True).first() or 0

    def _pick_storefront(self, member):
        """Mostly where the member joined, sometimes elsewhere."""
        if self.rng.random() < 0.6:
            return member.demo_storefront
        return self.rng.choices([c for c, *_ in STOREFRONTS], weights=self.storefront_weights)[0]

    def _new_order(self, member, moment, code, *, wants_points, share=1.0):
        """An order of one to three catalogue lines; if ``wants_points``, as many
        points as the cap and the balance allow (times ``share``) are reserved.
        The order's figures are split over its lines exactly, as checkout does."""
        rng = self.rng
        items = rng.sample(CATALOGUE, k=rng.choices([1, 2, 3], weights=[55, 30, 15])[0])
        quantities = [rng.choices([1, 2, 3], weights=[80, 15, 5])[0] for _ in items]
        amounts = [Decimal(price) * quantity for (_, _, price), quantity in zip(items, quantities, strict=True)]
        subtotal = sum(amounts, Decimal(0))
        points = 0
        if wants_points:
            cap = points_covering(subtotal * self.program.redemption_cap_percent / 100, self.program)
            points = min(self._available(member), round(cap * share))
            points = points if points >= 10 else 0
        storefront = self.storefronts[code]
        points_value = money_for_points(points, self.program)
        order = Order.objects.create(
            storefront=storefront,
            number=f"{ORDER_PREFIXES[code]}-{next(self.order_numbers[code])}",
            member=member,
            currency=self.program.currency,
            subtotal=subtotal,
            points_spent=points,
            points_value=points_value,
            payable_total=subtotal - points_value,
            points_earned=base_points_for(subtotal - points_value, self.program),
            placed_at=moment,
        )
        if points:
            try:
                order.hold = ledger.hold_reserve(
                    member=member,
                    points=points,
                    order=order,
                    storefront=storefront,
                    now=moment,
                    idempotency_key=f"order:{order.pk}:hold",
                )
                order.save(update_fields=["hold"])
            except InsufficientPoints:  # some expired since the last nightly run: pay all in money
                order.points_spent, order.points_value, order.payable_total = 0, Decimal(0), subtotal
                order.points_earned = base_points_for(subtotal, self.program)
                order.save(update_fields=["points_spent", "points_value", "payable_total", "points_earned"])
        applied = allocate_proportionally(order.points_spent, amounts)
        earned = allocate_proportionally(order.points_earned, amounts)
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                line_id=str(number),
                sku=sku,
                category=category,
                quantity=quantity,
                unit_price=Decimal(price),
                amount=amount,
                points_applied=line_points,
                points_earned=line_earned,
            )
            for number, ((sku, category, price), quantity, amount, line_points, line_earned) in enumerate(
                zip(items, quantities, amounts, applied, earned, strict=True), 1
            )
        )
        return order

    def _place_order(self, moment, member, redeem, first):
        rng = self.rng
        code = self._pick_storefront(member)
        wants_points = rng.random() < redeem
        order = self._new_order(member, moment, code, wants_points=wants_points, share=rng.uniform(0.5, 1))
        roll = rng.random()
        if not first and roll < 0.03:
            self._at(moment + datetime.timedelta(hours=rng.uniform(0.5, 6)), self._cancel, order)
        elif not first and order.hold is not None and roll < 0.08:
            # Abandoned: nobody completes it, the hold times out and the nightly job
            # releases it; the storefront cancels the order a week later.
            self._at(moment + datetime.timedelta(days=7), self._cancel, order)
        else:
            if self.storefronts[code].kind == Channel.POINT_OF_SALE:
                later = datetime.timedelta(minutes=rng.uniform(1, 5))
            elif first:
                later = datetime.timedelta(hours=rng.uniform(0.2, 20))
            else:
                later = datetime.timedelta(hours=rng.uniform(1, 60))
            self._at(moment + later, self._complete, order)

    def _complete(self, moment, order):
        if order.hold is not None:
            ledger.hold_capture(hold=order.hold, storefront=order.storefront, now=moment)
        if order.points_earned:
            ledger.points_earn(
                member=order.member,
                points=order.points_earned,
                order=order,
                storefront=order.storefront,
                pending=True,
                now=moment,
                idempotency_key=f"order:{order.pk}:earn",
            )
        Order.objects.filter(pk=order.pk).update(status=Order.Status.COMPLETED, completed_at=moment)
        if self.rng.random() < 0.07:
            self._at(moment + datetime.timedelta(days=self.rng.uniform(1, 30)), self._return, order)

    def _cancel(self, moment, order):
        if order.hold is not None:
            ledger.hold_release(hold=order.hold, storefront=order.storefront, reason="order cancelled", now=moment)
        Order.objects.filter(pk=order.pk).update(status=Order.Status.CANCELLED, cancelled_at=moment)

    def _return(self, moment, order):
        """A full return, or of one line of a longer order, recorded as checkout records it."""
        lines = list(order.lines.order_by("id"))
        returned = lines if len(lines) == 1 or self.rng.random() < 0.7 else [self.rng.choice(lines)]
        full = len(returned) == len(lines)
        request = {
            "full": full,
            "lines": None if full else {line.line_id: line.quantity for line in returned},
            "amount": None,
        }
        order_return = OrderReturn.objects.create(
            order=order,
            number=f"RET-{order.number}",
            amount=sum((line.amount for line in returned), Decimal(0)),
            request=request,
            request_fingerprint=hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest(),
            created_at=moment,
        )
        for line in returned:
            line.returned_quantity, line.returned_value = line.quantity, line.amount
        OrderLine.objects.bulk_update(returned, ["returned_quantity", "returned_value"])
        key = f"order:{order.pk}:return:{order_return.pk}"
        clawback = sum(line.points_earned for line in returned)
        refund = sum(line.points_applied for line in returned)
        if clawback:
            entry = ledger.points_clawback(
                member=order.member,
                order=order,
                points=clawback,
                storefront=order.storefront,
                reason=order_return.number,
                now=moment,
                idempotency_key=f"{key}:clawback",
            )
            order_return.points_clawed_back, order_return.points_shortfall = entry.points, entry.shortfall
        if refund:
            ledger.points_refund(
                member=order.member,
                order=order,
                points=refund,
                storefront=order.storefront,
                reason=order_return.number,
                now=moment,
                idempotency_key=f"{key}:refund",
            )
            order_return.points_refunded = refund
        order_return.save(update_fields=["points_clawed_back", "points_shortfall", "points_refunded"])
        status = Order.Status.RETURNED if full else Order.Status.PARTIALLY_RETURNED
        Order.objects.filter(pk=order.pk).update(status=status)

    def _adjust(self, moment, member):
        rng = self.rng
        points, reason = rng.choice([50, 100, 150, 200, 300]), rng.choice(GOODWILL_REASONS)
        if rng.random() < 0.25 and (available := self._available(member)):
            points, reason = -min(available, rng.choice([20, 50])), rng.choice(CORRECTION_REASONS)
        with contextlib.suppress(InsufficientPoints):
            ledger.points_adjust(member=member, points=points, staff_user=self.support, reason=reason, now=moment)

    def _gift(self, moment, sender, recipient):
        if self._available(sender) < 20:
            # Someone with points to give, so that even a small demo shows a gift.
            sender = (
                Member.objects.filter(points_account__available__gte=20, enrolled_at__lt=moment)
                .exclude(pk=recipient.pk)
                .order_by("-points_account__available", "pk")
                .first()
            )
            if sender is None:
                return
        points = min(self._available(sender), self.rng.choice([50, 100, 150, 200]))
        with contextlib.suppress(InsufficientPoints):
            ledger.points_transfer(
                sender=sender,
                recipient=recipient,
                points=points,
                reason=f"Gift from {sender.first_name} to {recipient.first_name}",
                now=moment,
                idempotency_key=f"cabinet:gift:{next(self.gift_numbers)}",
            )

    def _checkout_in_progress(self, moment, member):
        self._new_order(member, moment, WEB_SHOP, wants_points=True)

    def _nightly_jobs(self, moment):
        ledger_jobs.release_stale_holds(now=moment)
        ledger_jobs.activate_due_lots(now=moment)
        ledger_jobs.expire_due_lots(now=moment)
