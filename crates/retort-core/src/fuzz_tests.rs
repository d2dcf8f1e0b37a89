//! Property-based fuzzing of everything that reads user input: the revision-file parser,
//! the graph loader, the target parser and the SQL splitter. cargo-fuzz needs a
//! nightly toolchain, which the project's machines do not have, so these run with proptest
//! on stable: a bounded number of cases in every `cargo test`, and as long as you like with
//! `PROPTEST_CASES=200000 cargo test -p retort-core --release fuzz_` (README, "Tests").
use crate::revision::file::{NewRevision, RevisionFile};
use crate::revision::graph::RevisionGraph;
use crate::revision::id::RevisionId;
use crate::revision::target::{parse_range, Target};
use crate::sql_split::split;
use proptest::prelude::*;
use std::path::Path;

/// Text shaped like a revision file: header lines, markers, SQL and junk in any order.
fn revision_like() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        "-- (revision|down_revision|message|created|branch_labels|transactional|depends_on): ?[a-z0-9, .:-]{0,16}",
        Just("-- +upgrade".to_string()),
        Just("-- +downgrade".to_string()),
        "(CREATE TABLE t[0-9] \\(id INT\\);|DROP TABLE t[0-9];|SELECT '[;-]*';|/\\* [^*]{0,8} \\*/|BEGIN|END;)",
        "\\PC{0,24}",
        Just("\u{feff}-- revision: abc".to_string()),
    ];
    proptest::collection::vec(line, 0..14).prop_map(|l| l.join("\n"))
}

/// SQL-ish text: quotes, comments, dollar quotes and trigger bodies, unbalanced too.
fn sql_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just(";".to_string()),
        Just("'".to_string()),
        Just("\"".to_string()),
        Just("$$".to_string()),
        Just("$tag$".to_string()),
        Just("--".to_string()),
        Just("/*".to_string()),
        Just("*/".to_string()),
        Just("\n".to_string()),
        Just("BEGIN ".to_string()),
        Just("END".to_string()),
        Just("CASE ".to_string()),
        Just("CREATE TRIGGER tr AFTER INSERT ON t ".to_string()),
        "[a-z0-9 ()=,.]{0,10}",
        "\\PC{0,4}",
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|p| p.concat())
}

proptest! {
    #[test]
    fn fuzz_revision_file_parser(text in revision_like()) {
        // Never panics; what parses, parses again the same from its own text.
        if let Ok(f) = RevisionFile::parse(Path::new("f.sql"), &text) {
            let again = RevisionFile::parse(Path::new("f.sql"), &f.text).expect("a parsed file parses again");
            prop_assert_eq!(again.id, f.id);
            prop_assert_eq!(again.down, f.down);
            prop_assert_eq!(again.checksum, f.checksum);
        }
    }

    #[test]
    fn fuzz_written_revisions_read_back(
        message in "\\PC{1,40}",
        labels in proptest::collection::vec("[a-z][a-z0-9_]{0,8}", 0..3),
        down in proptest::collection::vec("[0-9a-f]{12}", 0..3),
        notes in proptest::collection::vec("\\PC{0,30}", 0..3),
        upgrade in "(CREATE TABLE t \\(id INT\\);\n|SELECT 1;\n|-- a comment\n){0,4}",
        transactional in any::<bool>(),
    ) {
        let new = NewRevision {
            id: None,
            down: down.iter().map(|d| RevisionId::parse(d).unwrap()).collect(),
            message: message.clone(),
            created: "2026-01-01T00:00:00Z".into(),
            branch_labels: labels.clone(),
            depends_on: Vec::new(),
            replaces: down.iter().rev().map(|d| RevisionId::parse(d).unwrap()).collect(),
            transactional,
            notes,
            upgrade: upgrade.clone(),
            downgrade: "SELECT 2;".into(),
        };
        let id = RevisionId::generate();
        let text = RevisionFile::render(&new, &id);
        let f = RevisionFile::parse(Path::new("f.sql"), &text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&f.id, &id);
        prop_assert_eq!(f.down, new.down);
        prop_assert_eq!(f.replaces, new.replaces);
        prop_assert_eq!(f.message, message.replace('\n', " ").trim().to_string());
        prop_assert_eq!(f.branch_labels, labels);
        prop_assert_eq!(f.transactional, transactional);
        prop_assert_eq!(split(&f.upgrade.sql).len(), split(&upgrade).len());
    }

    #[test]
    fn fuzz_graph_loader(edges in proptest::collection::vec((0u8..12, proptest::collection::vec(0u8..14, 0..3)), 0..16)) {
        // Ids from a small alphabet: duplicates, missing parents and cycles all happen.
        // (A file naming itself as parent is refused by the parser already.)
        let files: Vec<RevisionFile> = edges.iter().filter_map(|(id, parents)| {
            let down: Vec<String> = parents.iter().map(|p| format!("{p:02x}")).collect();
            RevisionFile::parse(Path::new("f.sql"), &format!("-- revision: {id:02x}\n-- down_revision: {}\n-- message: m\n\n-- +upgrade\n-- +downgrade\n", down.join(", "))).ok()
        }).collect();
        if let Ok(g) = RevisionGraph::build(files) {
            let mut seen = vec![false; g.len()];
            for &i in g.topo_order() {
                for &p in g.parents(i) {
                    prop_assert!(seen[p], "parent after child");
                }
                seen[i] = true;
            }
            for h in g.heads() {
                prop_assert!(g.children(h).is_empty());
            }
        }
    }

    #[test]
    fn fuzz_target_parser(text in "[-+:@a-z0-9 ]{0,12}|\\PC{0,12}", current in proptest::collection::vec(0usize..6, 0..3)) {
        let g = RevisionGraph::build(vec![
            RevisionFile::parse(Path::new("a.sql"), "-- revision: aa01\n-- message: m\n-- branch_labels: main\n\n-- +upgrade\n-- +downgrade\n").unwrap(),
            RevisionFile::parse(Path::new("b.sql"), "-- revision: bb02\n-- down_revision: aa01\n-- message: m\n\n-- +upgrade\n-- +downgrade\n").unwrap(),
            RevisionFile::parse(Path::new("c.sql"), "-- revision: cc03\n-- down_revision: aa01\n-- message: m\n\n-- +upgrade\n-- +downgrade\n").unwrap(),
            RevisionFile::parse(Path::new("d.sql"), "-- revision: dd04\n-- down_revision: bb02, cc03\n-- message: m\n\n-- +upgrade\n-- +downgrade\n").unwrap(),
        ]).unwrap();
        let current: Vec<usize> = current.into_iter().filter(|&c| c < g.len()).collect();
        if let Ok(t) = Target::parse(&text) {
            if let Ok(set) = t.resolve(&g, &current) {
                prop_assert!(set.iter().all(|&i| i < g.len()));
            }
        }
        let _ = parse_range(&text);
    }

    #[test]
    fn fuzz_sql_splitter(sql in sql_like()) {
        let lines = sql.split('\n').count();
        for s in split(&sql) {
            prop_assert!(!s.sql.trim().is_empty());
            prop_assert!(s.line >= 1 && s.line <= lines, "line {} of {}", s.line, lines);
        }
    }
}
