from django.db import migrations


def leave_room_on_each_page(apps, schema_editor):
    # Every swab row is rewritten once when its pool's result comes in (negative, recalled).
    # On PostgreSQL, room left on the row's page lets that rewrite stay on the page without
    # touching the table's indexes (a heap-only update): a lab file of 100,000 pools rewrites
    # a million rows.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE testing_sample SET (fillfactor = 70)")


def fill_pages(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE testing_sample RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("testing", "0003_sample_fewer_indexes")]

    operations = [migrations.RunPython(leave_room_on_each_page, fill_pages)]
