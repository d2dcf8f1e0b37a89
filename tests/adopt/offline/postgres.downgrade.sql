BEGIN;

-- Running downgrade 90acbff60686 -> f7cd1e21a707

COMMIT;

DROP INDEX CONCURRENTLY ix_posts_title;

BEGIN;

UPDATE alembic_version SET version_num='f7cd1e21a707' WHERE alembic_version.version_num = '90acbff60686';

-- Running downgrade f7cd1e21a707 -> c214b1df67ed, 11b7e10a3b32

INSERT INTO alembic_version (version_num) VALUES ('11b7e10a3b32') RETURNING alembic_version.version_num;

UPDATE alembic_version SET version_num='c214b1df67ed' WHERE alembic_version.version_num = 'f7cd1e21a707';

-- Running downgrade c214b1df67ed -> 227b533c12cb

ALTER TABLE users DROP COLUMN bio;

DELETE FROM alembic_version WHERE alembic_version.version_num = 'c214b1df67ed';

-- Running downgrade 11b7e10a3b32 -> 227b533c12cb

ALTER TABLE posts DROP COLUMN slug;

UPDATE alembic_version SET version_num='227b533c12cb' WHERE alembic_version.version_num = '11b7e10a3b32';

-- Running downgrade 227b533c12cb -> 

DROP TABLE posts;

DROP TABLE users;

DELETE FROM alembic_version WHERE alembic_version.version_num = '227b533c12cb';

COMMIT;

