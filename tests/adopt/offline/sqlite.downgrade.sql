-- Running downgrade f654000fa802 -> 0295142c06fc

DROP INDEX ix_posts_title;

UPDATE alembic_version SET version_num='0295142c06fc' WHERE alembic_version.version_num = 'f654000fa802';

-- Running downgrade 0295142c06fc -> 576df5607c3d, 680157f51cff

INSERT INTO alembic_version (version_num) VALUES ('680157f51cff') RETURNING version_num;

UPDATE alembic_version SET version_num='576df5607c3d' WHERE alembic_version.version_num = '0295142c06fc';

-- Running downgrade 576df5607c3d -> 59bee12183d8

ALTER TABLE users DROP COLUMN bio;

DELETE FROM alembic_version WHERE alembic_version.version_num = '576df5607c3d';

-- Running downgrade 680157f51cff -> 59bee12183d8

ALTER TABLE posts DROP COLUMN slug;

UPDATE alembic_version SET version_num='59bee12183d8' WHERE alembic_version.version_num = '680157f51cff';

-- Running downgrade 59bee12183d8 -> 

DROP TABLE posts;

DROP TABLE users;

DELETE FROM alembic_version WHERE alembic_version.version_num = '59bee12183d8';

