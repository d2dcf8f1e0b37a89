-- Running downgrade 7990efed9915 -> d00d30b2bf2f

DROP INDEX ix_posts_title ON posts;

UPDATE alembic_version SET version_num='d00d30b2bf2f' WHERE alembic_version.version_num = '7990efed9915';

-- Running downgrade d00d30b2bf2f -> 914ed83b20e6, 944eeafc04de

INSERT INTO alembic_version (version_num) VALUES ('914ed83b20e6');

UPDATE alembic_version SET version_num='944eeafc04de' WHERE alembic_version.version_num = 'd00d30b2bf2f';

-- Running downgrade 914ed83b20e6 -> ce8e7dcd684b

ALTER TABLE users DROP COLUMN bio;

DELETE FROM alembic_version WHERE alembic_version.version_num = '914ed83b20e6';

-- Running downgrade 944eeafc04de -> ce8e7dcd684b

ALTER TABLE posts DROP COLUMN slug;

UPDATE alembic_version SET version_num='ce8e7dcd684b' WHERE alembic_version.version_num = '944eeafc04de';

-- Running downgrade ce8e7dcd684b -> 

DROP TABLE posts;

DROP TABLE users;

DELETE FROM alembic_version WHERE alembic_version.version_num = 'ce8e7dcd684b';

