//! `retort.toml`: the project's dialect, paths, bookkeeping table names and named
//! environments. Settings are resolved once here (file + `RETORT_ENV` + `DATABASE_URL`)
//! so commands never read the environment themselves.
use crate::error::ConfigError;
use crate::history::log::VersionTables;
use crate::url::{without_driver, RedactedUrl};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const FILE_NAME: &str = "retort.toml";

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub project: ProjectSection,
    #[serde(default)]
    pub env: BTreeMap<String, EnvSection>,
    #[serde(default)]
    pub autogenerate: AutogenerateSection,
}

/// Which tables autogenerate owns (glob patterns; empty include = all).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AutogenerateSection {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProjectSection {
    pub dialect: String,
    pub models: String,
    /// A command whose standard output is the models SQL (an ORM's metadata rendered as
    /// DDL: `["flask", "db", "models"]`), run from the project directory; instead of `models`.
    pub models_command: Option<Vec<String>>,
    pub migrations: String,
    pub version_table: String,
    pub log_table: String,
    pub default_env: String,
    /// A server where autogenerate may create and drop scratch databases (PostgreSQL,
    /// MySQL); defaults to the environment's URL.
    pub scratch_url: Option<String>,
    /// Keep the models' scratch database between runs and bring it to new models by
    /// the statements that changed (PostgreSQL, MySQL); `RETORT_KEEP_SCRATCH=0|1`
    /// overrides. `retort cache clear` drops it.
    pub keep_scratch: bool,
    /// The schemas the project owns besides the environment's own (PostgreSQL): models
    /// and migrations create, compare and drop objects in all of them. Empty: the
    /// environment's schema only.
    pub schemas: Vec<String>,
    /// Where backups go (relative to retort.toml); ignored by git through .gitignore.
    pub backup_dir: String,
}

