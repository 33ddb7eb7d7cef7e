"""Page anchors: where every few hundredth row of a long list sits, so a page by number skips little.

A list page asked for by its number skips the rows before it: ``OFFSET`` walks an index entry by
entry, so the middle page of 56,000 sources costs a hundred times what it does among 560. The
paginator already halves the walk (it counts the second half from the end) and lets a client
walking the list follow ``next`` without any OFFSET; a page asked for by number, as a reader's
page link or an API client's ``?page=`` does, still paid for the walk.

This module keeps, for each anchored list (every row, and every published row, of the sources in
their reading order), the sort key of the row at position 0, ``SPACING``, 2 × ``SPACING`` and so
on, in the table ``relations_anchor``. Page ``n`` then seeks its nearest anchor at or before its
first row in the list's own index, and skips fewer than ``SPACING`` rows from there: the same few
microseconds at any size. It is the page-boundary table of the keyset-pagination folklore, kept
exact by the rule below.

**Never stale.** Every insert, update, delete and truncate of an anchored table bumps a counter in
``relations_writes`` from a trigger, in the writer's own transaction, whoever writes (the ORM, bulk
inserts, ``QuerySet.update``, raw SQL). Anchors are computed in one statement that also reads that
counter, so they carry the number of writes they reflect. A page uses an anchor only while the
counter still has that number: after any write the anchors are ignored, and the page is read by
its OFFSET as before, until they are recomputed. The counter only grows, so an equal number means
the same committed writes.

**Recomputed after each write.** A save or delete of an anchored model (admin, API, imports,
reverts, the loader) recomputes its anchors once the transaction commits, once per transaction
however many rows it wrote; bulk loads (``seed_synthetic``) call ``rebuild`` themselves, and
``manage.py recount --fix`` recomputes them with the tallies. One pass over each list's index:
4 ms for today's 1,130 sources; for the 113,000 of scale 100, 170 ms on SQLite and 95 ms on
PostgreSQL (both lists).

The tables and triggers are ensured after every ``migrate`` and ``flush`` (as the SQLite search
index is): a later migration that makes SQLite rebuild the sources table drops its triggers, and
the next ``post_migrate`` puts them back and recomputes the anchors.
"""

import json
import logging
from functools import cache

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.db.models.signals import post_delete, post_save

from .models import Source
from .tally import _scope, triggers_matching

logger = logging.getLogger(__name__)

ANCHORS = "relations_anchor"
WRITES = "relations_writes"
# Anchored models, and the lists of each (tally scopes: relations/tally.py) that are anchored.
ANCHORED = {Source: ("all", "published")}
# Rows between two anchors: the most a page by number skips. A page of 50 at most 5 pages from one.
SPACING = 256


def list_name(model, scope):
    return f"{model._meta.db_table}:{scope}"


def _scoped(model, scope):
    manager = model._default_manager
    return manager.published() if scope == "published" else manager.all()


@cache
def _order(model):
    """The anchored order of ``model``: its default ordering with the id last, as ``[(field, descending)]``."""
    from .paginator import _sort_key, total_order  # the paginator imports this module

    return _sort_key(total_order(model._default_manager.all()))


def _tables_sql():
    return [
        f"CREATE TABLE IF NOT EXISTS {ANCHORS} (list varchar(100) NOT NULL, position bigint NOT NULL, "
        "key text NOT NULL, generation bigint NOT NULL, PRIMARY KEY (list, position))",
        f"CREATE TABLE IF NOT EXISTS {WRITES} (tbl varchar(100) NOT NULL PRIMARY KEY, n bigint NOT NULL)",
    ]


def _bump_sql(table):
    return f"INSERT INTO {WRITES} (tbl, n) VALUES ('{table}', 1) ON CONFLICT (tbl) DO UPDATE SET n = {WRITES}.n + 1;"


def trigger_names(model):
    table = model._meta.db_table
    return [f"{table}_writes_{action}" for action in ("delete", "insert", "update")]


def _triggers_sql(model, vendor):
    """The triggers counting ``model``'s writes: per row on SQLite, per statement (and truncate) on PostgreSQL."""
    table = model._meta.db_table
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_writes_{action.lower()} AFTER {action} ON {table} "
            f"BEGIN {_bump_sql(table)} END"
            for action in ("INSERT", "UPDATE", "DELETE")
        ]
    function = f"{table}_writes"
    return [
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{_bump_sql(table)} RETURN NULL; END $$",
        # One trigger per statement for every kind of write: the counter needs only to grow.
        f"CREATE OR REPLACE TRIGGER {table}_writes_update AFTER UPDATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        f"CREATE OR REPLACE TRIGGER {table}_writes_insert AFTER INSERT ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        f"CREATE OR REPLACE TRIGGER {table}_writes_delete AFTER DELETE OR TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
    ]


def triggers_present(using=DEFAULT_DB_ALIAS):
    """{table: [names of its write-counting triggers]} as the database has them."""
    wanted = {name for model in ANCHORED for name in trigger_names(model)}
    return triggers_matching(wanted.__contains__, using)


def ensure(using=DEFAULT_DB_ALIAS):
    """Create the tables and triggers where missing, and recompute every anchored list."""
    connection = connections[using]
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        for model in ANCHORED:
            if model._meta.db_table not in existing:
                return  # migrated back to before the anchored tables existed
            columns = {
                column.name for column in connection.introspection.get_table_description(cursor, model._meta.db_table)
            }
            if any(field.column not in columns for field, _descending in _order(model)):
                return  # or to before the columns of their order did
        for statement in _tables_sql():
            cursor.execute(statement)
        for model in ANCHORED:
            for statement in _triggers_sql(model, connection.vendor):
                cursor.execute(statement, params=None)  # no parameters: its % signs are SQL's own
    rebuild(using=using)


