//! The revision graph as a user moves through it: chains, relative and partial targets, branches, labels, merges, depends_on, and the drawings of it.
use crate::common::*;

#[test]
fn linear_chain_up_and_down() {
    for engine in engine_names() {
        let p = Project::on(engine);
        let ids = chain(&p, 3);
        p.retort(&["upgrade"]).ok();
        assert_eq!(p.version_rows(), vec![ids[2].clone()]);
        assert_eq!(p.tables(), vec!["alembic_version", "retort_log", "t1", "t2", "t3"]);
        let cur = p.retort(&["current"]).ok();
        assert!(cur.stdout.contains(&format!("{} (head)", ids[2])));

        p.retort(&["downgrade", "-1"]).ok();
        assert_eq!(p.version_rows(), vec![ids[1].clone()]);
        assert!(!p.tables().contains(&"t3".to_string()));

        p.retort(&["downgrade", "base"]).ok();
        assert!(p.version_rows().is_empty());
        assert_eq!(p.tables(), vec!["alembic_version", "retort_log"]);

        // The log holds every step with the file's text and checksum.
        let log = p.query("SELECT concat(direction, ':', revision) FROM retort_log ORDER BY id");
        assert_eq!(log.len(), 3 + 1 + 2);
        assert_eq!(log[3], format!("down:{}", ids[2]));
        let script = p
            .query(&format!("SELECT script FROM retort_log WHERE revision = '{}' LIMIT 1", ids[0]));
        assert!(script[0].contains("CREATE TABLE t1"));
    }
}

#[test]
fn relative_and_partial_targets() {
    for engine in engine_names() {
        let p = Project::on(engine);
        let ids = chain(&p, 4);
        p.retort(&["upgrade", "+2"]).ok();
        assert_eq!(p.version_rows(), vec![ids[1].clone()]);
        p.retort(&["upgrade", "+1"]).ok();
        assert_eq!(p.version_rows(), vec![ids[2].clone()]);
        p.retort(&["downgrade", "head-3"]).ok();
        assert_eq!(p.version_rows(), vec![ids[0].clone()]);
        // Unambiguous partial id.
        p.retort(&["upgrade", &ids[3][..4]]).ok();
        assert_eq!(p.version_rows(), vec![ids[3].clone()]);
        // Ambiguous partial id lists the candidates.
        let r = p.retort(&["downgrade", "000"]).fails_with(5, "ambiguous");
        assert!(r.stderr.contains(&ids[0]) && r.stderr.contains(&ids[3]));
        // Out of range.
        p.retort(&["upgrade", "+1"]).fails_with(5, "past the head");
        p.retort(&["downgrade", "-5"]).fails_with(5, "below base");
        p.retort(&["upgrade", "nosuchrev"]).fails_with(5, "can't locate revision `nosuchrev`");
    }
}

