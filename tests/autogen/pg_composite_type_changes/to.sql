CREATE TYPE money_amount AS (amount NUMERIC(14,2), currency CHAR(3), rounded BOOLEAN);
CREATE TYPE line AS (sku TEXT, price money_amount);
CREATE TYPE address AS (street TEXT, city TEXT);
CREATE TYPE shipment AS (line line, destination address);
CREATE FUNCTION ship_to(a address) RETURNS shipment LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RETURN ROW(NULL, a)::shipment; END $$;
