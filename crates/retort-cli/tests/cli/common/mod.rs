//! Test helpers: a scratch project in a temp dir and the built `retort` binary driven
//! as a user would drive it.
#![allow(dead_code)]
use assert_cmd::Command;
use std::path::{Path, PathBuf};

#[path = "../../../../retort/tests/support/servers.rs"]
pub mod servers;
pub use servers::engine_names;

pub struct Project {
    pub dir: tempfile::TempDir,
    pub db: servers::TestDb,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn fails_with(self, code: i32, needle: &str) -> Self {
        assert_eq!(
            self.code, code,
            "wrong exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert!(self.stderr.contains(needle), "stderr lacks `{needle}`:\n{}", self.stderr);
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("bad JSON ({e}):\n{}", self.stdout))
    }
}

impl Project {
    /// `retort init` in a fresh temp dir, on SQLite.
    pub fn new() -> Self {
        Self::on("sqlite")
    }

    /// `retort init` in a fresh temp dir, with a fresh database of `engine`.
    pub fn on(engine: &'static str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = servers::TestDb::new(engine, dir.path());
        let url = if engine == "sqlite" { "sqlite://dev.db".to_string() } else { db.url.clone() };
        let p = Project { dir, db };
        p.retort(&["init", "--url", &url]).ok();
        p
    }

    pub fn engine(&self) -> &'static str {
        self.db.engine
    }

    fn conn(&self) -> Box<dyn retort::Connection> {
        if self.engine() == "sqlite" {
            retort::connect(&retort::RedactedUrl::new("sqlite://dev.db".into()), self.path())
                .unwrap()
        } else {
            self.db.connect()
        }
    }

    /// The first column of every row of a query, as text.
    /// A second SQLite database of the project, by file name.
    fn sqlite_file(&self, file: &str) -> Box<dyn retort::Connection> {
        retort::connect(&retort::RedactedUrl::new(format!("sqlite://{file}")), self.path()).unwrap()
    }

    pub fn query_on(&self, file: &str, sql: &str) -> Vec<String> {
        self.sqlite_file(file)
            .query(sql)
            .unwrap()
            .into_iter()
            .map(|r| r.into_iter().next().flatten().unwrap_or_default())
            .collect()
    }

    pub fn exec_on(&self, file: &str, sql: &str) {
        self.sqlite_file(file).execute(sql).unwrap()
    }

    /// The introspected schema of a SQLite file, bookkeeping tables left out.
    pub fn schema_of(&self, file: &str) -> retort::core::schema::Schema {
        let mut s = self.sqlite_file(file).introspect().unwrap();
        s.tables.retain(|name, _| name != "alembic_version" && name != "retort_log");
        s
    }

    pub fn query(&self, sql: &str) -> Vec<String> {
        self.conn()
            .query(sql)
            .unwrap()
            .into_iter()
            .map(|r| r.into_iter().next().flatten().unwrap_or_default())
            .collect()
    }

    pub fn exec(&self, sql: &str) {
        self.conn().execute(sql).unwrap()
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn db_path(&self) -> PathBuf {
        self.path().join("dev.db")
    }

    pub fn retort(&self, args: &[&str]) -> Run {
        self.retort_env(args, &[])
    }

    pub fn retort_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::cargo_bin("retort").unwrap();
        cmd.current_dir(self.path()).env_remove("DATABASE_URL").env_remove("RETORT_ENV").args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Writes a revision file by hand, as a user or another tool would.
    pub fn write_rev(
        &self,
        id: &str,
        down: &[&str],
        message: &str,
        up: &str,
        down_sql: &str,
    ) -> PathBuf {
        self.write_rev_labels(id, down, message, up, down_sql, &[])
    }

    pub fn write_rev_labels(
        &self,
        id: &str,
        down: &[&str],
        message: &str,
        up: &str,
        down_sql: &str,
        labels: &[&str],
    ) -> PathBuf {
        let mut text = format!("-- revision: {id}\n-- down_revision: {}\n-- message: {message}\n-- created: 2026-01-01T00:00:00Z\n", down.join(", "));
        if !labels.is_empty() {
            text.push_str(&format!("-- branch_labels: {}\n", labels.join(", ")));
        }
        text.push_str(&format!("\n-- +upgrade\n{up}\n\n-- +downgrade\n{down_sql}\n"));
        let path = self
            .path()
            .join("migrations/versions")
            .join(format!("{id}_{}.sql", message.replace(' ', "_")));
        std::fs::write(&path, text).unwrap();
        path
    }

    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.db_path()).unwrap()
    }

    /// Sorted rows of the version table.
    /// The version table's rows; none where no run got as far as creating the table (a
    /// database at base: a run killed early leaves it so).
    pub fn version_rows(&self) -> Vec<String> {
        if !self.conn().table_exists("alembic_version").unwrap() {
            return Vec::new();
        }
        self.query("SELECT version_num FROM alembic_version ORDER BY 1")
    }

    pub fn tables(&self) -> Vec<String> {
        self.conn().introspect().unwrap().tables.keys().cloned().collect()
    }
}

pub fn rows(db: &rusqlite::Connection, sql: &str) -> Vec<String> {
    let mut stmt = db.prepare(sql).unwrap();
    let r = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap().map(|r| r.unwrap()).collect();
    r
}

/// A linear chain r1..rN, each creating table tN.
pub fn chain(p: &Project, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 1..=n {
        let id = format!("{i:0>4}aaaa{i:0>4}");
        let prev = ids.last().cloned();
        let down: Vec<&str> = prev.iter().map(|s: &String| s.as_str()).collect();
        p.write_rev(
            &id,
            &down,
            &format!("create t{i}"),
            &format!("CREATE TABLE t{i} (id INTEGER PRIMARY KEY, v TEXT);"),
            &format!("DROP TABLE t{i};"),
        );
        ids.push(id);
    }
    ids
}

/// Four revisions whose third fails at its third statement (line 9 of its file).
pub fn four_with_a_bad_third(p: &Project) -> PathBuf {
    p.write_rev("000000000001", &[], "one", "CREATE TABLE one (id INTEGER);", "DROP TABLE one;");
    p.write_rev(
        "000000000002",
        &["000000000001"],
        "two",
        "CREATE TABLE two (id INTEGER);",
        "DROP TABLE two;",
    );
    let bad = p.write_rev(
        "000000000003",
        &["000000000002"],
        "three",
        "CREATE TABLE three (id INTEGER);\nINSERT INTO three VALUES (1);\nINSERT INTO no_such_table VALUES (1);",
        "DROP TABLE three;",
    );
    p.write_rev(
        "000000000004",
        &["000000000003"],
        "four",
        "CREATE TABLE four (id INTEGER);",
        "DROP TABLE four;",
    );
    bad
}

pub fn sql_files(p: &Project) -> usize {
    std::fs::read_dir(p.path().join("migrations/versions"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "sql"))
        .count()
}

pub fn models(p: &Project, sql: &str) {
    std::fs::write(p.path().join("models.sql"), sql).unwrap();
}

/// Appends environments to the project's retort.toml.
pub fn add_envs(p: &Project, toml: &str) {
    let path = p.path().join("retort.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}\n{toml}\n")).unwrap();
}
