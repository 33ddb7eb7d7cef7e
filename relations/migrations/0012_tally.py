"""Row counts kept by triggers (relations/tally.py): a list's page count without a scan."""

from django.db import migrations


def install(apps, schema_editor):
    from relations import tally

    tally.install(schema_editor)


def uninstall(apps, schema_editor):
    from relations import tally

    tally.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("relations", "0011_source_admin_order_index")]

    operations = [migrations.RunPython(install, uninstall)]
