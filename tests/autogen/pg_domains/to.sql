CREATE DOMAIN positive AS integer DEFAULT 1 NOT NULL CONSTRAINT positive_check CHECK (VALUE >= 0);
CREATE DOMAIN email_text AS text CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%');
CREATE TABLE t (id INTEGER PRIMARY KEY, qty positive, email email_text);
