CREATE TABLE orders (
    id INTEGER NOT NULL PRIMARY KEY,
    customer INTEGER NOT NULL,
    code VARCHAR(20) NOT NULL,
    placed INTEGER NOT NULL
);
CREATE INDEX orders_placed ON orders (placed);
