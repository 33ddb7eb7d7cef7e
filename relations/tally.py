"""Row counts kept by the database itself, so that a page number costs one lookup, not a scan.

A list page says how many records it holds and which page of how many a reader is on, and
DRF's page shape carries ``count``: each needs the exact number of rows of the list. Counted
with ``COUNT(*)``, that number is read off every entry of an index, so it is the one part of
a list page that grows with the record (98,000 sources: 4.5 ms on SQLite, 5.6 ms on PostgreSQL).

Triggers keep the numbers instead, in the table ``relations_tally`` (``key`` → ``n``), made by
migration 0012. For every tallied table ``t``: ``t:all`` and ``t:published``, and for events
also ``t:all:<year>`` and ``t:published:<year>`` (the era chart's bars). Every insert, delete,
update and truncate of those tables adjusts them in the same transaction, whoever writes (the
ORM, bulk inserts, ``QuerySet.update``, raw SQL, a restore of a dump with its triggers), so a
tally can be no staler than the rows it counts, and a rolled-back write takes its count back
with it. On PostgreSQL the triggers run once per statement over its transition tables, so a
bulk insert of 10,000 rows is one update of the tally, not 10,000. The price: writers of the
same table queue on its tally rows until they commit, which an editorial record can afford.

Lists use a tally only when their query is exactly "every row" or "every published row" of a
tallied table (``count``), the WHERE clause compared as Django builds it, or "every visible row"
of missions and status periods (published, of a published country) and heads of mission
(published, of a visible mission): the published tally less the few rows under unpublished records.
Any other filter is counted by the database as before. ``verify()`` compares every tally with a fresh
count. Migration 0012 tallies sources, events and missions; 0014 adds heads of mission, 0015 status periods.
"""

from collections import defaultdict
from functools import cache

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import QuerySet

from .models import Country, Event, HeadOfMission, Mission, RelationPeriod, Source
from .models.base import Publication
from .querysets import country_visible, hidden_missions, mission_visible, unpublished

TABLE = "relations_tally"
PUBLISHED = Publication.PUBLISHED
# Tallied tables, and the date column counted per year (or None).
TALLIED = {Source: None, Event: "date", Mission: None, HeadOfMission: None, RelationPeriod: None}
# Models listed with a "visible" scope too (``_references``): the condition on the records above them.
VISIBLE = {Mission: country_visible, RelationPeriod: country_visible, HeadOfMission: mission_visible}
# Those whose "visible" condition holds a subquery (see ``_scope``).
SUBQUERIED = {HeadOfMission}


def keys_of(model, row, year_sql):
    """[(key expression, condition)] for one row of ``model`` as the trigger sees it (``row`` = NEW/OLD)."""
    table = model._meta.db_table
    published = f"{row}.publication = '{PUBLISHED}'"
    keys = [(f"'{table}:all'", "1 = 1"), (f"'{table}:published'", published)]
    column = TALLIED[model]
    if column:
        year = year_sql(f"{row}.{column}")
        keys += [(f"'{table}:all:' || {year}", "1 = 1"), (f"'{table}:published:' || {year}", published)]
    return keys


def sqlite_sql(model):
    """Row triggers for SQLite (upserts need SQLite 3.24, from 2018)."""
    table = model._meta.db_table

    def year(column):
        return f"CAST(strftime('%Y', {column}) AS INTEGER)"

    def add(row):
        return "".join(
            f"INSERT INTO {TABLE} (key, n) SELECT {key}, 1 WHERE {condition} "
            f"ON CONFLICT (key) DO UPDATE SET n = n + 1; "
            for key, condition in keys_of(model, row, year)
        )

    def remove(row):
        return "".join(
            f"UPDATE {TABLE} SET n = n - 1 WHERE key = {key} AND {condition}; "
            for key, condition in keys_of(model, row, year)
        )

    watched = ", ".join(["publication", *filter(None, [TALLIED[model]])])
    return [
        f"CREATE TRIGGER {table}_tally_insert AFTER INSERT ON {table} BEGIN {add('NEW')}END",
        f"CREATE TRIGGER {table}_tally_delete AFTER DELETE ON {table} BEGIN {remove('OLD')}END",
        f"CREATE TRIGGER {table}_tally_update AFTER UPDATE OF {watched} ON {table} BEGIN "
        f"{remove('OLD')}{add('NEW')}END",
    ]


