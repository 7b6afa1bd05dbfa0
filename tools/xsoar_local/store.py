"""The local engine's state in SQLite: what an XSOAR server keeps for an integration instance and its incidents.

One database file (default `.state/xsoar_local.db`) holds, per instance, the last run, the last mirror run and the
versioned integration context; and, server-wide, incidents (as JSON documents with indexed columns), war-room
entries, incident links, a log of command runs, and what XSIAM's collector received (events per dataset, posts).
WAL mode lets separate processes — the engine and a command running in a child interpreter — read and write it at
the same time, as concurrent jobs do on the platform.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tools.xsoar_local.invocation import VERSION_MISMATCH, IntegrationContextStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS last_run (instance TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS last_mirror_run (instance TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS integration_context (
    instance TEXT PRIMARY KEY, data TEXT NOT NULL, version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS incidents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance TEXT, type TEXT, status INTEGER NOT NULL DEFAULT 1, mirror_id TEXT, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS incidents_mirror ON incidents (instance, mirror_id);
CREATE INDEX IF NOT EXISTS incidents_type_status ON incidents (type, status);
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    investigation TEXT NOT NULL, created TEXT NOT NULL, source TEXT, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS entries_investigation ON entries (investigation);
CREATE TABLE IF NOT EXISTS links (incident_id INTEGER NOT NULL, linked_id INTEGER NOT NULL,
    PRIMARY KEY (incident_id, linked_id));
CREATE TABLE IF NOT EXISTS contexts (investigation TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS platform_state (instance TEXT NOT NULL, key TEXT NOT NULL, value TEXT,
    PRIMARY KEY (instance, key));
CREATE TABLE IF NOT EXISTS dataset_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, dataset TEXT NOT NULL, stream TEXT, time TEXT, event TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS dataset_events_stream ON dataset_events (dataset, stream);
CREATE TABLE IF NOT EXISTS collector_posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, received TEXT, url TEXT, headers TEXT, events INTEGER, status INTEGER);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, instance TEXT, command TEXT, started TEXT, finished TEXT,
    ok INTEGER, error TEXT, incidents_created INTEGER, logs TEXT);
"""
# Columns added after a table was first created: a state folder of an earlier version gets them on opening.
ADDED_COLUMNS = {"runs": {"logs": "TEXT"}}

