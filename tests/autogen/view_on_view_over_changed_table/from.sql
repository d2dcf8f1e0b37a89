CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(255));
CREATE VIEW named AS SELECT id, name FROM users;
CREATE VIEW named_upper AS SELECT id, UPPER(name) AS shout FROM named;
CREATE VIEW a_counted AS SELECT COUNT(*) AS n FROM named_upper;
