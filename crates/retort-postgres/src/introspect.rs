//! PostgreSQL introspection: a fixed set of bulk catalog queries over the current
//! schema, whatever the number of tables. Definitions come from the server's own
//! deparsers (`format_type`, `pg_get_expr`, `pg_get_constraintdef`,
//! `pg_get_indexdef`, `pg_get_viewdef`, `pg_get_triggerdef`), so both sides of a diff
//! are normalised by the server itself.
use crate::PgConnection;
use retort_core::engine::Connection;
use retort_core::error::DbError;
use retort_core::schema::{
    Check, Column, CompositeType, Domain, EnumType, Extension, ForeignKey, Function, Generated,
    Index, IndexPart, PrimaryKey, Schema, Sequence, Table, Trigger, Unique, View,
};

/// Separates list items inside one text cell (ASCII unit separator).
const SEP: &str = "\u{1f}";

fn list(cell: &Option<String>) -> Vec<String> {
    cell.as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| s.split(SEP).map(str::to_string).collect())
        .unwrap_or_default()
}

fn action(code: &str) -> String {
    match code {
        "r" => "RESTRICT",
        "c" => "CASCADE",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        _ => "NO ACTION",
    }
    .to_string()
}

/// An object's name as the model has it: bare in the environment's schema (the first on
/// the search path), `schema.name` in another schema the project owns.
macro_rules! qual {
    ($ns:literal, $name:literal) => {
        // Spelt `current_schema() = …` so that [`owned`] leaves it alone.
        concat!(
            "CASE WHEN current_schema() = ",
            $ns,
            ".nspname THEN ",
            $name,
            " ELSE ",
            $ns,
            ".nspname || '.' || ",
            $name,
            " END"
        )
    };
}

const TABLES: &str = concat!("SELECT ", qual!("n", "c.relname"), ", obj_description(c.oid, 'pg_class') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1");

