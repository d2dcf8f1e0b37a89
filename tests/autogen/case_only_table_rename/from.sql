CREATE TABLE Users (id INTEGER PRIMARY KEY, name TEXT);
CREATE INDEX Users_name ON Users (name);
