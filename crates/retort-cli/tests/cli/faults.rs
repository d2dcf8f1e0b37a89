//! Faults: Ctrl-C and other signals, a full disk, a read-only database, a revision too large, and `kill -9` at random points of an upgrade.
use crate::common::*;

/// Runs the built binary in `p`, sends it SIGINT after `delay`, and returns its exit code
/// (None: killed by the signal) and stderr.
fn interrupted_run(
    p: &Project,
    args: &[&str],
    delay: std::time::Duration,
) -> (Option<i32>, String, u32) {
    signalled_run(p, args, delay, "INT")
}

/// As [`interrupted_run`], with another signal (`TERM`, `HUP`: a service manager stopping
/// the deploy, a closed terminal).
fn signalled_run(
    p: &Project,
    args: &[&str],
    delay: std::time::Duration,
    signal: &str,
) -> (Option<i32>, String, u32) {
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("retort"))
        .current_dir(p.path())
        .env_remove("DATABASE_URL")
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    std::thread::sleep(delay);
    let _ =
        std::process::Command::new("kill").args([&format!("-{signal}"), &pid.to_string()]).status();
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned(), pid)
}

/// Scratch databases a process left on the servers, from their own catalogs.
fn scratch_left_by(pid: u32) -> Vec<String> {
    let prefix = format!("retort_scratch_{pid}_");
    let mut left = Vec::new();
    for engine in engine_names() {
        let Some(url) = crate::common::servers::admin_url(engine) else { continue };
        let mut c =
            retort::connect(&retort::RedactedUrl::new(url), std::path::Path::new(".")).unwrap();
        left.extend(c.scratch_databases().unwrap().into_iter().filter(|n| n.starts_with(&prefix)));
    }
    left
}

/// Ctrl-C — and SIGTERM and SIGHUP, as a service manager or a closed terminal sends them
/// — during `migrate` (and `check`) on a server cancels cleanly: exit 130, "interrupted"
/// (not an error blaming the models or the URL), no revision written, and no scratch
/// database left on the server.
#[test]
fn ctrl_c_during_autogenerate_cancels_cleanly() {
    for engine in engine_names().into_iter().filter(|e| *e != "sqlite") {
        let p = Project::on(engine);
        let tables: Vec<String> = (0..300)
            .map(|i| if i == 0 { "CREATE TABLE t0 (id INTEGER PRIMARY KEY);".to_string() } else { format!("CREATE TABLE t{i} (id INTEGER PRIMARY KEY, a TEXT, b INTEGER REFERENCES t{} (id));", i - 1) })
            .collect();
        std::fs::write(p.path().join("models.sql"), tables.join("\n")).unwrap();
        for signal in ["INT", "TERM", "HUP"] {
            let mut interrupted = 0;
            for (n, ms) in [150u64, 300, 600, 1200].into_iter().enumerate() {
                let cmd: &[&str] = if n % 2 == 0 { &["migrate", "-m", "big"] } else { &["check"] };
                let (code, stderr, pid) =
                    signalled_run(&p, cmd, std::time::Duration::from_millis(ms), signal);
                let files: Vec<_> = std::fs::read_dir(p.path().join("migrations/versions"))
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .filter(|f| f.extension().is_some_and(|x| x == "sql"))
                    .collect();
                match code {
                    Some(130) => {
                        interrupted += 1;
                        assert!(stderr.contains("interrupted"), "[{engine}] SIG{signal} {cmd:?} after {ms} ms: {stderr}");
                        assert!(!stderr.contains("models.sql:") && !stderr.contains("cannot connect"), "[{engine}] blames the wrong thing: {stderr}");
                        assert!(files.is_empty(), "[{engine}] interrupted migrate wrote {files:?}");
                    }
                    // Finished before the signal arrived: a normal result.
                    Some(0) | Some(1) => {
                        for f in files {
                            std::fs::remove_file(f).unwrap();
                        }
                    }
                    other => panic!("[{engine}] SIG{signal} {cmd:?} after {ms} ms ended with {other:?}: {stderr}"),
                }
                assert_eq!(
                    scratch_left_by(pid),
                    Vec::<String>::new(),
                    "[{engine}] SIG{signal}: scratch left after {ms} ms"
                );
            }
            assert!(
                interrupted > 0,
                "[{engine}] SIG{signal}: no run was interrupted; the workload is too small to test"
            );
        }
    }
}

