//! PostgreSQL as the facade's registry sees it: `postgres://` and `postgresql://` URLs
//! (`dialect = "postgresql"` accepted too), scratch work in a database on the server.
use crate::{parse_url, PgConnection, PgDialect};
use retort_core::engine::{redact_db_error, scratch_server, Connection, Dialect, Engine};
use retort_core::url::RedactedUrl;
use std::path::Path;

pub struct PostgresEngine;

impl Engine for PostgresEngine {
    fn dev_server(&self) -> Option<retort_core::engine::DevServer> {
        Some(retort_core::engine::DevServer {
            env_var: "RETORT_TEST_PG_URL",
            default_url: "postgres://postgres@127.0.0.1:5432/postgres",
        })
    }

    fn name(&self) -> &'static str {
        "postgres"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["postgresql"]
    }

    fn url_schemes(&self) -> &'static [&'static str] {
        &["postgres", "postgresql"]
    }

    fn dialect(&self) -> Box<dyn Dialect> {
        Box::new(PgDialect)
    }

    fn open(&self, url: &RedactedUrl, _base: &Path) -> retort_core::Result<Box<dyn Connection>> {
        let parsed = parse_url(url.expose(), &url.to_string())?;
        Ok(Box::new(PgConnection::open(&parsed).map_err(|e| redact_db_error(e, url))?))
    }

    fn scratch(&self, server: Option<&RedactedUrl>) -> retort_core::Result<Box<dyn Connection>> {
        let url = scratch_server(self.name(), server)?;
        let parsed = parse_url(url.expose(), &url.to_string())?;
        let schema = parsed.schema.clone();
        Ok(Box::new(
            PgConnection::scratch(&parsed, schema.as_deref())
                .map_err(|e| redact_db_error(e, url))?,
        ))
    }

    fn copy_database(
        &self,
        server: Option<&RedactedUrl>,
        like: &RedactedUrl,
        _base: &Path,
        backup: &Path,
    ) -> retort_core::Result<retort_core::engine::DatabaseCopy> {
        let url = scratch_server(self.name(), server)?;
        let admin = parse_url(url.expose(), &url.to_string())?;
        let env = parse_url(like.expose(), &like.to_string())?;
        Ok(crate::scratch::copy_database(&admin, env.schema, backup)
            .map_err(|e| redact_db_error(e, url))?)
    }

    fn kept_scratch(
        &self,
        server: Option<&RedactedUrl>,
        name: &str,
    ) -> retort_core::Result<Option<Box<dyn Connection>>> {
        let url = scratch_server(self.name(), server)?;
        let parsed = parse_url(url.expose(), &url.to_string())?;
        let kept = PgConnection::kept_scratch(&parsed, parsed.schema.as_deref(), name)
            .map_err(|e| redact_db_error(e, url))?;
        Ok(kept.map(|c| Box::new(c) as Box<dyn Connection>))
    }

    fn drop_kept_scratch(
        &self,
        server: Option<&RedactedUrl>,
        name: &str,
    ) -> retort_core::Result<bool> {
        let url = scratch_server(self.name(), server)?;
        let parsed = parse_url(url.expose(), &url.to_string())?;
        let mut conn = PgConnection::open(&parsed).map_err(|e| redact_db_error(e, url))?;
        let existed = !conn
            .query(&format!(
                "SELECT 1 FROM pg_database WHERE datname = {}",
                crate::render::literal(name)
            ))
            .map_err(|e| redact_db_error(e, url))?
            .is_empty();
        drop(conn);
        crate::scratch::drop_database(&parsed.config, name);
        Ok(existed)
    }
}
