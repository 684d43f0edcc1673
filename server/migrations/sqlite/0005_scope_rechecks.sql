-- Notices with a scope claim that could not be checked because DNS failed
-- (a timeout, SERVFAIL; not "no such name"). Written right after the
-- notice's own commit; the node checks such a notice again, with backoff,
-- until its claims answer or `until_at` passes, so a node that took it
-- while DNS was down ends where one that took it later starts.
CREATE TABLE scope_rechecks (
    cursor    INTEGER PRIMARY KEY REFERENCES notices (cursor),
    attempts  INTEGER NOT NULL,          -- checks made since the first
    next_at   INTEGER NOT NULL,          -- unix seconds: not before
    until_at  INTEGER NOT NULL           -- unix seconds: the last check is at or after this
);
CREATE INDEX scope_rechecks_due ON scope_rechecks (next_at);
