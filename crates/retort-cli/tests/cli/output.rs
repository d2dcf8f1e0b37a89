//! What the command line promises: exit codes and next steps, JSON shapes, plain output when piped, `-q`/`-v`, completions and man page, bad input named.
use crate::common::*;

#[test]
fn errors_have_distinct_codes_and_next_steps() {
    // No project.
    let empty = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::cargo_bin("retort")
        .unwrap()
        .current_dir(empty.path())
        .arg("current")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("retort init"));

    let p = Project::new();
    p.retort(&["init"]).fails_with(3, "refusing to overwrite");

    // Malformed header: file and line.
    let f = p.write_rev("aaaa00000001", &[], "one", "SELECT 1;", "SELECT 1;");
    let text = std::fs::read_to_string(&f).unwrap().replace("-- message: one", "-- message one");
    std::fs::write(&f, text).unwrap();
    p.retort(&["history"]).fails_with(4, "aaaa00000001_one.sql:3");
    std::fs::remove_file(&f).unwrap();

    // Missing parent.
    let orphan = p.write_rev("bbbb00000001", &["deadbeef0000"], "orphan", "SELECT 1;", "SELECT 1;");
    let r = p.retort(&["upgrade"]).fails_with(4, "can't locate revision deadbeef0000");
    assert!(r.stderr.contains("bbbb00000001_orphan.sql"));
    std::fs::remove_file(orphan).unwrap();

    // Duplicate id.
    p.write_rev("cccc00000001", &[], "first", "SELECT 1;", "SELECT 1;");
    let dup = p.write_rev("cccc00000001", &[], "second", "SELECT 1;", "SELECT 1;");
    p.retort(&["heads"]).fails_with(4, "duplicate revision id cccc00000001");
    std::fs::remove_file(dup).unwrap();

    // Cycle.
    let c1 = p.write_rev("eeee00000001", &["eeee00000002"], "e1", "SELECT 1;", "SELECT 1;");
    let c2 = p.write_rev("eeee00000002", &["eeee00000001"], "e2", "SELECT 1;", "SELECT 1;");
    p.retort(&["history"]).fails_with(4, "cycle");
    std::fs::remove_file(c1).unwrap();
    std::fs::remove_file(c2).unwrap();

    // Empty message, unknown env, bad URL.
    p.retort(&["revision", "-m", " "]).fails_with(2, "message must not be empty");
    p.retort(&["--env", "staging", "current"])
        .fails_with(3, "environment `staging` is not defined");
    p.retort_env(&["current"], &[("DATABASE_URL", "oracle://scott:tiger@db/x")])
        .fails_with(3, "invalid database URL");
    let r = p.retort_env(&["current"], &[("DATABASE_URL", "oracle://scott:tiger@db/x")]);
    assert!(!r.stderr.contains("tiger"), "password leaked: {}", r.stderr);
    p.retort_env(&["current"], &[("DATABASE_URL", "sqlite:///no/such/dir/x.db")])
        .fails_with(8, "does not exist");

    // Irreversible revision.
    let irr = p.path().join("migrations/versions/ffff00000001_irr.sql");
    std::fs::write(&irr, "-- revision: ffff00000001\n-- down_revision: cccc00000001\n-- message: irr\n\n-- +upgrade\nCREATE TABLE irr (id INTEGER);\n").unwrap();
    p.retort(&["upgrade"]).ok();
    p.retort(&["downgrade", "base"]).fails_with(6, "cannot be reverted");
    assert_eq!(p.version_rows(), vec!["ffff00000001"], "nothing was reverted");
    p.retort(&["downgrade", "cccc00000001:base"]).fails_with(2, "only for --sql");
}

#[test]
fn json_shapes_of_read_commands() {
    let p = Project::new();
    let ids = chain(&p, 2);
    p.retort(&["upgrade", "+1"]).ok();
    let cur = p.retort(&["current", "--json"]).ok().json();
    assert_eq!(cur["current"][0], ids[0].as_str());
    assert_eq!(cur["env"], "dev");
    let st = p.retort(&["status", "--json"]).ok().json();
    assert_eq!(st["up_to_date"], false);
    assert_eq!(st["pending"][0]["revision"], ids[1].as_str());
    let hist = p.retort(&["history", "--json"]).ok().json();
    assert_eq!(hist["revisions"][0]["revision"], ids[1].as_str());
    assert_eq!(hist["revisions"][1]["is_base"], true);
    let show = p.retort(&["show", &ids[1], "--json"]).ok().json();
    assert!(show["upgrade"].as_str().unwrap().contains("CREATE TABLE t2"));
    assert_eq!(show["checksum"].as_str().unwrap().len(), 64);
    // Human status names the next command.
    let human = p.retort(&["status"]).ok();
    assert!(human.stdout.contains("run `retort upgrade`"));
}

