-- +goose Up
-- The issued-certificate log of the built-in SPIFFE CA. Times are UTC text
-- in RFC 3339 with nanoseconds and a fixed width, so text order is time
-- order.
CREATE TABLE certificates (
    serial     TEXT PRIMARY KEY,
    spiffe_id  TEXT NOT NULL,
    issuer     TEXT NOT NULL,
    not_before TEXT NOT NULL,
    not_after  TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    issued_at  TEXT NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX certificates_by_id ON certificates (spiffe_id, issued_at);
CREATE INDEX certificates_by_issuer ON certificates (issuer, not_after);

-- +goose Down
DROP TABLE certificates;
