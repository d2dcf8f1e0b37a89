//! Adopting an Alembic or Flask-Migrate project: its revision graph read
//! from the `.py` files without running Python ([`python`]), each revision's SQL taken
//! from Alembic's own offline mode ([`offline`]), turned into retort revision files
//! with the same ids — so the database's `alembic_version` rows keep their meaning.
//! The orchestration (running Alembic, proving the result on a scratch database,
//! recording the log) is `ops::adopt`.
pub mod offline;
pub mod python;
