//! Database URLs: schema options, and passwords that never appear in any output or command line.
use crate::common::*;

#[test]
fn urls_schema_option_mismatch_and_redaction() {
    let p = Project::new();
    chain(&p, 1);
    // A URL of another engine than retort.toml's dialect is refused.
    p.retort_env(&["upgrade"], &[("DATABASE_URL", "postgres://u@127.0.0.1:5432/x")])
        .fails_with(3, "dialect = \"sqlite\"");
    // Passwords never appear, in errors either.
    let r =
        p.retort_env(&["current"], &[("DATABASE_URL", "postgres://bob:secretpw@127.0.0.1:1/db")]);
    assert!(!r.stderr.contains("secretpw") && r.stderr.contains("bob:****@"), "{}", r.stderr);
    assert_eq!(r.code, 3, "{}", r.stderr); // the dialect mismatch is found first
    let cfg = std::fs::read_to_string(p.path().join("retort.toml"))
        .unwrap()
        .replace("dialect = \"sqlite\"", "dialect = \"postgres\"");
    std::fs::write(p.path().join("retort.toml"), cfg).unwrap();
    let r =
        p.retort_env(&["current"], &[("DATABASE_URL", "postgres://bob:secretpw@127.0.0.1:1/db")]);
    assert_eq!(r.code, 8, "{}", r.stderr);
    assert!(!r.stderr.contains("secretpw") && r.stderr.contains("bob:****@"), "{}", r.stderr);

    if engine_names().contains(&"postgres") {
        let p = Project::on("postgres");
        chain(&p, 2);
        p.exec("CREATE SCHEMA app");
        let url = format!("{}?schema=app", p.db.url);
        p.retort_env(&["upgrade"], &[("DATABASE_URL", &url)]).ok();
        assert_eq!(p.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'app'"), vec!["4"]);
        assert_eq!(
            p.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"),
            vec!["0"]
        );
        let r = p
            .retort_env(&["current"], &[("DATABASE_URL", &format!("{}?schema=nope", p.db.url))])
            .fails_with(8, "schema \"nope\" does not exist");
        assert!(r.stderr.contains("retort_test_"));
    }
}

/// Passwords with characters that end a URL's authority (`/`,
/// `#`, `?`, `@`) or are percent-encoded never appear in any command's output, human or
/// `--json`, success or error; and the client tools get the password through the
/// environment, never on their command line.
#[test]
fn nasty_passwords_never_appear_in_any_output_or_command_line() {
    const PASSWORDS: [&str; 5] =
        ["Alpha7/Bravo8", "Charlie9#Delta0", "Echo1@Foxtrot2", "Golf3?Hotel4", "India5%2FJuliet6"];
    // Every run of 4+ letters/digits of the password is a secret on its own.
    fn leaks(text: &str, pw: &str) -> Option<String> {
        pw.split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|s| s.len() >= 4)
            .find(|s| text.contains(s))
            .map(String::from)
    }
    let mut cases: Vec<(&str, String, &str)> = Vec::new();
    for pw in PASSWORDS {
        // An unreachable server: errors must not print it either.
        cases.push(("postgres", format!("postgres://bob:{pw}@127.0.0.1:1/db"), pw));
        cases.push(("mysql", format!("mysql://bob:{pw}@127.0.0.1:1/db"), pw));
    }
    let pg = engine_names().contains(&"postgres").then(|| Project::on("postgres"));
    if let Some(p) = &pg {
        chain(p, 2);
        // Trust authentication accepts any password: the commands really run.
        let base = p.db.url.strip_prefix("postgres://postgres@").unwrap().to_string();
        for pw in PASSWORDS {
            cases.push(("postgres", format!("postgres://postgres:{pw}@{base}"), pw));
        }
    }
    let commands: [&[&str]; 12] = [
        &["status"],
        &["status", "--json"],
        &["-v", "current"],
        &["current", "--json"],
        &["upgrade"],
        &["downgrade", "-1"],
        &["doctor"],
        &["check"],
        &["drift"],
        &["verify", "--json"],
        &["backup"],
        &["stamp", "head"],
    ];
    let fake_bin = tempfile::tempdir().unwrap();
    let record = fake_bin.path().join("calls.txt");
    for tool in ["pg_dump", "mariadb-dump", "mysqldump"] {
        let script = fake_bin.path().join(tool);
        std::fs::write(&script, format!("#!/bin/sh\necho \"argv: $*\" >> '{}'\necho \"PGPASSWORD=$PGPASSWORD MYSQL_PWD=$MYSQL_PWD\" >> '{}'\nexit 1\n", record.display(), record.display())).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!("{}:{}", fake_bin.path().display(), std::env::var("PATH").unwrap());
    for (engine, url, pw) in &cases {
        let p = match (engine, &pg) {
            (&"postgres", Some(p)) if !url.contains(":1/") => p,
            _ => &Project::new(),
        };
        if p.engine() == "sqlite" {
            let cfg = std::fs::read_to_string(p.path().join("retort.toml"))
                .unwrap()
                .replace("dialect = \"sqlite\"", &format!("dialect = \"{engine}\""));
            std::fs::write(p.path().join("retort.toml"), cfg).unwrap();
        }
        for cmd in commands {
            let r = p.retort_env(cmd, &[("DATABASE_URL", url), ("PATH", &path)]);
            let all = format!("{}\n{}", r.stdout, r.stderr);
            assert!(r.code != 101, "{cmd:?} panicked: {all}");
            if let Some(leak) = leaks(&all, pw) {
                panic!("{cmd:?} with {engine} password {pw:?} printed `{leak}`:\n{all}");
            }
        }
    }
    let calls = std::fs::read_to_string(&record).unwrap_or_default();
    for line in calls.lines().filter(|l| l.starts_with("argv:")) {
        for pw in PASSWORDS {
            assert!(
                leaks(line, pw).is_none(),
                "a client tool got the password on its command line: {line}"
            );
        }
    }
    if pg.is_some() {
        assert!(
            calls.contains("PGPASSWORD=Alpha7/Bravo8"),
            "pg_dump gets the password in its environment:\n{calls}"
        );
    }
}
