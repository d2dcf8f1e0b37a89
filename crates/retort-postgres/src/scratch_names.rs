//! Schema-qualified names in scratch work.
//!
//! A scratch area is a schema of its own (`scratch_N`) inside the process's scratch
//! database, reached through `search_path`. A name qualified with the environment's
//! schema (`public.domains`, `"public"."domains"`, as pg_dump writes them) would bypass
//! `search_path` and land outside the area, where introspection never sees it — and
//! autogenerate would then write DROP TABLE for a table the models declare (issue #9
//! item 4). So such qualifiers are rewritten to the scratch schema before a statement
//! runs. sqlparser's tokenizer finds them (never inside strings, comments or dollar
//! quotes); the rewrite replaces only those byte ranges, so the rest of the text reaches
//! the server exactly as written.
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};
use std::borrow::Cow;

/// `sql` with every `from.` qualifier replaced by `to.` (`to` already quoted).
pub fn requalify<'a>(sql: &'a str, from: &str, to: &str) -> Cow<'a, str> {
    if !sql.to_ascii_lowercase().contains(&from.to_ascii_lowercase()) {
        return Cow::Borrowed(sql);
    }
    // Unparseable text goes to the server as it is: its own error is the clearest.
    let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize_with_location() else {
        return Cow::Borrowed(sql);
    };
    let line_starts: Vec<usize> = std::iter::once(0).chain(sql.match_indices('\n').map(|(i, _)| i + 1)).collect();
    // Locations are 1-based lines and columns counted in characters.
    let offset = |line: u64, column: u64| -> Option<usize> {
        let start = *line_starts.get((line as usize).checked_sub(1)?)?;
        let rest = &sql[start..];
        match rest.char_indices().nth((column as usize).checked_sub(1)?) {
            Some((i, _)) => Some(start + i),
            None => Some(sql.len()),
        }
    };
    let significant: Vec<usize> = (0..tokens.len()).filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_))).collect();
    let mut replacements: Vec<(usize, usize)> = Vec::new();
    for (k, &i) in significant.iter().enumerate() {
        let Token::Word(w) = &tokens[i].token else { continue };
        let is_schema = match w.quote_style {
            None => w.value.eq_ignore_ascii_case(from),
            Some('"') => w.value == from,
            Some(_) => false,
        };
        let before_period = significant.get(k + 1).is_some_and(|&j| tokens[j].token == Token::Period);
        let after_period = k > 0 && tokens[significant[k - 1]].token == Token::Period;
        if is_schema && before_period && !after_period {
            let span = tokens[i].span;
            if let (Some(a), Some(b)) = (offset(span.start.line, span.start.column), offset(span.end.line, span.end.column)) {
                replacements.push((a, b));
            }
        }
    }
    if replacements.is_empty() {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len() + replacements.len() * to.len());
    let mut last = 0;
    for (a, b) in replacements {
        out.push_str(&sql[last..a]);
        out.push_str(to);
        last = b;
    }
    out.push_str(&sql[last..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::requalify;

    #[test]
    fn rewrites_qualifiers_of_the_schema_only() {
        let to = "\"scratch_1\"";
        assert_eq!(requalify(r#"CREATE TABLE "public"."d" (id int)"#, "public", to), r#"CREATE TABLE "scratch_1"."d" (id int)"#);
        assert_eq!(requalify("CREATE INDEX i ON public.d (x)", "public", to), "CREATE INDEX i ON \"scratch_1\".d (x)");
        assert_eq!(requalify("CREATE TABLE PUBLIC . d (id int)", "public", to), "CREATE TABLE \"scratch_1\" . d (id int)");
        // Not a qualifier: a column called public, a string, a comment, a dollar quote,
        // another schema, and a quoted name of another case.
        for same in [
            "SELECT public FROM t",
            "SELECT 'public.d' FROM t",
            "-- public.d\nSELECT 1",
            "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 FROM public.d $$ LANGUAGE sql",
            "CREATE TABLE audit.log (id int)",
            "SELECT x.public.y FROM t",
            r#"CREATE TABLE "Public".d (id int)"#,
        ] {
            assert_eq!(requalify(same, "public", to), same);
        }
        // Multi-byte text before the qualifier keeps offsets right.
        assert_eq!(requalify("COMMENT ON TABLE public.d IS 'é ü';\nCREATE VIEW v AS SELECT 'ä' AS a FROM public.d", "public", to),
            "COMMENT ON TABLE \"scratch_1\".d IS 'é ü';\nCREATE VIEW v AS SELECT 'ä' AS a FROM \"scratch_1\".d");
    }
}
