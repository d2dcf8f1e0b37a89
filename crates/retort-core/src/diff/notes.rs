//! Review notes for generated files: data loss, narrowing type changes, possible
//! renames. Written as comments at the top of the revision so the reviewer sees them.
use super::change::Change;
use super::rename::RenameCandidate;

/// `VARCHAR(255)` → (`VARCHAR`, [255]); PostgreSQL's spelled-out names (`character
/// varying`, `character`, `bpchar`) as the short ones, so one family rule serves all.
fn type_parts(ty: &str) -> (String, Vec<i64>) {
    let (base, params) = match ty.split_once('(') {
        Some((base, rest)) => (
            base.trim().to_ascii_uppercase(),
            rest.trim_end_matches(')').split(',').filter_map(|p| p.trim().parse().ok()).collect(),
        ),
        None => (ty.trim().to_ascii_uppercase(), Vec::new()),
    };
    let base = match base.as_str() {
        "CHARACTER VARYING" => "VARCHAR".to_string(),
        "CHARACTER" | "BPCHAR" => "CHAR".to_string(),
        _ => base,
    };
    (base, params)
}

/// The quoted values of a MySQL `enum('a','b')` / `set(...)` type, or `None` for any
/// other type. Quotes are doubled inside a value, as MySQL writes them. Read by hand: the
/// text is the server's own introspected type, and sqlparser would need a whole
/// statement around it for a dozen lines of quote handling.
fn enum_values(ty: &str) -> Option<Vec<String>> {
    let (base, rest) = ty.split_once('(')?;
    if !matches!(base.trim().to_ascii_lowercase().as_str(), "enum" | "set") {
        return None;
    }
    let mut values = Vec::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut v = String::new();
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                } else {
                    break;
                }
            }
            v.push(c);
        }
        values.push(v);
    }
    Some(values)
}

/// Whether a type change can lose data (shorter length, less precision, other type, an
/// enum or set value gone).
pub fn is_narrowing(from: &str, to: &str) -> bool {
    if let (Some(was), Some(now)) = (enum_values(from), enum_values(to)) {
        return was.iter().any(|v| !now.contains(v));
    }
    let (fb, fp) = type_parts(from);
    let (tb, tp) = type_parts(to);
    if fb != tb {
        return !widening_family(&fb, &tb);
    }
    if tp.is_empty() {
        return false;
    }
    if fp.is_empty() {
        return true;
    }
    fp.iter().zip(tp.iter()).any(|(f, t)| t < f)
}

fn widening_family(from: &str, to: &str) -> bool {
    const INTS: &[&str] = &["SMALLINT", "INT", "INTEGER", "BIGINT"];
    let rank = |t: &str| INTS.iter().position(|i| *i == t);
    match (rank(from), rank(to)) {
        (Some(a), Some(b)) => b >= a,
        _ => matches!((from, to), ("VARCHAR", "TEXT") | ("CHAR", "VARCHAR") | ("CHAR", "TEXT")),
    }
}

/// The notes of a revision: what its upgrade (`up`) may lose or fail on, what its
/// downgrade (`down`) may lose (said as the downgrade's), and the possible renames.
pub fn review_notes(up: &[Change], down: &[Change], candidates: &[RenameCandidate]) -> Vec<String> {
    let mut notes = Vec::new();
    for c in up {
        match c {
            Change::DropTable { table } => notes.push(format!("DATA LOSS: drops table {} and all its rows", table.name)),
            Change::DropColumn { table, column } => {
                notes.push(format!("DATA LOSS: drops column {table}.{} and its values", column.name))
            }
            Change::AlterColumn { table, from, to } => {
                if from.ty != to.ty && is_narrowing(&from.ty, &to.ty) {
                    notes.push(format!("POSSIBLE DATA LOSS: {table}.{} changes type {} -> {}; values that do not fit are truncated or rejected", to.name, from.ty, to.ty));
                }
                if from.nullable && !to.nullable {
                    notes.push(match &to.default {
                        Some(d) => format!("{table}.{} becomes NOT NULL: rows holding NULL fail the upgrade unless the table is rebuilt, which fills them with the default {d}; backfill first to be sure", to.name),
                        None => format!("{table}.{} becomes NOT NULL: the upgrade fails if a row holds NULL there; backfill first", to.name),
                    });
                }
            }
            Change::AddColumn { table, column } if !column.nullable && column.default.is_none() && column.generated.is_none() && column.identity.is_none() && !column.auto_increment => {
                notes.push(format!(
                    "FAILS ON EXISTING ROWS: adds {table}.{} NOT NULL without a default; the upgrade fails if {table} has rows (give it a default, or add it nullable, backfill, then make it NOT NULL)",
                    column.name
                ))
            }
            Change::RenameTable { from, to } => notes.push(format!("RENAME: table {from} -> {to} (confirmed)")),
            Change::RenameColumn { table, from, to } => notes.push(format!("RENAME: column {table}.{from} -> {to} (confirmed)")),
            _ => {}
        }
        notes.extend(lost_values(c));
    }
    // What the downgrade takes away that the upgrade gave (drops are noted on their
    // statements): narrowing types and enum values.
    for c in down {
        if let Change::AlterColumn { table, from, to } = c {
            if from.ty != to.ty && is_narrowing(&from.ty, &to.ty) {
                notes.push(format!("DOWNGRADE: POSSIBLE DATA LOSS: {table}.{} changes type {} -> {}; values that do not fit are truncated or rejected", to.name, from.ty, to.ty));
            }
        }
        notes.extend(lost_values(c).map(|n| format!("DOWNGRADE: {n}")));
    }
    for cand in candidates {
        notes.push(format!(
            "POSSIBLE RENAME: {} is generated as drop + add, which loses the data; if it is a rename, run again with --rename {}",
            cand.describe(),
            cand.flag()
        ));
    }
    notes
}

