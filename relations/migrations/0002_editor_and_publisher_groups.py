"""The two roles of the editors' admin, as groups.

Editor: adds records and changes drafts (the admin keeps published records
read-only for them), deletes drafts, never publishes. Publisher: everything an
editor may do, and publishes, unpublishes, deletes published records, reverts.
Re-running is harmless: permissions are added, never removed.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTENT = ("source", "era", "country", "relationperiod", "mission", "headofmission", "event")
ATTACHED = ("citation", "dateclaim")
HISTORY = tuple(f"historical{name}" for name in CONTENT + ATTACHED)


def codenames(actions, models):
    return [f"{action}_{model}" for model in models for action in actions]


EDITOR = codenames(("add", "change", "delete", "view"), CONTENT + ATTACHED) + codenames(("view",), HISTORY)
PUBLISHER = EDITOR + ["publish_content"]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in (("Editor", EDITOR), ("Publisher", PUBLISHER)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="relations", codename__in=wanted))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=("Editor", "Publisher")).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("relations", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
