CREATE TABLE customers (
    id INTEGER NOT NULL PRIMARY KEY
);
CREATE TABLE invoices (
    id INTEGER NOT NULL PRIMARY KEY,
    customer_id INTEGER,
    amount INTEGER NOT NULL,
    CONSTRAINT invoices_amount_positive CHECK (amount > 0),
    CONSTRAINT invoices_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id)
);
