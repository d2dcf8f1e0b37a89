CREATE TABLE ticket (id INTEGER PRIMARY KEY, state ENUM('open','pending','closed') NOT NULL DEFAULT 'open');
