//! `retort lint` on risky revisions, with ignores.
use crate::common::*;

#[test]
fn lint_command_flags_risky_revisions_and_honours_ignores() {
    let p = Project::on(if engine_names().contains(&"postgres") { "postgres" } else { "sqlite" });
    p.write_rev(
        "aaaa00000001",
        &[],
        "create",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);",
        "DROP TABLE users;",
    );
    p.write_rev("bbbb00000001", &["aaaa00000001"], "risky", "ALTER TABLE users ADD COLUMN code TEXT NOT NULL;\n-- lint:ignore drop-column\nALTER TABLE users DROP COLUMN name;", "");
    let r = p.retort(&["lint"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    // On PostgreSQL the rules come from squawk, under squawk's names; the
    // retort name in `lint:ignore` still silences the rule that replaced it.
    let (not_null, drop) = if p.engine() == "postgres" {
        ("adding-required-field", "ban-drop-column")
    } else {
        ("add-not-null-without-default", "drop-column")
    };
    assert!(r.stdout.contains(&format!("error[{not_null}]")), "{}", r.stdout);
    assert!(r.stdout.contains("bbbb00000001_risky.sql:7"), "names file and line:\n{}", r.stdout);
    assert!(r.stdout.contains("[missing-downgrade]"));
    assert!(!r.stdout.contains(&format!("[{drop}]")), "ignored by the comment:\n{}", r.stdout);
    assert!(r.stdout.contains("fix: ") && r.stdout.contains("why: "));
    if p.engine() == "postgres" {
        // squawk's own finding names, with retort's output and line numbers.
        assert!(
            !r.stdout.contains("[prefer-robust-stmts]")
                && r.stdout.contains("bbbb00000001_risky.sql:7: error[adding-required-field]"),
            "{}",
            r.stdout
        );
    }
    let clean = p.retort(&["lint", "aaaa00000001", "--json"]).ok().json();
    assert_eq!(clean["errors"], false);
    // A range finds what the whole-graph lint finds.
    let all = p.retort(&["lint", "--json"]).json();
    for range in ["base:head", ":head", "aaaa00000001:", "base:bbbb00000001"] {
        let ranged = p.retort(&["lint", range, "--json"]).json();
        assert_eq!(ranged["diagnostics"], all["diagnostics"], "lint {range}");
    }
}
