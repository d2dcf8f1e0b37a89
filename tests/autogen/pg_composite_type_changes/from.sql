CREATE TYPE money_amount AS (amount NUMERIC(10,2), currency CHAR(3), note TEXT);
CREATE TYPE line AS (sku TEXT, price money_amount);