/// The first Ctrl-C during an upgrade lets the running revision finish
/// and stops before the next one, so MariaDB is not left DIRTY; `upgrade` then continues.
#[test]
fn ctrl_c_during_upgrade_stops_between_revisions() {
    for engine in engine_names() {
        let p = Project::on(engine);
        let sleep = match engine {
            "postgres" => "SELECT pg_sleep(0.1);",
            "mysql" => "SELECT SLEEP(0.1);",
            _ => "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) SELECT count(*) FROM c;",
        };
        let mut prev: Vec<String> = Vec::new();
        for i in 1..=20 {
            let id = format!("{i:0>4}bbbb{i:0>4}");
            let down: Vec<&str> = prev.iter().map(|s| s.as_str()).collect();
            p.write_rev(
                &id,
                &down,
                &format!("r{i}"),
                &format!(
                    "CREATE TABLE t{i} (id INTEGER);\n{sleep}\nCREATE TABLE u{i} (id INTEGER);"
                ),
                &format!("DROP TABLE u{i};\nDROP TABLE t{i};"),
            );
            prev = vec![id];
        }
        let (code, stderr, _) =
            interrupted_run(&p, &["upgrade"], std::time::Duration::from_millis(700));
        assert_eq!(code, Some(130), "[{engine}] {stderr}");
        assert!(stderr.contains("interrupted after applying"), "[{engine}] {stderr}");
        let rows = p.version_rows();
        assert_eq!(rows.len(), 1, "[{engine}] stopped at a revision: {stderr}");
        // Every revision is whole: its two tables both exist or neither does.
        let tables = p.tables();
        for i in 1..=20 {
            assert_eq!(
                tables.contains(&format!("t{i}")),
                tables.contains(&format!("u{i}")),
                "[{engine}] revision r{i} cut in half: {tables:?}"
            );
        }
        let status = p.retort(&["status"]).ok();
        assert!(!status.stdout.to_lowercase().contains("dirty"), "[{engine}] {}", status.stdout);
        p.retort(&["upgrade"]).ok();
        assert_eq!(p.version_rows(), vec!["0020bbbb0020"]);
    }
}

