//! Protected environments need a confirmation naming them.
use crate::common::*;

#[test]
fn protected_environment_needs_confirmation_naming_it() {
    let p = Project::new();
    chain(&p, 1);
    let cfg = std::fs::read_to_string(p.path().join("retort.toml")).unwrap()
        + "\n[env.prod]\nurl = \"sqlite://prod.db\"\nprotected = true\n";
    std::fs::write(p.path().join("retort.toml"), cfg).unwrap();
    p.retort(&["--env", "prod", "upgrade"]).fails_with(11, "--confirm-env prod");
    p.retort(&["--env", "prod", "upgrade", "--confirm-env", "dev"]).fails_with(11, "protected");
    assert!(!p.path().join("prod.db").exists(), "nothing was touched");
    let r = p.retort(&["--env", "prod", "upgrade", "--confirm-env", "prod"]).ok();
    assert!(
        r.stderr.contains("env prod (sqlite://prod.db)"),
        "names the environment first:\n{}",
        r.stderr
    );
    p.retort_env(&["downgrade", "base"], &[("RETORT_ENV", "prod")]).fails_with(11, "downgrade");
    p.retort_env(&["stamp", "base"], &[("RETORT_ENV", "prod")]).fails_with(11, "stamp");
    // Reads are fine.
    p.retort(&["--env", "prod", "current"]).ok();
    p.retort(&["--env", "prod", "status"]).ok();
}
