//! The MySQL/MariaDB engine against a real server: introspection reads what the DDL made,
//! rendering a diff and running it reaches the target. Skipped with a banner when no server
//! answers, unless RETORT_REQUIRE_SERVERS=1.
use retort_core::config::RedactedUrl;
use retort_core::diff::{diff, Renames};
use retort_core::engine::{Connection, Engine};
use retort_mysql::MysqlEngine;

fn server() -> Option<RedactedUrl> {
    let url = RedactedUrl::new(std::env::var("RETORT_TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/mysql".into()));
    if MysqlEngine.open(&url, std::path::Path::new(".")).is_ok() {
        return Some(url);
    }
    assert!(std::env::var("RETORT_REQUIRE_SERVERS").map_or(true, |v| v != "1"), "RETORT_REQUIRE_SERVERS=1 but no MySQL server at {url}");
    eprintln!("\n!!!!! SKIPPING MySQL engine tests: no server at {url} !!!!!\n");
    None
}

/// Drops the process's scratch databases when the test ends, passing or failing (the CLI
/// does this at exit; a test process must do it itself).
struct DropScratchAtEnd;

impl Drop for DropScratchAtEnd {
    fn drop(&mut self) {
        retort_core::cleanup::run_all();
    }
}

fn run(conn: &mut dyn Connection, sql: &str) {
    for s in retort_core::sql_split::split(sql) {
        conn.execute(&s.sql).unwrap_or_else(|e| panic!("{}: {e}", s.sql));
    }
}

#[test]
fn introspects_renders_and_reaches_the_target() {
    let Some(url) = server() else { return };
    let _cleanup = DropScratchAtEnd;
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
    let changes = diff(&schema, &target, &Renames::default());
    let statements = MysqlEngine.dialect().render(&schema, &target, &changes).unwrap();
    run(from.as_mut(), &statements.iter().map(|s| format!("{};\n", s.sql)).collect::<String>());
    assert!(diff(&from.introspect().unwrap(), &target, &Renames::default()).is_empty());
}

/// A change the renderer cannot express is an error naming it, never a silent skip.
#[test]
fn a_change_it_cannot_render_is_an_error() {
    use retort_core::diff::Change;
    use retort_core::schema::{EnumType, Schema};
    let change = Change::CreateEnum { enum_type: EnumType { name: "mood".into(), values: vec!["ok".into()] } };
    let err = MysqlEngine.dialect().render(&Schema::default(), &Schema::default(), &[change]).unwrap_err();
    assert!(err.to_string().contains("mood") && err.to_string().contains("mysql"), "{err}");
}
