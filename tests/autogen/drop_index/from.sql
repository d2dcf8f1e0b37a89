CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(255));
CREATE INDEX ix_users_name ON users (name);
