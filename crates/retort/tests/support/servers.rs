//! Test databases on every engine: SQLite files, and uniquely named databases on the
//! PostgreSQL and MariaDB/MySQL servers, dropped when the handle is dropped.
//!
//! Server engines are used when they answer. When `RETORT_REQUIRE_SERVERS=1` (as in
//! `.ci/run`), an unreachable server fails the test instead of being skipped.
#![allow(dead_code)]
use retort::{Connection, RedactedUrl};
use std::path::Path;
use std::sync::OnceLock;

pub fn pg_admin_url() -> String {
    std::env::var("RETORT_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub fn mysql_admin_url() -> String {
    std::env::var("RETORT_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/mysql".into())
}

fn reachable(url: &str) -> bool {
    retort::connect(&RedactedUrl::new(url.to_string()), Path::new(".")).is_ok()
}

/// The engines this run tests: SQLite always, servers when they answer.
pub fn engine_names() -> Vec<&'static str> {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES
        .get_or_init(|| {
            let require = std::env::var("RETORT_REQUIRE_SERVERS").is_ok_and(|v| v == "1");
            let mut names = vec!["sqlite"];
            for (name, url) in [("postgres", pg_admin_url()), ("mysql", mysql_admin_url())] {
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
        match engine {
            "sqlite" => TestDb {
                engine,
                url: format!("sqlite://{}", dir.join("test.db").display()),
                admin: None,
                kept: String::new(),
            },
            "postgres" | "mysql" => {
                let admin = if engine == "postgres" { pg_admin_url() } else { mysql_admin_url() };
                let mut c =
                    retort::connect(&RedactedUrl::new(admin.clone()), dir).expect("server answers");
                c.execute(&format!("CREATE DATABASE {name}")).expect("create test database");
                let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
                TestDb {
                    engine,
                    url: format!("{base}/{name}"),
                    admin: Some((admin, name)),
                    kept: retort::core::cleanup::kept_scratch_name(dir),
                }
            }
            other => panic!("unknown engine {other}"),
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
                let force = if self.engine == "postgres" { " WITH (FORCE)" } else { "" };
                let _ = c.execute(&format!("DROP DATABASE IF EXISTS {name}{force}"));
                let _ = c.execute(&format!("DROP DATABASE IF EXISTS {}{force}", self.kept));
            }
        }
    }
}