impl Default for ProjectSection {
    fn default() -> Self {
        ProjectSection {
            dialect: "sqlite".into(),
            models: "models.sql".into(),
            models_command: None,
            migrations: "migrations".into(),
            version_table: "alembic_version".into(),
            log_table: "retort_log".into(),
            default_env: "dev".into(),
            scratch_url: None,
            keep_scratch: true,
            schemas: Vec::new(),
            backup_dir: "backups".into(),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvSection {
    pub url: Option<String>,
    #[serde(default)]
    pub protected: bool,
    /// Back up the database before every upgrade and downgrade.
    #[serde(default)]
    pub backup: bool,
    /// How many automatic backups of this environment to keep.
    pub backup_keep: Option<usize>,
    /// The database's lock timeout for migration statements (`"2s"`, `"500ms"`, `"0"` for
    /// none); default the engine's: PostgreSQL `lock_timeout` 2 s, MySQL/MariaDB
    /// `lock_wait_timeout` 5 s.
    pub lock_timeout: Option<String>,
    /// PostgreSQL `statement_timeout` / MariaDB `max_statement_time` for migration
    /// statements (none by default; Oracle MySQL has no timeout for DDL).
    pub statement_timeout: Option<String>,
    /// How often a revision that hit the lock timeout is retried (default 3).
    pub lock_retries: Option<u32>,
    /// The most time one run spends waiting between retries (default `"60s"`).
    pub lock_retry_budget: Option<String>,
    /// `retort migrate` writes the online forms of locking changes (default: on for a
    /// protected environment).
    pub online: Option<bool>,
    /// A fleet: every URL here is one target.
    pub urls: Option<Vec<String>>,
    /// A fleet: `url` holds `{target}`, replaced by each of these names...
    pub targets: Option<Vec<String>>,
    /// ...or by each line this shell command prints...
    pub targets_command: Option<String>,
    /// ...or by the first column of this query's rows on `control_url`.
    pub targets_query: Option<String>,
    pub control_url: Option<String>,
    /// The migration lock: `"lease"` (a lease row: clusters, connection poolers) or
    /// `"session"` (the server's session lock); default: the engine chooses.
    /// Passed to the engine as the URL's `lock=` parameter.
    pub lock: Option<String>,
    /// The lease's length in seconds with `lock = "lease"` (default 30).
    pub lock_lease: Option<f64>,
}

/// `url` with retort's `lock=`/`lease=` parameters for the engine, unless it has them.
fn with_lock_params(url: &str, lock: Option<&str>, lease: Option<f64>) -> String {
    let mut out = url.to_string();
    let mut add = |key: &str, value: String| {
        let has = out
            .split_once('?')
            .is_some_and(|(_, q)| q.split('&').any(|kv| kv.split('=').next() == Some(key)));
        if !has {
            out.push(if out.contains('?') { '&' } else { '?' });
            out.push_str(&format!("{key}={value}"));
        }
    };
    if let Some(l) = lock {
        add("lock", l.to_string());
    }
    if let Some(s) = lease {
        add("lease", s.to_string());
    }
    out
}

/// One schema, many databases: where an environment's targets come from.
#[derive(Clone, Debug)]
pub enum Fleet {
    /// `urls = [...]`.
    Urls(Vec<RedactedUrl>),
    /// `url` with `{target}` in it, and where the names come from.
    Template { url: String, names: FleetNames },
}

#[derive(Clone, Debug)]
pub enum FleetNames {
    List(Vec<String>),
    Command(String),
    Query { control: RedactedUrl, sql: String },
}

/// The database-side timeouts of a migration session and the retry policy when a
/// statement hits the lock timeout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionTimeouts {
    /// `None`: the engine's default.
    pub lock: Option<Duration>,
    pub statement: Option<Duration>,
    pub retries: u32,
    pub budget: Duration,
}

impl Default for SessionTimeouts {
    fn default() -> Self {
        SessionTimeouts { lock: None, statement: None, retries: 3, budget: Duration::from_secs(60) }
    }
}

/// `"2s"`, `"500ms"`, `"1m"`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let t = text.trim();
    let (number, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else {
        (t, 1.0)
    };
    let value: f64 = number.trim().parse().ok()?;
    (value.is_finite() && value >= 0.0 && value * scale <= 86_400.0)
        .then(|| Duration::from_secs_f64(value * scale))
}

/// A loaded project: the parsed file and the directory it lives in (relative paths
/// and relative SQLite URLs are resolved against it).
#[derive(Clone, Debug)]
pub struct Project {
    pub dir: PathBuf,
    pub path: PathBuf,
    pub file: ConfigFile,
}

/// The environment a command runs against, resolved once.
#[derive(Clone, Debug)]
pub struct Environment {
    pub name: String,
    pub url: Option<RedactedUrl>,
    pub protected: bool,
    pub backup: bool,
    pub backup_keep: usize,
    /// Where the URL came from, for `status` and error messages.
    pub url_source: &'static str,
    pub timeouts: SessionTimeouts,
    /// Generate online forms of locking changes.
    pub online: bool,
    /// Set when the environment names many databases; `url` is then the template (or
    /// the first URL), for the engine and scratch work only.
    pub fleet: Option<Fleet>,
}

impl Project {
    /// Finds `retort.toml` in `start` or its parents.
    pub fn find(start: &Path) -> Result<Project, ConfigError> {
        let mut dir = Some(start);
        while let Some(d) = dir {
            let candidate = d.join(FILE_NAME);
            if candidate.is_file() {
                return Project::load(&candidate);
            }
            dir = d.parent();
        }
        Err(ConfigError::NotFound { dir: start.to_path_buf() })
    }

    pub fn load(path: &Path) -> Result<Project, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Invalid {
            path: path.to_path_buf(),
            message: format!("cannot read: {e}"),
        })?;
        let file: ConfigFile = toml::from_str(&text).map_err(|e| ConfigError::Invalid {
            path: path.to_path_buf(),
            message: e.to_string().trim().to_string(),
        })?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
        let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
        Ok(Project { dir, path: path.to_path_buf(), file })
    }

    pub fn migrations_dir(&self) -> PathBuf {
        self.dir.join(&self.file.project.migrations)
    }

    pub fn models_path(&self) -> PathBuf {
        self.dir.join(&self.file.project.models)
    }

