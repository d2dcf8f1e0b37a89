CREATE TYPE status AS ENUM ('new', 'paid', 'shipped');
CREATE TABLE orders (id INTEGER PRIMARY KEY, s status NOT NULL DEFAULT 'new', CONSTRAINT not_void CHECK (s <> 'shipped'));
CREATE INDEX orders_open ON orders (id) WHERE s = 'new';
CREATE VIEW open_orders AS SELECT id FROM orders WHERE s = 'paid';
