CREATE TABLE orders (
    id INTEGER NOT NULL PRIMARY KEY,
    customer INTEGER NOT NULL,
    code VARCHAR(20) NOT NULL,
    placed INTEGER NOT NULL,
    CONSTRAINT orders_code_key UNIQUE (code)
);
CREATE INDEX orders_customer ON orders (customer);
