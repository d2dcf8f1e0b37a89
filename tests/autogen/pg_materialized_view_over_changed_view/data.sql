INSERT INTO orders VALUES (1, 'ada', 1000), (2, 'bob', 200);
