"""Row counts kept by triggers (relations/tally.py): a list's page count without a scan."""

from django.db import migrations


def tallied():
    # The models this migration tallies; later ones add theirs (0014: heads of mission).
    from relations.models import Event, Mission, Source

    return (Source, Event, Mission)


def install(apps, schema_editor):
    from relations import tally

    tally.install(schema_editor, tallied())


def uninstall(apps, schema_editor):
    from relations import tally

    tally.uninstall(schema_editor, tallied())


class Migration(migrations.Migration):
    dependencies = [("relations", "0011_source_admin_order_index")]

    operations = [migrations.RunPython(install, uninstall)]
