//! A checkup of the data folder for `copse doctor`: the folder, the database's integrity, the
//! quarantined chunks, the device key and the automatic backups, each with a plain verdict and
//! what to do. It changes nothing (the database is opened read-only; the folder's lock is only
//! tried, to tell whether copse has it open), so it runs beside the app too.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::backup::{integrity_report, list_daily};
use super::schema::{APPLICATION_ID, SCHEMA_VERSION, check_file_header};
use super::{DATABASE_FILE_NAME, DEVICE_KEY_FILE_NAME, DataDirLock, LOCK_FILE_NAME, StoreError};

/// How a check came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Nothing to do.
    Ok,
    /// Worth knowing; copse works.
    Warning,
    /// Something is wrong and needs doing.
    Problem,
}

/// One check's outcome, in words for a member helping another over the phone.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// What was checked ("database").
    pub check: &'static str,
    pub verdict: Verdict,
    /// What was found.
    pub says: String,
    /// What to do about it, when there is something to do.
    pub todo: Option<String>,
}

impl Finding {
    pub fn ok(check: &'static str, says: impl Into<String>) -> Finding {
        Finding {
            check,
            verdict: Verdict::Ok,
            says: says.into(),
            todo: None,
        }
    }

    pub fn warning(
        check: &'static str,
        says: impl Into<String>,
        todo: impl Into<String>,
    ) -> Finding {
        Finding {
            check,
            verdict: Verdict::Warning,
            says: says.into(),
            todo: Some(todo.into()),
        }
    }

    pub fn problem(
        check: &'static str,
        says: impl Into<String>,
        todo: impl Into<String>,
    ) -> Finding {
        Finding {
            check,
            verdict: Verdict::Problem,
            says: says.into(),
            todo: Some(todo.into()),
        }
    }
}

/// What the checkup found, and what the network checks need from the folder.
#[derive(Debug)]
pub struct Checkup {
    pub findings: Vec<Finding>,
    /// Whether a copse process has the folder open right now (its own description).
    pub held_by: Option<String>,
    /// A local (never synced) value the network checks need, read from the database.
    pub remembered_port: Option<u16>,
}

/// An automatic backup older than this is worth a warning.
const STALE_BACKUP_MS: i64 = 2 * 24 * 60 * 60 * 1000;
const RESTORE_HINT: &str = "close copse, move copse.db aside, then restore the newest backup into \
     a new folder (`copse backup --list`, then `copse --data-dir NEW_FOLDER restore FILE`) and \
     sync with a member";

/// Checks the data folder `dir` at `now_ms`. Reads only.
pub fn checkup(dir: &Path, now_ms: i64) -> Checkup {
    let mut checkup = Checkup {
        findings: Vec::new(),
        held_by: None,
        remembered_port: None,
    };
    if !folder(dir, &mut checkup) {
        return checkup;
    }
    let key = dir.join(DEVICE_KEY_FILE_NAME);
    let has_key = key.exists();
    database(&dir.join(DATABASE_FILE_NAME), has_key, &mut checkup);
    checkup.findings.push(device_key(&key));
    checkup.findings.push(backups(dir, now_ms));
    checkup
}

/// The folder itself; `false` when there is nothing more to check.
fn folder(dir: &Path, checkup: &mut Checkup) -> bool {
    const CHECK: &str = "data folder";
    let shown = dir.display();
    match std::fs::metadata(dir) {
        Err(_) => {
            checkup.findings.push(Finding::problem(
                CHECK,
                format!("{shown} does not exist: copse has not run with this folder"),
                "check --data-dir or COPSE_DATA_DIR; `copse init` or `copse join` creates it",
            ));
            return false;
        }
        Ok(meta) if !meta.is_dir() => {
            checkup.findings.push(Finding::problem(
                CHECK,
                format!("{shown} is a file, not a folder"),
                "choose a folder with --data-dir, or move the file aside",
            ));
            return false;
        }
        Ok(_) => {}
    }
    // A running copse always has its lock file; without one there is nothing to try (and the
    // doctor leaves no file behind in a folder copse never used).
    let lock_file = dir.join(LOCK_FILE_NAME).exists();
    match lock_file.then(|| DataDirLock::acquire(dir)).transpose() {
        Ok(lock) => drop(lock),
        Err(StoreError::InUse { holder, .. }) => checkup.held_by = Some(holder),
        Err(e) => {
            checkup.findings.push(Finding::problem(
                CHECK,
                format!("{shown} cannot be used: {e}"),
                "check that the folder and its files belong to you (ls -l) and the disk is not full",
            ));
            return false;
        }
    }
    let open = match &checkup.held_by {
        Some(holder) => format!("open in copse now ({holder})"),
        None => "no copse has it open".to_string(),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0);
        if mode & 0o077 != 0 {
            checkup.findings.push(Finding::warning(
                CHECK,
                format!(
                    "{shown} ({open}) can be read by other users of this computer (mode {mode:o})"
                ),
                format!("chmod 700 {shown}"),
            ));
            return true;
        }
    }
    checkup
        .findings
        .push(Finding::ok(CHECK, format!("{shown} ({open})")));
    true
}

