CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE TABLE person (id INTEGER PRIMARY KEY, m mood NOT NULL DEFAULT 'ok');
CREATE VIEW content AS SELECT id FROM person WHERE m = 'ok';
