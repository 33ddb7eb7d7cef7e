"""Full-text search on SQLite: an FTS5 index per searched table, kept in step by triggers.

PostgreSQL searches GIN indexes (``relations/search.py``). On SQLite, the development and
default database, each searched table gets an external-content FTS5 table over the same
fields, so a search reads an index instead of scanning every row's text. Triggers keep the
index in step with every insert, update and delete, whatever writes them (the admin, the API,
``load_content``, bulk inserts of ``seed_synthetic``).

The index is not made by a migration but ensured after every ``migrate`` (and ``flush``): a
later migration that alters a searched table makes SQLite rebuild the table, which drops its
triggers; ``ensure_index`` then puts them back and rebuilds the index from the table.
"""

from django.db import connections

TOKENIZER = "unicode61 remove_diacritics 2"


def fts_table(table):
    return f"{table}_fts"


def searched_tables():
    """{table: (columns, …)} of every search scope, the same fields the PostgreSQL index covers."""
    from .search import SCOPES

    return {scope.model._meta.db_table: tuple(field for field, _weight in scope.fields) for scope in SCOPES}


def _triggers(table, columns):
    fts = fts_table(table)
    names = ", ".join(columns)
    new = ", ".join(f"new.{column}" for column in columns)
    old = ", ".join(f"old.{column}" for column in columns)
    delete = f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
    insert = f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new});"
    return {
        f"{fts}_ai": f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN {insert} END",
        f"{fts}_ad": f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN {delete} END",
        f"{fts}_au": f"CREATE TRIGGER {fts}_au AFTER UPDATE ON {table} BEGIN {delete} {insert} END",
    }


def ensure_index(using="default"):
    """Create what is missing (tables, triggers) and rebuild an index whose triggers were missing.

    Returns the tables whose index was (re)built. Does nothing on other databases.
    """
    connection = connections[using]
    if connection.vendor != "sqlite":
        return []
    rebuilt = []
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        triggers = {row[0] for row in cursor.fetchall()}
        for table, columns in searched_tables().items():
            if table not in existing:
                continue
            fts = fts_table(table)
            wanted = _triggers(table, columns)
            fresh = fts not in existing
            if fresh:
                cursor.execute(
                    f"CREATE VIRTUAL TABLE {fts} USING fts5({', '.join(columns)}, "
                    f"content='{table}', content_rowid='id', tokenize='{TOKENIZER}')"
                )
            missing = [name for name in wanted if name not in triggers]
            for name in missing:
                cursor.execute(wanted[name])
            if fresh or missing:
                cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
                rebuilt.append(table)
    return rebuilt


def on_post_migrate(sender, using="default", **kwargs):
    ensure_index(using)


# The words PostgreSQL's "english" configuration leaves out of a search (Snowball's English stop words),
# left out here too: "of" or "the" matched nearly every record (with 100 times the record, "of" read some
# 100,000 sources twice, 110 ms a search) and narrowed nothing.
STOP_WORDS = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
    herself it its itself they them their theirs themselves what which who whom this that these those am is are
    was were be been being have has had having do does did doing a an the and but if or because as until while
    of at by for with about against between into through during before after above below to from up down in out
    on off over under again further then once here there when where why how all any both each few more most
    other some such no nor not only own same so than too very s t can will just don should now""".split()
)


def term(word):
    """One word of a query as an FTS5 prefix query: "word"* (quoted, so no word is an operator); None for a
    stop word or a word without a letter or digit. A word of one letter is looked up whole: as a prefix it
    matched nearly every record ("s": 160 ms a search at 100 times the record) and found nothing meant."""
    if not any(character.isalnum() for character in word) or word.lower() in STOP_WORDS:
        return None
    quoted = '"' + word.replace('"', '""') + '"'
    return quoted if len(word) == 1 else quoted + "*"


def matching(model, query, columns=None):
    """SQL selecting the ids of ``model``'s rows that match ``query`` (in ``columns`` if given)."""
    fts = fts_table(model._meta.db_table)
    if columns:
        query = "{" + " ".join(columns) + "} : " + query
    return f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s", [query]
