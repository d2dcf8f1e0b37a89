CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(255));
CREATE INDEX ix_active_email ON users (email) WHERE email IS NOT NULL;
