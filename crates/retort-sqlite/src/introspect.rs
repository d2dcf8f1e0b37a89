//! SQLite introspection (filled in by autogenerate).
use retort_core::schema::Schema;
pub fn introspect(_c: &rusqlite::Connection) -> rusqlite::Result<Schema> { Ok(Schema::default()) }