def postgresql_sql(model):
    """Statement triggers for PostgreSQL, over the statement's transition tables."""
    table = model._meta.db_table

    def year(column):
        return f"extract(year FROM {column})::integer"

    def counted(rows, sign):
        # Keys in a fixed order, so that two writers of the same table lock its tally rows in the same order.
        selects = " UNION ALL ".join(
            f"SELECT {key} AS key FROM {rows} AS row WHERE {condition}"
            for key, condition in keys_of(model, "row", year)
        )
        return (
            f"INSERT INTO {TABLE} (key, n) SELECT key, {sign}count(*) FROM ({selects}) AS keys "
            f"GROUP BY key ORDER BY key ON CONFLICT (key) DO UPDATE SET n = {TABLE}.n + EXCLUDED.n;"
        )

    function = f"{table}_tally"
    return [
        f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP = 'TRUNCATE' THEN DELETE FROM {TABLE} WHERE key LIKE '{table}:%'; RETURN NULL; END IF; "
        f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {counted('old_rows', '-')} END IF; "
        f"IF TG_OP IN ('UPDATE', 'INSERT') THEN {counted('new_rows', '')} END IF; "
        "RETURN NULL; END $$",
        f"CREATE TRIGGER {table}_tally_insert AFTER INSERT ON {table} "
        f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {table}_tally_delete AFTER DELETE ON {table} "
        f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {table}_tally_update AFTER UPDATE ON {table} "
        f"REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {table}_tally_truncate AFTER TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
    ]


def install(schema_editor, models):
    """Create the tally table, and the triggers of ``models``, and count what is there (migration 0012)."""
    schema_editor.execute(f"CREATE TABLE {TABLE} (key varchar(100) NOT NULL PRIMARY KEY, n bigint NOT NULL)")
    add_triggers(schema_editor, models)


def add_triggers(schema_editor, models):
    """Tally ``models`` from now on (a migration that adds a model to ``TALLIED``), and recount."""
    vendor = schema_editor.connection.vendor
    for model in models:
        for statement in sqlite_sql(model) if vendor == "sqlite" else postgresql_sql(model):
            schema_editor.execute(statement, params=None)  # no parameters: its % signs are SQL's own
    rebuild(schema_editor.connection.alias)


