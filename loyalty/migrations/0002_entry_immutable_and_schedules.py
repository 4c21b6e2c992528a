"""The journal is append-only at the database level, and the ledger's
periodic jobs are scheduled in django-celery-beat, with no manual step."""

from django.db import migrations

FORBID_CHANGES = """
CREATE OR REPLACE FUNCTION loyalty_entry_is_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are immutable: write a correcting entry instead'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER loyalty_entry_immutable
    BEFORE UPDATE OR DELETE ON loyalty_entry
    FOR EACH ROW EXECUTE FUNCTION loyalty_entry_is_immutable();
"""
ALLOW_CHANGES = """
DROP TRIGGER IF EXISTS loyalty_entry_immutable ON loyalty_entry;
DROP FUNCTION IF EXISTS loyalty_entry_is_immutable();
"""
# SQLite (the demo database) gets the same rule with its own syntax.
FORBID_CHANGES_SQLITE = [
    """CREATE TRIGGER loyalty_entry_no_update BEFORE UPDATE ON loyalty_entry
       BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;""",
    """CREATE TRIGGER loyalty_entry_no_delete BEFORE DELETE ON loyalty_entry
       BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;""",
]
ALLOW_CHANGES_SQLITE = [
    "DROP TRIGGER IF EXISTS loyalty_entry_no_update;",
    "DROP TRIGGER IF EXISTS loyalty_entry_no_delete;",
]

SCHEDULES = [
    # (task, every minutes, what it does)
    ("loyalty.tasks.release_stale_holds", 1, "Release points reserved for orders nobody completed in time"),
    ("loyalty.tasks.activate_due_lots", 5, "Make pending points available when the return window closes"),
    ("loyalty.tasks.expire_due_lots", 5, "Burn points at the end of their expiry day in the program time zone"),
]


def forbid_entry_changes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID_CHANGES)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in FORBID_CHANGES_SQLITE:
            schema_editor.execute(statement)


def allow_entry_changes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW_CHANGES)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in ALLOW_CHANGES_SQLITE:
            schema_editor.execute(statement)


def schedule_jobs(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for task, minutes, description in SCHEDULES:
        interval, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
        PeriodicTask.objects.update_or_create(
            name=task, defaults={"task": task, "interval": interval, "description": description, "enabled": True}
        )


def unschedule_jobs(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[task for task, _, _ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("loyalty", "0001_initial"),
        ("django_celery_beat", "0018_improve_crontab_helptext"),
    ]

    operations = [
        migrations.RunPython(forbid_entry_changes, allow_entry_changes),
        migrations.RunPython(schedule_jobs, unschedule_jobs),
    ]
