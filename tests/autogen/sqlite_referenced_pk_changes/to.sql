CREATE TABLE parent (id INTEGER NOT NULL, code TEXT NOT NULL, PRIMARY KEY (id, code));
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER, parent_code TEXT, FOREIGN KEY (parent_id, parent_code) REFERENCES parent (id, code));
