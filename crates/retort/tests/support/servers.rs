//! Test databases on every engine: SQLite files, and uniquely named databases on the
//! PostgreSQL and MariaDB/MySQL servers, dropped when the handle is dropped.
//!
//! Server engines are used when they answer. When `RETORT_REQUIRE_SERVERS=1` (as in
//! `.ci/run`), an unreachable server fails the test instead of being skipped.
#![allow(dead_code)]
use retort::{Connection, RedactedUrl};
use std::path::Path;
use std::sync::OnceLock;

/// The engine called `name` in this build's registry.
pub fn engine(name: &str) -> &'static dyn retort::core::engine::Engine {
    retort::engines().iter().copied().find(|e| e.name() == name).expect("an engine of this build")
}

/// The admin URL of `engine`'s development server (`None`: it needs none, like SQLite).
pub fn admin_url(engine_name: &str) -> Option<String> {
    engine(engine_name).dev_server().map(|s| s.url())
}

pub fn pg_admin_url() -> String {
    admin_url("postgres").expect("PostgreSQL has a server")
}

pub fn mysql_admin_url() -> String {
    admin_url("mysql").expect("MySQL has a server")
}

fn reachable(url: &str) -> bool {
    retort::connect(&RedactedUrl::new(url.to_string()), Path::new(".")).is_ok()
}

/// The engines this run tests: every engine of the build that needs no server, and
/// those that do when their server answers (`retort::engines()`: a new engine needs no
/// edit here).
pub fn engine_names() -> Vec<&'static str> {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES
        .get_or_init(|| {
            let require = std::env::var("RETORT_REQUIRE_SERVERS").is_ok_and(|v| v == "1");
            let mut names = Vec::new();
            for e in retort::engines() {
                let Some(url) = e.dev_server().map(|s| s.url()) else {
                    names.push(e.name());
                    continue;
                };
                let name = e.name();
                if reachable(&url) {
                    names.push(name);
                } else if require {
                    panic!("RETORT_REQUIRE_SERVERS=1 but the {name} server at {} does not answer", RedactedUrl::new(url));
                } else {
                    eprintln!("\n!!!!! SKIPPING {name} TESTS: no server at {} (set RETORT_REQUIRE_SERVERS=1 to fail instead) !!!!!\n", RedactedUrl::new(url));
                }
            }
            names
        })
        .clone()
}

/// A database that exists for one test.
pub struct TestDb {
    pub engine: &'static str,
    pub url: String,
    admin: Option<(String, String)>,
    /// The kept scratch database a project in the test's directory gets from
    /// autogenerate: dropped with the test database.
    kept: String,
}

impl TestDb {
    pub fn new(engine: &'static str, dir: &Path) -> TestDb {
        let name = format!("retort_test_{}", retort::core::RevisionId::generate());
        let Some(admin) = admin_url(engine) else {
            // An engine without a server keeps a database in a file.
            let scheme = self::engine(engine).url_schemes()[0];
            return TestDb {
                engine,
                url: format!("{scheme}://{}", dir.join("test.db").display()),
                admin: None,
                kept: String::new(),
            };
        };
        let mut c = retort::connect(&RedactedUrl::new(admin.clone()), dir).expect("server answers");
        c.execute(&format!("CREATE DATABASE {name}")).expect("create test database");
        let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
        TestDb {
            engine,
            url: format!("{base}/{name}"),
            admin: Some((admin, name)),
            kept: retort::core::cleanup::kept_scratch_name(dir),
        }
    }

    pub fn connect(&self) -> Box<dyn Connection> {
        retort::connect(&RedactedUrl::new(self.url.clone()), Path::new("."))
            .expect("connect to test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.admin {
            if let Ok(mut c) = retort::connect(&RedactedUrl::new(admin.clone()), Path::new(".")) {
                // The engine's own statement (PostgreSQL's ends sessions still connected).
                let _ = c.execute(&c.drop_scratch_sql(name));
                let _ = c.execute(&c.drop_scratch_sql(&self.kept));
            }
        }
    }
}
