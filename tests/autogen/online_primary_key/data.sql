INSERT INTO events (id, kind) VALUES (1, 'a'), (2, 'b');
