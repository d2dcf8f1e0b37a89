INSERT INTO users (id, name, email) VALUES (1, 'ada', 'ada@example.com');
