CREATE TABLE ticket (id INTEGER PRIMARY KEY, state ENUM('open','closed') NOT NULL DEFAULT 'open');
