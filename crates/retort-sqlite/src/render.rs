//! SQLite rendering (filled in by autogenerate).