PLAYGROUND = "playground"


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Store:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connection().executescript(SCHEMA)  # executescript manages its own transaction
        self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        db = self._connection()
        for table, columns in ADDED_COLUMNS.items():
            present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            for column, kind in columns.items():
                if column not in present:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            self._local.connection = connection
        return connection

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """An IMMEDIATE transaction: writers queue up instead of failing half-way."""
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    # --- per-instance JSON state ----------------------------------------------------------------------------

    def _get_json(self, table: str, instance: str, missing: Any = None) -> Any:
        row = self._connection().execute(f"SELECT data FROM {table} WHERE instance = ?", (instance,)).fetchone()  # noqa: S608
        return json.loads(row[0]) if row else missing

    def _put_json(self, table: str, instance: str, data: dict) -> None:
        with self.transaction() as db:
            db.execute(f"INSERT OR REPLACE INTO {table} (instance, data) VALUES (?, ?)", (instance, json.dumps(data)))  # noqa: S608

    def last_run(self, instance: str) -> dict:
        return self._get_json("last_run", instance, {})  # the platform hands a first fetch {}

    def set_last_run(self, instance: str, data: dict) -> None:
        self._put_json("last_run", instance, data)

    def last_mirror_run(self, instance: str) -> dict | None:
        return self._get_json("last_mirror_run", instance)  # None until one was stored, as on the platform

    def set_last_mirror_run(self, instance: str, data: dict) -> None:
        self._put_json("last_mirror_run", instance, data)

    def integration_context(self, instance: str) -> SqliteIntegrationContext:
        return SqliteIntegrationContext(self, instance)

    def raw_state_sizes(self, instance: str) -> dict[str, int]:
        """Bytes of last run and integration context as stored (what the platform would persist)."""
        db = self._connection()
        sizes = {}
        for table in ("last_run", "integration_context", "last_mirror_run"):
            row = db.execute(f"SELECT length(data) FROM {table} WHERE instance = ?", (instance,)).fetchone()  # noqa: S608
            sizes[table] = row[0] if row else 0
        return sizes

    def platform_value(self, instance: str, key: str) -> str | None:
        """State the platform itself keeps per instance (the mirroring job's last update time, for example)."""
        row = self._connection().execute("SELECT value FROM platform_state WHERE instance = ? AND key = ?",
                                         (instance, key)).fetchone()
        return row[0] if row else None

    def set_platform_value(self, instance: str, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO platform_state (instance, key, value) VALUES (?, ?, ?)", (instance, key, value))

    def increment(self, instance: str, key: str) -> int:
        """A counter the platform keeps per instance (integration context write conflicts, for example)."""
        with self.transaction() as db:
            row = db.execute("SELECT value FROM platform_state WHERE instance = ? AND key = ?", (instance, key)).fetchone()
            count = int(row[0] or 0) + 1 if row else 1
            db.execute("INSERT OR REPLACE INTO platform_state (instance, key, value) VALUES (?, ?, ?)",
                       (instance, key, str(count)))
        return count

    # --- incidents ------------------------------------------------------------------------------------------

    def create_incident(self, instance: str, incident: dict) -> dict:
        doc = dict(incident)
        stamp = now_iso()
        doc.setdefault("status", 1)
        doc.setdefault("created", stamp)
        doc.setdefault("modified", stamp)
        doc.setdefault("CustomFields", {})
        doc["sourceInstance"] = instance
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO incidents (instance, type, status, mirror_id, doc) VALUES (?, ?, ?, ?, '{}')",
                (instance, doc.get("type"), doc["status"], _mirror_id(doc)),
            )
            doc["id"] = str(cursor.lastrowid)
            db.execute("UPDATE incidents SET doc = ? WHERE id = ?", (json.dumps(doc), cursor.lastrowid))
        return doc

    def update_incident(self, incident_id: str, changes: dict, keep_dirty: bool = False) -> dict:
        """Apply field changes; with `keep_dirty` (incoming mirroring) the fields an analyst changed and outgoing
        mirroring has not pushed yet keep the analyst's value, judged inside the same transaction."""
        with self.transaction() as db:
            row = db.execute("SELECT doc FROM incidents WHERE id = ?", (int(incident_id),)).fetchone()
            if row is None:
                raise KeyError(f"no incident {incident_id}")
            doc = json.loads(row[0])
            if keep_dirty:
                dirty = set((doc.get("_outgoing") or {}).get("delta") or {})
                changes = {key: value for key, value in changes.items() if key not in dirty}
                changes["CustomFields"] = {k: v for k, v in (changes.get("CustomFields") or {}).items() if k not in dirty}
            custom = changes.pop("CustomFields", None)
            doc.update(changes)
            if custom:
                doc.setdefault("CustomFields", {}).update(custom)
            doc["modified"] = now_iso()
            db.execute(
                "UPDATE incidents SET doc = ?, type = ?, status = ?, mirror_id = ? WHERE id = ?",
                (json.dumps(doc), doc.get("type"), doc.get("status", 1), _mirror_id(doc), int(incident_id)),
            )
        return doc

    def add_outgoing(self, incident_id: str, delta: dict | None = None, entries: list | None = None,
                     attempts: int = 0) -> dict:
        """Queue changes for update-remote-system, in one transaction with whatever is queued already (earlier
        changes first, later values of a field win; `attempts` counts failed pushes of what was queued)."""
        with self.transaction() as db:
            row = db.execute("SELECT doc FROM incidents WHERE id = ?", (int(incident_id),)).fetchone()
            if row is None:
                raise KeyError(f"no incident {incident_id}")
            doc = json.loads(row[0])
            queued = doc.get("_outgoing") or {"delta": {}, "entries": [], "attempts": 0}
            doc["_outgoing"] = {"delta": {**queued.get("delta", {}), **(delta or {})},
                                "entries": [*queued.get("entries", []), *(entries or [])],
                                "attempts": max(attempts, int(queued.get("attempts") or 0))}
            db.execute("UPDATE incidents SET doc = ? WHERE id = ?", (json.dumps(doc), int(incident_id)))
        return doc

    def take_outgoing(self, incident_id: str) -> tuple[dict | None, dict]:
        """The queued outgoing changes, removed from the incident in the same transaction; and the incident."""
        with self.transaction() as db:
            row = db.execute("SELECT doc FROM incidents WHERE id = ?", (int(incident_id),)).fetchone()
            doc = json.loads(row[0])
            pending = doc.pop("_outgoing", None)
            db.execute("UPDATE incidents SET doc = ? WHERE id = ?", (json.dumps(doc), int(incident_id)))
        return pending, doc

    def incident(self, incident_id: str) -> dict | None:
        row = self._connection().execute("SELECT doc FROM incidents WHERE id = ?", (int(incident_id),)).fetchone()
        return json.loads(row[0]) if row else None

    def incidents(self, instance: str | None = None, incident_type: str | None = None, status: int | None = None) -> list[dict]:
        clauses, values = [], []
        for column, value in (("instance", instance), ("type", incident_type), ("status", status)):
            if value is not None:
                clauses.append(f"{column} = ?")
                values.append(value)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._connection().execute(f"SELECT doc FROM incidents {where} ORDER BY id", values).fetchall()  # noqa: S608
        return [json.loads(row[0]) for row in rows]

    def incidents_by_mirror_id(self, instance: str, mirror_id: str) -> list[dict]:
        rows = self._connection().execute(
            "SELECT doc FROM incidents WHERE instance = ? AND mirror_id = ? ORDER BY id", (instance, str(mirror_id))
        ).fetchall()
        return [json.loads(row[0]) for row in rows]

    # --- war room -------------------------------------------------------------------------------------------

    def add_entries(self, investigation: str, entries: list[dict], source: str = "") -> list[dict]:
        stored = []
        with self.transaction() as db:
            for entry in entries:
                doc = dict(entry)
                doc.setdefault("created", now_iso())
                cursor = db.execute(
                    "INSERT INTO entries (investigation, created, source, doc) VALUES (?, ?, ?, ?)",
                    (str(investigation), doc["created"], source, json.dumps(doc)),
                )
                doc["id"] = f"{cursor.lastrowid}@{investigation}"
                db.execute("UPDATE entries SET doc = ? WHERE id = ?", (json.dumps(doc), cursor.lastrowid))
                stored.append(doc)
        return stored

    def entries(self, investigation: str) -> list[dict]:
        rows = self._connection().execute(
            "SELECT doc FROM entries WHERE investigation = ? ORDER BY id", (str(investigation),)
        ).fetchall()
        return [json.loads(row[0]) for row in rows]

    # --- links ----------------------------------------------------------------------------------------------

    def link(self, incident_id: str, linked_ids: list[str]) -> None:
        with self.transaction() as db:
            for other in linked_ids:
                if str(other) == str(incident_id):
                    continue
                db.execute("INSERT OR IGNORE INTO links VALUES (?, ?)", (int(incident_id), int(other)))
                db.execute("INSERT OR IGNORE INTO links VALUES (?, ?)", (int(other), int(incident_id)))

    def unlink(self, incident_id: str, linked_ids: list[str]) -> None:
        with self.transaction() as db:
            for other in linked_ids:
                db.execute("DELETE FROM links WHERE incident_id = ? AND linked_id = ?", (int(incident_id), int(other)))
                db.execute("DELETE FROM links WHERE incident_id = ? AND linked_id = ?", (int(other), int(incident_id)))

    # --- incident context -----------------------------------------------------------------------------------

    def context(self, investigation: str | None) -> dict:
        row = self._connection().execute("SELECT data FROM contexts WHERE investigation = ?",
                                         (str(investigation or PLAYGROUND),)).fetchone()
        return json.loads(row[0]) if row else {}

    def set_context(self, investigation: str | None, data: dict) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO contexts (investigation, data) VALUES (?, ?)",
                       (str(investigation or PLAYGROUND), json.dumps(data)))

    def merge_context(self, investigation: str | None, entry_context: dict) -> dict:
        """Merge an entry's context the way the platform does (see context.py)."""
        from tools.xsoar_local.context import merge

        merged = merge(self.context(investigation), entry_context)
        self.set_context(investigation, merged)
        return merged

    def linked(self, incident_id: str) -> list[str]:
        rows = self._connection().execute(
            "SELECT linked_id FROM links WHERE incident_id = ? ORDER BY linked_id", (int(incident_id),)
        ).fetchall()
        return [str(row[0]) for row in rows]

    # --- XSIAM datasets and the collector --------------------------------------------------------------------

    def add_dataset_events(self, dataset: str, events: list[dict]) -> None:
        with self.transaction() as db:
            db.executemany("INSERT INTO dataset_events (dataset, stream, time, event) VALUES (?, ?, ?, ?)",
                           [(dataset, event.get("source_stream"), event.get("_time"), json.dumps(event)) for event in events])

    def dataset_events(self, dataset: str, stream: str | None = None, limit: int | None = None) -> list[dict]:
        where, values = ("AND stream = ?", [dataset, stream]) if stream else ("", [dataset])
        rows = self._connection().execute(
            f"SELECT event FROM dataset_events WHERE dataset = ? {where} ORDER BY id"  # noqa: S608
            + (" LIMIT ?" if limit else ""), [*values, *([limit] if limit else [])]).fetchall()
        return [json.loads(row[0]) for row in rows]

    def dataset_counts(self, dataset: str) -> dict[str, int]:
        rows = self._connection().execute(
            "SELECT stream, count(*) FROM dataset_events WHERE dataset = ? GROUP BY stream ORDER BY stream", (dataset,))
        return {stream or "": count for stream, count in rows.fetchall()}

    def log_collector_post(self, url: str, headers: dict, events: int, status: int) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO collector_posts (received, url, headers, events, status) VALUES (?, ?, ?, ?, ?)",
                       (now_iso(), url, json.dumps(headers), events, status))

    def collector_posts(self) -> list[dict]:
        rows = self._connection().execute("SELECT url, headers, events, status FROM collector_posts ORDER BY id")
        return [{"url": url, "headers": json.loads(headers), "events": events, "status": status}
                for url, headers, events, status in rows.fetchall()]

    def queue_collector_answers(self, answers: list[dict]) -> None:
        """The collector's next answers: {"status", "json"}, {"lost": true} or {"ok": true} (see collector.py)."""
        with self.transaction() as db:
            row = db.execute("SELECT value FROM platform_state WHERE instance = '' AND key = 'collector_answers'").fetchone()
            queued = json.loads(row[0]) if row else []
            db.execute("INSERT OR REPLACE INTO platform_state (instance, key, value) VALUES ('', 'collector_answers', ?)",
                       (json.dumps(queued + answers),))

    def take_collector_answer(self) -> dict | None:
        with self.transaction() as db:
            row = db.execute("SELECT value FROM platform_state WHERE instance = '' AND key = 'collector_answers'").fetchone()
            queued = json.loads(row[0]) if row else []
            if not queued:
                return None
            db.execute("UPDATE platform_state SET value = ? WHERE instance = '' AND key = 'collector_answers'",
                       (json.dumps(queued[1:]),))
            return queued[0]

    # --- run log --------------------------------------------------------------------------------------------

    def log_run(self, instance: str, command: str, started: str, ok: bool, error: str, incidents_created: int,
                logs: list | None = None) -> None:
        """One command or script run, with the log lines it wrote (the server log of the platform)."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO runs (instance, command, started, finished, ok, error, incidents_created, logs) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (instance, command, started, now_iso(), int(ok), error, incidents_created, json.dumps(logs or [])),
            )

    def runs(self, instance: str | None = None) -> list[dict[str, Any]]:
        where, values = ("WHERE instance = ?", (instance,)) if instance else ("", ())
        rows = self._connection().execute(
            f"SELECT instance, command, started, finished, ok, error, incidents_created, logs FROM runs {where} "  # noqa: S608
            "ORDER BY id", values,
        ).fetchall()
        keys = ("instance", "command", "started", "finished", "ok", "error", "incidents_created", "logs")
        return [{**dict(zip(keys, row, strict=True)), "logs": json.loads(row[-1] or "[]")} for row in rows]


def _mirror_id(doc: dict) -> str | None:
    value = doc.get("dbotMirrorId")
    return None if value in (None, "") else str(value)


class SqliteIntegrationContext(IntegrationContextStore):
    """The integration context of one instance, versioned in SQLite so that concurrent writers conflict."""

    def __init__(self, store: Store, instance: str):
        self._store = store
        self._instance = instance

    def read(self) -> tuple[dict, int]:
        row = self._store._connection().execute(
            "SELECT data, version FROM integration_context WHERE instance = ?", (self._instance,)
        ).fetchone()
        return (json.loads(row[0]), row[1]) if row else ({}, 0)

    def write(self, context: dict, version: int = -1, versioned: bool = True) -> int:
        """As the platform stores it: a versioned write naming another version than the stored one is refused
        (ValueError, counted as a conflict); the context is kept exactly as given (as JSON)."""
        with self._store.transaction() as db:
            row = db.execute("SELECT version FROM integration_context WHERE instance = ?", (self._instance,)).fetchone()
            stored = row[0] if row else 0
            conflict = versioned and version not in (-1, stored)
            if not conflict:
                stored += 1 if versioned else 0
                db.execute("INSERT OR REPLACE INTO integration_context (instance, data, version) VALUES (?, ?, ?)",
                           (self._instance, json.dumps(context), stored))
        if conflict:
            self._store.increment(self._instance, "context_conflicts")
            raise ValueError(VERSION_MISMATCH)
        return stored