    /// The models SQL and where it came from (for messages: the file, or the command's
    /// output): `models_command`'s standard output when it is set, else the `models` file.
    pub fn models(&self) -> Result<(String, PathBuf), crate::error::Error> {
        use crate::error::Error;
        let Some(command) = &self.file.project.models_command else {
            let path = self.models_path();
            let sql = std::fs::read_to_string(&path)
                .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
            return Ok((sql, path));
        };
        let shown = command.join(" ");
        let (program, args) = command.split_first().ok_or_else(|| Error::usage("models_command in retort.toml is empty", Some("give the command as a list, e.g. models_command = [\"flask\", \"db\", \"models\"]".into())))?;
        let out = std::process::Command::new(program)
            .args(args)
            .current_dir(&self.dir)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| Error::ModelsCommand {
                command: shown.clone(),
                message: format!("it could not be started: {e}"),
            })?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let tail: Vec<&str> =
                stderr.lines().rev().take(20).collect::<Vec<_>>().into_iter().rev().collect();
            return Err(Error::ModelsCommand {
                command: shown,
                message: format!("it failed ({}):\n{}", out.status, tail.join("\n")),
            });
        }
        let sql = String::from_utf8(out.stdout).map_err(|_| Error::ModelsCommand {
            command: shown.clone(),
            message: "its output is not UTF-8 text".into(),
        })?;
        Ok((sql, PathBuf::from(format!("`{shown}` (models_command) output"))))
    }

    /// The tables autogenerate may touch: the configured patterns, never the bookkeeping tables.
    pub fn table_filter(&self) -> crate::diff::filter::TableFilter {
        let mut exclude = self.file.autogenerate.exclude.clone();
        exclude.push(self.file.project.version_table.clone());
        exclude.push(self.file.project.log_table.clone());
        exclude.push("_retort_*".into());
        crate::diff::filter::TableFilter {
            include: self.file.autogenerate.include.clone(),
            exclude,
        }
    }

    pub fn tables(&self) -> VersionTables {
        VersionTables {
            version: self.file.project.version_table.clone(),
            log: self.file.project.log_table.clone(),
        }
    }

    /// Picks the environment: `explicit` (from `--env`), else `RETORT_ENV`, else the
    /// project's default. `DATABASE_URL` overrides the environment's URL.
    pub fn environment(
        &self,
        explicit: Option<&str>,
        vars: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Environment, ConfigError> {
        let chosen = explicit.map(str::to_string).or_else(|| vars("RETORT_ENV"));
        let name = chosen.clone().unwrap_or_else(|| self.file.project.default_env.clone());
        for defined in self.file.env.keys().chain([&name]) {
            safe_name("environment", defined)
                .map_err(|message| ConfigError::Invalid { path: self.path.clone(), message })?;
        }
        let section = match self.file.env.get(&name) {
            Some(s) => s.clone(),
            None if chosen.is_none() => EnvSection::default(),
            None => {
                return Err(ConfigError::UnknownEnv {
                    name,
                    defined: self.file.env.keys().cloned().collect(),
                })
            }
        };
        let (url, source) = match vars("DATABASE_URL").filter(|u| !u.is_empty()) {
            Some(u) => (Some(u), "DATABASE_URL"),
            None => match &section.url {
                Some(raw) => (Some(expand_vars(raw, &name, vars)?), "retort.toml"),
                None => (None, "none"),
            },
        };
        let duration = |key: &str,
                        value: &Option<String>|
         -> Result<Option<Duration>, ConfigError> {
            value
                .as_deref()
                .map(|v| parse_duration(v).ok_or_else(|| ConfigError::Invalid { path: self.path.clone(), message: format!("[env.{name}] {key} = \"{v}\" is not a duration (\"2s\", \"500ms\", \"1m\"; at most a day)") }))
                .transpose()
        };
        let invalid = |message: String| ConfigError::Invalid {
            path: self.path.clone(),
            message: format!("[env.{name}] {message}"),
        };
        if let Some(l) = section.lock.as_deref().filter(|l| !matches!(*l, "lease" | "session")) {
            return Err(invalid(format!("lock = \"{l}\": use \"lease\" or \"session\"")));
        }
        let (lock, lease) = (section.lock.as_deref(), section.lock_lease);
        let url = url.map(|u| with_lock_params(&u, lock, lease));
        // DATABASE_URL names one database: the run is about that one, fleet or not.
        let fleet = if source == "DATABASE_URL" {
            None
        } else {
            let sources = [
                section.targets.is_some(),
                section.targets_command.is_some(),
                section.targets_query.is_some(),
            ]
            .iter()
            .filter(|b| **b)
            .count();
            match (&section.urls, &url) {
                (Some(_), Some(_)) => return Err(invalid("has both `url` and `urls`: a fleet lists its URLs in `urls`, or templates one `url` with {target}".into())),
                (Some(urls), None) => Some(Fleet::Urls(urls.iter().map(|u| expand_vars(u, &name, vars).map(|u| RedactedUrl::new(without_driver(&with_lock_params(&u, lock, lease))))).collect::<Result<_, _>>()?)),
                (None, Some(u)) if u.contains("{target}") => {
                    let names = match (&section.targets, &section.targets_command, &section.targets_query) {
                        _ if sources != 1 => return Err(invalid("`url` has {target}: give exactly one of `targets = [...]`, `targets_command` or `targets_query` (with `control_url`)".into())),
                        (Some(list), _, _) => FleetNames::List(list.clone()),
                        (_, Some(cmd), _) => FleetNames::Command(cmd.clone()),
                        (_, _, Some(sql)) => {
                            let control = section.control_url.as_deref().ok_or_else(|| invalid("`targets_query` needs `control_url`, the database it runs on".into()))?;
                            FleetNames::Query { control: RedactedUrl::new(without_driver(&expand_vars(control, &name, vars)?)), sql: sql.clone() }
                        }
                        _ => unreachable!("one source"),
                    };
                    Some(Fleet::Template { url: without_driver(u), names })
                }
                _ if sources > 0 => return Err(invalid("`targets`, `targets_command` and `targets_query` need a `url` with {target} in it".into())),
                _ => None,
            }
        };
        let url = match (&fleet, url) {
            (Some(Fleet::Urls(urls)), _) => urls.first().map(|u| u.expose().to_string()),
            (_, url) => url,
        };
        let defaults = SessionTimeouts::default();
        let timeouts = SessionTimeouts {
            lock: duration("lock_timeout", &section.lock_timeout)?,
            statement: duration("statement_timeout", &section.statement_timeout)?,
            retries: section.lock_retries.unwrap_or(defaults.retries),
            budget: duration("lock_retry_budget", &section.lock_retry_budget)?
                .unwrap_or(defaults.budget),
        };
        Ok(Environment {
            name,
            url: url.map(|u| RedactedUrl::new(without_driver(&u))),
            protected: section.protected,
            backup: section.backup,
            backup_keep: section.backup_keep.unwrap_or(10),
            url_source: source,
            timeouts,
            online: section.online.unwrap_or(section.protected),
            fleet,
        })
    }
}

