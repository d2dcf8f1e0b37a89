//! `retort adopt alembic` on a real Flask-Migrate application, on every
//! engine: the application is built by tests/adopt/flask_app.py with Flask, Flask-SQLAlchemy
//! and Flask-Migrate from PyPI (a venv under target/, from tests/adopt/requirements.txt),
//! brought to head by `flask db upgrade`, adopted, and then driven by retort.
use super::common::{engine_names, Project};
use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// The venv's bin directory, installed once per test run (the tests of this binary run
/// in parallel and must not build it at the same time); `None` (with a loud note) when
/// Python or PyPI is unavailable outside CI. In CI (RETORT_REQUIRE_SERVERS) that is a failure.
pub(crate) fn venv() -> Option<PathBuf> {
    static VENV: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    let bin = VENV.get_or_init(install_venv).clone();
    if bin.is_none() && std::env::var_os("RETORT_REQUIRE_SERVERS").is_some() {
        panic!("could not install tests/adopt/requirements.txt into target/adopt-venv (python3 -m venv + pip)");
    }
    bin
}

fn install_venv() -> Option<PathBuf> {
    let venv = root().join("target/adopt-venv");
    let bin = venv.join("bin");
    let ready = || {
        Command::new(bin.join("python"))
            .args(["-c", "import flask_migrate, psycopg2, pymysql"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !ready() {
        let req = root().join("tests/adopt/requirements.txt");
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success())
            && Command::new(bin.join("python"))
                .args(["-m", "pip", "install", "-q", "-r"])
                .arg(&req)
                .status()
                .is_ok_and(|s| s.success());
        if !made || !ready() {
            eprintln!("SKIPPED: could not install tests/adopt/requirements.txt into target/adopt-venv (python3 -m venv + pip)");
            return None;
        }
    }
    Some(bin)
}

/// The SQLAlchemy URL of the project's database, as the Flask application needs it.
pub(crate) fn flask_url(p: &Project) -> String {
    match p.engine() {
        "sqlite" => format!("sqlite:///{}", p.db_path().display()),
        "postgres" => p.db.url.replacen("postgres://", "postgresql+psycopg2://", 1),
        _ => p.db.url.replacen("mysql://", "mysql+pymysql://", 1),
    }
}

fn flask(bin: &Path, p: &Project, args: &[&str]) -> String {
    let out = Command::new(bin.join("flask"))
        .args(["db"])
        .args(args)
        .current_dir(p.path())
        .env("FLASK_APP", "app.py")
        .env("DATABASE_URL", flask_url(p))
        .output()
        .unwrap();
    assert!(out.status.success(), "flask db {args:?}:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_flask_migrate_application_is_adopted_with_its_history_and_database() {
    let Some(bin) = venv() else { return };
    for engine in engine_names() {
        let p = Project::on(engine);
        // The application came first: `flask db init` wants its own migrations/ folder.
        std::fs::remove_dir_all(p.path().join("migrations")).unwrap();
        let built = Command::new(bin.join("python"))
            .arg(root().join("tests/adopt/flask_app.py"))
            .arg(p.path())
            .arg(flask_url(&p))
            .output()
            .unwrap();
        assert!(built.status.success(), "[{engine}] {}", String::from_utf8_lossy(&built.stderr));
        let head =
            String::from_utf8_lossy(&built.stdout).split_whitespace().next().unwrap().to_string();
        let py: Vec<String> = std::fs::read_dir(p.path().join("migrations/versions"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".py"))
            .collect();
        assert_eq!(py.len(), 5, "[{engine}] {py:?}");

        // What Flask-Migrate says before the .py files move away.
        let flask_history = flask(&bin, &p, &["history"]);
        assert!(flask(&bin, &p, &["current"]).contains(&head));

        // flask and alembic on PATH, as in the application's own environment.
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
        // The application's DATABASE_URL (a SQLAlchemy URL) serves retort as it is.
        let url = flask_url(&p);
        let env =
            [("PATH", path.as_str()), ("FLASK_APP", "app.py"), ("DATABASE_URL", url.as_str())];
        let r = p.retort_env(&["adopt", "alembic"], &env).ok();
        assert!(
            r.stdout.contains("Converted 5 Alembic revision(s)")
                && r.stdout.contains(&format!("replayed to {head} give the live schema exactly")),
            "[{engine}] {}",
            r.stdout
        );

        // Ids kept, alembic_version untouched, the log records the five as applied.
        assert_eq!(p.version_rows(), std::slice::from_ref(&head));
        assert_eq!(p.query("SELECT COUNT(*) FROM retort_log WHERE direction = 'stamp'"), ["5"]);
        assert!(
            p.path().join("migrations/alembic_versions").read_dir().unwrap().count() == 5,
            "[{engine}] the .py files are kept"
        );
        let sql: Vec<String> = std::fs::read_dir(p.path().join("migrations/versions"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(sql.iter().all(|n| n.ends_with(".sql")) && sql.len() == 5, "[{engine}] {sql:?}");
        if engine == "postgres" {
            let concurrent = std::fs::read_to_string(
                p.path()
                    .join("migrations/versions")
                    .join(sql.iter().find(|n| n.contains("concurrently")).unwrap()),
            )
            .unwrap();
            assert!(
                concurrent.contains("-- transactional: false")
                    && concurrent.contains("CREATE INDEX CONCURRENTLY"),
                "{concurrent}"
            );
        }
        // The data migration in Python came through as SQL.
        let all: String = sql
            .iter()
            .map(|n| std::fs::read_to_string(p.path().join("migrations/versions").join(n)).unwrap())
            .collect();
        assert!(all.contains("UPDATE posts SET slug=lower(posts.title)"), "[{engine}]");

        // retort and flask agree on where the database is and on the graph.
        assert_eq!(
            p.retort(&["current"]).ok().stdout.split_whitespace().next(),
            Some(head.as_str())
        );
        let retort_history = p.retort(&["history"]).ok().stdout;
        for id in
            flask_history.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| w.len() == 12)
        {
            assert!(
                retort_history.contains(id),
                "[{engine}] retort history lacks {id}:\n{retort_history}"
            );
        }
        assert!(p.retort(&["status"]).ok().stdout.contains("the database is up to date"));
        p.retort(&["check"]).ok();

        // Down and up again on the same database, then flask still agrees.
        p.retort(&["downgrade", "-1"]).ok();
        assert_ne!(p.version_rows(), std::slice::from_ref(&head));
        p.retort(&["upgrade", "head"]).ok();
        // alembic_version, which `flask db current` reads, is where Flask-Migrate left it.
        assert_eq!(p.version_rows(), std::slice::from_ref(&head));

        // A model change on top of the adopted history.
        let models = p.path().join("models.sql");
        let text = std::fs::read_to_string(&models).unwrap();
        std::fs::write(
            &models,
            format!(
                "{text}\nCREATE TABLE tags (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL);\n"
            ),
        )
        .unwrap();
        p.retort(&["migrate", "-m", "add tags"]).ok();
        let new = std::fs::read_dir(p.path().join("migrations/versions"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|x| x.to_string_lossy().contains("add_tags"))
            .unwrap();
        let new_text = std::fs::read_to_string(&new).unwrap();
        assert!(
            new_text.contains(&format!("-- down_revision: {head}"))
                && new_text.to_lowercase().contains("create table")
                && new_text.contains("tags"),
            "[{engine}] {new_text}"
        );
        p.retort(&["upgrade"]).ok();
        assert!(p.tables().contains(&"tags".to_string()), "[{engine}]");
    }
}

/// Alembic's offline mode failing outright (here: the application's environment is
/// missing) is an error with its reason, not a history of empty revisions.
#[test]
fn an_offline_mode_that_fails_is_an_error_not_empty_revisions() {
    let Some(bin) = venv() else { return };
    let p = Project::new();
    std::fs::remove_dir_all(p.path().join("migrations")).unwrap();
    let built = Command::new(bin.join("python"))
        .arg(root().join("tests/adopt/flask_app.py"))
        .arg(p.path())
        .arg(flask_url(&p))
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let r =
        p.retort_env(&["adopt", "alembic"], &[("PATH", path.as_str()), ("FLASK_APP", "app.py")]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("gave no SQL") && r.stderr.contains("DATABASE_URL"), "{}", r.stderr);
    assert!(!p.path().join("migrations/alembic_versions").exists());
    assert!(std::fs::read_dir(p.path().join("migrations/versions")).unwrap().all(|e| e
        .unwrap()
        .path()
        .extension()
        .is_some_and(|x| x == "py")));
}

/// Without flask/alembic on PATH and without --sql-from, the error says what to run.
#[test]
fn without_alembic_the_error_says_which_commands_give_the_sql() {
    let p = Project::new();
    std::fs::create_dir_all(p.path().join("migrations/versions")).unwrap();
    std::fs::write(p.path().join("migrations/env.py"), "").unwrap();
    std::fs::write(
        p.path().join("migrations/versions/abc_first.py"),
        "revision = 'abc'\ndown_revision = None\n",
    )
    .unwrap();
    let r = p.retort_env(&["adopt", "alembic"], &[("PATH", "/nonexistent")]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("flask db upgrade --sql base:heads > up.sql")
            && r.stderr.contains("--sql-from"),
        "{}",
        r.stderr
    );
    // Nothing was converted or moved.
    assert!(p.path().join("migrations/versions/abc_first.py").exists());
    assert!(!p.path().join("migrations/alembic_versions").exists());
}

/// A plain Alembic project (alembic.ini at the top, typed template) with a branch label,
/// a `depends_on`, and a revision whose Python reads data — which Alembic's offline mode
/// cannot run: that revision becomes a NEEDS ATTENTION file (listed, exit 1, flagged
/// by lint), never a silently empty one, and everything else is adopted.
#[test]
fn an_alembic_project_with_depends_on_and_a_data_reading_revision() {
    let Some(bin) = venv() else { return };
    let p = Project::new();
    let alembic = |args: &[&str]| {
        let out =
            Command::new(bin.join("alembic")).args(args).current_dir(p.path()).output().unwrap();
        assert!(out.status.success(), "alembic {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    alembic(&["init", "al"]);
    let ini = p.path().join("alembic.ini");
    let text = std::fs::read_to_string(&ini).unwrap();
    let text: String = text
        .lines()
        .map(|l| {
            if l.starts_with("sqlalchemy.url") {
                "sqlalchemy.url = sqlite:///dev.db".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&ini, text).unwrap();
    let rev = |id: &str, down: &str, labels: &str, depends: &str, up: &str, down_sql: &str| {
        let body = format!(
            "\"\"\"{id} step\n\nRevision ID: {id}\nCreate Date: 2026-01-0{} 10:00:00.000000\n\"\"\"\nfrom typing import Sequence, Union\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision: str = '{id}'\ndown_revision: Union[str, None] = {down}\nbranch_labels: Union[str, Sequence[str], None] = {labels}\ndepends_on: Union[str, Sequence[str], None] = {depends}\n\n\ndef upgrade() -> None:\n{up}\n\n\ndef downgrade() -> None:\n{down_sql}\n",
            id.len() % 9 + 1
        );
        std::fs::write(p.path().join("al/versions").join(format!("{id}_step.py")), body).unwrap();
    };
    rev(
        "aaa",
        "None",
        "None",
        "None",
        "    op.create_table('accounts', sa.Column('id', sa.Integer, primary_key=True))",
        "    op.drop_table('accounts')",
    );
    rev(
        "bbb",
        "None",
        "('lib',)",
        "None",
        "    op.create_table('shared', sa.Column('id', sa.Integer, primary_key=True))",
        "    op.drop_table('shared')",
    );
    rev(
        "ccc",
        "'aaa'",
        "None",
        "'lib'",
        "    op.add_column('accounts', sa.Column('shared_id', sa.Integer))",
        "    op.drop_column('accounts', 'shared_id')",
    );
    rev("ddd", "'ccc'", "None", "None",
        "    conn = op.get_bind()\n    for (n,) in conn.execute(sa.text('SELECT id FROM accounts')).fetchall():\n        op.execute(f'UPDATE accounts SET shared_id = {n} WHERE id = {n}')",
        "    pass");
    alembic(&["upgrade", "heads"]);
    assert_eq!(p.version_rows(), ["ddd"]);

    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let r = p.retort_env(&["adopt", "alembic"], &[("PATH", path.as_str())]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("1 revision(s) need attention")
            && r.stdout.contains("ddd:")
            && r.stdout.contains("fetchall"),
        "{}",
        r.stdout
    );
    let ddd =
        std::fs::read_to_string(p.path().join("migrations/versions/ddd_ddd_step.sql")).unwrap();
    assert!(ddd.contains("-- NEEDS ATTENTION:"), "{ddd}");
    let ccc =
        std::fs::read_to_string(p.path().join("migrations/versions/ccc_ccc_step.sql")).unwrap();
    assert!(
        ccc.contains("-- depends_on: lib")
            && ccc.contains("ALTER TABLE accounts ADD COLUMN shared_id INTEGER"),
        "{ccc}"
    );
    let lint = p.retort(&["lint"]);
    assert_eq!(lint.code, 1, "{}", lint.stdout);
    assert!(lint.stdout.contains("needs-attention"), "{}", lint.stdout);
    let doctor = p.retort(&["doctor"]);
    assert!(
        doctor.stdout.contains("revision ddd was adopted from Alembic without its SQL"),
        "{}",
        doctor.stdout
    );
    // The graph keeps Alembic's meaning: ddd implies bbb through ccc's dependency.
    assert_eq!(p.retort(&["current"]).ok().stdout.split_whitespace().next(), Some("ddd"));
    p.retort(&["downgrade", "aaa"]).ok();
    assert_eq!(p.version_rows(), ["aaa", "bbb"]);
    assert!(!p
        .query("SELECT name FROM pragma_table_info('accounts')")
        .contains(&"shared_id".to_string()));
}
