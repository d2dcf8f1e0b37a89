CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT NOT NULL, total INTEGER NOT NULL);
CREATE VIEW big_orders AS SELECT id, customer, total FROM orders WHERE total > 100;
CREATE MATERIALIZED VIEW customer_totals AS SELECT customer, sum(total) AS total FROM big_orders GROUP BY customer;
CREATE UNIQUE INDEX customer_totals_customer ON customer_totals (customer);
