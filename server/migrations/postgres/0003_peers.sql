-- What this node holds of each peer it pulls from. Written in the same
-- transaction as the notices a pull stores, so a restart resumes exactly
-- where the last commit left off.
CREATE TABLE peers (
    url         TEXT    PRIMARY KEY,
    cursor      BIGINT  NOT NULL,            -- the peer's feed entry number: ask after this
    frontier    TEXT    NOT NULL,            -- the peer's Merkle tree as pulled: "size:hash,hash,…"
    node_key    TEXT,                        -- the peer's node key (configured, or the first seen)
    checkpoint  TEXT,                        -- the last checkpoint note verified from the peer
    halted      TEXT,                        -- JSON evidence when the peer's log was found rewritten
    received    BIGINT  NOT NULL,            -- notices it brought that were new here
    rejected    TEXT    NOT NULL,            -- JSON: rejection code -> count
    last_success BIGINT
);