/// `${VAR}` expansion so secrets stay out of the repository.
pub fn expand_vars(
    raw: &str,
    env: &str,
    vars: &dyn Fn(&str) -> Option<String>,
) -> Result<String, ConfigError> {
    let mut out = String::new();
    let mut rest = raw;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(ConfigError::BadUrl {
                url: RedactedUrl::new(raw.to_string()).to_string(),
                reason: "unclosed `${`".into(),
            });
        };
        let var = &after[..end];
        let value = vars(var).ok_or_else(|| ConfigError::MissingVar {
            var: var.to_string(),
            env: env.to_string(),
        })?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The text `retort init` writes.
pub fn template(dialect: &str, url: &str) -> String {
    format!(
        r#"# retort project configuration. Paths are relative to this file.
[project]
dialect = "{dialect}"            # sqlite | postgres | mysql
models = "models.sql"           # the schema you want (plain SQL DDL)
# models_command = ["flask", "db", "models"]  # or: a command printing the models SQL (an ORM's metadata)
migrations = "migrations"       # revisions live in migrations/versions/
version_table = "alembic_version"
log_table = "retort_log"
default_env = "dev"             # chosen when neither --env nor RETORT_ENV is given

# Tables autogenerate owns (glob patterns). Tables outside the migrations never appear
# in a generated file anyway: the models are compared with the replayed migrations.
[autogenerate]
include = []
exclude = []

# Named environments. DATABASE_URL, when set, overrides the chosen one's url.
[env.dev]
url = "{url}"

# [env.prod]
# url = "${{PROD_DATABASE_URL}}"  # ${{VAR}} is read from the environment
# protected = true                # writes need --confirm-env prod
# backup = true                   # back up before every upgrade/downgrade (into backups/)
# backup_keep = 10
# lock = "lease"                  # a lease row instead of the session lock (PgBouncer, Galera picks it itself)
# online = true                   # migrate writes CREATE INDEX CONCURRENTLY, NOT VALID + VALIDATE, ...
#                                 # (default: on where protected; --online / --no-online per run)
"#
    )
}

