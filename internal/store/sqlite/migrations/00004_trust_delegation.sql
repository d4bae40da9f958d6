-- +goose Up
-- One row per agent that has taken a trust signal. score is the exact
-- value at updated; decay toward the default is computed from updated by
-- the reader and never written. tier is the last tier recorded in the
-- audit log, so that a restart neither repeats nor misses a tier change.
CREATE TABLE trust_scores (
    agent          TEXT PRIMARY KEY,
    score          REAL NOT NULL,
    updated        TEXT NOT NULL,
    tier           TEXT NOT NULL,
    clean          INTEGER NOT NULL DEFAULT 0,
    denials        INTEGER NOT NULL DEFAULT 0,
    ring_breaches  INTEGER NOT NULL DEFAULT 0,
    injections     INTEGER NOT NULL DEFAULT 0,
    exfiltrations  INTEGER NOT NULL DEFAULT 0,
    resets         INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- Delegation tokens registered with the server, by digest of the encoded
-- token.
CREATE TABLE delegations (
    digest     TEXT PRIMARY KEY,
    id         TEXT NOT NULL,
    from_agent TEXT NOT NULL,
    to_agent   TEXT NOT NULL,
    token      BLOB NOT NULL,
    expires    TEXT NOT NULL,
    created    TEXT NOT NULL
) WITHOUT ROWID;

-- Revocations are permanent; a revoked digest invalidates every chain
-- through that link.
CREATE TABLE delegation_revocations (
    digest  TEXT PRIMARY KEY,
    by      TEXT NOT NULL,
    reason  TEXT NOT NULL,
    revoked TEXT NOT NULL
);

-- +goose Down
DROP TABLE delegation_revocations;
DROP TABLE delegations;
DROP TABLE trust_scores;
