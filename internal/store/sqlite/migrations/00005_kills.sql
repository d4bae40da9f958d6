-- +goose Up
-- Kill-switch activations. A kill stays in force while lifted_at is NULL;
-- the server loads those at start, so a kill survives a restart. Times are
-- RFC 3339 text in UTC with a fixed layout, so text order is time order.
CREATE TABLE kills (
    id                 TEXT PRIMARY KEY,
    scope              TEXT NOT NULL,
    agent              TEXT NOT NULL,
    session            TEXT NOT NULL,
    tool               TEXT NOT NULL,
    reason             TEXT NOT NULL,
    note               TEXT NOT NULL,
    created_by         TEXT NOT NULL,
    created            TEXT NOT NULL,
    gate_effective_at  TEXT NOT NULL,
    inflight_cancelled INTEGER NOT NULL,
    audit_index        INTEGER NOT NULL,
    lifted_at          TEXT,
    lifted_by          TEXT NOT NULL
);
CREATE INDEX kills_created ON kills (created, id);

-- What each supervisor (agentgov run) reported of a kill's effect on its
-- process: one row per kill and runner, replaced as the outcome firms up
-- (signalled, terminated with an exit status, confirmed gone).
CREATE TABLE kill_processes (
    kill_id       TEXT NOT NULL REFERENCES kills (id),
    runner        TEXT NOT NULL,
    agent         TEXT NOT NULL,
    session       TEXT NOT NULL,
    pid           INTEGER NOT NULL,
    pgid          INTEGER NOT NULL,
    signalled_at  TEXT,
    killed_at     TEXT,
    exit_code     INTEGER,
    exit_signal   TEXT NOT NULL,
    terminated_at TEXT,
    confirmed_at  TEXT,
    error         TEXT NOT NULL,
    reported_at   TEXT,
    PRIMARY KEY (kill_id, runner)
) WITHOUT ROWID;

-- Agents' lifecycle states until the agent registry holds them.
CREATE TABLE agent_lifecycle (
    agent TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    since TEXT NOT NULL,
    changed_by TEXT NOT NULL
);

-- +goose Down
DROP TABLE agent_lifecycle;
DROP TABLE kill_processes;
DROP TABLE kills;
