//! The benchmark harness stays runnable (a smoke run).

#[test]
fn benchmark_harness_smoke_run() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("BENCHMARKS.md");
    let status = std::process::Command::new("python3")
        .current_dir(&root)
        .args([
            "bench/run.py",
            "--smoke",
            "--runs",
            "1",
            "--no-alembic",
            "--engines",
            "sqlite",
            "--out",
        ])
        .arg(&report)
        .arg("--retort")
        .arg(assert_cmd::cargo::cargo_bin("retort"))
        .env_remove("DATABASE_URL")
        .status()
        .expect("python3 runs the harness");
    assert!(status.success());
    let text = std::fs::read_to_string(&report).unwrap();
    for workload in [
        "start-up: --version",
        "start-up: current at head",
        "history (100 revs)",
        "heads (100 revs)",
        "upgrade head (30 revs), tx per revision",
        "upgrade head (30 revs), one tx",
        "downgrade base (30 revs)",
        "fleet at head: upgrade --all (20 targets)",
        "autogenerate 20 tables, empty head",
        "autogenerate 20 tables, nothing to change",
        "autogenerate, real schema (12 tables, 1 views, 30 revs), nothing to change, cold cache",
        "autogenerate, real schema (12 tables, 1 views, 30 revs), one new table (verified)",
        "rehearse (2000 rows, type change): the copy",
        "rehearse (2000 rows, type change): the run, vs a plain upgrade of a copy",
    ] {
        assert!(text.contains(workload), "report lacks `{workload}`:\n{text}");
    }
    // Ratios against the engine's own client are computed.
    assert!(
        text.lines()
            .any(|l| l.contains("upgrade head (30 revs), tx per revision") && l.contains('x')),
        "{text}"
    );
}
