CREATE SCHEMA utils;
CREATE FUNCTION utils.slugify(t TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$ SELECT lower(replace(t, ' ', '-')) $$;
CREATE TABLE posts (id SERIAL PRIMARY KEY, title TEXT NOT NULL);
CREATE INDEX posts_slug ON posts (utils.slugify(title));
