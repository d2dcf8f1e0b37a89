CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(255));
CREATE INDEX ix_lower_name ON users (lower(name));
