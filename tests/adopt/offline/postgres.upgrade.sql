BEGIN;

CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL, 
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

-- Running upgrade  -> 227b533c12cb

CREATE TABLE users (
    id SERIAL NOT NULL, 
    email VARCHAR(120) NOT NULL, 
    PRIMARY KEY (id), 
    UNIQUE (email)
);

CREATE TABLE posts (
    id SERIAL NOT NULL, 
    user_id INTEGER NOT NULL, 
    title VARCHAR(200) NOT NULL, 
    PRIMARY KEY (id), 
    FOREIGN KEY(user_id) REFERENCES users (id)
);

INSERT INTO alembic_version (version_num) VALUES ('227b533c12cb') RETURNING alembic_version.version_num;

-- Running upgrade 227b533c12cb -> 11b7e10a3b32

ALTER TABLE posts ADD COLUMN slug VARCHAR(200);

UPDATE posts SET slug=lower(posts.title);

UPDATE alembic_version SET version_num='11b7e10a3b32' WHERE alembic_version.version_num = '227b533c12cb';

-- Running upgrade 227b533c12cb -> c214b1df67ed

ALTER TABLE users ADD COLUMN bio TEXT;

INSERT INTO alembic_version (version_num) VALUES ('c214b1df67ed') RETURNING alembic_version.version_num;

-- Running upgrade c214b1df67ed, 11b7e10a3b32 -> f7cd1e21a707

DELETE FROM alembic_version WHERE alembic_version.version_num = 'c214b1df67ed';

UPDATE alembic_version SET version_num='f7cd1e21a707' WHERE alembic_version.version_num = '11b7e10a3b32';

-- Running upgrade f7cd1e21a707 -> 90acbff60686

COMMIT;

CREATE INDEX CONCURRENTLY ix_posts_title ON posts (title);

BEGIN;

UPDATE alembic_version SET version_num='90acbff60686' WHERE alembic_version.version_num = 'f7cd1e21a707';

COMMIT;

