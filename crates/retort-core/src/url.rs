//! Database URLs: the one type that holds a URL ([`RedactedUrl`], whose `Display` hides
//! the password) and the two rewritings every URL goes through. Below everything else:
//! configuration, engines and messages all hold URLs.
use std::fmt;

/// A database URL whose `Display` hides the password, so it can be printed anywhere.
#[derive(Clone, PartialEq, Eq)]
pub struct RedactedUrl(String);

impl RedactedUrl {
    pub fn new(url: String) -> Self {
        RedactedUrl(url)
    }

    /// The real URL, for the driver only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn scheme(&self) -> Option<&str> {
        self.0.split_once(':').map(|(s, _)| s)
    }

    /// Whether the URL carries a password (one `Display` hides).
    pub fn has_password(&self) -> bool {
        redact(&self.0) != self.0
    }
}

impl fmt::Display for RedactedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.0))
    }
}

impl fmt::Debug for RedactedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RedactedUrl({self})")
    }
}

/// Replaces the password of `scheme://user:password@host` (and `password=` query
/// parameters) with `****`.
///
/// Users paste passwords without percent-encoding them, and the drivers disagree on
/// where the userinfo ends (rust-postgres reads up to the first `@`, a WHATWG parser stops
/// at `/`, `?` or `#`). So everything from the first `:` after the user up to the *last*
/// `@` counts as the password: a `/`, `#`, `?` or `@` inside it cannot leak, and at
/// worst an `@` in a query parameter hides more than needed.
pub fn redact(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(scheme_end) = url.find("://") {
        let rest = &url[scheme_end + 3..];
        if let Some(at) = rest.rfind('@') {
            let userinfo = &rest[..at];
            if let Some(colon) = userinfo.find(':') {
                let user = &userinfo[..colon];
                out = format!("{}{}:****@{}", &url[..scheme_end + 3], user, &rest[at + 1..]);
            }
        }
    }
    if let Some(q) = out.find('?') {
        let (base, query) = out.split_at(q + 1);
        let parts: Vec<String> = query
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=****"),
                _ => kv.to_string(),
            })
            .collect();
        out = format!("{base}{}", parts.join("&"));
    }
    out
}

/// A SQLAlchemy URL's driver (`postgresql+psycopg2://`, `mysql+pymysql://`) names the
/// Python driver; retort has its own, so the URL means the same without it. A Flask
/// application's `DATABASE_URL` then works for retort as it is.
// SQLite is left alone on purpose: SQLAlchemy's `sqlite:///rel.db` counts slashes differently
// from retort's `sqlite://rel.db`, so a stripped `sqlite+pysqlite:` URL would open another
// file; kept whole, the scheme is unknown and the error says which schemes there are.
pub fn without_driver(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) if scheme.contains('+') && !scheme.starts_with("sqlite") => {
            format!("{}://{rest}", scheme.split('+').next().unwrap_or(scheme))
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("postgres://bob:s3cret@db:5432/app"), "postgres://bob:****@db:5432/app");
        assert_eq!(redact("mysql://root@localhost/x"), "mysql://root@localhost/x");
        assert_eq!(
            redact("postgres://db/app?user=a&password=zz"),
            "postgres://db/app?user=a&password=****"
        );
        assert_eq!(redact("sqlite://dev.db"), "sqlite://dev.db");
        // Unencoded characters that end an authority for some parsers.
        assert_eq!(
            redact("postgres://postgres:Sek/r1tPW@127.0.0.1/db"),
            "postgres://postgres:****@127.0.0.1/db"
        );
        assert_eq!(redact("mysql://u:a#b?c@d@h:3306/x"), "mysql://u:****@h:3306/x");
        assert!(!format!("{:?}", RedactedUrl::new("postgres://u:pw@h/d".into())).contains("pw@"));
    }

    #[test]
    fn a_python_driver_is_dropped_except_from_sqlite_urls() {
        assert_eq!(without_driver("mysql+pymysql://root@h/db"), "mysql://root@h/db");
        assert_eq!(without_driver("sqlite+pysqlite:///a.db"), "sqlite+pysqlite:///a.db");
    }
}