/// An enum losing values: rows holding one make the change fail.
fn lost_values(change: &Change) -> Option<String> {
    let Change::AlterEnum { from, to } = change else { return None };
    let gone: Vec<&str> =
        from.values.iter().filter(|v| !to.values.contains(v)).map(String::as_str).collect();
    (!gone.is_empty()).then(|| {
        format!(
            "POSSIBLE DATA LOSS: enum {} loses {}; rows holding {} make this direction fail",
            to.name,
            gone.join(", "),
            if gone.len() == 1 { "it" } else { "them" }
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrowing() {
        assert!(is_narrowing("VARCHAR(255)", "VARCHAR(100)"));
        assert!(!is_narrowing("VARCHAR(100)", "VARCHAR(255)"));
        assert!(is_narrowing("NUMERIC(10,2)", "NUMERIC(10,1)"));
        assert!(!is_narrowing("INT", "BIGINT"));
        assert!(is_narrowing("BIGINT", "INT"));
        assert!(is_narrowing("TEXT", "INTEGER"));
        assert!(!is_narrowing("VARCHAR(10)", "TEXT"));
        assert!(is_narrowing("TEXT", "VARCHAR(10)"));
        // PostgreSQL spells the names out.
        assert!(!is_narrowing("character varying(200)", "text"));
        assert!(is_narrowing("text", "character varying(200)"));
        assert!(is_narrowing("character varying(200)", "character varying(100)"));
        // MySQL enums and sets narrow when a value goes, not when one comes or moves.
        assert!(is_narrowing("enum('a','b','c')", "enum('a','b')"));
        assert!(!is_narrowing("enum('a','b')", "enum('a','b','c')"));
        assert!(!is_narrowing("enum('a','b')", "enum('b','a')"));
        assert!(is_narrowing("set('x','y')", "set('x')"));
        assert!(!is_narrowing("enum('a,b','c')", "enum('a,b','c','d')"));
    }

    fn column(name: &str, ty: &str) -> crate::schema::Column {
        crate::schema::Column {
            name: name.into(),
            ty: ty.into(),
            nullable: true,
            ..Default::default()
        }
    }

    /// A downgrade that narrows (the upgrade widened) or takes enum values away is
    /// annotated as the upgrade would be, saying it is the downgrade.
    #[test]
    fn a_narrowing_downgrade_gets_the_data_loss_note_the_upgrade_would() {
        let widen = Change::AlterColumn {
            table: "t".into(),
            from: column("name", "varchar(200)"),
            to: column("name", "varchar(300)"),
        };
        let narrow = Change::AlterColumn {
            table: "t".into(),
            from: column("name", "varchar(300)"),
            to: column("name", "varchar(200)"),
        };
        let notes = review_notes(std::slice::from_ref(&widen), std::slice::from_ref(&narrow), &[]);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].starts_with(
                "DOWNGRADE: POSSIBLE DATA LOSS: t.name changes type varchar(300) -> varchar(200)"
            ),
            "{notes:?}"
        );
        assert!(review_notes(&[narrow], &[widen], &[])[0].starts_with("POSSIBLE DATA LOSS: t.name"));
        let e = |values: &[&str]| crate::schema::EnumType {
            name: "status".into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        };
        let gains = Change::AlterEnum { from: e(&["a"]), to: e(&["a", "b"]) };
        let loses = Change::AlterEnum { from: e(&["a", "b"]), to: e(&["a"]) };
        let notes = review_notes(&[gains], &[loses], &[]);
        assert_eq!(
            notes,
            ["DOWNGRADE: POSSIBLE DATA LOSS: enum status loses b; rows holding it make this direction fail"]
        );
    }
}
