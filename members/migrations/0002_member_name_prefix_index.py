"""An index that answers "last name starts with ..." under any collation.

PostgreSQL uses a btree index for LIKE 'prefix%' only with a pattern
operator class (or under the C collation). SQLite, the demo database, has no
operator classes and needs no such index for a demo-sized table.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS member_name_prefix_idx ON members_member "
    "(lower(last_name) text_pattern_ops, lower(first_name) text_pattern_ops)"
)
DROP = "DROP INDEX IF EXISTS member_name_prefix_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