/// A full disk and a read-only database are told apart from a bad
/// statement: the revision is named, the hint says what to fix, nothing is half applied.
/// SQLite runs on a tiny tmpfs (needs root, as on the CI machines; skipped loudly
/// otherwise); PostgreSQL turns read-only with default_transaction_read_only.
#[test]
fn full_disk_and_read_only_database_name_the_cause() {
    let p = Project::new();
    let mnt = p.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=384k", "tmpfs"])
        .arg(&mnt)
        .status()
        .is_ok_and(|s| s.success());
    if mounted {
        struct Unmount(std::path::PathBuf);
        impl Drop for Unmount {
            fn drop(&mut self) {
                let _ = std::process::Command::new("umount").arg(&self.0).status();
            }
        }
        let _guard = Unmount(mnt.clone());
        let url = format!("sqlite://{}/app.db", mnt.display());
        p.write_rev("aaaa00000001", &[], "small", "CREATE TABLE small (v TEXT);\nINSERT INTO small WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) SELECT printf('%0100d', x) FROM c;", "DROP TABLE small;");
        p.write_rev("bbbb00000001", &["aaaa00000001"], "big", "CREATE TABLE big (v TEXT);\nINSERT INTO big WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) SELECT printf('%0100d', x) FROM c;", "DROP TABLE big;");
        p.retort_env(&["upgrade", "aaaa00000001"], &[("DATABASE_URL", &url)]).ok();
        let r = p.retort_env(&["upgrade"], &[("DATABASE_URL", &url)]).fails_with(7, "bbbb00000001");
        assert!(
            r.stderr.contains("disk")
                && r.stderr.contains("free space")
                && !r.stderr.contains("fix the statement"),
            "{}",
            r.stderr
        );
        assert_eq!(
            p.retort_env(&["current", "--json"], &[("DATABASE_URL", &url)]).ok().json()["current"]
                [0],
            "aaaa00000001"
        );
        // Item 17: a backup that fills the disk says so (it said "not an error").
        let backups = p.path().join("backups-mnt");
        std::fs::create_dir(&backups).unwrap();
        assert!(std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=16k", "tmpfs"])
            .arg(&backups)
            .status()
            .unwrap()
            .success());
        let _guard2 = Unmount(backups.clone());
        let cfg = std::fs::read_to_string(p.path().join("retort.toml"))
            .unwrap()
            .replace("[project]\n", "[project]\nbackup_dir = \"backups-mnt\"\n");
        std::fs::write(p.path().join("retort.toml"), cfg).unwrap();
        let r = p.retort_env(&["backup"], &[("DATABASE_URL", &url)]);
        assert_eq!(r.code, 12, "{}", r.stderr);
        assert!(r.stderr.contains("full") && !r.stderr.contains("not an error"), "{}", r.stderr);
        assert_eq!(std::fs::read_dir(&backups).unwrap().count(), 0, "no partial backup left");
        // Read-only: the same revision, now on a read-only mount.
        assert!(std::process::Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&mnt)
            .status()
            .unwrap()
            .success());
        let r = p.retort_env(&["upgrade"], &[("DATABASE_URL", &url)]);
        assert!(r.code == 7 || r.code == 12, "{}", r.stderr);
        assert!(
            r.stderr.contains("read-only") && !r.stderr.contains("fix the statement"),
            "{}",
            r.stderr
        );
    } else {
        eprintln!("\n!!!!! SKIPPING the SQLite full-disk test: cannot mount a tmpfs here (needs root) !!!!!\n");
    }
    if engine_names().contains(&"postgres") {
        let p = Project::on("postgres");
        let ids = chain(&p, 2);
        p.retort(&["upgrade", &ids[0]]).ok();
        let db = p.db.url.rsplit('/').next().unwrap().to_string();
        p.exec(&format!("ALTER DATABASE {db} SET default_transaction_read_only = on"));
        let r = p.retort(&["upgrade"]);
        assert!(r.code == 7 || r.code == 12, "{}", r.stderr);
        assert!(
            r.stderr.contains("read-only")
                && r.stderr.contains("replica")
                && !r.stderr.contains("fix the statement"),
            "{}",
            r.stderr
        );
        let mut admin = retort::connect(
            &retort::RedactedUrl::new(crate::common::servers::pg_admin_url()),
            std::path::Path::new("."),
        )
        .unwrap();
        admin
            .execute(&format!("ALTER DATABASE {db} SET default_transaction_read_only = off"))
            .unwrap();
        p.retort(&["upgrade"]).ok();
    }
}

/// A revision larger than MariaDB's max_allowed_packet is refused before
/// any of it runs, naming the setting to raise, instead of a raw CodecError (and a dirty
/// database).
#[test]
fn a_revision_too_large_for_the_server_is_refused_cleanly() {
    if !engine_names().contains(&"mysql") {
        return;
    }
    let p = Project::on("mysql");
    let ids = chain(&p, 1);
    p.retort(&["upgrade"]).ok();
    let filler = "-- ".to_string() + &"x".repeat(100) + "\n";
    let big = format!("CREATE TABLE big (id INTEGER);\n{}", filler.repeat(200_000));
    p.write_rev("bbbb00000001", &[&ids[0]], "big", &big, "DROP TABLE big;");
    let r = p.retort(&["upgrade"]).fails_with(13, "max_allowed_packet");
    assert!(
        r.stderr.contains("bbbb00000001")
            && r.stderr.contains("SET GLOBAL max_allowed_packet")
            && !r.stderr.contains("CodecError"),
        "{}",
        r.stderr
    );
    assert_eq!(p.version_rows(), vec![ids[0].clone()]);
    assert!(!p.tables().contains(&"big".to_string()), "nothing of it ran");
    p.retort(&["status"]).ok();
}