#[test]
fn piped_output_is_plain_and_quiet_is_quiet() {
    let p = Project::new();
    chain(&p, 2);
    let r = p.retort(&["upgrade"]).ok();
    assert!(r.stderr.contains("[1/2] upgrade"));
    assert!(!r.stderr.contains('\x1b'), "no escape codes when piped");
    p.retort(&["downgrade", "base"]).ok();
    let r = p.retort(&["-q", "upgrade"]).ok();
    assert!(r.stderr.is_empty() && r.stdout.is_empty());
}

/// No input may panic; an absurd lock timeout is a usage error (exit 2).
#[test]
fn out_of_range_lock_timeout_is_a_usage_error() {
    let p = Project::new();
    chain(&p, 1);
    for secs in ["2147484", "18446744073709551615", "-1"] {
        let r = p.retort(&["--lock-timeout", secs, "upgrade"]);
        assert_eq!(r.code, 2, "--lock-timeout {secs}: {}", r.stderr);
        assert!(r.stderr.contains("--lock-timeout") || secs == "-1", "{}", r.stderr);
    }
    p.retort(&["--lock-timeout", "86400", "upgrade"]).ok();
}

/// What the help and README promise. `-v` prints each step's SQL;
/// `upgrade/downgrade --json` report the steps as JSON; with `--json` an error is JSON on
/// stdout too; `--single-transaction` is refused where DDL is not transactional.
#[test]
fn verbose_json_and_single_transaction_keep_their_promises() {
    for engine in engine_names() {
        let p = Project::on(engine);
        let ids = chain(&p, 2);
        let r = p.retort(&["-v", "upgrade", &ids[0]]).ok();
        assert!(
            r.stderr.contains("CREATE TABLE t1 (id INTEGER PRIMARY KEY, v TEXT)"),
            "[{engine}] -v shows the SQL:\n{}",
            r.stderr
        );
        let j = p.retort(&["upgrade", "--json"]).ok().json();
        assert_eq!(j["direction"], "upgrade");
        assert_eq!(j["heads_before"][0], ids[0].as_str());
        assert_eq!(j["heads_after"][0], ids[1].as_str());
        assert_eq!(j["steps"][0]["revision"], ids[1].as_str());
        let j = p.retort(&["downgrade", "-1", "--json"]).ok().json();
        assert_eq!(j["steps"][0]["direction"], "down");
        // Errors in --json mode.
        let r = p.retort(&["upgrade", "nosuchrev", "--json"]);
        assert_eq!(r.code, 5);
        let j = r.json();
        assert_eq!(j["error"]["class"], "target");
        assert_eq!(j["error"]["exit_code"], 5);
        assert!(j["error"]["message"].as_str().unwrap().contains("nosuchrev"));
        let bad = match engine {
            "sqlite" => "sqlite://missing/nowhere.db",
            "postgres" => "postgres://nobody@127.0.0.1:1/db",
            _ => "mysql://nobody@127.0.0.1:1/db",
        };
        let r = p.retort_env(&["status", "--json"], &[("DATABASE_URL", bad)]);
        assert_eq!(r.code, 8, "{}", r.stderr);
        assert_eq!(r.json()["error"]["class"], "connection");
        if engine == "mysql" {
            let r =
                p.retort(&["upgrade", "--single-transaction"]).fails_with(13, "transactional DDL");
            assert!(r.stderr.contains("mysql"), "{}", r.stderr);
            assert_eq!(p.version_rows(), vec![ids[0].clone()], "nothing ran");
        } else {
            p.retort(&["upgrade", "--single-transaction"]).ok();
        }
    }
}

/// A byte-order mark is accepted; a wrong --config path is named as such.
#[test]
fn bom_revision_files_and_a_wrong_config_path() {
    let p = Project::new();
    let path = p.write_rev(
        "aaaa00000001",
        &[],
        "bom",
        "CREATE TABLE bom (id INTEGER);",
        "DROP TABLE bom;",
    );
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("\u{feff}{text}")).unwrap();
    p.retort(&["upgrade"]).ok();
    assert_eq!(p.version_rows(), vec!["aaaa00000001"]);
    let r =
        p.retort(&["--config", "/nope/retort.toml", "status"]).fails_with(3, "/nope/retort.toml");
    assert!(
        r.stderr.contains("given with --config does not exist")
            && r.stderr.contains("check the path"),
        "{}",
        r.stderr
    );
}

