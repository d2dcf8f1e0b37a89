//! retort embedded in an application through the facade (issue #10): the same policy as
//! the CLI — backup before upgrading when the environment asks, checksum refusal, the
//! migration lock, the protected-environment guard — because both call `ops`.
use retort::{Error, WorkspaceOptions};
use std::path::Path;

fn write_rev(dir: &Path, id: &str, down: &str, up: &str, down_sql: &str) -> std::path::PathBuf {
    let path = dir.join("migrations/versions").join(format!("{id}_r.sql"));
    std::fs::write(&path, format!("-- revision: {id}\n-- down_revision: {down}\n-- message: r\n\n-- +upgrade\n{up}\n\n-- +downgrade\n{down_sql}\n")).unwrap();
    path
}

fn project(extra_env: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("migrations/versions")).unwrap();
    std::fs::write(dir.path().join("retort.toml"), format!("[project]\ndialect = \"sqlite\"\n\n[env.dev]\nurl = \"sqlite://app.db\"\n{extra_env}")).unwrap();
    write_rev(dir.path(), "aaaa00000001", "", "CREATE TABLE a (id INTEGER);\nINSERT INTO a VALUES (1);", "DROP TABLE a;");
    write_rev(dir.path(), "bbbb00000001", "aaaa00000001", "CREATE TABLE b (id INTEGER);", "DROP TABLE b;");
    dir
}

fn opts(dir: &Path) -> WorkspaceOptions {
    WorkspaceOptions { cwd: dir.to_path_buf(), lock_timeout: std::time::Duration::from_secs(30), ..Default::default() }
}

fn rows(db: &Path, sql: &str) -> Vec<String> {
    let c = retort::connect(&retort::RedactedUrl::new(format!("sqlite://{}", db.display())), Path::new(".")).unwrap();
    let mut c = c;
    c.query(sql).unwrap().into_iter().map(|r| r.into_iter().next().flatten().unwrap_or_default()).collect()
}

#[test]
fn an_application_gets_backups_checksums_and_the_protected_guard() {
    let dir = project("backup = true\n");
    let first = retort::upgrade(&opts(dir.path()), "aaaa00000001").unwrap();
    assert!(first.backup.is_some(), "the database existed once connected: backed up first");
    let second = retort::upgrade(&opts(dir.path()), "head").unwrap();
    let backup = second.backup.expect("backup before upgrading, as the CLI does");
    assert!(backup.starts_with(dir.path().join("backups")) && backup.to_string_lossy().contains("aaaa00000001"), "{}", backup.display());
    assert_eq!(second.report.heads_after, vec!["bbbb00000001"]);
    // Nothing to do: no backup.
    assert!(retort::upgrade(&opts(dir.path()), "head").unwrap().backup.is_none());

    // An applied file edited: refused, as `retort upgrade` refuses it.
    write_rev(dir.path(), "aaaa00000001", "", "CREATE TABLE a (id INTEGER, extra TEXT);", "DROP TABLE a;");
    match retort::upgrade(&opts(dir.path()), "head") {
        Err(Error::Checksum { changed }) => assert_eq!(changed[0].rev.as_str(), "aaaa00000001"),
        other => panic!("expected a checksum refusal, got {other:?}"),
    }

    // A protected environment needs the confirmation naming it.
    let prot = project("protected = true\n");
    assert!(matches!(retort::upgrade(&opts(prot.path()), "head"), Err(Error::Protected { .. })));
    let confirmed = WorkspaceOptions { confirm_env: Some("dev".into()), ..opts(prot.path()) };
    retort::upgrade(&confirmed, "head").unwrap();
}

#[test]
fn upgrade_to_head_at_start_up_holds_the_lock() {
    let dir = project("");
    let db = dir.path().join("app.db");
    let url = format!("sqlite://{}", db.display());
    let migrations = dir.path().join("migrations");
    // Eight application instances starting at once.
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (url, migrations) = (url.clone(), migrations.clone());
            std::thread::spawn(move || retort::upgrade_to_head(&url, &migrations))
        })
        .collect();
    for h in handles {
        h.join().unwrap().unwrap();
    }
    assert_eq!(rows(&db, "SELECT version_num FROM alembic_version"), vec!["bbbb00000001"]);
    assert_eq!(rows(&db, "SELECT revision FROM retort_log WHERE direction = 'up' ORDER BY id"), vec!["aaaa00000001", "bbbb00000001"]);
    assert_eq!(rows(&db, "SELECT count(*) FROM a"), vec!["1"], "each revision ran once");
}