/// A tiny deterministic generator (xorshift64*), so the kill points are reproducible from
/// the seed printed on failure without another dependency.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// The fault suite: `kill -9` at seeded random points of an upgrade of 100 revisions,
/// ten times per engine. Afterwards `status` answers, the database is at a consistent
/// revision (each revision's table exists exactly up to the recorded one; on MySQL a
/// revision cut in half is reported dirty and resolved as the table shows), and
/// `upgrade head` finishes the job. Seed: RETORT_FAULT_SEED (printed on failure).
#[test]
fn kill_9_during_upgrade_leaves_a_consistent_database() {
    let seed: u64 =
        std::env::var("RETORT_FAULT_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_2026);
    let mut rng = Seeded(seed);
    const N: usize = 100;
    let write_chain = |p: &Project| -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for i in 1..=N {
            let id = format!("{i:0>4}cccc{i:0>4}");
            let down: Vec<&str> = ids.last().map(|s| vec![s.as_str()]).unwrap_or_default();
            p.write_rev(
                &id,
                &down,
                &format!("k{i}"),
                &format!("CREATE TABLE k{i} (id INTEGER);"),
                &format!("DROP TABLE k{i};"),
            );
            ids.push(id);
        }
        ids
    };
    for engine in engine_names() {
        // How long a whole run takes here, so the kill points spread over it.
        let probe = Project::on(engine);
        write_chain(&probe);
        let started = std::time::Instant::now();
        probe.retort(&["upgrade"]).ok();
        let full = started.elapsed().as_millis().max(50) as u64;
        drop(probe);
        for round in 0..10 {
            let p = Project::on(engine);
            let ids = write_chain(&p);
            let delay = 20 + rng.next() % full;
            let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("retort"))
                .current_dir(p.path())
                .env_remove("DATABASE_URL")
                .args(["upgrade"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(std::time::Duration::from_millis(delay));
            let _ = child.kill(); // SIGKILL
            let _ = child.wait();
            let ctx =
                format!("[{engine}] seed {seed} round {round}, killed after {delay} of ~{full} ms");
            // The server releases a killed run's session lock when it notices the closed
            // connection, which on a loaded machine can take a moment; until then status
            // rightly says another run is applying the revision.
            let mut status = p.retort(&["status", "--json"]);
            for _ in 0..100 {
                if status.code != 0 || status.json()["in_progress"].is_null() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
                status = p.retort(&["status", "--json"]);
            }
            assert!(status.json()["in_progress"].is_null(), "{ctx}: the killed run's lock stayed");
            if status.code == 6 {
                // Only a non-transactional engine may be left mid-revision, and it says so.
                assert_eq!(engine, "mysql", "{ctx}: {}", status.stderr);
                assert!(
                    status.json()["error"].as_str().unwrap_or_default().contains("dirty"),
                    "{ctx}: {}",
                    status.stdout
                );
                let dirty = p.query("SELECT revision FROM retort_log WHERE status = 'in_progress'");
                let i: usize = dirty[0][..4].parse().unwrap();
                let made = p.tables().contains(&format!("k{i}"));
                p.retort(&["resolve", if made { "--applied" } else { "--reverted" }]).ok();
            } else {
                assert_eq!(status.code, 0, "{ctx}: {}", status.stderr);
            }
            let rows = p.version_rows();
            assert!(rows.len() <= 1, "{ctx}: {rows:?}");
            let at =
                rows.first().map(|r| ids.iter().position(|i| i == r).unwrap() + 1).unwrap_or(0);
            let tables = p.tables();
            for i in 1..=N {
                assert_eq!(
                    tables.contains(&format!("k{i}")),
                    i <= at,
                    "{ctx}: at revision {at}, table k{i}"
                );
            }
            p.retort(&["upgrade", "head"]).ok();
            assert_eq!(p.version_rows(), vec![ids[N - 1].clone()], "{ctx}");
            let ups = p.query("SELECT count(*) FROM retort_log WHERE direction = 'up' AND status IN ('ok', 'resolved-ok')");
            assert_eq!(ups, vec![N.to_string()], "{ctx}: each revision logged once");
        }
    }
}
