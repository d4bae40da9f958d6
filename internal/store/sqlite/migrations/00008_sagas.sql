-- +goose Up
-- Sagas: multi-step agent workflows with compensations. A saga row is its
-- checkpoint (status, the acting agent, the definition of an HTTP saga);
-- saga_steps holds each step's status, result and attempt counts. The
-- saga package rewrites both in one transaction after every step, with
-- version as a compare-and-swap so that two runners cannot both advance
-- one saga. Times are Unix nanoseconds, 0 when unset.
CREATE TABLE sagas (
    id         TEXT PRIMARY KEY,
    agent      TEXT NOT NULL,
    acting     TEXT NOT NULL,
    substitute TEXT NOT NULL,
    session    TEXT NOT NULL,
    source     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    definition BLOB,
    input      BLOB,
    status     TEXT NOT NULL,
    reason     TEXT NOT NULL,
    escalation TEXT NOT NULL,
    finished   INTEGER NOT NULL,
    created    INTEGER NOT NULL,
    updated    INTEGER NOT NULL,
    deadline   INTEGER NOT NULL,
    version    INTEGER NOT NULL
);
CREATE INDEX sagas_unfinished ON sagas (finished, created, id);
CREATE INDEX sagas_agent ON sagas (agent, created, id);

CREATE TABLE saga_steps (
    saga_id       TEXT NOT NULL REFERENCES sagas (id) ON DELETE CASCADE,
    idx           INTEGER NOT NULL,
    name          TEXT NOT NULL,
    status        TEXT NOT NULL,
    attempts      INTEGER NOT NULL,
    comp_attempts INTEGER NOT NULL,
    result        BLOB,
    error         TEXT NOT NULL,
    started       INTEGER NOT NULL,
    finished      INTEGER NOT NULL,
    comp_finished INTEGER NOT NULL,
    PRIMARY KEY (saga_id, idx)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE saga_steps;
DROP TABLE sagas;