def on_post_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    ensure(using)


def writes(model, using=DEFAULT_DB_ALIAS):
    """How many writes ``model``'s table has counted (0 before the first)."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT n FROM {WRITES} WHERE tbl = %s", [model._meta.db_table])  # noqa: S608 - a constant
        row = cursor.fetchone()
    return row[0] if row else 0


def fresh(model, scope, using=DEFAULT_DB_ALIAS):
    """``(writes counted, [(position, [sort key values]), ...])``, read from the list in one statement.

    One statement, so one snapshot: the anchors and the count of writes they reflect agree even
    while others write.
    """
    keys = _order(model)
    connection = connections[using]
    order = [F(field.attname).desc() if descending else F(field.attname).asc() for field, descending in keys]
    numbered = (
        _scoped(model, scope)
        .using(using)
        .order_by()
        .annotate(anchor_row=Window(RowNumber(), order_by=order))
        .values_list("anchor_row", *(field.attname for field, _descending in keys))
    )
    sql, params = numbered.query.get_compiler(using).as_sql()
    columns = ", ".join(f"numbered.{connection.ops.quote_name(field.column)}" for field, _descending in keys)
    statement = (
        f"SELECT COALESCE((SELECT n FROM {WRITES} WHERE tbl = %s), 0), numbered.anchor_row, {columns} "  # noqa: S608
        f"FROM ({sql}) AS numbered WHERE (numbered.anchor_row - 1) %% %s = 0 ORDER BY numbered.anchor_row"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [model._meta.db_table, *params, SPACING])
        rows = cursor.fetchall()
    if not rows:
        return writes(model, using), []
    return rows[0][0], [(row[1] - 1, list(row[2:])) for row in rows]


def rebuild(using=DEFAULT_DB_ALIAS):
    """Recompute the anchors of every anchored list."""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        for anchored in ANCHORED:
            for scope in ANCHORED[anchored]:
                name = list_name(anchored, scope)
                counted, anchors = fresh(anchored, scope, using)
                cursor.execute(f"DELETE FROM {ANCHORS} WHERE list = %s", [name])  # noqa: S608 - a constant
                cursor.executemany(
                    # Two rebuilds at once: the later one's rows win, and a page uses only those matching the counter.
                    f"INSERT INTO {ANCHORS} (list, position, key, generation) VALUES (%s, %s, %s, %s) "  # noqa: S608
                    "ON CONFLICT (list, position) DO UPDATE SET key = EXCLUDED.key, generation = EXCLUDED.generation",
                    [(name, position, _text(key), counted) for position, key in anchors],
                )


def _text(key):
    return json.dumps(key, cls=DjangoJSONEncoder)


def _json(key):
    """``key`` as it reads back from the table (dates as text, say)."""
    return json.loads(_text(key))


def verify(using=DEFAULT_DB_ALIAS):
    """``(outdated, wrong)``: names of the lists whose anchors predate the last write (unused, so harmless
    but slow) and of those whose anchors claim to be current yet differ from a fresh pass (a bug)."""
    outdated, wrong = [], []
    with connections[using].cursor() as cursor:
        for model in ANCHORED:
            for scope in ANCHORED[model]:
                name = list_name(model, scope)
                counted, anchors = fresh(model, scope, using)
                cursor.execute(
                    f"SELECT position, key FROM {ANCHORS} WHERE list = %s AND generation = %s ORDER BY position",  # noqa: S608
                    [name, counted],
                )
                current = [(position, json.loads(key)) for position, key in cursor.fetchall()]
                want = [(position, _json(key)) for position, key in anchors]
                if any(anchor not in want for anchor in current):
                    wrong.append(name)
                elif current != want:  # missing (or some missing, after two rebuilds crossed): unused
                    outdated.append(name)
    return outdated, wrong


def nearest(queryset, position, keys, using=None):
    """``(position, key values)`` of the anchor at or before ``position`` of the list ``queryset``, or None.

    None (and no query) unless ``queryset`` is an anchored list in its anchored order (``keys``, as the
    paginator's ``sort_key``); None too (after one query) when no anchor is current.
    """
    model = queryset.model
    if model not in ANCHORED or keys is None or keys != _order(model):
        return None
    scope = _scope(queryset)
    if scope not in ANCHORED[model]:
        return None
    with connections[using or queryset.db].cursor() as cursor:
        cursor.execute(
            f"SELECT position, key FROM {ANCHORS} WHERE list = %s AND position <= %s "  # noqa: S608 - constants
            f"AND generation = COALESCE((SELECT n FROM {WRITES} WHERE tbl = %s), 0) ORDER BY position DESC LIMIT 1",
            [list_name(model, scope), position, model._meta.db_table],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    found, key = row
    return found, [field.to_python(value) for (field, _descending), value in zip(keys, json.loads(key), strict=True)]


def _rebuild_on_commit(using):
    try:
        rebuild(using=using)
    except Exception:  # the write itself committed; a page reads by OFFSET until the next rebuild
        logger.exception("Recomputing the page anchors failed")


def schedule_rebuild(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """After a save or delete of an anchored model: recompute its anchors when the transaction commits, once."""
    connection = connections[using]
    if connection.in_atomic_block and any(
        getattr(entry[1], "anchors_for", None) == using for entry in connection.run_on_commit
    ):
        return

    def callback():
        _rebuild_on_commit(using)

    callback.anchors_for = using
    transaction.on_commit(callback, using=using)


def connect():
    for model in ANCHORED:
        label = model._meta.label
        post_save.connect(schedule_rebuild, sender=model, dispatch_uid=f"anchors-save-{label}")
        post_delete.connect(schedule_rebuild, sender=model, dispatch_uid=f"anchors-delete-{label}")
