//! flask-retort (python/flask-retort) driven as a Flask developer drives Flask-Migrate:
//! `flask db init`, `migrate -m`, `upgrade`, a model change, `check`, `downgrade`, on every
//! engine, with the application of tests/flask/app.py. The package's Python module comes
//! from the source tree (PYTHONPATH) and its binary from this build; Flask and
//! Flask-SQLAlchemy from PyPI, pinned (the adopt test's venv). Building the wheel itself
//! (maturin) is not tested here yet.
use super::adopt::{flask_url, root, venv};
use super::common::{engine_names, Project};
use std::path::Path;
use std::process::Command;

struct Flask<'a> {
    bin: &'a Path,
    p: &'a Project,
    env: Vec<(&'static str, String)>,
}

impl Flask<'_> {
    /// `flask <args>` in the project; (exit code, stdout + stderr).
    fn run(&self, args: &[&str]) -> (i32, String) {
        let retort_dir = assert_cmd::cargo::cargo_bin("retort").parent().unwrap().to_path_buf();
        let path = format!(
            "{}:{}:{}",
            self.bin.display(),
            retort_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = Command::new(self.bin.join("flask"));
        cmd.args(args)
            .current_dir(self.p.path())
            .env("FLASK_APP", "app.py")
            .env("APP_DB", flask_url(self.p))
            .env("PATH", path)
            .env("PYTHONPATH", root().join("python/flask-retort"))
            .env_remove("DATABASE_URL");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }

    fn ok(&self, args: &[&str]) -> String {
        let (code, out) = self.run(args);
        assert_eq!(code, 0, "[{}] flask {args:?}:\n{out}", self.p.engine());
        out
    }
}

fn project_with_app(engine: &'static str) -> Project {
    let p = Project::on(engine);
    // `flask db init` writes the project's own retort.toml.
    std::fs::remove_file(p.path().join("retort.toml")).unwrap();
    std::fs::copy(root().join("tests/flask/app.py"), p.path().join("app.py")).unwrap();
    p
}

#[test]
fn flask_db_drives_retort_from_the_applications_models_on_every_engine() {
    let Some(bin) = venv() else { return };
    for engine in engine_names() {
        let p = project_with_app(engine);
        let v1 = Flask { bin: &bin, p: &p, env: vec![] };
        let out = v1.ok(&["db", "init"]);
        assert!(
            p.path().join("retort.toml").is_file() && p.path().join("migrations/versions").is_dir(),
            "[{engine}] {out}"
        );
        let out = v1.ok(&["db", "migrate", "-m", "initial"]);
        assert!(
            out.contains("compare_type") && out.contains("does not apply"),
            "[{engine}] the Alembic-only option is noted: {out}"
        );
        v1.ok(&["db", "upgrade"]);
        p.exec("INSERT INTO account (id, name) VALUES (1, 'ann')");
        assert_eq!(v1.run(&["db", "check"]).0, 0, "[{engine}]");

        let v2 = Flask { bin: &bin, p: &p, env: vec![("APP_VERSION", "2".into())] };
        let (code, out) = v2.run(&["db", "check"]);
        assert_eq!(code, 1, "[{engine}] the models moved: {out}");
        v2.ok(&["db", "migrate", "-m", "posts and email"]);
        let file = std::fs::read_dir(p.path().join("migrations/versions"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|f| f.to_string_lossy().contains("posts_and_email"))
            .unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        for needle in
            ["post", "email", "ix_account_email", "REFERENCES", "ON DELETE CASCADE", "untitled"]
        {
            assert!(text.contains(needle), "[{engine}] the generated file lacks {needle}:\n{text}");
        }
        if engine == "postgres" {
            assert!(
                text.contains("ALTER TYPE \"account_status\" ADD VALUE 'archived'"),
                "[{engine}] the enum gains its value in place:\n{text}"
            );
        }
        v2.ok(&["db", "upgrade"]);
        assert_eq!(p.query("SELECT name FROM account"), vec!["ann"], "[{engine}] rows stay");
        // The new value is usable; a row holding it would stop the downgrade (rolled back).
        p.exec("UPDATE account SET status = 'archived'");
        p.exec("UPDATE account SET status = 'live'");
        p.exec("INSERT INTO post (account_id, title) VALUES (1, 'hello')");
        assert_eq!(v2.run(&["db", "check"]).0, 0, "[{engine}]");
        let out = v2.ok(&["db", "current"]);
        assert!(out.contains("(head)"), "[{engine}] {out}");
        v2.ok(&["db", "history"]);
        v2.ok(&["db", "status"]);
        v2.ok(&["db", "downgrade"]);
        assert!(!p.tables().contains(&"post".to_string()), "[{engine}]");
        let (code, out) = v2.run(&["db", "check"]);
        assert_eq!(code, 1, "[{engine}] the database is behind: {out}");
        // The next step named as this developer types it.
        assert!(
            out.contains("`flask db upgrade`") && !out.contains("`retort "),
            "[{engine}] {out}"
        );
        // Plain retort (DATABASE_URL set, as in CI) reads the same models through models_command.
        let url = if engine == "sqlite" {
            format!("sqlite://{}", p.db_path().display())
        } else {
            p.db.url.clone()
        };
        let direct = Command::new(assert_cmd::cargo::cargo_bin("retort"))
            .args(["check", "--no-db"])
            .env("DATABASE_URL", url)
            .current_dir(p.path())
            .env("PATH", format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default()))
            .env("PYTHONPATH", root().join("python/flask-retort"))
            .env("FLASK_APP", "app.py")
            .env("APP_DB", flask_url(&p))
            .env("APP_VERSION", "2")
            .output()
            .unwrap();
        assert!(
            direct.status.success(),
            "[{engine}] retort check --no-db with models_command: {}",
            String::from_utf8_lossy(&direct.stderr)
        );
    }
}

