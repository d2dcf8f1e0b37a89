INSERT INTO users (id, name, email) VALUES (1, 'ada', 'a@x');
INSERT INTO posts VALUES (1, 1, 'hi');
