-- revision: 8f3e2d1c0b9a
-- down_revision: 5b1c0e9a7d21
-- message: visit time
-- created: 2026-11-29T00:01:00Z

-- +upgrade
ALTER TABLE visits ADD COLUMN seen_at VARCHAR(40);

-- +downgrade
ALTER TABLE visits DROP COLUMN seen_at;
