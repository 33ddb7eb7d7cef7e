"""Status periods counted by the tally (relations/tally.py): the API's relations list pays no COUNT over them."""

from django.db import migrations


def tally_periods(apps, schema_editor):
    from relations import tally
    from relations.models import RelationPeriod

    tally.add_triggers(schema_editor, [RelationPeriod])


def untally_periods(apps, schema_editor):
    from relations import tally
    from relations.models import RelationPeriod

    tally.drop_triggers(schema_editor, [RelationPeriod])


class Migration(migrations.Migration):
    dependencies = [
        ("relations", "0014_headofmission_list_index"),
    ]

    operations = [migrations.RunPython(tally_periods, untally_periods)]
