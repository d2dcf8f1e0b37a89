-- A PostgreSQL history of our own in the style of a real application: trigger functions,
-- expression indexes and checks over functions of its own, composite types, enums that
-- change under indexes and views, materialized views over views, a renamed serial table.
-- As with postgres.sql, each step's models are `pg_dump --schema-only` of the reference.
-- Helper functions live in `utils`, trigger functions and the audit trail in `audit`.
-- schemas: public utils audit
-- step: accounts
CREATE TABLE accounts (id SERIAL PRIMARY KEY, email TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now());
-- step: normalized email in a helper schema, unique over the function
CREATE SCHEMA utils;
CREATE FUNCTION utils.normalize_email(e TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$ SELECT lower(trim(e)) $$;
CREATE UNIQUE INDEX accounts_email_key ON accounts (utils.normalize_email(email));
-- step: updated_at kept by a trigger function
ALTER TABLE accounts ADD COLUMN updated_at TIMESTAMPTZ;
CREATE SCHEMA audit;
CREATE FUNCTION audit.set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
CREATE TRIGGER accounts_updated BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION audit.set_updated_at();
-- step: money as a composite type in the helper schema
CREATE TYPE utils.money_amount AS (amount NUMERIC(12,2), currency CHAR(3));
-- step: order status enum and orders
CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped');
CREATE TABLE orders (id BIGSERIAL PRIMARY KEY, account_id INTEGER NOT NULL REFERENCES accounts (id), status order_status NOT NULL DEFAULT 'new', placed_at TIMESTAMPTZ NOT NULL DEFAULT now());
-- step: partial index on new orders
CREATE INDEX orders_new ON orders (placed_at) WHERE status = 'new';
-- step: orders keep updated_at too
ALTER TABLE orders ADD COLUMN updated_at TIMESTAMPTZ;
CREATE TRIGGER orders_updated BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION audit.set_updated_at();
-- step: open orders view
CREATE VIEW open_orders AS SELECT id, account_id, status, placed_at FROM orders WHERE status <> 'shipped';
-- step: materialized counts over the view
CREATE MATERIALIZED VIEW account_open_counts AS SELECT account_id, count(*) AS n FROM open_orders GROUP BY account_id;
-- step: unique index on the materialized view
CREATE UNIQUE INDEX account_open_counts_account ON account_open_counts (account_id);
-- step: refunded orders
ALTER TYPE order_status ADD VALUE 'refunded';
-- step: open orders leave refunds out
DROP MATERIALIZED VIEW account_open_counts;
DROP VIEW open_orders;
CREATE VIEW open_orders AS SELECT id, account_id, status, placed_at FROM orders WHERE status NOT IN ('shipped', 'refunded');
CREATE MATERIALIZED VIEW account_open_counts AS SELECT account_id, count(*) AS n FROM open_orders GROUP BY account_id;
CREATE UNIQUE INDEX account_open_counts_account ON account_open_counts (account_id);
-- step: a function returning the composite type
CREATE FUNCTION utils.zero_amount(cur CHAR(3)) RETURNS utils.money_amount LANGUAGE sql IMMUTABLE AS $$ SELECT ROW(0, cur)::utils.money_amount $$;
-- step: the composite type gains an attribute
ALTER TYPE utils.money_amount ADD ATTRIBUTE rounded BOOLEAN;
-- step: emails must not be blank, checked through the function
ALTER TABLE accounts ADD CONSTRAINT accounts_email_not_blank CHECK (utils.normalize_email(email) <> '');
-- step: line items
CREATE TABLE line_items (id BIGSERIAL PRIMARY KEY, order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE, sku TEXT NOT NULL, qty INTEGER NOT NULL CHECK (qty > 0), unit_price NUMERIC(12,2) NOT NULL);
-- step: generated line total
ALTER TABLE line_items ADD COLUMN total NUMERIC(14,2) GENERATED ALWAYS AS (qty * unit_price) STORED;
-- step: sku lookups ignore case
CREATE INDEX line_items_sku ON line_items (lower(sku));
-- step: a positive amount domain
CREATE DOMAIN positive_amount AS NUMERIC(12,2) CHECK (VALUE > 0);
-- step: payments use the domain
CREATE TABLE payments (id BIGSERIAL PRIMARY KEY, order_id BIGINT NOT NULL REFERENCES orders (id), amount positive_amount NOT NULL, paid_at TIMESTAMPTZ NOT NULL DEFAULT now());
-- step: the paid status goes, under an index, a view and a materialized view
DROP MATERIALIZED VIEW account_open_counts;
DROP VIEW open_orders;
DROP INDEX orders_new;
ALTER TABLE orders ALTER COLUMN status DROP DEFAULT;
ALTER TYPE order_status RENAME TO order_status_old;
CREATE TYPE order_status AS ENUM ('new', 'shipped', 'refunded');
ALTER TABLE orders ALTER COLUMN status TYPE order_status USING status::text::order_status;
ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'new';
DROP TYPE order_status_old;
CREATE INDEX orders_new ON orders (placed_at) WHERE status = 'new';
CREATE VIEW open_orders AS SELECT id, account_id, status, placed_at FROM orders WHERE status NOT IN ('shipped', 'refunded');
CREATE MATERIALIZED VIEW account_open_counts AS SELECT account_id, count(*) AS n FROM open_orders GROUP BY account_id;
CREATE UNIQUE INDEX account_open_counts_account ON account_open_counts (account_id);
-- step: the trigger function also counts revisions
ALTER TABLE accounts ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
CREATE OR REPLACE FUNCTION audit.set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := clock_timestamp(); RETURN NEW; END $$;
-- step: audit events in jsonb, in the audit schema
CREATE TABLE audit.events (id BIGSERIAL PRIMARY KEY, account_id INTEGER REFERENCES accounts (id), payload JSONB NOT NULL, at TIMESTAMPTZ NOT NULL DEFAULT now());
CREATE INDEX events_payload ON audit.events USING gin (payload);
-- step: a view of the audit trail in public
CREATE VIEW account_events AS SELECT a.email, e.at FROM accounts a JOIN audit.events e ON e.account_id = a.id;
-- step: audit events audited by a trigger function of their own
CREATE FUNCTION audit.stamp_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.at := clock_timestamp(); RETURN NEW; END $$;
CREATE TRIGGER events_stamp BEFORE INSERT ON audit.events FOR EACH ROW EXECUTE FUNCTION audit.stamp_event();
-- step: invoice numbers from a sequence
CREATE SEQUENCE invoice_no START 1000;
ALTER TABLE payments ADD COLUMN invoice_no BIGINT NOT NULL DEFAULT nextval('invoice_no');
-- step: an sql function over a table
CREATE FUNCTION account_count() RETURNS BIGINT LANGUAGE sql STABLE AS $$ SELECT count(*) FROM accounts $$;
-- step: a view calling it
CREATE VIEW account_stats AS SELECT account_count() AS accounts, (SELECT count(*) FROM orders) AS orders;
-- step: the materialized view is indexed by count too
CREATE INDEX account_open_counts_n ON account_open_counts (n DESC);
-- step: notifications with a serial key
CREATE TABLE notifications (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL);
-- step: notifications renamed to messages (the serial keeps its sequence name)
ALTER TABLE notifications RENAME TO messages;
-- step: messages made anew, drawing from the renamed serial's sequence
DROP TABLE messages;
CREATE SEQUENCE IF NOT EXISTS notifications_id_seq;
CREATE TABLE messages (id BIGINT PRIMARY KEY DEFAULT nextval('notifications_id_seq'), body TEXT NOT NULL);
ALTER SEQUENCE notifications_id_seq OWNED BY messages.id;
-- step: the composite type loses an attribute
ALTER TYPE utils.money_amount DROP ATTRIBUTE rounded;
-- step: a second materialized view over the first's view
CREATE MATERIALIZED VIEW open_order_days AS SELECT date_trunc('day', placed_at) AS day, count(*) AS n FROM open_orders GROUP BY 1;
-- step: placed_at widens to a timestamp without zone under both materialized views
DROP MATERIALIZED VIEW open_order_days;
DROP MATERIALIZED VIEW account_open_counts;
DROP VIEW open_orders;
ALTER TABLE orders ALTER COLUMN placed_at TYPE TIMESTAMP;
CREATE VIEW open_orders AS SELECT id, account_id, status, placed_at FROM orders WHERE status NOT IN ('shipped', 'refunded');
CREATE MATERIALIZED VIEW account_open_counts AS SELECT account_id, count(*) AS n FROM open_orders GROUP BY account_id;
CREATE UNIQUE INDEX account_open_counts_account ON account_open_counts (account_id);
CREATE INDEX account_open_counts_n ON account_open_counts (n DESC);
CREATE MATERIALIZED VIEW open_order_days AS SELECT date_trunc('day', placed_at) AS day, count(*) AS n FROM open_orders GROUP BY 1;
-- step: the blank check goes
ALTER TABLE accounts DROP CONSTRAINT accounts_email_not_blank;
-- step: drop the day counts
DROP MATERIALIZED VIEW open_order_days;
-- step: the audit view goes
DROP VIEW account_events;
-- step: drop the function returning money
DROP FUNCTION utils.zero_amount(CHAR(3));
