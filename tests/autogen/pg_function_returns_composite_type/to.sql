CREATE TYPE order_summary AS (n BIGINT, total NUMERIC(12,2));
CREATE TABLE orders (id INTEGER PRIMARY KEY, total NUMERIC(10,2) NOT NULL);
CREATE FUNCTION summarize_orders() RETURNS order_summary LANGUAGE sql STABLE AS $$ SELECT count(*), sum(total) FROM orders $$;
