//! The two bookkeeping tables as values: their names, and the rows of the log table as
//! written and as read back. Plain data below everything that runs SQL, so errors, plans
//! and engines can name a direction or a status without depending on the migrator.

/// Names of the two bookkeeping tables.
#[derive(Clone, Debug)]
pub struct VersionTables {
    /// Alembic's `alembic_version(version_num)`: one row per applied head.
    pub version: String,
    /// retort's log: one row per applied, reverted or stamped revision.
    pub log: String,
}

impl Default for VersionTables {
    fn default() -> Self {
        VersionTables { version: "alembic_version".into(), log: "retort_log".into() }
    }
}

/// What a log row records being done to a revision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogDirection {
    Up,
    Down,
    /// Recorded without running (`stamp`, `baseline`).
    Stamp,
    /// A changed file's new text accepted after review (`verify --accept`).
    Accept,
}

impl LogDirection {
    pub fn as_str(self) -> &'static str {
        match self {
            LogDirection::Up => "up",
            LogDirection::Down => "down",
            LogDirection::Stamp => "stamp",
            LogDirection::Accept => "accept",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [LogDirection::Up, LogDirection::Down, LogDirection::Stamp, LogDirection::Accept]
            .into_iter()
            .find(|d| d.as_str() == s)
    }
}

/// How far a logged step got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum LogStatus {
    #[serde(rename = "ok")]
    Ok,
    /// Started on an engine without transactional DDL; still there means it was cut off.
    #[serde(rename = "in_progress")]
    InProgress,
    /// Failed halfway on an engine without transactional DDL: the database is dirty.
    #[serde(rename = "failed")]
    Failed,
    /// A dirty step the user finished by hand (`resolve --applied`).
    #[serde(rename = "resolved-ok")]
    ResolvedOk,
    /// A dirty step the user undid by hand (`resolve --reverted`).
    #[serde(rename = "resolved-undo")]
    ResolvedUndo,
}

impl LogStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LogStatus::Ok => "ok",
            LogStatus::InProgress => "in_progress",
            LogStatus::Failed => "failed",
            LogStatus::ResolvedOk => "resolved-ok",
            LogStatus::ResolvedUndo => "resolved-undo",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            LogStatus::Ok,
            LogStatus::InProgress,
            LogStatus::Failed,
            LogStatus::ResolvedOk,
            LogStatus::ResolvedUndo,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }
}

/// One row of the log table, as written.
#[derive(Clone, Debug)]
pub struct LogRecord<'a> {
    pub revision: &'a str,
    pub direction: LogDirection,
    pub status: LogStatus,
    pub checksum: Option<&'a str>,
    pub message: &'a str,
    /// The revision file's full text, so a lost or edited file can be recovered.
    pub script: Option<&'a str>,
    /// `None` renders the engine's own clock (offline mode).
    pub applied_at: Option<&'a str>,
    pub duration_ms: Option<u64>,
    pub applied_by: &'a str,
    pub tool_version: &'a str,
}

/// One row of the log table, as read back.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LogEntry {
    pub id: i64,
    pub revision: String,
    pub direction: String,
    pub status: String,
    pub checksum: Option<String>,
    pub message: Option<String>,
    pub script: Option<String>,
    pub applied_at: String,
    pub duration_ms: Option<i64>,
    pub applied_by: Option<String>,
    pub tool_version: String,
    /// The engine's message when a non-transactional revision failed.
    pub error: Option<String>,
}

impl LogEntry {
    /// The row's direction; `None` for text retort does not write (an edited table).
    pub fn direction(&self) -> Option<LogDirection> {
        LogDirection::parse(&self.direction)
    }

    pub fn status(&self) -> Option<LogStatus> {
        LogStatus::parse(&self.status)
    }
}
