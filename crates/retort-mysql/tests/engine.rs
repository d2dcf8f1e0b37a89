//! The MySQL/MariaDB engine against a real server: introspection reads what the DDL made,
//! rendering a diff and running it reaches the target. Skipped with a banner when no server
//! answers, unless RETORT_REQUIRE_SERVERS=1.
#[path = "../../../tests/engine_support.rs"]
mod support;
use retort_core::engine::Engine;
use retort_mysql::MysqlEngine;
use support::*;

#[test]
fn introspects_renders_and_reaches_the_target() {
    let Some(url) = server(&MysqlEngine) else {
        return;
    };
    let _cleanup = DropScratchAtEnd::new();
    let mut from = MysqlEngine.scratch(Some(&url)).unwrap();
    run(from.as_mut(), "CREATE TABLE users (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(100) NOT NULL, email VARCHAR(255) UNIQUE);
        CREATE TABLE posts (id INT PRIMARY KEY, user_id INT NOT NULL, title VARCHAR(200), CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE);
        CREATE INDEX ix_posts_title ON posts (title);");
    let schema = from.introspect().unwrap();
    let users = &schema.tables["users"];
    assert!(users.column("id").unwrap().auto_increment);
    assert!(!users.column("name").unwrap().nullable);
    let posts = &schema.tables["posts"];
    assert_eq!(posts.foreign_keys[0].ref_table, "users");
    assert_eq!(posts.foreign_keys[0].on_delete, "CASCADE");
    assert!(posts.indexes.iter().any(|i| i.name == "ix_posts_title"));

    let mut to = MysqlEngine.scratch(Some(&url)).unwrap();
    run(to.as_mut(), "CREATE TABLE users (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(200) NOT NULL, email VARCHAR(255) UNIQUE, bio TEXT);
        CREATE TABLE posts (id INT PRIMARY KEY, user_id INT NOT NULL, title VARCHAR(200), CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE);
        CREATE INDEX ix_posts_title ON posts (title);");
    let target = to.introspect().unwrap();
    render_and_reach(&MysqlEngine, from.as_mut(), &schema, &target);
}

/// MariaDB names a column's check after its column, so two tables can each have a check
/// called `price`: each keeps its own clause (read by table, not by name alone).
#[test]
fn same_named_checks_of_two_tables_stay_apart() {
    let Some(url) = server(&MysqlEngine) else {
        return;
    };
    let _cleanup = DropScratchAtEnd::new();
    let mut db = MysqlEngine.scratch(Some(&url)).unwrap();
    run(
        db.as_mut(),
        "CREATE TABLE a (price INT CHECK (price > 0));
        CREATE TABLE b (price INT CHECK (price < 100));",
    );
    let schema = db.introspect().unwrap();
    let checks = |t: &str| -> Vec<String> {
        schema.tables[t].checks.iter().map(|c| c.expr.replace('`', "")).collect()
    };
    assert_eq!(checks("a"), ["price > 0"]);
    assert_eq!(checks("b"), ["price < 100"]);
}

/// A change the renderer cannot express is an error naming it, never a silent skip.
#[test]
fn a_change_it_cannot_render_is_an_error() {
    use retort_core::diff::Change;
    use retort_core::schema::{EnumType, Schema};
    let change = Change::CreateEnum {
        enum_type: EnumType { name: "mood".into(), values: vec!["ok".into()] },
    };
    let err = MysqlEngine
        .dialect()
        .render(&Schema::default(), &Schema::default(), &[change])
        .unwrap_err();
    assert!(err.to_string().contains("mood") && err.to_string().contains("mysql"), "{err}");
}
