CREATE TABLE t (id INT PRIMARY KEY, qty INT, CONSTRAINT qty_positive CHECK (qty > 0));
