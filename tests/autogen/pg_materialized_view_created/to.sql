CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT NOT NULL, total BIGINT NOT NULL);
CREATE MATERIALIZED VIEW customer_totals AS SELECT customer, sum(total) AS total FROM orders GROUP BY customer;
CREATE INDEX customer_totals_total ON customer_totals (total DESC);
