"""The rewards jobs are scheduled in django-celery-beat, with no manual step:

* birthday bonuses every day shortly after midnight in the program time zone,
  when the new local day (and its birthdays) begins;
* coupon and membership expiry, and the prize draws, every few minutes, so a
  status is stored and a draw is drawn soon after its moment.
"""

from django.db import migrations

DAILY = [
    # (task, local time, what it does)
    ("rewards.tasks.award_birthday_bonuses", "0:10", "Credit the tier's birthday bonus to members whose birthday it is"),
]
EVERY = [
    # (task, every minutes, what it does)
    ("rewards.tasks.run_prize_draws", 1, "Draw the winners of prize draws whose time has come"),
    ("rewards.tasks.expire_coupons", 15, "Mark issued coupons past their validity as expired"),
    ("rewards.tasks.expire_memberships", 15, "End paid memberships whose period is over"),
]


def schedule(apps, schema_editor):
    Program = apps.get_model("loyalty", "Program")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    program = Program.objects.filter(pk=1).first()
    for task, time, description in DAILY:
        hour, minute = time.split(":")
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone=program.time_zone if program else "Europe/Moscow",
        )
        PeriodicTask.objects.update_or_create(
            name=task,
            defaults={"task": task, "crontab": crontab, "interval": None, "description": description, "enabled": True},
        )
    for task, minutes, description in EVERY:
        interval, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
        PeriodicTask.objects.update_or_create(
            name=task,
            defaults={"task": task, "interval": interval, "crontab": None, "description": description, "enabled": True},
        )


def unschedule(apps, schema_editor):
    tasks = [task for task, _, _ in DAILY + EVERY]
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=tasks).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("rewards", "0006_memberships_draws_charity_images"),
        ("loyalty", "0004_orders"),
        ("django_celery_beat", "0018_improve_crontab_helptext"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
