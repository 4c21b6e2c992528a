"""The nightly tier re-evaluation is scheduled in django-celery-beat, with no
manual step, shortly after midnight in the program time zone (when calendar
years and review dates end)."""

from django.db import migrations

TASK = "rewards.tasks.reevaluate_tiers"


def schedule(apps, schema_editor):
    Program = apps.get_model("loyalty", "Program")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    program = Program.objects.filter(pk=1).first()
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="0",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=program.time_zone if program else "Europe/Moscow",
    )
    PeriodicTask.objects.update_or_create(
        name=TASK,
        defaults={
            "task": TASK,
            "crontab": crontab,
            "interval": None,
            "description": "Re-evaluate the tiers of members whose qualification could have changed",
            "enabled": True,
        },
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("rewards", "0002_demo_tiers"),
        ("loyalty", "0004_orders"),
        ("django_celery_beat", "0018_improve_crontab_helptext"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
