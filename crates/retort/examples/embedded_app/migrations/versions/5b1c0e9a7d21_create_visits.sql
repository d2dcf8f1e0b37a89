-- revision: 5b1c0e9a7d21
-- down_revision:
-- message: create visits
-- created: 2026-11-29T00:00:00Z

-- +upgrade
-- No key: instances of the application insert at once, on any engine.
CREATE TABLE visits (
    path VARCHAR(200) NOT NULL
);

-- +downgrade
DROP TABLE visits;
