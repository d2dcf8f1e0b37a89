CREATE DOMAIN positive AS integer CONSTRAINT positive_check CHECK (VALUE > 0);
CREATE DOMAIN old_code AS varchar(10);
CREATE TABLE t (id INTEGER PRIMARY KEY, qty positive);
