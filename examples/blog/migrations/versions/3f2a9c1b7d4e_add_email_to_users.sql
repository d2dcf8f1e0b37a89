-- revision: 3f2a9c1b7d4e
-- down_revision: 1a2b3c4d5e6f
-- message: add email to users
-- created: 2026-11-23T12:10:00Z

-- +upgrade
ALTER TABLE users ADD COLUMN email VARCHAR(255) NOT NULL DEFAULT '';
CREATE UNIQUE INDEX uq_users_email ON users (email);

-- +downgrade
DROP INDEX uq_users_email;
ALTER TABLE users DROP COLUMN email;