#[test]
fn branches_labels_merge_and_downgrade_through_merge() {
    for engine in engine_names() {
        let p = Project::on(engine);
        p.write_rev(
            "aaaa00000001",
            &[],
            "root",
            "CREATE TABLE root (id INTEGER);",
            "DROP TABLE root;",
        );
        p.write_rev_labels(
            "bbbb00000001",
            &["aaaa00000001"],
            "billing",
            "CREATE TABLE billing (id INTEGER);",
            "DROP TABLE billing;",
            &["billing"],
        );
        p.write_rev(
            "bbbb00000002",
            &["bbbb00000001"],
            "billing two",
            "CREATE TABLE billing2 (id INTEGER);",
            "DROP TABLE billing2;",
        );
        p.write_rev_labels(
            "cccc00000001",
            &["aaaa00000001"],
            "search",
            "CREATE TABLE search (id INTEGER);",
            "DROP TABLE search;",
            &["search"],
        );

        let heads = p.retort(&["heads", "--json"]).ok().json();
        assert_eq!(heads["heads"].as_array().unwrap().len(), 2);
        let r = p.retort(&["upgrade"]).fails_with(5, "2 heads");
        assert!(r.stderr.contains("bbbb00000002") && r.stderr.contains("cccc00000001"));
        assert!(r.stderr.contains("retort merge heads"));

        p.retort(&["upgrade", "billing@head"]).ok();
        assert_eq!(p.version_rows(), vec!["bbbb00000002"]);
        p.retort(&["upgrade", "search"]).ok();
        assert_eq!(p.version_rows(), vec!["bbbb00000002", "cccc00000001"]);

        let branches = p.retort(&["branches", "--json"]).ok().json();
        assert_eq!(branches["branch_points"][0]["revision"], "aaaa00000001");

        p.retort(&["merge", "heads", "-m", "join billing and search", "--rev-id", "dddd00000001"])
            .ok();
        assert_eq!(
            p.retort(&["heads", "--json"]).ok().json()["heads"].as_array().unwrap().len(),
            1
        );
        p.retort(&["upgrade"]).ok();
        assert_eq!(p.version_rows(), vec!["dddd00000001"]);

        // Downgrading the merge splits the row again.
        p.retort(&["downgrade", "-1"]).ok();
        assert_eq!(p.version_rows(), vec!["bbbb00000002", "cccc00000001"]);
        // Downgrading one branch leaves the other alone.
        p.retort(&["downgrade", "bbbb00000001"]).ok();
        assert_eq!(p.version_rows(), vec!["bbbb00000001", "cccc00000001"]);
        assert!(
            p.tables().contains(&"search".to_string())
                && !p.tables().contains(&"billing2".to_string())
        );
        p.retort(&["downgrade", "base"]).ok();
        assert!(p.version_rows().is_empty());

        let hist = p.retort(&["history"]).ok();
        assert!(hist.stdout.lines().next().unwrap().contains("dddd00000001 (head) (mergepoint)"));
        let ranged = p.retort(&["history", "-r", "billing:bbbb00000002", "--json"]).ok().json();
        let revs: Vec<&str> = ranged["revisions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["revision"].as_str().unwrap())
            .collect();
        assert_eq!(revs, vec!["bbbb00000002", "bbbb00000001"]);
    }
}

#[test]
fn revision_command_builds_the_chain_and_refuses_two_heads() {
    let p = Project::new();
    p.retort(&["revision", "-m", "First one!", "--rev-id", "aaaa00000001"]).ok();
    assert!(p.path().join("migrations/versions/aaaa00000001_first_one.sql").is_file());
    p.retort(&["revision", "-m", "second"]).ok();
    p.retort(&["revision", "-m", "side", "--head", "aaaa00000001", "--branch-label", "side"]).ok();
    p.retort(&["revision", "-m", "ambiguous"]).fails_with(5, "needs one parent");
    p.retort(&["revision", "-m", "dup", "--rev-id", "aaaa00000001", "--head", "aaaa00000001"])
        .fails_with(4, "duplicate revision id");
    p.retort(&["revision", "-m", "new root", "--head", "base"]).ok();
    let heads = p.retort(&["heads", "--json"]).ok().json();
    assert_eq!(heads["heads"].as_array().unwrap().len(), 3);
    let show = p.retort(&["show", "side", "--json"]).ok().json();
    assert_eq!(show["down_revisions"][0], "aaaa00000001");
    assert_eq!(show["branch_labels"][0], "side");
}

/// A→B→C→D, A→E, F = merge(D, E), each creating its own table.
fn merged_branches(p: &Project) {
    p.write_rev("aaaa00000000", &[], "a", "CREATE TABLE ta (id INTEGER);", "DROP TABLE ta;");
    p.write_rev(
        "bbbb00000000",
        &["aaaa00000000"],
        "b",
        "CREATE TABLE tb (id INTEGER);",
        "DROP TABLE tb;",
    );
    p.write_rev(
        "cccc00000000",
        &["bbbb00000000"],
        "c",
        "CREATE TABLE tc (id INTEGER);",
        "DROP TABLE tc;",
    );
    p.write_rev(
        "dddd00000000",
        &["cccc00000000"],
        "d",
        "CREATE TABLE td (id INTEGER);",
        "DROP TABLE td;",
    );
    p.write_rev(
        "eeee00000000",
        &["aaaa00000000"],
        "e",
        "CREATE TABLE te (id INTEGER);",
        "DROP TABLE te;",
    );
    p.write_rev(
        "ffff00000000",
        &["dddd00000000", "eeee00000000"],
        "f",
        "CREATE TABLE tf (id INTEGER);",
        "DROP TABLE tf;",
    );
}

/// A relative downgrade across a merge never reverts below a
/// revision it keeps (it used to revert B while C stayed recorded), and an upgrade to a
/// target below the current revision is refused instead of succeeding silently.
#[test]
fn relative_steps_across_a_merge_keep_schema_and_version_table_in_step() {
    for engine in engine_names() {
        let p = Project::on(engine);
        merged_branches(&p);
        p.retort(&["upgrade", "head"]).ok();
        let before = p.tables();
        p.retort(&["upgrade", "-1"]).fails_with(5, "below the current revision");
        // Two steps below a merge would have to choose a branch: refused, nothing touched.
        let r = p.retort(&["downgrade", "-2"]).fails_with(5, "ffff00000000");
        assert!(
            r.stderr.contains("ambiguous") && r.stderr.contains("retort downgrade"),
            "{}",
            r.stderr
        );
        assert_eq!(p.version_rows(), vec!["ffff00000000"]);
        assert_eq!(p.tables(), before);
        // One step below a merge undoes the merge: both parents become heads.
        p.retort(&["downgrade", "-1"]).ok();
        assert_eq!(p.version_rows(), vec!["dddd00000000", "eeee00000000"]);
        assert!(!p.tables().contains(&"tf".to_string()));
        // Naming the revision is the unambiguous way down one branch; B stays under C.
        p.retort(&["downgrade", "cccc00000000"]).ok();
        assert_eq!(p.version_rows(), vec!["cccc00000000", "eeee00000000"]);
        let tables = p.tables();
        for t in ["ta", "tb", "tc", "te"] {
            assert!(tables.contains(&t.to_string()), "{t} missing from {tables:?}");
        }
        assert!(!tables.contains(&"td".to_string()));

        // Item 2: upgrade to a target below the current revision: exit 5, nothing done.
        let r =
            p.retort(&["upgrade", "cccc00000000-1"]).fails_with(5, "below the current revision");
        assert!(r.stderr.contains("retort downgrade"), "{}", r.stderr);
        p.retort(&["upgrade", "bbbb00000000"]).fails_with(5, "upgrade only moves up");
        assert_eq!(p.version_rows(), vec!["cccc00000000", "eeee00000000"]);
        p.retort(&["upgrade", "--sql", "ffff00000000:bbbb00000000"])
            .fails_with(5, "below the current revision");
        // Upgrading to where the database already is stays a quiet no-op.
        p.retort(&["upgrade", "cccc00000000"]).ok();
        p.retort(&["upgrade", "head"]).ok();
        assert_eq!(p.version_rows(), vec!["ffff00000000"]);
    }
}

/// `history --graph` draws the graph's shape.
#[test]
fn history_graph_draws_branches_and_merges() {
    let p = Project::new();
    merged_branches(&p);
    let out = p.retort(&["history", "--graph"]).ok().stdout;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.iter().filter(|l| l.contains("-> ")).count(), 6, "{out}");
    assert!(lines[0].starts_with("*  dddd00000000, eeee00000000 -> ffff00000000"), "{out}");
    assert!(lines.iter().any(|l| l.trim_end() == "| \\"), "a merge opens a lane:\n{out}");
    assert!(lines.iter().any(|l| l.trim_end() == "| /"), "the branch point closes it:\n{out}");
    assert!(lines.last().unwrap().starts_with("*  <base> -> aaaa00000000"), "{out}");
    println!("{out}");
}

