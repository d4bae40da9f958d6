-- +goose Up
-- Approved MCP tool definitions. Every approval adds a version per
-- (server, tool), so the history of what was approved stays; a removal is
-- a version with an empty hash and no definition. definition is the
-- canonical JSON (RFC 8785) whose SHA-256 is hash.
CREATE TABLE mcp_pins (
    server      TEXT NOT NULL,
    tool        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    hash        TEXT NOT NULL,
    definition  BLOB,
    pinned_by   TEXT NOT NULL,
    pinned_at   TEXT NOT NULL,
    audit_index INTEGER NOT NULL,
    PRIMARY KEY (server, tool, version)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE mcp_pins;
