//! Helpers shared by the engine crates' own tests (`crates/retort-*/tests/engine.rs`, which
//! include this file): the server to test against, clean-up of scratch databases, running
//! SQL, and the render-and-run round trip every engine must pass.
#![allow(dead_code)]
use retort_core::diff::{diff, Renames};
use retort_core::engine::{Connection, Engine};
use retort_core::schema::Schema;
use retort_core::url::RedactedUrl;

/// The engine's development server ([`Engine::dev_server`]) if `engine` can open it;
/// otherwise a loud skip, or a failure when RETORT_REQUIRE_SERVERS=1 (as in `.ci/run`).
pub fn server(engine: &dyn Engine) -> Option<RedactedUrl> {
    let url = RedactedUrl::new(engine.dev_server().expect("a server engine").url());
    if engine.open(&url, std::path::Path::new(".")).is_ok() {
        return Some(url);
    }
    let name = engine.name();
    assert!(
        std::env::var("RETORT_REQUIRE_SERVERS").map_or(true, |v| v != "1"),
        "RETORT_REQUIRE_SERVERS=1 but no {name} server at {url}"
    );
    eprintln!("\n!!!!! SKIPPING {name} engine tests: no server at {url} !!!!!\n");
    None
}

/// Drops the process's scratch databases when the test ends, passing or failing (the CLI
/// does this at exit; a test process must do it itself). The clean-up drops every scratch
/// database of the process, so the tests holding one run one at a time: a test ending
/// must not drop the database another is using.
pub struct DropScratchAtEnd(#[allow(dead_code)] std::sync::MutexGuard<'static, ()>);

static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl DropScratchAtEnd {
    pub fn new() -> Self {
        DropScratchAtEnd(ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Drop for DropScratchAtEnd {
    fn drop(&mut self) {
        retort_core::cleanup::run_all();
    }
}

/// Runs every statement of `sql`, naming the one that fails.
pub fn run(conn: &mut dyn Connection, sql: &str) {
    for s in retort_core::sql_split::split(sql) {
        conn.execute(&s.sql).unwrap_or_else(|e| panic!("{}: {e}", s.sql));
    }
}

/// Renders the diff from `from` (the schema `conn` holds) to `target` with the engine's
/// dialect, runs it on `conn`, and checks the database then introspects equal to `target`.
pub fn render_and_reach(
    engine: &dyn Engine,
    conn: &mut dyn Connection,
    from: &Schema,
    target: &Schema,
) {
    let changes = diff(from, target, &Renames::default());
    let statements = engine.dialect().render(from, target, &changes).unwrap();
    run(conn, &statements.iter().map(|s| format!("{};\n", s.sql)).collect::<String>());
    let left = diff(&conn.introspect().unwrap(), target, &Renames::default());
    assert!(
        left.is_empty(),
        "still different after the rendered SQL: {:?}",
        left.iter().map(|c| c.describe()).collect::<Vec<_>>()
    );
}
