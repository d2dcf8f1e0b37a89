//! Which tables the project owns: `include`/`exclude` glob patterns from retort.toml,
//! plus the bookkeeping tables, which are never part of a diff.
use crate::schema::Schema;

#[derive(Clone, Debug, Default)]
pub struct TableFilter {
    /// Empty means "every table".
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

impl TableFilter {
    pub fn owns(&self, name: &str) -> bool {
        (self.include.is_empty() || self.include.iter().any(|p| glob(p, name)))
            && !self.exclude.iter().any(|p| glob(p, name))
    }

    /// A copy of `schema` with only the owned tables (and all views).
    pub fn apply(&self, schema: &Schema) -> Schema {
        let mut out = schema.clone();
        out.tables.retain(|name, _| self.owns(name));
        out
    }
}

/// `*` and `?` globbing (the whole pattern language of include/exclude).
pub fn glob(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni, mut star, mut mark) = (0, 0, None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globbing() {
        assert!(glob("legacy_*", "legacy_users"));
        assert!(!glob("legacy_*", "users"));
        assert!(glob("t?", "t1"));
        assert!(glob("*", ""));
        let f = TableFilter { include: vec![], exclude: vec!["tmp_*".into()] };
        assert!(f.owns("users") && !f.owns("tmp_x"));
    }
}
