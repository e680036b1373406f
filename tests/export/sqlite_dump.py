"""Loads SQL scripts into a real SQLite database, in order, and prints every
exported table as JSON: {"table": [{"column": value, ...}, ...], ...}.

Usage: /usr/bin/python3 sqlite_dump.py DB PREFIX SCRIPT.sql...
Exit 1 with the error on one line when a script does not run.
"""
import json
import sqlite3
import sys


def main():
    db_path, prefix, scripts = sys.argv[1], sys.argv[2], sys.argv[3:]
    connection = sqlite3.connect(db_path)
    for script in scripts:
        with open(script, encoding="utf-8") as f:
            text = f.read()
        try:
            connection.executescript(text)
        except sqlite3.Error as error:
            print(f"sqlite_dump: {script}: {error}", file=sys.stderr)
            return 1
    connection.row_factory = sqlite3.Row
    tables = {}
    for name in ("studies", "trials", "reports", "exploits"):
        rows = connection.execute(f'SELECT * FROM "{prefix}{name}" ORDER BY rowid').fetchall()
        tables[name] = [dict(row) for row in rows]
    json.dump(tables, sys.stdout, ensure_ascii=False, allow_nan=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