const COLUMNS: &str = concat!("SELECT ", qual!("n", "c.relname"), ", a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, \
    CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN co.collname END, col_description(c.oid, a.attnum) \
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
    JOIN pg_type t ON t.oid = a.atttypid \
    LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum \
    LEFT JOIN pg_collation co ON co.oid = a.attcollation \
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname, a.attnum");

const CONSTRAINTS: &str = concat!("SELECT ", qual!("n", "c.relname"), ", con.conname, con.contype, pg_get_constraintdef(con.oid), \
    array_to_string(ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o), E'\\x1f'), \
    ", qual!("fns", "fc.relname"), ", \
    array_to_string(ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.o), E'\\x1f'), \
    con.confdeltype, con.confupdtype, con.condeferrable, con.confmatchtype, con.condeferred \
    FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
    LEFT JOIN pg_class fc ON fc.oid = con.confrelid LEFT JOIN pg_namespace fns ON fns.oid = fc.relnamespace \
    WHERE n.nspname = current_schema() AND con.contype IN ('p', 'u', 'f', 'c') ORDER BY c.relname, con.conname");

const INDEXES: &str = concat!("SELECT ", qual!("n", "t.relname"), ", i.relname, ix.indisunique, pg_get_indexdef(ix.indexrelid), pg_get_expr(ix.indpred, ix.indrelid), am.amname \
    FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid \
    JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_am am ON am.oid = i.relam \
    WHERE n.nspname = current_schema() AND t.relkind IN ('r', 'p', 'm') \
    AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid AND c.contype IN ('p', 'u', 'x')) \
    ORDER BY 1, 2");

const VIEWS: &str = concat!("SELECT ", qual!("n", "c.relname"), ", pg_get_viewdef(c.oid), c.relkind = 'm' FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('v', 'm') ORDER BY 1");

const TRIGGERS: &str = concat!("SELECT ", qual!("n", "c.relname"), ", t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND NOT t.tgisinternal ORDER BY 1, 2");

/// Extensions whose objects live in the environment's schema (`plpgsql` lives in
/// pg_catalog and is not one of them).
const EXTENSIONS: &str = "SELECT e.extname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE n.nspname = current_schema() ORDER BY 1";

/// Functions and procedures of the schema, without those an extension brings (pg_depend
/// `e`) and without aggregates and window functions (no `pg_get_functiondef` for them).
const FUNCTIONS: &str = concat!("SELECT ", qual!("n", "p.proname"), " || '(' || pg_get_function_identity_arguments(p.oid) || ')', pg_get_functiondef(p.oid), \
    CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, l.lanname \
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang \
    WHERE n.nspname = current_schema() AND p.prokind IN ('f', 'p') \
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e') ORDER BY 1");

/// Domains of the schema (not an extension's), with their checks as `name␞definition`.
const DOMAINS: &str = concat!("SELECT ", qual!("n", "t.typname"), ", format_type(t.typbasetype, t.typtypmod), t.typnotnull, t.typdefault, \
    array_to_string(ARRAY(SELECT c.conname || E'\\x1e' || pg_get_constraintdef(c.oid) FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c' ORDER BY c.conname), E'\\x1f') \
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = current_schema() AND t.typtype = 'd' \
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e') ORDER BY 1");

const ENUMS: &str = concat!("SELECT ", qual!("n", "t.typname"), ", array_to_string(ARRAY(SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder), E'\\x1f') \
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = current_schema() AND t.typtype = 'e' ORDER BY 1");

/// Composite types (`CREATE TYPE … AS (…)`), not the row types tables and views have.
const COMPOSITES: &str = concat!("SELECT ", qual!("n", "t.typname"), ", array_to_string(ARRAY(SELECT a.attname || E'\\x1e' || format_type(a.atttypid, a.atttypmod) \
    FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum), E'\\x1f') \
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_class c ON c.oid = t.typrelid \
    WHERE n.nspname = current_schema() AND t.typtype = 'c' AND c.relkind = 'c' \
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e') ORDER BY 1");

/// Sequences the model holds as objects: all but an identity column's and the one a
/// `serial` column makes (`<table>_<column>_seq`, owned by it), which the column's type
/// brings back. A sequence owned under another name — a serial whose table was renamed
/// — is one of them: re-creating the table must not lose it.
const SEQUENCES: &str = concat!("SELECT ", qual!("n", "c.relname"), ", s.seqstart, s.seqincrement FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid \
    JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() \
    AND NOT EXISTS (SELECT 1 FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid \
        JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid \
        WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass \
        AND (d.deptype = 'i' OR (d.deptype = 'a' AND c.relname = t.relname || '_' || a.attname || '_seq'))) ORDER BY 1");

/// `CREATE UNIQUE INDEX ix ON public.t USING btree (a, lower(b) DESC NULLS LAST) INCLUDE (c)
/// NULLS NOT DISTINCT WHERE …` → (parts, included columns, nulls not distinct).
fn parse_index_def(def: &str) -> (Vec<IndexPart>, Vec<String>, bool) {
    let Some(using) = def.find(" USING ") else { return Default::default() };
    let rest = &def[using + 7..];
    let Some(open) = rest.find('(') else { return Default::default() };
    let body = &rest[open + 1..];
    let end = closing_paren(body);
    let parts = split_top_level(&body[..end])
        .into_iter()
        .map(|p| {
            let mut core = p.as_str();
            let mut nulls = None;
            for n in ["FIRST", "LAST"] {
                if let Some(x) = core.strip_suffix(&format!(" NULLS {n}")) {
                    nulls = Some(n.to_string());
                    core = x;
                }
            }
            let desc = core.ends_with(" DESC");
            let core = core.trim_end_matches(" DESC").trim().to_string();
            let plain = core.starts_with('"')
                && core.ends_with('"')
                && core.matches('"').count() == 2
                || core.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            IndexPart {
                expr: if plain { core.trim_matches('"').to_string() } else { core },
                is_expr: !plain,
                desc,
                collation: None,
                nulls,
            }
        })
        .collect();
    let tail = &body[(end + 1).min(body.len())..];
    let tail = tail.split(" WHERE ").next().unwrap_or("");
    let include = match tail.find("INCLUDE (") {
        Some(i) => {
            let inner = &tail[i + "INCLUDE (".len()..];
            split_top_level(&inner[..closing_paren(inner)])
                .into_iter()
                .map(|c| c.trim_matches('"').to_string())
                .collect()
        }
        None => Vec::new(),
    };
    (parts, include, tail.contains("NULLS NOT DISTINCT"))
}

/// Where the parenthesis opened just before `s` closes (quotes respected).
fn closing_paren(s: &str) -> usize {
    let mut depth = 0;
    let mut in_quote = false;
    for (i, ch) in s.char_indices() {
        match ch {
            '"' => in_quote = !in_quote,
            '(' if !in_quote => depth += 1,
            ')' if !in_quote => {
                if depth == 0 {
                    return i;
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    s.len()
}

fn split_top_level(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut depth, mut in_quote, mut cur) = (0, false, String::new());
    for ch in s.chars() {
        match ch {
            '\'' => in_quote = !in_quote,
            '(' if !in_quote => depth += 1,
            ')' if !in_quote => depth -= 1,
            ',' if !in_quote && depth == 0 => {
                out.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// Kinds of objects in the schema that the model does not cover, counted.
const UNCOMPARED: &str = "WITH s AS (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) SELECT \
    (SELECT count(*) FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE c.relnamespace IN (SELECT oid FROM s)), \
    (SELECT count(*) FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class WHERE c.relnamespace IN (SELECT oid FROM s) AND r.rulename <> '_RETURN'), \
    (SELECT count(*) FROM pg_proc p WHERE p.pronamespace IN (SELECT oid FROM s) AND p.prokind = 'a' \
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')), \
    (SELECT count(*) FROM pg_class c WHERE c.relnamespace IN (SELECT oid FROM s) AND c.relkind = 'f'), \
    (SELECT count(*) FROM pg_statistic_ext x WHERE x.stxnamespace IN (SELECT oid FROM s)), \
    (SELECT count(*) FROM pg_publication), \
    (SELECT count(*) FROM pg_event_trigger)";

pub fn uncompared(conn: &mut PgConnection) -> Result<Vec<String>, DbError> {
    let rows = conn.query(&owned(UNCOMPARED, &conn.owned.clone()))?;
    let n = |i: usize| {
        rows.first()
            .and_then(|r| r.get(i).cloned().flatten())
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    };
    Ok(retort_core::engine::counted(&[
        (n(0), "policy", "policies"),
        (n(1), "rule", "rules"),
        (n(2), "aggregate", "aggregates"),
        (n(3), "foreign table", "foreign tables"),
        (n(4), "statistics object", "statistics objects"),
        (n(5), "publication", "publications"),
        (n(6), "event trigger", "event triggers"),
    ]))
}

/// `sql` over the environment's schema and the other schemas the project owns.
fn owned(sql: &str, schemas: &[String]) -> String {
    if schemas.is_empty() {
        return sql.to_string();
    }
    let list: Vec<String> = schemas.iter().map(|s| crate::render::literal(s)).collect();
    let within = format!("IN (current_schema(), {})", list.join(", "));
    sql.replace("n.nspname = current_schema()", &format!("n.nspname {within}"))
        .replace("WHERE nspname = current_schema()", &format!("WHERE nspname {within}"))
}

pub fn introspect(conn: &mut PgConnection) -> Result<Schema, DbError> {
    let schemas = conn.owned.clone();
    let mut schema = Schema::default();
    if !schemas.is_empty() {
        let list: Vec<String> = schemas.iter().map(|s| crate::render::literal(s)).collect();
        for r in conn.query(&format!(
            "SELECT nspname FROM pg_namespace WHERE nspname IN ({}) AND nspname <> current_schema()",
            list.join(", ")
        ))? {
            schema.schemas.extend(r[0].clone());
        }
    }
    let q = |sql: &str| owned(sql, &schemas);
    for r in conn.query(&q(TABLES))? {
        let name = r[0].clone().unwrap_or_default();
        schema
            .tables
            .insert(name.clone(), Table { name, comment: r[1].clone(), ..Default::default() });
    }
    for r in conn.query(&q(COLUMNS))? {
        let Some(t) = schema.tables.get_mut(r[0].as_deref().unwrap_or("")) else { continue };
        let generated = r[6].as_deref() == Some("s");
        let identity = match r[5].as_deref() {
            Some("a") => Some("ALWAYS".to_string()),
            Some("d") => Some("BY DEFAULT".to_string()),
            _ => None,
        };
        t.columns.push(Column {
            name: r[1].clone().unwrap_or_default(),
            ty: r[2].clone().unwrap_or_default(),
            nullable: r[3].as_deref() != Some("t"),
            default: if generated { None } else { r[4].clone() },
            generated: if generated {
                r[4].clone().map(|e| Generated { expr: e, stored: true })
            } else {
                None
            },
            collation: r[7].clone(),
            auto_increment: identity.is_some(),
            identity,
            charset: None,
            comment: r[8].clone(),
            on_update: None,
        });
    }
    for r in conn.query(&q(CONSTRAINTS))? {
        let Some(t) = schema.tables.get_mut(r[0].as_deref().unwrap_or("")) else { continue };
        let name = r[1].clone();
        let columns = list(&r[4]);
        match r[2].as_deref() {
            Some("p") => t.primary_key = Some(PrimaryKey { name, columns }),
            Some("u") => {
                let def = r[3].clone().unwrap_or_default();
                let deferrable = if def.ends_with("DEFERRABLE INITIALLY DEFERRED") {
                    Some("DEFERRABLE INITIALLY DEFERRED".to_string())
                } else {
                    def.ends_with("DEFERRABLE").then(|| "DEFERRABLE".to_string())
                };
                t.uniques.push(Unique {
                    name,
                    columns,
                    nulls_not_distinct: def.starts_with("UNIQUE NULLS NOT DISTINCT"),
                    deferrable,
                })
            }
            Some("c") => {
                let def = r[3].clone().unwrap_or_default();
                // `NOT VALID` (not yet checked against old rows) is not part of the shape.
                let def = def.strip_suffix(" NOT VALID").unwrap_or(&def);
                let (def, no_inherit) = match def.strip_suffix(" NO INHERIT") {
                    Some(d) => (d, true),
                    None => (def, false),
                };
                let expr = def.strip_prefix("CHECK ").unwrap_or(def).to_string();
                t.checks.push(Check { name, expr, no_inherit });
            }
            Some("f") => t.foreign_keys.push(ForeignKey {
                name,
                columns,
                ref_table: r[5].clone().unwrap_or_default(),
                ref_columns: list(&r[6]),
                on_delete: action(r[7].as_deref().unwrap_or("a")),
                on_update: action(r[8].as_deref().unwrap_or("a")),
                deferrable: r[9].as_deref() == Some("t"),
                match_full: r[10].as_deref() == Some("f"),
                backing_index: None,
            }),
            _ => {}
        }
    }
    let mut view_indexes: Vec<(String, Index)> = Vec::new();
    for r in conn.query(&q(INDEXES))? {
        let def = r[3].clone().unwrap_or_default();
        let method = r[5].clone().filter(|m| m != "btree");
        let (parts, include, nulls_not_distinct) = parse_index_def(&def);
        let on = r[0].clone().unwrap_or_default();
        let index = Index {
            name: r[1].clone().unwrap_or_default(),
            unique: r[2].as_deref() == Some("t"),
            parts,
            predicate: r[4].clone(),
            method,
            include,
            nulls_not_distinct,
        };
        match schema.tables.get_mut(&on) {
            Some(t) => t.indexes.push(index),
            // A materialized view's: attached once the views are read.
            None => view_indexes.push((on, index)),
        }
    }
    for r in conn.query(&q(VIEWS))? {
        let name = r[0].clone().unwrap_or_default();
        let def = r[1].clone().unwrap_or_default();
        let materialized = r[2].as_deref() == Some("t");
        let sql = format!(
            "CREATE {}VIEW {} AS\n{}",
            if materialized { "MATERIALIZED " } else { "" },
            crate::render::quote_object(&name),
            def.trim().trim_end_matches(';')
        );
        let indexes =
            view_indexes.iter().filter(|(on, _)| *on == name).map(|(_, i)| i.clone()).collect();
        schema.views.insert(name.clone(), View { name, sql, materialized, indexes });
    }
    for r in conn.query(&q(TRIGGERS))? {
        let Some(t) = schema.tables.get_mut(r[0].as_deref().unwrap_or("")) else { continue };
        t.triggers.push(Trigger {
            name: r[1].clone().unwrap_or_default(),
            sql: r[2].clone().unwrap_or_default(),
        });
    }
    for r in conn.query(&q(ENUMS))? {
        let name = r[0].clone().unwrap_or_default();
        schema.enums.insert(name.clone(), EnumType { name, values: list(&r[1]) });
    }
    for r in conn.query(&q(COMPOSITES))? {
        let name = r[0].clone().unwrap_or_default();
        let attributes = list(&r[1])
            .into_iter()
            .filter_map(|a| a.split_once('\u{1e}').map(|(n, t)| (n.to_string(), t.to_string())))
            .collect();
        schema.composites.insert(name.clone(), CompositeType { name, attributes });
    }
    for r in conn.query(&q(SEQUENCES))? {
        let name = r[0].clone().unwrap_or_default();
        let num = |i: usize| r[i].as_deref().and_then(|v| v.parse().ok()).unwrap_or(1);
        schema.sequences.insert(name.clone(), Sequence { name, start: num(1), increment: num(2) });
    }
    for r in conn.query(&q(DOMAINS))? {
        let name = r[0].clone().unwrap_or_default();
        let checks = list(&r[4])
            .into_iter()
            .filter_map(|c| {
                c.split_once('\u{1e}').map(|(n, def)| Check {
                    name: Some(n.to_string()),
                    expr: def.strip_prefix("CHECK ").unwrap_or(def).to_string(),
                    no_inherit: false,
                })
            })
            .collect();
        let domain = Domain {
            name: name.clone(),
            base_type: r[1].clone().unwrap_or_default(),
            not_null: r[2].as_deref() == Some("t"),
            default: r[3].clone(),
            checks,
        };
        schema.domains.insert(name, domain);
    }
    for r in conn.query(EXTENSIONS)? {
        let name = r[0].clone().unwrap_or_default();
        schema.extensions.insert(name.clone(), Extension { name });
    }
    for r in conn.query(&q(FUNCTIONS))? {
        let signature = r[0].clone().unwrap_or_default();
        let sql = r[1].clone().unwrap_or_default().trim_end().to_string();
        let f = Function {
            signature: signature.clone(),
            sql,
            kind: r[2].clone().unwrap_or_default(),
            language: r[3].clone().unwrap_or_default(),
        };
        schema.functions.insert(signature, f);
    }
    Ok(schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_index_definitions() {
        let (p, include, nnd) = parse_index_def("CREATE UNIQUE INDEX ix ON public.t USING btree (a, lower((b)::text) DESC, \"Weird Col\")");
        assert!(include.is_empty() && !nnd);
        assert_eq!(p.len(), 3);
        assert!(!p[0].is_expr && p[0].expr == "a");
        assert!(p[1].is_expr && p[1].desc && p[1].expr == "lower((b)::text)");
        assert!(!p[2].is_expr && p[2].expr == "Weird Col");
        let (p, include, nnd) = parse_index_def("CREATE UNIQUE INDEX ix ON public.t USING btree (a DESC NULLS LAST, c NULLS FIRST) INCLUDE (b, \"X y\") NULLS NOT DISTINCT WHERE (a > 0)");
        assert_eq!(
            (p[0].desc, p[0].nulls.as_deref(), p[1].desc, p[1].nulls.as_deref()),
            (true, Some("LAST"), false, Some("FIRST"))
        );
        assert_eq!((include, nnd), (vec!["b".to_string(), "X y".to_string()], true));
    }
}
