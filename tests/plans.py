"""Query plans, for tests that a query walks an index rather than scanning or sorting a table."""

from django.db import connection


def query_plan(sql, disable=("enable_seqscan", "enable_sort", "enable_bitmapscan"), params=()):
    """The plan of ``sql``: on PostgreSQL the lines of EXPLAIN, with the planner methods ``disable`` names
    turned off for the rest of the transaction (so that a test's few rows still show the index path); on
    SQLite the rows of EXPLAIN QUERY PLAN, ``(id, parent, notused, detail)``. ``params`` fill its placeholders."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for setting in disable:
                cursor.execute(f"SET LOCAL {setting} = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return cursor.fetchall()