/// Migrate(directory=Path(...), command='database'): `flask database …`, revisions in the
/// named directory.
#[test]
fn flask_retort_takes_migrates_directory_and_command() {
    let Some(bin) = venv() else { return };
    let p = project_with_app("sqlite");
    let f = Flask {
        bin: &bin,
        p: &p,
        env: vec![("MIGRATE_DIR", "db_migrations".into()), ("MIGRATE_CMD", "database".into())],
    };
    f.ok(&["database", "init"]);
    let (code, out) = f.run(&["database", "migrate"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("a message (-m)"), "a reminder that a message helps: {out}");
    assert_eq!(
        std::fs::read_dir(p.path().join("db_migrations/versions"))
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "sql"))
            .count(),
        1
    );
    f.ok(&["database", "upgrade"]);
    assert!(p.tables().contains(&"account".to_string()));
    let (code, _) = f.run(&["db", "upgrade"]);
    assert_ne!(code, 0, "no `db` group when command='database'");
}

/// The wheel, as a Flask developer installs it: built by maturin from this repository
/// (python/flask-retort; a debug build in its own target directory, so the binaries the
/// other tests run are never replaced under them), installed into a fresh virtualenv with
/// Flask and Flask-SQLAlchemy from PyPI (pinned, tests/flask/requirements.txt). `retort`
/// is then on the venv's PATH, `from flask_retort import Migrate` works, and `flask db`
/// takes an application from init to upgrade and check.
#[test]
fn the_wheel_installs_retort_and_flask_db_into_a_fresh_virtualenv() {
    let root = root();
    let fail_or_skip = |what: String| {
        if std::env::var_os("RETORT_REQUIRE_SERVERS").is_some() {
            panic!("{what}");
        }
        eprintln!("SKIPPED: {what}");
    };
    let build = root.join("target/wheel-build-venv");
    let python = |venv: &Path| venv.join("bin/python");
    let ok = |c: &mut Command| c.status().is_ok_and(|s| s.success());
    if !ok(Command::new(python(&build)).args(["-c", "import maturin"])) {
        let made = ok(Command::new("python3").args(["-m", "venv"]).arg(&build))
            && ok(Command::new(python(&build))
                .args(["-m", "pip", "install", "-q", "-r"])
                .arg(root.join("tests/flask/build-requirements.txt")));
        if !made {
            return fail_or_skip("could not install maturin (tests/flask/build-requirements.txt) into target/wheel-build-venv".into());
        }
    }
    let wheels = root.join("target/wheels");
    let _ = std::fs::remove_dir_all(&wheels);
    let built = Command::new(build.join("bin/maturin"))
        .args(["build", "--profile", "dev", "-o"])
        .arg(&wheels)
        .current_dir(root.join("python/flask-retort"))
        .env("CARGO_TARGET_DIR", root.join("target/wheel-build"))
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "maturin build failed:\n{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let wheel = std::fs::read_dir(&wheels)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .expect("a wheel");
    let version =
        wheel.file_name().unwrap().to_string_lossy().split('-').nth(1).unwrap().to_string();
    assert_eq!(version, env!("CARGO_PKG_VERSION"), "the wheel's version follows the crate's");

    let venv = root.join("target/flask-venv");
    let _ = std::fs::remove_dir_all(&venv);
    let installed = ok(Command::new("python3").args(["-m", "venv"]).arg(&venv))
        && ok(Command::new(python(&venv))
            .args(["-m", "pip", "install", "-q", "-r"])
            .arg(root.join("tests/flask/requirements.txt"))
            .arg(&wheel));
    if !installed {
        return fail_or_skip(
            "could not install tests/flask/requirements.txt and the wheel into target/flask-venv"
                .into(),
        );
    }
    let bin = venv.join("bin");
    assert!(bin.join("retort").is_file(), "the wheel puts retort on the venv's PATH");

    let p = project_with_app("sqlite");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = Command::new(bin.join("flask"));
        cmd.args(args)
            .current_dir(p.path())
            .env("FLASK_APP", "app.py")
            .env("APP_DB", flask_url(&p))
            // Only the venv: no retort of this build, no source tree on the path.
            .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .env_remove("PYTHONPATH")
            .env_remove("DATABASE_URL");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    for args in [&["db", "init"][..], &["db", "migrate", "-m", "initial"], &["db", "upgrade"]] {
        let (code, out) = run(args, &[]);
        assert_eq!(code, 0, "flask {args:?}: {out}");
    }
    assert!(p.tables().contains(&"account".to_string()));
    assert_eq!(run(&["db", "check"], &[("APP_VERSION", "2")]).0, 1);
    let (code, out) = run(&["db", "migrate", "-m", "v2"], &[("APP_VERSION", "2")]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = run(&["db", "upgrade"], &[("APP_VERSION", "2")]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(run(&["db", "check"], &[("APP_VERSION", "2")]).0, 0);
    let (code, out) = run(&["db", "--help"], &[]);
    assert!(code == 0 && out.contains("status") && out.contains("drift"), "{out}");
}

/// An existing Flask-Migrate project switches by changing its import: the first `flask db`
/// command says the Alembic revisions must be adopted, `flask db adopt` takes them over
/// (history and database kept), and `flask db migrate` then diffs the models against the
/// adopted head.
#[test]
fn a_flask_migrate_project_switches_by_changing_its_import_then_adopts() {
    let Some(bin) = venv() else { return };
    for engine in engine_names() {
        let p = Project::on(engine);
        std::fs::remove_dir_all(p.path().join("migrations")).unwrap();
        std::fs::remove_file(p.path().join("retort.toml")).unwrap();
        let built = Command::new(bin.join("python"))
            .arg(root().join("tests/adopt/flask_app.py"))
            .arg(p.path())
            .arg(flask_url(&p))
            .output()
            .unwrap();
        assert!(built.status.success(), "[{engine}] {}", String::from_utf8_lossy(&built.stderr));
        let head =
            String::from_utf8_lossy(&built.stdout).split_whitespace().next().unwrap().to_string();
        let app = p.path().join("app.py");
        let text = std::fs::read_to_string(&app)
            .unwrap()
            .replace("from flask_migrate import Migrate", "from flask_retort import Migrate");
        std::fs::write(&app, &text).unwrap();
        let f = Flask { bin: &bin, p: &p, env: vec![("DATABASE_URL", flask_url(&p))] };
        let (code, out) = f.run(&["db", "current"]);
        assert_ne!(code, 0, "[{engine}] {out}");
        assert!(out.contains("flask db adopt"), "[{engine}] {out}");
        let out = f.ok(&["db", "adopt"]);
        assert!(out.contains("Converted 5 Alembic revision(s)"), "[{engine}] {out}");
        assert!(f.ok(&["db", "current"]).contains(&head), "[{engine}]");
        // A model change on top of the adopted history.
        std::fs::write(&app, format!("{text}\n\nclass Tag(db.Model):\n    __tablename__ = \"tags\"\n    id = db.Column(db.Integer, primary_key=True)\n    name = db.Column(db.String(50), nullable=False)\n")).unwrap();
        f.ok(&["db", "migrate", "-m", "add tags"]);
        let new = std::fs::read_dir(p.path().join("migrations/versions"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|x| x.to_string_lossy().contains("add_tags"))
            .unwrap();
        let new_text = std::fs::read_to_string(&new).unwrap();
        assert!(
            new_text.contains(&format!("-- down_revision: {head}")) && new_text.contains("tags"),
            "[{engine}] {new_text}"
        );
        f.ok(&["db", "upgrade"]);
        assert!(p.tables().contains(&"tags".to_string()), "[{engine}]");
    }
}

/// A two-bind application (SQLALCHEMY_BINDS): `flask db init --multidb` gives each bind its
/// own history and project file; migrate, upgrade and check act on every bind, each with
/// its own models (its `__bind_key__` tables) and its own database. The default bind is
/// each engine's, the second a SQLite file.
#[test]
fn flask_db_init_multidb_keeps_a_history_per_bind() {
    let Some(bin) = venv() else { return };
    for engine in engine_names() {
        let p = Project::on(engine);
        std::fs::remove_file(p.path().join("retort.toml")).unwrap();
        let audit = p.path().join("audit.db");
        let app = format!(
            "import os\nfrom flask import Flask\nfrom flask_sqlalchemy import SQLAlchemy\nfrom flask_retort import Migrate\n\napp = Flask(__name__)\napp.config['SQLALCHEMY_DATABASE_URI'] = os.environ['APP_DB']\napp.config['SQLALCHEMY_BINDS'] = {{'audit': 'sqlite:///{}'}}\ndb = SQLAlchemy(app)\nmigrate = Migrate(app, db)\n\nclass Account(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n\nclass Event(db.Model):\n    __bind_key__ = 'audit'\n    id = db.Column(db.Integer, primary_key=True)\n    what = db.Column(db.String(50))\n\nif os.environ.get('APP_VERSION') == '2':\n    class Trail(db.Model):\n        __bind_key__ = 'audit'\n        id = db.Column(db.Integer, primary_key=True)\n",
            audit.display()
        );
        std::fs::write(p.path().join("app.py"), app).unwrap();
        let v1 = Flask { bin: &bin, p: &p, env: vec![] };
        v1.ok(&["db", "init", "--multidb"]);
        assert!(
            p.path().join("retort-audit.toml").is_file()
                && p.path().join("migrations/audit/versions").is_dir(),
            "[{engine}]"
        );
        v1.ok(&["db", "migrate", "-m", "initial"]);
        v1.ok(&["db", "upgrade"]);
        let tables = p.tables();
        assert!(
            tables.contains(&"account".to_string()) && !tables.contains(&"event".to_string()),
            "[{engine}] {tables:?}"
        );
        let audit_tables = |p: &Project| {
            p.query_on(
                "audit.db",
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
            )
        };
        assert!(
            audit_tables(&p).contains(&"event".to_string())
                && !audit_tables(&p).contains(&"account".to_string()),
            "[{engine}]"
        );
        let v2 = Flask { bin: &bin, p: &p, env: vec![("APP_VERSION", "2".into())] };
        let (code, out) = v2.run(&["db", "check"]);
        assert_eq!(code, 1, "[{engine}] the audit bind's models moved: {out}");
        v2.ok(&["db", "migrate", "-m", "trail"]);
        let sql_files = std::fs::read_dir(p.path().join("migrations/versions"))
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "sql"))
            .count();
        assert_eq!(sql_files, 1, "[{engine}] nothing new for the default bind");
        v2.ok(&["db", "upgrade"]);
        assert!(audit_tables(&p).contains(&"trail".to_string()), "[{engine}]");
        assert_eq!(v2.run(&["db", "check"]).0, 0, "[{engine}]");
    }
}
