//! One schema, many databases: a fleet rolled out in parallel, stopped, continued and resumed.
use crate::common::*;

/// A fleet — 50 SQLite files (a `targets` list), 20 PostgreSQL schemas (names
/// from `targets_query` on a control table) and 10 MariaDB databases (`urls`) — upgraded
/// with `--parallel`. One target fails: by default the rollout stops starting new targets;
/// `--continue-on-error --resume` finishes the rest; once the failure is repaired,
/// `--resume` runs only it; a fleet already at head costs a precheck per target.
#[test]
fn a_fleet_is_rolled_out_in_parallel_stopped_continued_and_resumed() {
    for engine in engine_names() {
        let p = Project::on(engine);
        let ids = chain(&p, 3);
        let mut extra = Vec::new(); // MariaDB databases, dropped with the test
        let (names, section, bad) = match engine {
            "sqlite" => {
                let names: Vec<String> = (0..50).map(|i| format!("t{i:02}")).collect();
                std::fs::create_dir_all(p.path().join("tenants")).unwrap();
                let list = names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ");
                (
                    names,
                    format!("url = \"sqlite://tenants/{{target}}.db\"\ntargets = [{list}]\n"),
                    "t07".to_string(),
                )
            }
            "postgres" => {
                let names: Vec<String> = (0..20).map(|i| format!("s{i:02}")).collect();
                p.exec("CREATE TABLE tenants (name TEXT)");
                for n in &names {
                    p.exec(&format!("CREATE SCHEMA {n}"));
                    p.exec(&format!("INSERT INTO tenants VALUES ('{n}')"));
                }
                (names, format!("url = \"{}?schema={{target}}\"\ntargets_query = \"SELECT name FROM tenants ORDER BY name\"\ncontrol_url = \"{}\"\n", p.db.url, p.db.url), "s05".to_string())
            }
            _ => {
                for _ in 0..10 {
                    extra.push(crate::common::servers::TestDb::new("mysql", p.path()));
                }
                let names: Vec<String> =
                    extra.iter().map(|d| d.url.rsplit('/').next().unwrap().to_string()).collect();
                let list =
                    extra.iter().map(|d| format!("\"{}\"", d.url)).collect::<Vec<_>>().join(", ");
                let bad = names[3].clone();
                (names, format!("urls = [{list}]\n"), bad)
            }
        };
        let config = p.path().join("retort.toml");
        let mut text = std::fs::read_to_string(&config).unwrap();
        text.push_str(&format!("\n[env.fleet]\n{section}"));
        std::fs::write(&config, text).unwrap();
        // The bad target already has table t2, so revision 2 fails there.
        let on_bad = |sql: &str| {
            let url = match engine {
                "sqlite" => format!("sqlite://tenants/{bad}.db"),
                "postgres" => format!("{}?schema={bad}", p.db.url),
                _ => extra[3].url.clone(),
            };
            retort::connect(&retort::RedactedUrl::new(url), p.path())
                .unwrap()
                .execute(sql)
                .unwrap();
        };
        on_bad("CREATE TABLE t2 (id INTEGER)");
        let fleet = |args: &[&str]| {
            let mut all = vec!["--env", "fleet", "--json"];
            all.extend_from_slice(args);
            p.retort(&all)
        };
        let count = |report: &serde_json::Value, status: &str| {
            report["results"].as_array().unwrap().iter().filter(|r| r["status"] == status).count()
        };

        let r = fleet(&["upgrade", "--all", "--parallel", "4"]);
        assert_eq!(r.code, 16, "[{engine}] {}\n{}", r.stdout, r.stderr);
        let report = r.json();
        assert_eq!(report["results"].as_array().unwrap().len(), names.len(), "[{engine}]");
        assert_eq!(count(&report, "failed"), 1, "[{engine}] {report}");
        let failed =
            report["results"].as_array().unwrap().iter().find(|r| r["status"] == "failed").unwrap();
        assert_eq!(failed["target"], bad.as_str());
        assert!(failed["error"].as_str().unwrap().contains("t2"), "[{engine}] {failed}");
        // Revision 2 fails at its first statement: nothing of it stayed, on MySQL too (not
        // dirty), and the first revision stayed.
        assert!(!failed["error"].as_str().unwrap().contains("DIRTY"), "[{engine}] {failed}");
        assert_eq!(
            (failed["before"].clone(), failed["after"].clone()),
            (serde_json::json!([]), serde_json::json!([ids[0]])),
            "[{engine}] the first revision stayed: {failed}"
        );
        if engine == "sqlite" {
            assert!(
                count(&report, "not_run") > 0,
                "[{engine}] stops starting new targets: {report}"
            );
        }

        let r = fleet(&["upgrade", "--all", "--parallel", "4", "--continue-on-error", "--resume"]);
        assert_eq!(r.code, 16, "[{engine}] {}", r.stderr);
        let report = r.json();
        assert_eq!(
            (count(&report, "failed"), count(&report, "not_run")),
            (1, 0),
            "[{engine}] {report}"
        );
        for t in
            report["results"].as_array().unwrap().iter().filter(|t| t["target"] != bad.as_str())
        {
            assert_eq!(t["after"], serde_json::json!([ids[2]]), "[{engine}] {t}");
        }

        // Repaired: --resume runs the one target left.
        on_bad("DROP TABLE t2");
        let r = fleet(&["upgrade", "--all", "--resume"]);
        assert_eq!(r.code, 0, "[{engine}] {}", r.stderr);
        let report = r.json();
        assert_eq!(count(&report, "ok"), 1, "[{engine}] {report}");
        assert_eq!(count(&report, "skipped"), names.len() - 1);

        // At head everywhere: a precheck per target, nothing runs; every catalog agrees.
        let report = fleet(&["upgrade", "--all"]).ok().json();
        assert_eq!(count(&report, "skipped"), names.len(), "[{engine}] {report}");
        let current = fleet(&["current", "--targets", "*"]).ok().json();
        for t in current["results"].as_array().unwrap() {
            assert_eq!(t["after"], serde_json::json!([ids[2]]), "[{engine}] {t}");
        }
        // Status, checksums, check and drift over the fleet: one target drifted fails, by name.
        let st = fleet(&["status", "--all"]).ok().json();
        assert!(
            st["results"].as_array().unwrap().iter().all(|t| t["pending"] == 0),
            "[{engine}] {st}"
        );
        fleet(&["verify", "--all"]).ok();
        fleet(&["check", "--targets", "*"]).ok();
        on_bad("CREATE TABLE drifted (id INTEGER)");
        let r = fleet(&["drift", "--target", &names[0], "--target", &bad]);
        assert_eq!(r.code, 16, "[{engine}] {}", r.stderr);
        let report = r.json();
        assert_eq!(count(&report, "ok"), 1, "[{engine}] {report}");
        let drifted =
            report["results"].as_array().unwrap().iter().find(|t| t["status"] == "failed").unwrap();
        assert!(
            drifted["target"] == bad.as_str()
                && drifted["error"].as_str().unwrap().contains("drifted"),
            "[{engine}] {drifted}"
        );
        // A subset by glob, and a fleet environment without a selection is refused.
        let some =
            fleet(&["current", "--targets", &format!("{}*", &names[0][..names[0].len() - 1])])
                .ok()
                .json();
        assert!(
            !some["results"].as_array().unwrap().is_empty()
                && some["results"].as_array().unwrap().len() < names.len(),
            "[{engine}] {some}"
        );
        let r = p.retort(&["--env", "fleet", "upgrade"]);
        assert_eq!(r.code, 2, "[{engine}] {}", r.stderr);
        assert!(r.stderr.contains("--all"), "[{engine}] {}", r.stderr);
        drop(extra);
    }
}
