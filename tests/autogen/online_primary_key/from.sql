CREATE TABLE events (
    id BIGINT NOT NULL,
    kind TEXT
);
