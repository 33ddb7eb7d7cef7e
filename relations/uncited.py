"""The claims no citation supports, kept by the database itself, so that finding them reads a few rows.

An uncited record is one without a row in ``relations_citation``: no index lists what is absent, so
``uncited()`` used to be a pass over every event, mission and status period, each checked against the
citations' index (17 ms on SQLite and 37 ms on PostgreSQL for the editors' dashboard at 100 times the
record). Triggers keep the list instead, in the table ``relations_uncited`` (``model``, ``object_id``),
made by migration 0018: a claim enters it when it is inserted, leaves it when its first citation is
inserted, comes back when its last citation is deleted or moved to another record, and leaves it when it
is deleted, whoever writes (the ORM, bulk inserts, ``QuerySet.update``, raw SQL), in the same transaction.
``verify()`` compares the list with a fresh pass; ``manage.py recount`` reports a difference and ``--fix``
rebuilds it. Like the tallies' (relations/tally.py), these triggers go with a table SQLite rebuilds: a
migration that rebuilds one of these tables must end with ``reinstall`` (``triggers_present`` tells).
"""

from django.db import connections

from .models import Citation
from .services import CLAIM_MODELS
from .tally import triggers_matching

TABLE = "relations_uncited"
# The claims: what may not be published uncited, and what the dashboard lists.
TRACKED = CLAIM_MODELS
CITATIONS = Citation._meta.db_table
# Every table that carries these triggers.
TABLES = (CITATIONS, *(model._meta.db_table for model in TRACKED))


def _name(model):
    return model._meta.model_name


def _content_type(name):
    return f"(SELECT id FROM django_content_type WHERE app_label = 'relations' AND model = '{name}')"


def _uncited(name, table, object_id):
    """The condition that record ``object_id`` of ``table`` exists and has no citation."""
    return (
        f"EXISTS (SELECT 1 FROM {table} WHERE id = {object_id}) AND NOT EXISTS (SELECT 1 FROM {CITATIONS} "
        f"WHERE content_type_id = {_content_type(name)} AND object_id = {object_id})"
    )


def _enter(name, table, object_id, when="1 = 1"):
    # INSERT ... ON CONFLICT DO NOTHING: SQLite 3.24 and PostgreSQL 9.5 both take it.
    return (
        f"INSERT INTO {TABLE} (model, object_id) SELECT '{name}', {object_id} "
        f"WHERE {when} AND {_uncited(name, table, object_id)} ON CONFLICT DO NOTHING;"
    )


def _citation_removed(row):
    """Statements for a citation ``row`` (OLD) gone from its record: the record enters if it was the last."""
    return " ".join(
        _enter(
            _name(model),
            model._meta.db_table,
            f"{row}.object_id",
            f"{row}.content_type_id = {_content_type(_name(model))}",
        )
        for model in TRACKED
    )


def _citation_added(row):
    return (
        f"DELETE FROM {TABLE} WHERE object_id = {row}.object_id AND model = "
        f"(SELECT model FROM django_content_type WHERE id = {row}.content_type_id AND app_label = 'relations');"
    )