def reinstall_sqlite_triggers(schema_editor, model):
    """Put back the triggers of ``model`` on SQLite after a migration rebuilt its table, and recount.

    SQLite cannot alter most of a table in place, so Django's schema editor copies it into a new
    table and drops the old one, and the old table's triggers go with it. Any migration that alters
    a tallied table must end with this (0013 does); ``triggers_present`` tells whether they are there.
    """
    if schema_editor.connection.vendor != "sqlite":
        return  # PostgreSQL alters tables in place: its triggers stay
    table = model._meta.db_table
    for action in ("insert", "delete", "update"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_tally_{action}")
    for statement in sqlite_sql(model):
        schema_editor.execute(statement, params=None)
    rebuild(schema_editor.connection.alias)


def triggers_matching(keep, using="default"):
    """{table: [names of its triggers for which ``keep(name)``]} as the database has them."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal")
        found = defaultdict(list)
        for table, name in cursor.fetchall():
            if keep(name):
                found[table].append(name)
    return {table: sorted(names) for table, names in found.items()}


def triggers_present(using="default"):
    """{table: [names of its tally triggers]} as the database has them."""
    return triggers_matching(lambda name: "_tally_" in name, using)


def uninstall(schema_editor, models):
    drop_triggers(schema_editor, models)
    schema_editor.execute(f"DROP TABLE {TABLE}")


def drop_triggers(schema_editor, models):
    """Stop tallying ``models`` (the reverse of ``add_triggers``) and forget their counts."""
    vendor = schema_editor.connection.vendor
    for model in models:
        table = model._meta.db_table
        schema_editor.execute(f"DELETE FROM {TABLE} WHERE key LIKE %s", [f"{table}:%"])
        for action in ("insert", "delete", "update", "truncate"):
            if vendor == "sqlite" and action == "truncate":
                continue
            on = "" if vendor == "sqlite" else f" ON {table}"
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_tally_{action}{on}")
        if vendor != "sqlite":
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_tally()")


def actual(using="default"):
    """{key: n} counted afresh from the tallied tables (zeros left out)."""
    counts = defaultdict(int)
    for model, column in TALLIED.items():
        table = model._meta.db_table
        # No ORDER BY: a count needs none, and migration 0012 runs this before later columns exist.
        rows = model._base_manager.using(using).order_by().values_list("publication", *([column] if column else []))
        for row in rows.iterator():
            published = row[0] == PUBLISHED
            counts[f"{table}:all"] += 1
            counts[f"{table}:published"] += published
            if column:
                counts[f"{table}:all:{row[1].year}"] += 1
                counts[f"{table}:published:{row[1].year}"] += published
    return {key: n for key, n in counts.items() if n}


def stored(using="default"):
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT key, n FROM {TABLE} WHERE n <> 0")  # noqa: S608 - a constant
        return dict(cursor.fetchall())


def rebuild(using="default"):
    """Count every tallied table afresh (after a restore of rows without the triggers, say)."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608 - a constant
        cursor.executemany(f"INSERT INTO {TABLE} (key, n) VALUES (%s, %s)", sorted(actual(using).items()))  # noqa: S608


def verify(using="default"):
    """{key: (tallied, counted)} for every key where the tally and a fresh count differ; {} when exact."""
    have, want = stored(using), actual(using)
    differ = {key for key in have.keys() | want.keys() if have.get(key) != want.get(key)}
    return {key: (have.get(key, 0), want.get(key, 0)) for key in differ}


def _plain(queryset):
    """Whether ``queryset`` is a plain list of rows of a tallied table: no DISTINCT, grouping, slice or extra."""
    if not isinstance(queryset, QuerySet) or queryset.model not in TALLIED:
        return False
    query = queryset.query
    return not (query.distinct or query.combinator or query.group_by is not None or query.is_sliced or query.extra)


@cache
def _references(model):
    """[(WHERE clause, scope)] of the lists a tally counts, built once per model rather than per list.

    "visible": the published missions and status periods of published countries, which pages and the
    API list, and the published heads of those missions, which the API lists.
    """
    return [(queryset.query.where, scope) for queryset, scope in _reference_lists(model)]


def _reference_lists(model):
    manager = model._default_manager
    lists = [(manager.all(), "all"), (manager.published(), "published")]
    if model in VISIBLE:
        lists.append((manager.published().filter(VISIBLE[model](False)), "visible"))
    return lists


def _scope(queryset):
    """The list ``queryset`` is, "all", "published" or "visible" (see ``_references``), or None.

    WHERE clauses are compared as Django builds them; one holding a subquery (the heads of
    mission's "visible") never equals another built alike, so it is compared as the SQL it compiles to.
    """
    if not _plain(queryset):
        return None
    where = queryset.query.where
    found = next((scope for reference, scope in _references(queryset.model) if where == reference), None)
    if found is None and queryset.model in SUBQUERIED:
        sql = _where_sql(queryset)
        references = _compiled_references(queryset.model, queryset.db)
        found = next((scope for reference, scope in references if sql is not None and sql == reference), None)
    return found


def _where_sql(queryset):
    """``(sql, params)`` of the WHERE clause of ``queryset``; ("", []) for none, None for one matching nothing."""
    query = queryset.query
    try:
        sql, params = query.get_compiler(queryset.db).compile(query.where)
    except FullResultSet:
        return "", []
    except EmptyResultSet:
        return None
    return sql, list(params)


@cache
def _compiled_references(model, using):
    return [(_where_sql(manager_list.using(using)), scope) for manager_list, scope in _reference_lists(model)]


def count(queryset):
    """The number of rows of ``queryset`` from the tally, or None where it must be counted.

    Missions are listed only where their country is published too ("visible"): their number is the tally less
    the published missions of the few countries that are not, which the ``country`` index finds
    (one query all the same).
    """
    scope = _scope(queryset)
    if scope in ("all", "published"):
        with connections[queryset.db].cursor() as cursor:
            cursor.execute(f"SELECT n FROM {TABLE} WHERE key = %s", [f"{queryset.model._meta.db_table}:{scope}"])  # noqa: S608
            row = cursor.fetchone()
        return row[0] if row else 0
    if scope != "visible":
        return None
    model = queryset.model
    subtract, params = [], [f"{model._meta.db_table}:published"]
    for hidden in _hidden(model):
        sql, hidden_params = hidden.order_by().values("pk").query.get_compiler(queryset.db).as_sql()
        subtract.append(f" - (SELECT COUNT(*) FROM ({sql}) AS hidden)")
        params += hidden_params
    with connections[queryset.db].cursor() as cursor:
        tallied = f"COALESCE((SELECT n FROM {TABLE} WHERE key = %s), 0)"
        cursor.execute(f"SELECT {tallied}{''.join(subtract)}", params)  # noqa: S608 - no input in it
        return cursor.fetchone()[0]


def _hidden(model):
    """Querysets of the published rows of ``model`` left out of its "visible" list, without overlap.

    Each starts from the few unpublished records above them (``country``, ``mission`` indexes).
    """
    if model in (Mission, RelationPeriod):
        return [model.objects.published().filter(country__in=Country.objects.filter(unpublished()).values("pk"))]
    return [HeadOfMission.objects.published().filter(mission__in=hidden_missions())]


def per_year(queryset, field, first_year, last_year):
    """As ``querysets.count_per_year`` from the tally, or None where it must be counted."""
    scope = _scope(queryset)
    if scope not in ("all", "published") or TALLIED[queryset.model] != field:
        return None
    prefix = f"{queryset.model._meta.db_table}:{scope}:"
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"SELECT key, n FROM {TABLE} WHERE key LIKE %s AND n <> 0", [f"{prefix}%"])  # noqa: S608
        rows = cursor.fetchall()
    counts = defaultdict(int)
    for key, n in rows:
        year = int(key.removeprefix(prefix))
        counts[min(max(year, first_year - 1), last_year + 1)] += n
    return dict(counts)
