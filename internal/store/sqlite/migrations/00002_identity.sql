-- +goose Up
-- One row per agent: its lifecycle status and the did of its current key.
-- Profiles stay in the configuration; this is what changes at run time.
CREATE TABLE agents (
    id      TEXT PRIMARY KEY,
    did     TEXT NOT NULL,
    status  TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);

-- Every key an agent has held. A rotated key is kept with the end of its
-- validity window so that what it signed stays verifiable; a fingerprint
-- is unique across agents so that one key never speaks for two.
CREATE TABLE agent_keys (
    fingerprint TEXT PRIMARY KEY,
    agent       TEXT NOT NULL REFERENCES agents (id),
    seq         INTEGER NOT NULL,
    public_key  BLOB NOT NULL,
    did         TEXT NOT NULL,
    valid_from  TEXT NOT NULL,
    valid_until TEXT NOT NULL DEFAULT '',
    UNIQUE (agent, seq)
);

-- +goose Down
DROP TABLE agent_keys;
DROP TABLE agents;
