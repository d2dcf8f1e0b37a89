INSERT INTO customers (id) VALUES (1), (2);
INSERT INTO invoices (id, customer_id, amount) VALUES (1, 1, 50), (2, 2, 70), (3, NULL, 5);
