CREATE TABLE events (
    id BIGINT NOT NULL,
    kind TEXT,
    CONSTRAINT events_pkey PRIMARY KEY (id)
);
