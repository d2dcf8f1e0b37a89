//! What an engine can do, as plain flags: the core and the lint rules branch on these,
//! never on an engine's name.

/// What an engine can do; the core branches on these, never on the engine's name.
#[derive(Clone, Copy, Debug, Default)]
pub struct Capabilities {
    /// DDL inside a transaction is rolled back with it (SQLite, PostgreSQL; not MySQL).
    pub transactional_ddl: bool,
    /// `CREATE INDEX CONCURRENTLY` exists, and a plain `CREATE INDEX` blocks writes
    /// (PostgreSQL): the lint rules about it apply.
    pub concurrent_index: bool,
    /// Adding a column with a volatile default rewrites every row (PostgreSQL).
    pub volatile_default_rewrites: bool,
    /// Scratch work needs a server (a database on it); false when the engine can make
    /// an empty database in memory (SQLite).
    pub scratch_needs_server: bool,
}
