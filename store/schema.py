"""The history database's schema, as an ordered list of forward migrations.

`PRAGMA user_version` holds the number of migrations applied. Opening a database runs
the missing ones in order, each in one transaction, so a file written by an older
phone-audit is brought forward on open and never rewritten backwards. A migration is
never edited once released; a change is a new migration appended to the list.
"""

from __future__ import annotations

#: Version 1: the first released layout (devices, audits, findings, packages, APK cache).
V1 = """
CREATE TABLE devices (
    id           INTEGER PRIMARY KEY,
    key          TEXT NOT NULL UNIQUE,   -- ro.serialno, else the adb serial
    serial       TEXT,
    adb_serial   TEXT,
    manufacturer TEXT,
    model        TEXT,
    first_seen   TEXT NOT NULL,
    last_seen    TEXT NOT NULL
);
CREATE TABLE audits (
    id           INTEGER PRIMARY KEY,
    device_id    INTEGER NOT NULL REFERENCES devices(id),
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    status       TEXT NOT NULL,          -- running | complete | incomplete
    device_json  TEXT NOT NULL,
    tool_version TEXT NOT NULL
);
CREATE INDEX audits_by_device ON audits(device_id, started_at);
CREATE TABLE findings (
    audit_id     INTEGER NOT NULL REFERENCES audits(id) ON DELETE CASCADE,
    check_id     TEXT NOT NULL,
    status       TEXT NOT NULL,
    severity     TEXT NOT NULL,
    finding_json TEXT NOT NULL,
    PRIMARY KEY (audit_id, check_id)
);
CREATE TABLE packages (
    audit_id     INTEGER NOT NULL REFERENCES audits(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    system       INTEGER NOT NULL,
    enabled      INTEGER NOT NULL,
    installer    TEXT,
    version_code INTEGER,
    version_name TEXT,
    PRIMARY KEY (audit_id, name)
);
CREATE TABLE apk_cache (
    sha256       TEXT NOT NULL,
    kb_version   TEXT NOT NULL,
    report_json  TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (sha256, kb_version)
);
"""

#: Version 2: problems, the writing process (to tell a crash from a running audit),
#: pull statistics, the snapshot itself, the knowledge-base version, and which APK
#: (path, SHA-256) each package had, so the inventory can be rebuilt from the cache.
V2 = """
ALTER TABLE audits ADD COLUMN problems_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE audits ADD COLUMN owner TEXT;
ALTER TABLE audits ADD COLUMN bytes_pulled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audits ADD COLUMN apks_from_cache INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audits ADD COLUMN kb_version TEXT NOT NULL DEFAULT '';
ALTER TABLE audits ADD COLUMN snapshot_json TEXT;
ALTER TABLE packages ADD COLUMN label TEXT;
ALTER TABLE packages ADD COLUMN installed INTEGER NOT NULL DEFAULT 1;
CREATE TABLE package_apks (
    audit_id     INTEGER NOT NULL REFERENCES audits(id) ON DELETE CASCADE,
    package      TEXT NOT NULL,
    position     INTEGER NOT NULL,       -- 0 = base APK, then the splits in order
    path         TEXT NOT NULL,
    sha256       TEXT,
    error        TEXT,
    report_json  TEXT,                   -- only for reports not in apk_cache (from a capture)
    PRIMARY KEY (audit_id, package, path)
);
-- v1 could not tell a crashed audit from a running one, and no v1 writer is alive now
UPDATE audits SET status = 'interrupted' WHERE status = 'running';
"""

#: Version 3: which bench (and technician, if configured) ran each audit, so a shop's
#: shared history tells its benches apart.
V3 = """
ALTER TABLE audits ADD COLUMN bench TEXT;
ALTER TABLE audits ADD COLUMN technician TEXT;
"""

#: Version 4: a phone's own audit number (its first audit is #1; `id` stays the
#: global key), where an audit's facts came from (the phone itself, or a capture file
#: analysed again, dated by the capture), and the findings a person accepted for one
#: phone, with why, who and when (`store.acceptances`).
V4 = """
ALTER TABLE audits ADD COLUMN number INTEGER;
ALTER TABLE audits ADD COLUMN source TEXT NOT NULL DEFAULT 'phone';
UPDATE audits SET number = (SELECT COUNT(*) FROM audits b
                            WHERE b.device_id = audits.device_id AND b.id <= audits.id);
CREATE TABLE acceptances (
    device_key   TEXT NOT NULL,          -- devices.key of the phone it holds for
    check_id     TEXT NOT NULL,
    status       TEXT NOT NULL,          -- the status accepted (fail | warn)
    fingerprint  TEXT NOT NULL,          -- status, subjects and evidence accepted
    reason       TEXT NOT NULL,
    accepted_by  TEXT,
    accepted_at  TEXT NOT NULL,
    audit_id     INTEGER,                -- the audit it was accepted on
    PRIMARY KEY (device_key, check_id)
);
"""

#: Version 5: the SHA-256 an audit verified for an APK file, keyed by the build
#: fingerprint, the path and what the phone's `stat` said of the file (inode, size,
#: mtime), so a re-audit of an unchanged firmware need not have the phone hash its
#: APKs again (`store.apk_digests`).
V5 = """
CREATE TABLE apk_digests (
    fingerprint  TEXT NOT NULL,          -- ro.build.fingerprint of the phone
    path         TEXT NOT NULL,
    inode        BIGINT NOT NULL,
    size         BIGINT NOT NULL,
    mtime        BIGINT NOT NULL,        -- seconds since the epoch
    sha256       TEXT NOT NULL,
    verified_at  TEXT NOT NULL,
    PRIMARY KEY (fingerprint, path)
);
"""

#: Migration n (1-based) brings user_version n-1 to n.
MIGRATIONS: tuple[str, ...] = (V1, V2, V3, V4, V5)

#: The schema version this code writes.
LATEST = len(MIGRATIONS)


#: The few spellings PostgreSQL needs where SQLite's differ (the migrations are written
#: once, in SQLite's dialect): an auto-numbered id.
POSTGRESQL_SPELLING = (
    ("INTEGER PRIMARY KEY,", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"),
)


def statements(script: str, dialect: str = "sqlite") -> list[str]:
    """Split a migration into statements (they contain no ';' inside literals), in the
    dialect of the backend ("sqlite" or "postgresql")."""
    if dialect == "postgresql":
        for sqlite_text, pg_text in POSTGRESQL_SPELLING:
            script = script.replace(sqlite_text, pg_text)
    out = []
    for chunk in script.split(";"):
        lines = [ln for ln in chunk.splitlines() if not ln.strip().startswith("--")]
        text = "\n".join(lines).strip()
        if text:
            out.append(text)
    return out
