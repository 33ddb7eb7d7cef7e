"""The claims no citation supports, kept by the database (relations/uncited.py)."""

from django.db import migrations


def install(apps, schema_editor):
    from relations import uncited

    uncited.install(schema_editor)


def uninstall(apps, schema_editor):
    from relations import uncited

    uncited.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("relations", "0017_api_ordering_indexes"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
