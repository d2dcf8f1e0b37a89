CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;
CREATE TABLE t (id INTEGER PRIMARY KEY, token TEXT DEFAULT encode(gen_random_bytes(8), 'hex'));
CREATE FUNCTION t_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM t $$;
CREATE FUNCTION add(a integer, b integer) RETURNS integer LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RETURN a + b; END $$;
CREATE PROCEDURE reset_t() LANGUAGE sql AS $$ DELETE FROM t $$;
