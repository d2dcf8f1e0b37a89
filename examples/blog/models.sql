-- The schema this example wants (what `retort migrate` diffs against).
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    email VARCHAR(255) NOT NULL DEFAULT ''
);

CREATE UNIQUE INDEX uq_users_email ON users (email);

CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    author_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title VARCHAR(200) NOT NULL,
    body TEXT,
    published_at TIMESTAMP
);

CREATE INDEX ix_posts_author ON posts (author_id);
