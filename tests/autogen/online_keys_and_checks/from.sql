CREATE TABLE customers (
    id INTEGER NOT NULL PRIMARY KEY
);
CREATE TABLE invoices (
    id INTEGER NOT NULL PRIMARY KEY,
    customer_id INTEGER,
    amount INTEGER
);