def statements(vendor):
    """The triggers (and, on PostgreSQL, their functions) that keep the list, as SQL statements."""
    claims = [(_name(model), model._meta.db_table) for model in TRACKED]
    if vendor == "sqlite":
        sql = [
            f"CREATE TRIGGER {CITATIONS}_uncited_insert AFTER INSERT ON {CITATIONS} BEGIN {_citation_added('NEW')} END",
            f"CREATE TRIGGER {CITATIONS}_uncited_delete AFTER DELETE ON {CITATIONS} "
            f"BEGIN {_citation_removed('OLD')} END",
            f"CREATE TRIGGER {CITATIONS}_uncited_update AFTER UPDATE OF content_type_id, object_id ON {CITATIONS} "
            f"BEGIN {_citation_added('NEW')} {_citation_removed('OLD')} END",
        ]
        for name, table in claims:
            sql += [
                f"CREATE TRIGGER {table}_uncited_insert AFTER INSERT ON {table} "
                f"BEGIN {_enter(name, table, 'NEW.id')} END",
                f"CREATE TRIGGER {table}_uncited_delete AFTER DELETE ON {table} BEGIN "
                f"DELETE FROM {TABLE} WHERE model = '{name}' AND object_id = OLD.id; END",
            ]
        return sql
    refill = " ".join(_fill_sql(name, table) + ";" for name, table in claims)
    sql = [
        f"CREATE FUNCTION {CITATIONS}_uncited() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP = 'TRUNCATE' THEN {refill} RETURN NULL; END IF; "
        f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {_citation_added('NEW')} END IF; "
        f"IF TG_OP IN ('DELETE', 'UPDATE') THEN {_citation_removed('OLD')} END IF; "
        "RETURN NULL; END $$",
        f"CREATE TRIGGER {CITATIONS}_uncited AFTER INSERT OR DELETE OR UPDATE OF content_type_id, object_id "
        f"ON {CITATIONS} FOR EACH ROW EXECUTE FUNCTION {CITATIONS}_uncited()",
        f"CREATE TRIGGER {CITATIONS}_uncited_truncate AFTER TRUNCATE ON {CITATIONS} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {CITATIONS}_uncited()",
    ]
    for name, table in claims:
        sql += [
            f"CREATE FUNCTION {table}_uncited() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'TRUNCATE' THEN DELETE FROM {TABLE} WHERE model = '{name}'; "
            f"ELSIF TG_OP = 'INSERT' THEN {_enter(name, table, 'NEW.id')} "
            f"ELSE DELETE FROM {TABLE} WHERE model = '{name}' AND object_id = OLD.id; END IF; "
            "RETURN NULL; END $$",
            f"CREATE TRIGGER {table}_uncited AFTER INSERT OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_uncited()",
            f"CREATE TRIGGER {table}_uncited_truncate AFTER TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_uncited()",
        ]
    return sql


def _fill_sql(name, table):
    return (
        f"INSERT INTO {TABLE} (model, object_id) SELECT '{name}', id FROM {table} AS claim WHERE NOT EXISTS "
        f"(SELECT 1 FROM {CITATIONS} WHERE content_type_id = {_content_type(name)} AND object_id = claim.id) "
        "ON CONFLICT DO NOTHING"
    )


def install(schema_editor):
    """Create the list and its triggers, and fill it (migration 0018)."""
    schema_editor.execute(
        f"CREATE TABLE {TABLE} (model varchar(100) NOT NULL, object_id bigint NOT NULL, PRIMARY KEY (model, object_id))"
    )
    for statement in statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)  # no parameters: its % signs (none) are SQL's own
    rebuild(schema_editor.connection.alias)


def _drop_triggers(schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        for name in (f"{table}_uncited", *(f"{table}_uncited_{a}" for a in ("insert", "delete", "update", "truncate"))):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}" + ("" if vendor == "sqlite" else f" ON {table}"))
        if vendor != "sqlite":
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_uncited()")


def uninstall(schema_editor):
    _drop_triggers(schema_editor)
    schema_editor.execute(f"DROP TABLE {TABLE}")


def reinstall(schema_editor):
    """Put the triggers back on SQLite after a migration rebuilt one of the tables, and rebuild the list."""
    if schema_editor.connection.vendor != "sqlite":
        return  # PostgreSQL alters tables in place: its triggers stay
    _drop_triggers(schema_editor)
    for statement in statements("sqlite"):
        schema_editor.execute(statement, params=None)
    rebuild(schema_editor.connection.alias)


def triggers_present(using="default"):
    return triggers_matching(lambda name: "_uncited" in name, using)


def stored(using="default"):
    """{(model name, id)} as the list holds them."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT model, object_id FROM {TABLE}")  # noqa: S608 - a constant
        return set(cursor.fetchall())


def actual(using="default"):
    """{(model name, id)} of the claims without a citation, found afresh (as ``uncited()`` did before the list)."""
    found = set()
    for model in TRACKED:
        records = model._default_manager.using(using)
        rows = records.exclude(records._has_citation()).order_by().values_list("pk", flat=True)
        found |= {(_name(model), pk) for pk in rows}
    return found


def rebuild(using="default"):
    with connections[using].cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608 - a constant
        for model in TRACKED:
            cursor.execute(_fill_sql(_name(model), model._meta.db_table))


def verify(using="default"):
    """(listed but cited, uncited but not listed): two sets of (model name, id), both empty when exact."""
    have, want = stored(using), actual(using)
    return have - want, want - have


def ids(model):
    """The ids of ``model``'s uncited records, as SQL for ``pk__in`` (None for a model not tracked)."""
    if model not in TRACKED:
        return None
    from django.db.models.expressions import RawSQL

    return RawSQL(f"SELECT object_id FROM {TABLE} WHERE model = %s", [_name(model)])  # noqa: S608 - a constant
