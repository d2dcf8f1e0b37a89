INSERT INTO users (id, name, email) VALUES (1, 'ada', 'ada@example.com'), (2, 'bob', NULL);
INSERT INTO posts VALUES (1, 1, 'hello'), (2, 2, 'world');
