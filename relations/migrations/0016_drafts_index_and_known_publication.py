"""The editors' dashboard finds the newest drafts of each kind by index (``drafts_index``), and every record's
publication state is one of ``Publication``'s (``publication_known``), so that drafts are the records in an
unpublished state (``querysets.UNPUBLISHED``), which that index finds, rather than every record not published."""

from django.db import migrations, models


def refresh_statistics(apps, schema_editor):
    from relations.services import refresh_index_statistics

    tables = ("era", "country", "relationperiod", "mission", "headofmission", "event", "source")
    refresh_index_statistics(schema_editor.connection, [f"relations_{table}" for table in tables])


def keep_tallying(apps, schema_editor):
    # Adding the constraints rebuilt the tables on SQLite, which dropped their tally triggers.
    from relations import tally

    for model in tally.TALLIED:
        tally.reinstall_sqlite_triggers(schema_editor, model)


class Migration(migrations.Migration):
    dependencies = [
        ("relations", "0015_tally_relation_periods"),
    ]

    operations = [
        # Unapplied, the constraints' removal rebuilds the tables too: this runs last then.
        migrations.RunPython(migrations.RunPython.noop, keep_tallying),
        migrations.AddIndex(
            model_name="country",
            index=models.Index(fields=["publication", "updated_at"], name="country_drafts_idx"),
        ),
        migrations.AddIndex(
            model_name="era",
            index=models.Index(fields=["publication", "updated_at"], name="era_drafts_idx"),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["publication", "updated_at"], name="event_drafts_idx"),
        ),
        migrations.AddIndex(
            model_name="headofmission",
            index=models.Index(fields=["publication", "updated_at"], name="headofmission_drafts_idx"),
        ),
        migrations.AddIndex(
            model_name="mission",
            index=models.Index(fields=["publication", "updated_at"], name="mission_drafts_idx"),
        ),
        migrations.AddIndex(
            model_name="relationperiod",
            index=models.Index(fields=["publication", "updated_at"], name="relationperiod_drafts_idx"),
        ),
        migrations.AddIndex(
            model_name="source",
            index=models.Index(fields=["publication", "updated_at"], name="source_drafts_idx"),
        ),
        migrations.AddConstraint(
            model_name="country",
            constraint=models.CheckConstraint(
                condition=models.Q(("publication__in", ["draft", "published"])),
                name="country_publication_known",
                violation_error_message="Unknown publication state.",
            ),
        ),
        migrations.AddConstraint(
            model_name="era",
            constraint=models.CheckConstraint(
                condition=models.Q(("publication__in", ["draft", "published"])),
                name="era_publication_known",
                violation_error_message="Unknown publication state.",
            ),
        ),
        migrations.AddConstraint(
            model_name="event",
            constraint=models.CheckConstraint(
                condition=models.Q(("publication__in", ["draft", "published"])),
                name="event_publication_known",
                violation_error_message="Unknown publication state.",
            ),
        ),
        migrations.AddConstraint(
            model_name="headofmission",
            constraint=models.CheckConstraint(
                condition=models.Q(("publication__in", ["draft", "published"])),
                name="headofmission_publication_known",
                violation_error_message="Unknown publication state.",
            ),
        ),
        migrations.AddConstraint(
            model_name="mission",
            constraint=models.CheckConstraint(
                condition=models.Q(("publication__in", ["draft", "published"])),
                name="mission_publication_known",
                violation_error_message="Unknown publication state.",
            ),
        ),
        migrations.AddConstraint(
            model_name="relationperiod",
            constraint=models.CheckConstraint(
                condition=models.Q(("publication__in", ["draft", "published"])),
                name="relationperiod_publication_known",
                violation_error_message="Unknown publication state.",
            ),
        ),
        migrations.AddConstraint(
            model_name="source",
            constraint=models.CheckConstraint(
                condition=models.Q(("publication__in", ["draft", "published"])),
                name="source_publication_known",
                violation_error_message="Unknown publication state.",
            ),
        ),
        migrations.RunPython(keep_tallying, migrations.RunPython.noop),
        migrations.RunPython(refresh_statistics, migrations.RunPython.noop),
    ]
