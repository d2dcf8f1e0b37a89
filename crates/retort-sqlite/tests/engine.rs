//! The SQLite engine on a real (in-memory) database: introspection reads what the DDL
//! made, and rendering a diff — including a table rebuild — and running it reaches the
//! target with the rows kept.
#[path = "../../../tests/engine_support.rs"]
mod support;
use retort_core::engine::Engine;
use retort_sqlite::SqliteEngine;
use support::*;

#[test]
fn introspects_renders_and_reaches_the_target() {
    let mut from = SqliteEngine.scratch(None).unwrap();
    run(from.as_mut(), "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, email TEXT UNIQUE);
        CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE, title TEXT CHECK (length(title) > 0));
        CREATE INDEX ix_posts_title ON posts (title) WHERE title IS NOT NULL;
        INSERT INTO users VALUES (1, 'ada', 'a@example.com');");
    let schema = from.introspect().unwrap();
    let users = &schema.tables["users"];
    assert_eq!(users.column("name").unwrap().ty, "VARCHAR(100)");
    assert!(!users.column("name").unwrap().nullable);
    let posts = &schema.tables["posts"];
    assert_eq!(posts.foreign_keys[0].on_delete, "CASCADE");
    assert_eq!(posts.checks.len(), 1);
    assert!(posts.indexes.iter().any(|i| i.name == "ix_posts_title" && i.predicate.is_some()));

    // A type change: SQLite rebuilds the table, keeping its rows.
    let mut to = SqliteEngine.scratch(None).unwrap();
    run(to.as_mut(), "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL, email TEXT UNIQUE, bio TEXT);
        CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE, title TEXT CHECK (length(title) > 0));
        CREATE INDEX ix_posts_title ON posts (title) WHERE title IS NOT NULL;");
    let target = to.introspect().unwrap();
    render_and_reach(&SqliteEngine, from.as_mut(), &schema, &target);
    let rows = from.query("SELECT name FROM users").unwrap();
    assert_eq!(rows, vec![vec![Some("ada".to_string())]]);
}

/// A change the renderer cannot express is an error naming it, never a silent skip.
#[test]
fn a_change_it_cannot_render_is_an_error() {
    use retort_core::diff::Change;
    use retort_core::schema::Schema;
    let change =
        Change::SetTableComment { table: "t".into(), from: None, to: Some("a comment".into()) };
    let err = SqliteEngine
        .dialect()
        .render(&Schema::default(), &Schema::default(), &[change])
        .unwrap_err();
    assert!(err.to_string().contains("sqlite") && err.to_string().contains("by hand"), "{err}");
}