/// `revision --depends-on` (Alembic's flag): the dependency is written as a full id,
/// shown in `history` as Alembic shows it, applied first, and merged into the
/// dependent's version-table row.
#[test]
fn a_revision_can_depend_on_another_branch() {
    let p = Project::new();
    p.retort(&["revision", "-m", "accounts", "--rev-id", "aaa111"]).ok();
    p.retort(&[
        "revision",
        "-m",
        "shared",
        "--head",
        "base",
        "--branch-label",
        "lib",
        "--rev-id",
        "bbb222",
    ])
    .ok();
    p.retort(&[
        "revision",
        "-m",
        "uses shared",
        "--head",
        "aaa111",
        "--depends-on",
        "lib",
        "--rev-id",
        "ccc333",
    ])
    .ok();
    let text = std::fs::read_to_string(p.path().join("migrations/versions/ccc333_uses_shared.sql"))
        .unwrap();
    assert!(text.contains("-- depends_on: bbb222"), "{text}");
    let history = p.retort(&["history"]).ok().stdout;
    assert!(history.contains("aaa111 (bbb222) -> ccc333 (head), uses shared"), "{history}");
    assert!(!history.contains("mergepoint") && !history.contains("branchpoint"), "{history}");
    p.retort(&["upgrade", "ccc333"]).ok();
    assert_eq!(p.version_rows(), ["ccc333"]);
    p.retort(&["revision", "-m", "nothing", "--depends-on", "zzz999"]).fails_with(5, "zzz999");
}

