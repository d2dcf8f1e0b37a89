//! MySQL/MariaDB as the facade's registry sees it: `mysql://` and `mariadb://` URLs
//! (`dialect = "mariadb"` accepted too), scratch work in a database on the server.
use crate::{parse_url, MysqlConnection, MysqlDialect};
use retort_core::engine::{scratch_server, Connection, Dialect, Engine};
use retort_core::url::RedactedUrl;
use std::path::Path;

pub struct MysqlEngine;

impl Engine for MysqlEngine {
    fn dev_server(&self) -> Option<retort_core::engine::DevServer> {
        Some(retort_core::engine::DevServer {
            env_var: "RETORT_TEST_MYSQL_URL",
            default_url: "mysql://root@127.0.0.1:3306/mysql",
        })
    }

    fn name(&self) -> &'static str {
        "mysql"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["mariadb"]
    }

    fn url_schemes(&self) -> &'static [&'static str] {
        &["mysql", "mariadb"]
    }

    fn dialect(&self) -> Box<dyn Dialect> {
        Box::new(MysqlDialect)
    }

    fn open(&self, url: &RedactedUrl, _base: &Path) -> retort_core::Result<Box<dyn Connection>> {
        let (opts, strategy) = parse_url(url.expose(), &url.to_string())?;
        Ok(Box::new(MysqlConnection::open(&opts, &url.to_string(), strategy)?))
    }

    fn scratch(&self, server: Option<&RedactedUrl>) -> retort_core::Result<Box<dyn Connection>> {
        let url = scratch_server(self.name(), server)?;
        let (opts, _) = parse_url(url.expose(), &url.to_string())?;
        Ok(Box::new(MysqlConnection::scratch(&opts, &url.to_string())?))
    }

    fn copy_database(
        &self,
        server: Option<&RedactedUrl>,
        like: &RedactedUrl,
        _base: &Path,
        backup: &Path,
    ) -> retort_core::Result<retort_core::engine::DatabaseCopy> {
        let url = scratch_server(self.name(), server)?;
        let (admin, _) = parse_url(url.expose(), &url.to_string())?;
        let (like, _) = parse_url(like.expose(), &like.to_string())?;
        Ok(crate::scratch::copy_database(&admin, &url.to_string(), &like, backup)?)
    }

    fn kept_scratch(
        &self,
        server: Option<&RedactedUrl>,
        name: &str,
    ) -> retort_core::Result<Option<Box<dyn Connection>>> {
        let url = scratch_server(self.name(), server)?;
        let (opts, _) = parse_url(url.expose(), &url.to_string())?;
        Ok(MysqlConnection::kept_scratch(&opts, &url.to_string(), name)?
            .map(|c| Box::new(c) as Box<dyn Connection>))
    }

    fn drop_kept_scratch(
        &self,
        server: Option<&RedactedUrl>,
        name: &str,
    ) -> retort_core::Result<bool> {
        let url = scratch_server(self.name(), server)?;
        let (opts, _) = parse_url(url.expose(), &url.to_string())?;
        Ok(crate::scratch::drop_kept(&opts, &url.to_string(), name)?)
    }
}
