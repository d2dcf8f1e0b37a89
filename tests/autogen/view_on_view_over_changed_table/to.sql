CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(120) NOT NULL);
CREATE VIEW named AS SELECT id, name FROM users;
CREATE VIEW named_upper AS SELECT id, UPPER(name) AS shout FROM named;
CREATE VIEW a_counted AS SELECT COUNT(*) AS n FROM named_upper;
