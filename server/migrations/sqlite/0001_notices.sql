-- Every signed notice ever accepted, exactly as signed: the federation feed.
-- The cursor is node-local and only grows.
CREATE TABLE notices (
    cursor        INTEGER PRIMARY KEY AUTOINCREMENT,
    digest        TEXT    NOT NULL UNIQUE,   -- SHA-256 of bytes: replays are found by it
    issuer        TEXT    NOT NULL,
    selector      TEXT    NOT NULL,
    seq           INTEGER NOT NULL,
    incident      TEXT    NOT NULL,
    bytes         BLOB    NOT NULL,
    verification  TEXT    NOT NULL,          -- JSON: key source and scope checks
    received_at   INTEGER NOT NULL,
    source        TEXT    NOT NULL           -- "direct", "demo", or a peer's URL
);
CREATE INDEX notices_issuer_seq ON notices (issuer, seq);
CREATE INDEX notices_incident ON notices (issuer, incident, seq);

-- The current state of each incident: its highest-seq revision.
CREATE TABLE incidents (
    issuer         TEXT    NOT NULL,
    incident       TEXT    NOT NULL,
    cursor         INTEGER NOT NULL REFERENCES notices (cursor),
    seq            INTEGER NOT NULL,
    kind           TEXT    NOT NULL,
    status         TEXT    NOT NULL,
    started_at     INTEGER NOT NULL,
    ended_at       INTEGER,
    published_at   INTEGER NOT NULL,
    scope_verified INTEGER NOT NULL,
    PRIMARY KEY (issuer, incident)
);
CREATE INDEX incidents_cursor ON incidents (cursor);

-- The current revision's scope, one row per entry, for domain and IP filters.
-- IP bounds are 32 hex digits (IPv4 as ::ffff:a.b.c.d) so text order is numeric order.
-- ip_bucket is the range's /16 (IPv4) or /32 (IPv6) for ranges inside one, '*'
-- for wider ones (NULL for rows that are not IP ranges), so a lookup reads one
-- bucket plus the few wide ranges.
CREATE TABLE incident_scope (
    issuer   TEXT    NOT NULL,
    incident TEXT    NOT NULL,
    field    TEXT    NOT NULL,
    value    TEXT    NOT NULL,
    ip_lo    TEXT,
    ip_hi    TEXT,
    ip_bucket TEXT,
    verified INTEGER NOT NULL
);
CREATE INDEX incident_scope_value ON incident_scope (field, value);
CREATE INDEX incident_scope_ip ON incident_scope (ip_bucket, ip_lo);
CREATE INDEX incident_scope_incident ON incident_scope (issuer, incident);

-- Keys each issuer has been seen signing with.
CREATE TABLE issuer_keys (
    issuer      TEXT    NOT NULL,
    selector    TEXT    NOT NULL,
    public_key  TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    PRIMARY KEY (issuer, selector, public_key)
);

-- Two different notices with the same (issuer, seq): both kept in notices.
CREATE TABLE equivocations (
    issuer        TEXT    NOT NULL,
    seq           INTEGER NOT NULL,
    first_cursor  INTEGER NOT NULL REFERENCES notices (cursor),
    second_cursor INTEGER NOT NULL REFERENCES notices (cursor),
    detected_at   INTEGER NOT NULL,
    PRIMARY KEY (issuer, seq, second_cursor)
);
