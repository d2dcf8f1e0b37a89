CREATE TYPE status AS ENUM ('new', 'paid', 'shipped');
CREATE TABLE orders (id INTEGER PRIMARY KEY, s status NOT NULL DEFAULT 'new');
CREATE INDEX orders_open ON orders (id) WHERE s = 'new';
