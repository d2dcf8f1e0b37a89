CREATE TYPE mood AS ENUM ('meh', 'blah', 'sad', 'ok', 'happy', 'elated');
CREATE TABLE person (id INTEGER PRIMARY KEY, m mood NOT NULL DEFAULT 'ok');
CREATE VIEW content AS SELECT id FROM person WHERE m = 'ok';
