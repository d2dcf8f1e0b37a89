CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(255));
CREATE VIEW zz_last AS SELECT COUNT(*) AS n FROM top_v;
CREATE VIEW top_v AS SELECT id, name FROM base_v WHERE id > 0;
CREATE VIEW base_v AS SELECT id, name, email FROM users;
