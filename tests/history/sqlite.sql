-- A schema history of our own for SQLite: each step is what a developer ran, and the
-- test feeds `sqlite3 .schema` of the result to `retort migrate` as the models.
-- step: users
CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL, created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
-- step: unique email index
CREATE UNIQUE INDEX users_email ON users (email);
-- step: posts with a foreign key
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id), title VARCHAR(100) NOT NULL, body TEXT);
-- step: index on posts.user_id
CREATE INDEX posts_user_id ON posts (user_id);
-- step: user names
ALTER TABLE users ADD COLUMN name TEXT;
-- step: a view
CREATE VIEW user_posts AS SELECT u.email, p.title FROM users u JOIN posts p ON p.user_id = u.id;
-- step: a view on the view
CREATE VIEW post_counts AS SELECT email, count(*) AS n FROM user_posts GROUP BY email;
-- step: audit trigger
CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT NOT NULL);
CREATE TRIGGER posts_audit AFTER INSERT ON posts BEGIN INSERT INTO audit (what) VALUES ('post ' || NEW.title); END;
-- step: longer titles (a table rebuild under two views)
CREATE TABLE posts_new (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id), title VARCHAR(200) NOT NULL, body TEXT);
INSERT INTO posts_new SELECT * FROM posts;
DROP VIEW post_counts;
DROP VIEW user_posts;
DROP TABLE posts;
ALTER TABLE posts_new RENAME TO posts;
CREATE INDEX posts_user_id ON posts (user_id);
CREATE TRIGGER posts_audit AFTER INSERT ON posts BEGIN INSERT INTO audit (what) VALUES ('post ' || NEW.title); END;
CREATE VIEW user_posts AS SELECT u.email, p.title FROM users u JOIN posts p ON p.user_id = u.id;
CREATE VIEW post_counts AS SELECT email, count(*) AS n FROM user_posts GROUP BY email;
-- step: tags
CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
-- step: post_tags with a composite key
CREATE TABLE post_tags (post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE, tag_id INTEGER NOT NULL REFERENCES tags (id), PRIMARY KEY (post_id, tag_id));
-- step: partial index
CREATE INDEX posts_untitled ON posts (id) WHERE title = '';
-- step: expression index
CREATE INDEX users_lower_email ON users (lower(email));
-- step: rename a column
ALTER TABLE users RENAME COLUMN name TO full_name;
-- step: drop a column
ALTER TABLE posts DROP COLUMN body;
-- step: strict key-value table
CREATE TABLE settings (key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
-- step: without rowid table
CREATE TABLE counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
-- step: invoices with a check
CREATE TABLE invoices (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), total NUMERIC(10,2) NOT NULL DEFAULT 0 CHECK (total >= 0));
-- step: generated column
ALTER TABLE invoices ADD COLUMN total_cents INTEGER GENERATED ALWAYS AS (CAST(total * 100 AS INTEGER)) VIRTUAL;
-- step: drop the view on the view
DROP VIEW post_counts;
-- step: case-insensitive names
ALTER TABLE tags ADD COLUMN label TEXT COLLATE NOCASE;
-- step: default changes
CREATE TABLE invoices_new (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), total NUMERIC(10,2) NOT NULL DEFAULT 1 CHECK (total >= 0), total_cents INTEGER GENERATED ALWAYS AS (CAST(total * 100 AS INTEGER)) VIRTUAL);
INSERT INTO invoices_new (id, user_id, total) SELECT id, user_id, total FROM invoices;
DROP TABLE invoices;
ALTER TABLE invoices_new RENAME TO invoices;
-- step: cascade user deletes
CREATE TABLE posts_new (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE, title VARCHAR(200) NOT NULL);
INSERT INTO posts_new SELECT * FROM posts;
DROP VIEW user_posts;
DROP TABLE posts;
ALTER TABLE posts_new RENAME TO posts;
CREATE INDEX posts_user_id ON posts (user_id);
CREATE INDEX posts_untitled ON posts (id) WHERE title = '';
CREATE TRIGGER posts_audit AFTER INSERT ON posts BEGIN INSERT INTO audit (what) VALUES ('post ' || NEW.title); END;
CREATE VIEW user_posts AS SELECT u.email, p.title FROM users u JOIN posts p ON p.user_id = u.id;
-- step: drop the trigger
DROP TRIGGER posts_audit;
-- step: sessions
CREATE TABLE sessions (token TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE, expires_at TEXT NOT NULL);
CREATE INDEX sessions_expires ON sessions (expires_at DESC);
-- step: drop tags
DROP TABLE post_tags;
DROP TABLE tags;
-- step: rename a table
ALTER TABLE counters RENAME TO tallies;
-- step: named unique constraint
CREATE TABLE slugs (id INTEGER PRIMARY KEY, post_id INTEGER NOT NULL REFERENCES posts (id), slug TEXT NOT NULL, CONSTRAINT slugs_slug_unique UNIQUE (slug));
-- step: full_name required
CREATE TABLE users_new (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL, created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, full_name TEXT NOT NULL DEFAULT '');
INSERT INTO users_new SELECT id, email, created_at, coalesce(full_name, '') FROM users;
DROP VIEW user_posts;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE UNIQUE INDEX users_email ON users (email);
CREATE INDEX users_lower_email ON users (lower(email));
CREATE VIEW user_posts AS SELECT u.email, p.title FROM users u JOIN posts p ON p.user_id = u.id;
-- step: a view over everything
CREATE VIEW activity AS SELECT u.email, count(p.id) AS posts, count(s.token) AS sessions FROM users u LEFT JOIN posts p ON p.user_id = u.id LEFT JOIN sessions s ON s.user_id = u.id GROUP BY u.email;
-- step: drop a table with data references gone
DROP TABLE audit;
