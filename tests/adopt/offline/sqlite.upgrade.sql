CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL, 
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

-- Running upgrade  -> 59bee12183d8

CREATE TABLE users (
    id INTEGER NOT NULL, 
    email VARCHAR(120) NOT NULL, 
    PRIMARY KEY (id), 
    UNIQUE (email)
);

CREATE TABLE posts (
    id INTEGER NOT NULL, 
    user_id INTEGER NOT NULL, 
    title VARCHAR(200) NOT NULL, 
    PRIMARY KEY (id), 
    FOREIGN KEY(user_id) REFERENCES users (id)
);

INSERT INTO alembic_version (version_num) VALUES ('59bee12183d8') RETURNING version_num;

-- Running upgrade 59bee12183d8 -> 680157f51cff

ALTER TABLE posts ADD COLUMN slug VARCHAR(200);

UPDATE posts SET slug=lower(posts.title);

UPDATE alembic_version SET version_num='680157f51cff' WHERE alembic_version.version_num = '59bee12183d8';

-- Running upgrade 59bee12183d8 -> 576df5607c3d

ALTER TABLE users ADD COLUMN bio TEXT;

INSERT INTO alembic_version (version_num) VALUES ('576df5607c3d') RETURNING version_num;

-- Running upgrade 576df5607c3d, 680157f51cff -> 0295142c06fc

DELETE FROM alembic_version WHERE alembic_version.version_num = '576df5607c3d';

UPDATE alembic_version SET version_num='0295142c06fc' WHERE alembic_version.version_num = '680157f51cff';

-- Running upgrade 0295142c06fc -> f654000fa802

CREATE INDEX ix_posts_title ON posts (title);

UPDATE alembic_version SET version_num='f654000fa802' WHERE alembic_version.version_num = '0295142c06fc';

