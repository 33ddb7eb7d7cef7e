"""GIN indexes for full-text search, on PostgreSQL only.

Each index is built on exactly the expression ``relations.search`` matches with
``@@`` (same fields, weights, order and configuration), which is what lets the
planner use it. They are not declared in ``Meta.indexes``: SQLite cannot build
them, and it re-creates every declared index whenever it rebuilds a table. On
SQLite this migration does nothing and search stays a substring search.
"""

from functools import reduce
from operator import add

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

INDEXES = {
    "country": ("country_search", (("name", "A"), ("official_name", "A"), ("summary", "B"))),
    "event": ("event_search", (("title", "A"), ("summary", "B"))),
    "mission": ("mission_search", (("city", "A"), ("summary", "B"), ("address", "C"))),
    "source": (
        "source_search",
        (("title", "A"), ("authors", "A"), ("container_title", "B"), ("publisher", "C")),
    ),
}


def indexes(apps):
    for model_name, (name, fields) in INDEXES.items():
        vector = reduce(add, (SearchVector(field, weight=weight, config="english") for field, weight in fields))
        yield apps.get_model("relations", model_name), GinIndex(vector, name=name)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for model, index in indexes(apps):
            schema_editor.execute(index.create_sql(model, schema_editor), params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for model, index in indexes(apps):
            schema_editor.execute(index.remove_sql(model, schema_editor))


class Migration(migrations.Migration):
    dependencies = [("relations", "0002_editor_and_publisher_groups")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
