"""Sources file in one alphabet: by first author, or by title where a work has none (``bibliography_key``)."""

import unicodedata

from django.db import migrations, models


def bibliography_key(authors, title):
    # A copy of relations.models.base.bibliography_key as it was when this migration was written.
    text = unicodedata.normalize("NFKD", (authors or "").strip() or (title or ""))
    text = "".join(char for char in text if not unicodedata.combining(char)).casefold()
    start = next((i for i, char in enumerate(text) if char.isalnum()), len(text))
    return text[start:][:500]


def file_sources(apps, schema_editor):
    for name in ("Source", "HistoricalSource"):
        model = apps.get_model("relations", name)
        rows = list(model._base_manager.using(schema_editor.connection.alias).only("pk", "authors", "title"))
        for row in rows:
            row.sort_key = bibliography_key(row.authors, row.title)
        model._base_manager.using(schema_editor.connection.alias).bulk_update(rows, ["sort_key"], batch_size=2000)


def keep_tallying(apps, schema_editor):
    # Adding the column rebuilt the table on SQLite, which dropped its tally triggers.
    from relations import tally
    from relations.models import Source

    tally.reinstall_sqlite_triggers(schema_editor, Source)


class Migration(migrations.Migration):
    dependencies = [
        ("relations", "0012_tally"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="source",
            options={
                "ordering": ("sort_key", "title"),
                "permissions": [("publish_content", "Can publish and unpublish any record")],
            },
        ),
        migrations.RemoveIndex(
            model_name="source",
            name="relations_s_publica_eabd26_idx",
        ),
        migrations.RemoveIndex(
            model_name="source",
            name="relations_s_authors_1b100e_idx",
        ),
        migrations.AddField(
            model_name="historicalsource",
            name="sort_key",
            field=models.CharField(default="", editable=False, max_length=500, verbose_name="filed under"),
        ),
        migrations.AddField(
            model_name="source",
            name="sort_key",
            field=models.CharField(default="", editable=False, max_length=500, verbose_name="filed under"),
        ),
        migrations.RunPython(file_sources, migrations.RunPython.noop),
        migrations.RunPython(keep_tallying, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="source",
            index=models.Index(
                fields=["publication", "sort_key", "title", "id"], name="relations_s_publica_4c4318_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="source",
            index=models.Index(fields=["sort_key", "title", "id"], name="relations_s_sort_ke_4f1606_idx"),
        ),
    ]
