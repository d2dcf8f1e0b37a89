//! `init`: the engine taken from DATABASE_URL, passwords kept out of retort.toml.
use crate::common::*;

/// `init` takes the engine from DATABASE_URL when --url is not given, and
/// references the variable instead of copying a URL that may hold a password.
#[test]
fn init_takes_the_engine_from_database_url() {
    let dir = tempfile::tempdir().unwrap();
    let url = "postgres://postgres:Sekret9@127.0.0.1:5432/postgres";
    let out = assert_cmd::Command::cargo_bin("retort")
        .unwrap()
        .current_dir(dir.path())
        .env("DATABASE_URL", url)
        .arg("init")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let toml = std::fs::read_to_string(dir.path().join("retort.toml")).unwrap();
    assert!(toml.contains("dialect = \"postgres\""), "{toml}");
    assert!(toml.contains("url = \"${DATABASE_URL}\"") && !toml.contains("Sekret9"), "{toml}");
    if engine_names().contains(&"postgres") {
        let out = assert_cmd::Command::cargo_bin("retort")
            .unwrap()
            .current_dir(dir.path())
            .env("DATABASE_URL", url)
            .arg("current")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "the next command works: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Without DATABASE_URL, SQLite.
    let dir = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::cargo_bin("retort")
        .unwrap()
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .arg("init")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(std::fs::read_to_string(dir.path().join("retort.toml"))
        .unwrap()
        .contains("sqlite://dev.db"));
}

/// `init --url` with a password refuses to write it into retort.toml; a fleet target
/// listed twice is refused before anything runs.
#[test]
fn init_keeps_passwords_out_of_retort_toml_and_fleets_name_each_target_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("retort"))
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .args(["init", "--url", "postgres://app:hunter2@db.example/app"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("DATABASE_URL") && !stderr.contains("hunter2"), "{stderr}");
    assert!(!dir.path().join("retort.toml").exists());

    let p = Project::new();
    add_envs(
        &p,
        "[env.fleet]\nurl = \"sqlite://tenants/{target}.db\"\ntargets = [\"a\", \"b\", \"a\"]\n",
    );
    std::fs::create_dir_all(p.path().join("tenants")).unwrap();
    p.write_rev("aaaaaaaaaaa1", &[], "t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;");
    p.retort(&["--env", "fleet", "upgrade", "--all"]).fails_with(2, "listed twice");
    assert!(!p.path().join("tenants/a.db").exists());
}
