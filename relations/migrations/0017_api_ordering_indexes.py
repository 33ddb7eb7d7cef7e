"""The API's lists read along an index in every order they offer, either way (``StableOrderingFilter``):
``(publication, column, id)`` for a column that is never empty, and for one that may be, one index a
direction in the order ``models.base.nulls_last`` spells."""

import django.db.models.lookups
from django.db import migrations, models


def refresh_statistics(apps, schema_editor):
    from relations.services import refresh_index_statistics

    tables = ("event", "headofmission", "mission", "relationperiod", "source")
    refresh_index_statistics(schema_editor.connection, [f"relations_{table}" for table in tables])


class Migration(migrations.Migration):
    dependencies = [
        ("relations", "0016_drafts_index_and_known_publication"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["publication", "title", "id"], name="event_title_order_idx"),
        ),
        migrations.AddIndex(
            model_name="headofmission",
            index=models.Index(fields=["publication", "name", "id"], name="headofmission_name_order_idx"),
        ),
        migrations.AddIndex(
            model_name="headofmission",
            index=models.Index(
                models.F("publication"),
                models.OrderBy(django.db.models.lookups.IsNull(models.F("started_on"), True)),
                models.OrderBy(models.F("started_on")),
                models.F("id"),
                name="headofmission_started_on_asc",
            ),
        ),
        migrations.AddIndex(
            model_name="headofmission",
            index=models.Index(
                models.F("publication"),
                models.OrderBy(django.db.models.lookups.IsNull(models.F("started_on"), True)),
                models.OrderBy(models.F("started_on"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                name="headofmission_started_on_desc",
            ),
        ),
        migrations.AddIndex(
            model_name="mission",
            index=models.Index(
                models.F("publication"),
                models.OrderBy(django.db.models.lookups.IsNull(models.F("opened_on"), True)),
                models.OrderBy(models.F("opened_on")),
                models.F("id"),
                name="mission_opened_on_asc",
            ),
        ),
        migrations.AddIndex(
            model_name="mission",
            index=models.Index(
                models.F("publication"),
                models.OrderBy(django.db.models.lookups.IsNull(models.F("opened_on"), True)),
                models.OrderBy(models.F("opened_on"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                name="mission_opened_on_desc",
            ),
        ),
        migrations.AddIndex(
            model_name="mission",
            index=models.Index(
                models.F("publication"),
                models.OrderBy(django.db.models.lookups.IsNull(models.F("closed_on"), True)),
                models.OrderBy(models.F("closed_on")),
                models.F("id"),
                name="mission_closed_on_asc",
            ),
        ),
        migrations.AddIndex(
            model_name="mission",
            index=models.Index(
                models.F("publication"),
                models.OrderBy(django.db.models.lookups.IsNull(models.F("closed_on"), True)),
                models.OrderBy(models.F("closed_on"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                name="mission_closed_on_desc",
            ),
        ),
        migrations.AddIndex(
            model_name="relationperiod",
            index=models.Index(fields=["publication", "starts_on", "id"], name="relationperiod_start_order_idx"),
        ),
        migrations.AddIndex(
            model_name="source",
            index=models.Index(fields=["publication", "authors", "id"], name="source_authors_order_idx"),
        ),
        migrations.AddIndex(
            model_name="source",
            index=models.Index(fields=["publication", "title", "id"], name="source_title_order_idx"),
        ),
        migrations.AddIndex(
            model_name="source",
            index=models.Index(
                models.F("publication"),
                models.OrderBy(django.db.models.lookups.IsNull(models.F("published_on"), True)),
                models.OrderBy(models.F("published_on")),
                models.F("id"),
                name="source_published_on_asc",
            ),
        ),
        migrations.AddIndex(
            model_name="source",
            index=models.Index(
                models.F("publication"),
                models.OrderBy(django.db.models.lookups.IsNull(models.F("published_on"), True)),
                models.OrderBy(models.F("published_on"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                name="source_published_on_desc",
            ),
        ),
        migrations.RunPython(refresh_statistics, migrations.RunPython.noop),
    ]
