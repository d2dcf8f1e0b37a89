-- revision: 9c8d7e6f5a4b
-- down_revision: 3f2a9c1b7d4e
-- message: create posts
-- created: 2026-11-23T12:20:00Z

-- +upgrade
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    author_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title VARCHAR(200) NOT NULL,
    body TEXT,
    published_at TIMESTAMP
);
CREATE INDEX ix_posts_author ON posts (author_id);

-- +downgrade
DROP TABLE posts;