/// `retort graph` on a graph with a branch, a merge and a label, the
/// database at one revision: Mermaid and DOT snapshotted, ascii marks the current one.
#[test]
fn graph_draws_branches_merges_labels_and_the_current_revision() {
    let p = Project::new();
    for args in [
        &["revision", "-m", "initial tables", "--rev-id", "a1"][..],
        &["revision", "-m", "add bio", "--head", "a1", "--rev-id", "b2"],
        &[
            "revision",
            "-m",
            "add slug",
            "--head",
            "a1",
            "--branch-label",
            "posts",
            "--rev-id",
            "c3",
        ],
        &["merge", "heads", "-m", "merge bio and slug", "--rev-id", "d4"],
    ] {
        p.retort(args).ok();
    }
    p.retort(&["upgrade", "b2"]).ok();
    insta::assert_snapshot!(
        "graph_mermaid",
        p.retort(&["graph", "--format", "mermaid"]).ok().stdout
    );
    insta::assert_snapshot!("graph_dot", p.retort(&["graph", "--format", "dot"]).ok().stdout);
    let ascii = p.retort(&["graph"]).ok().stdout;
    assert!(ascii.lines().any(|l| l.contains("-> b2, add bio (current)")), "{ascii}");
    assert_eq!(
        p.retort(&["history", "--graph"]).ok().stdout,
        ascii,
        "history --graph is the same drawing"
    );
    assert!(ascii.lines().any(|l| l.contains("-> d4 (head) (mergepoint)")), "{ascii}");
    let ranged = p.retort(&["graph", "--format", "mermaid", "-r", "b2:"]).ok().stdout;
    assert!(ranged.contains("r_b2") && !ranged.contains("r_c3["), "{ranged}");
}

/// Every upgrade target below the current revision is refused, base included.
#[test]
fn upgrade_to_base_or_below_is_refused_like_any_lower_target() {
    let p = Project::new();
    let ids = crate::common::chain(&p, 2);
    p.retort(&["upgrade"]).ok();
    for target in ["-1", "-2", "base"] {
        p.retort(&["upgrade", target]).fails_with(5, "upgrade only moves up");
    }
    let r = p.retort(&["upgrade", "base"]).fails_with(5, "retort downgrade base");
    assert!(!r.stdout.contains("Nothing to do"));
    assert_eq!(p.version_rows(), vec![ids[1].clone()]);
}

/// Writes a revision with `depends_on` and labels, creating table `t<id>`.
fn dep_rev(p: &Project, id: &str, down: &str, depends_on: &str, labels: &str) {
    let text = format!(
        "-- revision: {id}\n-- down_revision: {down}\n-- depends_on: {depends_on}\n-- branch_labels: {labels}\n-- message: m\n\n-- +upgrade\nCREATE TABLE t{id} (id INTEGER);\n\n-- +downgrade\nDROP TABLE t{id};\n"
    );
    std::fs::write(p.path().join(format!("migrations/versions/{id}_m.sql")), text).unwrap();
}

/// Relative steps and `LABEL@head` follow `down_revision` only: a dependency is applied
/// first when something needs it, never walked through. Expected results are Alembic
/// 1.13's on the same graphs.
#[test]
fn depends_on_is_no_parent_for_relative_steps_and_branch_heads() {
    let (a, b, c) = ("aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc");
    // A (root); B (root, depends_on A): at B, `downgrade -1` reverts B and keeps A.
    let p = Project::new();
    dep_rev(&p, a, "", "", "");
    dep_rev(&p, b, "", a, "");
    p.retort(&["upgrade", b]).ok();
    p.retort(&["downgrade", "-1"]).ok();
    let tables = p.tables();
    assert!(tables.contains(&format!("t{a}")) && !tables.contains(&format!("t{b}")), "{tables:?}");
    assert_eq!(p.version_rows(), vec![a]);
    // A; B (depends_on A); C (parent B): at C, `downgrade -2` reverts C and B, keeps A.
    dep_rev(&p, c, b, "", "");
    p.retort(&["upgrade", c]).ok();
    p.retort(&["downgrade", "-2"]).ok();
    assert_eq!(p.version_rows(), vec![a]);
    // At B, `downgrade B-1` is base: everything goes.
    p.retort(&["upgrade", b]).ok();
    p.retort(&["downgrade", &format!("{b}-1")]).ok();
    assert!(p.version_rows().is_empty());
    // A (label lib); B (root, depends_on lib): `upgrade lib@head` applies A only; stamp too.
    let p = Project::new();
    dep_rev(&p, a, "", "", "lib");
    dep_rev(&p, b, "", "lib", "");
    p.retort(&["upgrade", "lib@head"]).ok();
    assert_eq!(p.version_rows(), vec![a]);
    assert!(!p.tables().contains(&format!("t{b}")));
    p.retort(&["stamp", "--purge", "lib@head"]).ok();
    assert_eq!(p.version_rows(), vec![a]);
    // A; C (parent A); B (depends_on A): `upgrade A@head` is C.
    let p = Project::new();
    dep_rev(&p, a, "", "", "");
    dep_rev(&p, c, a, "", "");
    dep_rev(&p, b, "", a, "");
    p.retort(&["upgrade", &format!("{a}@head")]).ok();
    assert_eq!(p.version_rows(), vec![c]);
}
