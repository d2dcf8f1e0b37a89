CREATE FUNCTION normalized_email(e TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$ SELECT lower(trim(e)) $$;
CREATE TABLE account (id INTEGER PRIMARY KEY, email TEXT NOT NULL CHECK (normalized_email(email) <> ''));
CREATE UNIQUE INDEX account_email_key ON account (normalized_email(email));
