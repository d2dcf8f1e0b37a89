-- revision: 1a2b3c4d5e6f
-- down_revision:
-- message: create users
-- created: 2026-11-23T12:00:00Z

-- +upgrade
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name VARCHAR(100) NOT NULL
);

-- +downgrade
DROP TABLE users;
