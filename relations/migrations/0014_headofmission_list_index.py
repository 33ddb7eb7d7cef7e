"""The API's list of heads of mission: an index in its order, and its count kept by the tally (relations/tally.py)."""

from django.db import migrations, models


def tally_heads(apps, schema_editor):
    from relations import tally
    from relations.models import HeadOfMission

    tally.add_triggers(schema_editor, [HeadOfMission])


def untally_heads(apps, schema_editor):
    from relations import tally
    from relations.models import HeadOfMission

    tally.drop_triggers(schema_editor, [HeadOfMission])


class Migration(migrations.Migration):
    dependencies = [
        ("relations", "0013_source_bibliography_order"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="headofmission",
            index=models.Index(fields=["publication", "mission", "started_on", "id"], name="headofmission_list_idx"),
        ),
        migrations.RunPython(tally_heads, untally_heads),
    ]
