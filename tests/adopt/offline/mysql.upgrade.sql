CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL, 
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

-- Running upgrade  -> ce8e7dcd684b

CREATE TABLE users (
    id INTEGER NOT NULL AUTO_INCREMENT, 
    email VARCHAR(120) NOT NULL, 
    PRIMARY KEY (id), 
    UNIQUE (email)
);

CREATE TABLE posts (
    id INTEGER NOT NULL AUTO_INCREMENT, 
    user_id INTEGER NOT NULL, 
    title VARCHAR(200) NOT NULL, 
    PRIMARY KEY (id), 
    FOREIGN KEY(user_id) REFERENCES users (id)
);

INSERT INTO alembic_version (version_num) VALUES ('ce8e7dcd684b');

-- Running upgrade ce8e7dcd684b -> 944eeafc04de

ALTER TABLE posts ADD COLUMN slug VARCHAR(200);

UPDATE posts SET slug=lower(posts.title);

UPDATE alembic_version SET version_num='944eeafc04de' WHERE alembic_version.version_num = 'ce8e7dcd684b';

-- Running upgrade ce8e7dcd684b -> 914ed83b20e6

ALTER TABLE users ADD COLUMN bio TEXT;

INSERT INTO alembic_version (version_num) VALUES ('914ed83b20e6');

-- Running upgrade 914ed83b20e6, 944eeafc04de -> d00d30b2bf2f

DELETE FROM alembic_version WHERE alembic_version.version_num = '914ed83b20e6';

UPDATE alembic_version SET version_num='d00d30b2bf2f' WHERE alembic_version.version_num = '944eeafc04de';

-- Running upgrade d00d30b2bf2f -> 7990efed9915

CREATE INDEX ix_posts_title ON posts (title);

UPDATE alembic_version SET version_num='7990efed9915' WHERE alembic_version.version_num = 'd00d30b2bf2f';