/// `retort completions` and `retort man`: generated from the flags the binary
/// has, outside any project, and a closed pipe is no panic.
#[test]
fn completions_and_man_page_come_from_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        assert_cmd::Command::cargo_bin("retort")
            .unwrap()
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    for shell in ["bash", "zsh", "fish"] {
        let out = run(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("retort")
                && text.contains("upgrade")
                && text.contains("adopt")
                && text.contains("lock-timeout"),
            "{shell}"
        );
    }
    let man = run(&["man"]);
    let text = String::from_utf8_lossy(&man.stdout);
    assert!(
        man.status.success()
            && text.starts_with(".ie")
            && text.contains(".SH NAME")
            && text.contains("downgrade"),
        "{text}"
    );
    let bad = run(&["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2));
    // `retort completions bash | head -1`: stdout closed early.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("retort"))
        .args(["completions", "bash"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A URL that cannot be read is a configuration error (exit 3), as the README says, on
/// every server engine; its password is not printed.
#[test]
fn a_malformed_url_is_a_configuration_error() {
    for engine in engine_names().into_iter().filter(|e| *e != "sqlite") {
        let p = Project::on(engine);
        let urls: &[&str] = if engine == "postgres" {
            &[
                "postgres://u:s3cret@127.0.0.1:notaport/db",
                "postgres://u:s3cret@127.0.0.1:5432/db?lock=bogus",
            ]
        } else {
            &[
                "mysql://u:s3cret@127.0.0.1:3306/db?lock=bogus",
                "mysql://u:s3cret@127.0.0.1:notaport/db",
            ]
        };
        for url in urls {
            let r = p
                .retort_env(&["current"], &[("DATABASE_URL", url)])
                .fails_with(3, "invalid database URL");
            assert!(!r.stderr.contains("s3cret"), "{}", r.stderr);
        }
    }
}

/// A revision file that is not UTF-8 is a malformed migration file (exit 4), named with
/// its line, as the README's exit codes say.
#[test]
fn a_non_utf8_revision_file_is_a_migration_file_error() {
    let p = Project::new();
    let path = p.write_rev(
        "aaaaaaaaaaa1",
        &[],
        "latin1",
        "CREATE TABLE t (note TEXT DEFAULT 'x');",
        "DROP TABLE t;",
    );
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.windows(3).position(|w| w == b"'x'").unwrap() + 1;
    bytes[at] = 0xe9;
    std::fs::write(&path, bytes).unwrap();
    let r = p.retort(&["upgrade"]).fails_with(4, "not UTF-8");
    assert!(r.stderr.contains("aaaaaaaaaaa1_latin1.sql:7:"), "{}", r.stderr);
}

/// The top-level keys a documented shape names: the `"key"`s directly inside its outer
/// `{…}` (values after a `:` are not keys).
fn documented_keys(shape: &str) -> std::collections::BTreeSet<String> {
    let body = &shape[shape.find("`{").expect("an object shape") + 1..];
    let (mut depth, mut keys, mut expect_key) = (0, std::collections::BTreeSet::new(), false);
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' | '[' | '(' => {
                depth += 1;
                expect_key = depth == 1;
            }
            '}' | ']' | ')' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            ',' if depth == 1 => expect_key = true,
            ':' if depth == 1 => expect_key = false,
            '"' => {
                let end = body[i + 1..].find('"').unwrap() + i + 1;
                if depth == 1 && expect_key {
                    keys.insert(body[i + 1..end].to_string());
                }
                expect_key = false;
                while chars.next().is_some_and(|(j, _)| j < end) {}
            }
            _ => {}
        }
    }
    keys
}

/// Each documented JSON shape (`retort::ops::json_shapes`, which the README's table is
/// generated from) names exactly the keys the command prints.
#[test]
fn json_output_has_exactly_the_documented_keys() {
    let p = Project::new();
    chain(&p, 2);
    models(
        &p,
        "CREATE TABLE t1 (id INTEGER PRIMARY KEY, v TEXT);\nCREATE TABLE t2 (id INTEGER PRIMARY KEY, v TEXT);\n",
    );
    p.retort(&["upgrade", "+1"]).ok();
    let shapes: std::collections::HashMap<&str, &str> = retort::ops::json_shapes()
        .into_iter()
        .flat_map(|(commands, shape)| commands.iter().map(move |c| (*c, shape)))
        .collect();
    let runs: [(&str, &[&str]); 15] = [
        ("current", &["current"]),
        ("status", &["status"]),
        ("history", &["history"]),
        ("heads", &["heads"]),
        ("branches", &["branches"]),
        ("check", &["check"]),
        ("lint", &["lint"]),
        ("test", &["test"]),
        ("rehearse", &["rehearse"]),
        ("upgrade", &["upgrade"]),
        ("downgrade", &["downgrade", "-1"]),
        ("cache clear", &["cache", "clear"]),
        ("drift", &["drift"]),
        ("verify", &["verify"]),
        ("doctor", &["doctor"]),
    ];
    for (command, args) in runs {
        let out = p.retort(&[args, &["--json"]].concat());
        let printed: std::collections::BTreeSet<String> =
            out.json().as_object().expect("an object").keys().cloned().collect();
        assert_eq!(printed, documented_keys(shapes[command]), "`{command} --json`: {}", out.stdout);
    }
}
