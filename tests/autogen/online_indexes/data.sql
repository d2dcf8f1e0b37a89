INSERT INTO orders (id, customer, code, placed) VALUES (1, 10, 'A-1', 100), (2, 10, 'A-2', 101), (3, 11, 'B-1', 102);