fn database(db: &Path, has_key: bool, checkup: &mut Checkup) {
    const CHECK: &str = "database";
    if !db.exists() {
        checkup.findings.push(if has_key {
            Finding::problem(
                CHECK,
                format!(
                    "{} is missing, yet this folder held a community",
                    db.display()
                ),
                RESTORE_HINT,
            )
        } else {
            Finding::ok(CHECK, "no community here yet (no copse.db)")
        });
        return;
    }
    let conn = match open(db) {
        Ok(conn) => conn,
        Err(reason) => {
            checkup.findings.push(Finding::problem(
                CHECK,
                format!("{} cannot be opened: {reason}", db.display()),
                RESTORE_HINT,
            ));
            return;
        }
    };
    match integrity_report(&conn) {
        Ok(report) if report == ["ok"] => {
            let documents: i64 = conn
                .query_row(
                    "SELECT count(DISTINCT substr(key, 1, instr(key, '/') - 1)) FROM chunks \
                     WHERE instr(key, '/') > 1",
                    [],
                    |row| row.get(0),
                )
                .unwrap_or(0);
            checkup.findings.push(Finding::ok(
                CHECK,
                format!(
                    "intact (SQLite's integrity check passed; {})",
                    count(documents, "document", "documents")
                ),
            ));
        }
        Ok(report) => checkup.findings.push(Finding::problem(
            CHECK,
            format!(
                "{} is damaged (integrity check: {})",
                db.display(),
                report.into_iter().take(3).collect::<Vec<_>>().join("; ")
            ),
            RESTORE_HINT,
        )),
        Err(e) => checkup.findings.push(Finding::problem(
            CHECK,
            format!("{} is damaged ({e})", db.display()),
            RESTORE_HINT,
        )),
    }
    checkup.findings.push(quarantine(&conn));
    checkup.remembered_port = conn
        .query_row(
            "SELECT value FROM local WHERE key = 'net/port'",
            [],
            |row| row.get::<_, String>(0),
        )
        .optional()
        .ok()
        .flatten()
        .and_then(|p| p.parse().ok());
}

fn quarantine(conn: &Connection) -> Finding {
    const CHECK: &str = "quarantine";
    match conn.query_row("SELECT count(*) FROM quarantine", [], |row| {
        row.get::<_, i64>(0)
    }) {
        Ok(0) => Finding::ok(CHECK, "no damaged chunks set aside"),
        Ok(n) => Finding::warning(
            CHECK,
            format!(
                "{} set aside in copse.db's quarantine table: the documents they belonged to may \
                 miss some changes here",
                count(n, "damaged chunk", "damaged chunks")
            ),
            "run `copse sync` while a member is online: they send back what is missing. The \
             chunks stay in the table for inspection; nothing else to do",
        ),
        Err(e) => Finding::problem(
            CHECK,
            format!("the quarantine table cannot be read ({e})"),
            RESTORE_HINT,
        ),
    }
}

/// Opens the database read-only after checking it is copse's; the reason in words if not.
fn open(db: &Path) -> Result<Connection, String> {
    check_file_header(db).map_err(|e| e.to_string())?;
    let conn = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| e.to_string())?;
    conn.busy_timeout(Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    let id: i64 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(|e| e.to_string())?;
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if id != APPLICATION_ID {
        return Err("it is not a database copse wrote".to_string());
    }
    if version > SCHEMA_VERSION {
        return Err(format!(
            "a newer copse wrote it (format {version}); update copse"
        ));
    }
    Ok(conn)
}

fn device_key(path: &Path) -> Finding {
    const CHECK: &str = "device key";
    let shown = path.display();
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(_) => {
            return Finding::ok(CHECK, "none yet: copse makes one at first start");
        }
    };
    if !meta.is_file() || meta.len() != 32 {
        return Finding::problem(
            CHECK,
            format!("{shown} is not a key copse wrote ({} bytes)", meta.len()),
            "restore a backup (it holds the key) into a new folder; or move the file aside and \
             join again with an invite, as a new device",
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Finding::problem(
                CHECK,
                format!("{shown} can be read by other users of this computer (mode {mode:o})"),
                format!("chmod 600 {shown} (copse also does this when it starts)"),
            );
        }
    }
    Finding::ok(CHECK, format!("{shown}, private to you"))
}

fn backups(dir: &Path, now_ms: i64) -> Finding {
    const CHECK: &str = "backups";
    let todo = "open copse or run `copse serve` (they make one a day), and now and then copy \
                one elsewhere with `copse backup --out FILE`";
    match list_daily(dir) {
        Ok(list) => match list.first() {
            None => Finding::warning(CHECK, "no automatic backup yet", todo),
            Some(newest) if now_ms - newest.made_at_ms > STALE_BACKUP_MS => Finding::warning(
                CHECK,
                format!(
                    "the newest automatic backup is from {}",
                    date(newest.made_at_ms)
                ),
                todo,
            ),
            Some(newest) => Finding::ok(
                CHECK,
                format!(
                    "{} kept, the newest from {}",
                    list.len(),
                    date(newest.made_at_ms)
                ),
            ),
        },
        Err(e) => Finding::warning(CHECK, format!("the backups cannot be listed ({e})"), todo),
    }
}

fn count(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn date(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| format!("{ms}ms"))
}