/// Environment and fleet target names become parts of file names (backups, resume
/// reports) and URLs: only letters, digits, `_`, `-` and `.`, not starting with `.`, so
/// that no name can point outside `backup_dir` (`../../x`) or need escaping.
pub fn safe_name(kind: &str, name: &str) -> Result<(), String> {
    if name.is_empty()
        || name.starts_with('.')
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return Err(format!("{kind} name `{name}` may only hold letters, digits, `_`, `-` and `.` (and not start with `.`): it is used in file names"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `lock = "lease"` reaches the engine as the URL's parameter, also for
    /// every URL of a fleet; bad values are refused by name (an engine without a choice
    /// of lock refuses the parameter itself: SQLite's `refuse_lock_params`).
    #[test]
    fn the_lock_setting_goes_into_the_url() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("retort.toml");
        std::fs::write(&path, "[env.a]\nurl = \"postgres://h/db?schema=s\"\nlock = \"lease\"\nlock_lease = 5.0\n[env.f]\nurls = [\"mysql://h/a\", \"mysql://h/b?lock=session\"]\nlock = \"lease\"\n[env.bad]\nurl = \"mysql://h/a\"\nlock = \"maybe\"\n").unwrap();
        let p = Project::load(&path).unwrap();
        let none = |_: &str| None;
        assert_eq!(
            p.environment(Some("a"), &none).unwrap().url.unwrap().expose(),
            "postgres://h/db?schema=s&lock=lease&lease=5"
        );
        let Some(Fleet::Urls(urls)) = p.environment(Some("f"), &none).unwrap().fleet else {
            panic!("a fleet")
        };
        let urls: Vec<&str> = urls.iter().map(|u| u.expose()).collect();
        assert_eq!(urls, ["mysql://h/a?lock=lease", "mysql://h/b?lock=session"]);
        assert!(p.environment(Some("bad"), &none).unwrap_err().to_string().contains("maybe"));
    }

    #[test]
    fn env_selection_and_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, "[env.dev]\nurl = \"sqlite://dev.db\"\n[env.prod]\nurl = \"postgres://u:${PW}@h/db\"\nprotected = true\n").unwrap();
        let p = Project::load(&path).unwrap();
        let none = |_: &str| None;
        let e = p.environment(None, &none).unwrap();
        assert_eq!(e.name, "dev");
        assert_eq!(e.url.unwrap().expose(), "sqlite://dev.db");
        let vars = |k: &str| match k {
            "PW" => Some("hunter2".to_string()),
            "RETORT_ENV" => Some("prod".to_string()),
            _ => None,
        };
        let e = p.environment(None, &vars).unwrap();
        assert!(e.protected);
        assert_eq!(e.url.as_ref().unwrap().expose(), "postgres://u:hunter2@h/db");
        assert!(!e.url.unwrap().to_string().contains("hunter2"));
        assert!(matches!(p.environment(Some("prod"), &none), Err(ConfigError::MissingVar { .. })));
        assert!(matches!(
            p.environment(Some("staging"), &none),
            Err(ConfigError::UnknownEnv { .. })
        ));
        let db = |k: &str| (k == "DATABASE_URL").then(|| "sqlite://other.db".to_string());
        assert_eq!(p.environment(None, &db).unwrap().url.unwrap().expose(), "sqlite://other.db");
        // A Flask application's SQLAlchemy URL: the Python driver is not retort's concern.
        let flask = |k: &str| {
            (k == "DATABASE_URL").then(|| "postgresql+psycopg2://u@h:5432/app".to_string())
        };
        assert_eq!(
            p.environment(None, &flask).unwrap().url.unwrap().expose(),
            "postgresql://u@h:5432/app"
        );
        assert_eq!(without_driver("mysql+pymysql://root@h/db"), "mysql://root@h/db");
        assert_eq!(without_driver("sqlite:///a.db"), "sqlite:///a.db");
    }

    #[test]
    fn session_timeouts_come_from_the_environment_and_bad_ones_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, "[env.dev]\nurl = \"sqlite://dev.db\"\nlock_timeout = \"500ms\"\nlock_retries = 5\n[env.bad]\nlock_timeout = \"soon\"\n").unwrap();
        let p = Project::load(&path).unwrap();
        let none = |_: &str| None;
        let t = p.environment(None, &none).unwrap().timeouts;
        assert_eq!(
            t,
            SessionTimeouts {
                lock: Some(Duration::from_millis(500)),
                retries: 5,
                ..Default::default()
            }
        );
        match p.environment(Some("bad"), &none) {
            Err(ConfigError::Invalid { message, .. }) => {
                assert!(message.contains("lock_timeout = \"soon\""), "{message}")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(parse_duration("2s"), Some(Duration::from_secs(2)));
        assert_eq!(parse_duration("1m"), Some(Duration::from_secs(60)));
        assert_eq!(parse_duration("0"), Some(Duration::ZERO));
        assert_eq!(parse_duration("-1s"), None);
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, "[project]\ndialekt = \"sqlite\"\n").unwrap();
        assert!(matches!(Project::load(&path), Err(ConfigError::Invalid { .. })));
    }

    #[test]
    fn template_parses() {
        let parsed: ConfigFile = toml::from_str(&template("sqlite", "sqlite://dev.db")).unwrap();
        assert_eq!(parsed.env["dev"].url.as_deref(), Some("sqlite://dev.db"));
    }
}
