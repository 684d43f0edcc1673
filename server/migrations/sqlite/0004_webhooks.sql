-- Webhooks: the outbox every delivery is sent from. An event is written here
-- (in one transaction with the subscription's cursor) before anything is
-- sent, so a restart loses nothing; its id is the revision's feed cursor,
-- the same on every attempt, so a receiver can drop what it already has.
CREATE TABLE webhooks (
    url     TEXT    PRIMARY KEY,
    cursor  INTEGER  NOT NULL                -- feed cursor up to which events were enqueued
);
CREATE TABLE webhook_outbox (
    webhook       TEXT    NOT NULL,       -- the subscription's URL
    event_id      INTEGER  NOT NULL,       -- the revision's feed cursor
    body          TEXT    NOT NULL,       -- the JSON sent, signed as is
    attempts      INTEGER  NOT NULL,
    next_at       INTEGER  NOT NULL,       -- unix seconds: not before
    claimed_until INTEGER,                 -- a replica sending it holds it until then
    delivered_at  INTEGER,
    last_error    TEXT,
    PRIMARY KEY (webhook, event_id)
);
