//! The PostgreSQL engine against a real server: introspection reads what the DDL made,
//! rendering a diff and running it reaches the target, and scratch areas clean up after
//! themselves. Skipped with a banner when no server answers, unless RETORT_REQUIRE_SERVERS=1.
#[path = "../../../tests/engine_support.rs"]
mod support;
use retort_core::engine::Engine;
use retort_postgres::PostgresEngine;
use support::*;

#[test]
fn introspects_renders_and_reaches_the_target() {
    let Some(url) = server(&PostgresEngine) else {
        return;
    };
    let _cleanup = DropScratchAtEnd::new();
    let mut from = PostgresEngine.scratch(Some(&url)).unwrap();
    run(from.as_mut(), "CREATE TABLE users (id integer PRIMARY KEY, name varchar(100) NOT NULL, email text UNIQUE);
        CREATE TABLE posts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE, title text, CHECK (length(title) > 0));
        CREATE INDEX ix_posts_title ON posts (lower(title)) WHERE title IS NOT NULL;
        CREATE VIEW named AS SELECT id, name FROM users;");
    let schema = from.introspect().unwrap();
    let users = &schema.tables["users"];
    assert_eq!(users.column("name").unwrap().ty, "character varying(100)");
    assert!(!users.column("name").unwrap().nullable);
    assert_eq!(users.uniques.len(), 1);
    let posts = &schema.tables["posts"];
    assert_eq!(posts.column("id").unwrap().identity.as_deref(), Some("ALWAYS"));
    assert_eq!(posts.foreign_keys[0].ref_table, "users");
    assert_eq!(posts.foreign_keys[0].on_delete, "CASCADE");
    assert_eq!(posts.checks.len(), 1);
    let ix = posts.indexes.iter().find(|i| i.name == "ix_posts_title").expect("expression index");
    assert!(ix.predicate.is_some());
    assert!(schema.views.contains_key("named"));

    // Render the way to a target schema and run it: introspection then equals the target.
    let mut to = PostgresEngine.scratch(Some(&url)).unwrap();
    run(to.as_mut(), "CREATE TABLE users (id integer PRIMARY KEY, name varchar(200) NOT NULL, email text UNIQUE, bio text);
        CREATE TABLE posts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE, title text, CHECK (length(title) > 0));
        CREATE INDEX ix_posts_title ON posts (lower(title)) WHERE title IS NOT NULL;
        CREATE VIEW named AS SELECT id, name FROM users;");
    let target = to.introspect().unwrap();
    render_and_reach(&PostgresEngine, from.as_mut(), &schema, &target);
}

/// A change the renderer cannot express is an error naming it, never a silent skip.
#[test]
fn a_change_it_cannot_render_is_an_error() {
    use retort_core::diff::Change;
    use retort_core::schema::Schema;
    let change = Change::SetTableOptions {
        table: "t".into(),
        from: vec![],
        to: vec!["WITHOUT ROWID".into()],
    };
    let err = PostgresEngine
        .dialect()
        .render(&Schema::default(), &Schema::default(), &[change])
        .unwrap_err();
    assert!(
        err.to_string().contains("set options of t") && err.to_string().contains("by hand"),
        "{err}"
    );
}

/// `serial` → `bigserial` widens the column and its sequence; a sequence
/// left `AS integer` fails at 2^31 even though the column is bigint.
#[test]
fn widening_a_serial_column_widens_its_sequence() {
    let Some(url) = server(&PostgresEngine) else {
        return;
    };
    let _cleanup = DropScratchAtEnd::new();
    let mut db = PostgresEngine.scratch(Some(&url)).unwrap();
    run(db.as_mut(), "CREATE TABLE events (id serial PRIMARY KEY, name text)");
    let from = db.introspect().unwrap();
    let mut to_db = PostgresEngine.scratch(Some(&url)).unwrap();
    run(to_db.as_mut(), "CREATE TABLE events (id bigserial PRIMARY KEY, name text)");
    let to = to_db.introspect().unwrap();
    render_and_reach(&PostgresEngine, db.as_mut(), &from, &to);
    let ty = db.query("SELECT format_type(seqtypid, NULL) FROM pg_sequence WHERE seqrelid = 'events_id_seq'::regclass").unwrap();
    assert_eq!(ty[0][0].as_deref(), Some("bigint"));
}
