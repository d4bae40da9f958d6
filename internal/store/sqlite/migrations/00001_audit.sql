-- +goose Up
-- Audit entries are written once and never updated. leaf is the committed
-- header, the exact canonical JSON whose RFC 9162 leaf hash is in the tree;
-- queries read fields out of it with json_extract, so nothing a query
-- filters on can drift from what the tree commits to. Entry times never
-- decrease along idx, so a time range is found by searching idx.
--
-- There is deliberately no secondary index on this table: random-key index
-- pages written on every group commit would cost most of the append
-- throughput. audit_postings below is filled behind the log instead.
CREATE TABLE audit_entries (
    idx    INTEGER PRIMARY KEY,
    leaf   TEXT NOT NULL,
    -- the tree hashes the append of this leaf created, level 0 first
    hashes BLOB NOT NULL
);

-- Payloads live apart from entries so that erasing one deletes its row and
-- leaves the entry (and the tree) untouched.
CREATE TABLE audit_payloads (
    idx  INTEGER PRIMARY KEY,
    salt BLOB NOT NULL,
    body BLOB NOT NULL
);

CREATE TABLE audit_erasures (
    idx       INTEGER PRIMARY KEY,
    erased_by INTEGER NOT NULL
);

-- Query index: for every complete chunk of 4096 entries and every agent
-- ('a:'), session ('s:'), type ('t:') and decision ('d:') in it, the entry
-- indexes as uvarint deltas from the chunk start. Keyed by chunk first, so
-- the indexer only ever appends at the end of the b-tree and its cost per
-- entry does not grow with the log. Entries at and above meta
-- 'audit.indexed_upto' (the unfinished chunk) are scanned by queries.
CREATE TABLE audit_postings (
    chunk INTEGER NOT NULL,
    key   TEXT    NOT NULL,
    idxs  BLOB    NOT NULL,
    PRIMARY KEY (chunk, key)
) WITHOUT ROWID;

CREATE TABLE audit_checkpoints (
    size    INTEGER PRIMARY KEY,
    note    BLOB NOT NULL,
    created TEXT NOT NULL
);

CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
DROP TABLE meta;
DROP TABLE audit_checkpoints;
DROP TABLE audit_postings;
DROP TABLE audit_erasures;
DROP TABLE audit_payloads;
DROP TABLE audit_entries;
