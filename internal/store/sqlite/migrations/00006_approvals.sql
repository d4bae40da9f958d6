-- +goose Up
-- Approval requests: escalated actions held for a human decision. The row
-- keeps the keys the server queries (state, agent, times) beside the body,
-- the request's whole state as package approval encodes it. version makes
-- every change a compare-and-swap, so that a vote, a resolution and a
-- consumption are atomic even between replicas. Times are Unix nanoseconds.
CREATE TABLE approvals (
    id       TEXT PRIMARY KEY,
    agent    TEXT NOT NULL,
    state    TEXT NOT NULL,
    created  INTEGER NOT NULL,
    deadline INTEGER NOT NULL,
    version  INTEGER NOT NULL,
    body     BLOB NOT NULL
);
CREATE INDEX approvals_state ON approvals (state, created, id);
CREATE INDEX approvals_created ON approvals (created, id);

-- +goose Down
DROP TABLE approvals;
