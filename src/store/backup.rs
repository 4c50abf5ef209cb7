//! Backups of a data folder: one self-contained file holding the database and the device key,
//! made while copse may be running, and restored into a new folder.
//!
//! A backup is a copy of `copse.db` made with SQLite's online backup API from a read-only
//! connection, so it needs no lock on the folder: the app or `copse serve` keeps working (WAL
//! readers never block the writer) and the copy is one consistent moment of the database. Beside
//! the tables the copy gets a `backup_info` table: when it was made and the device key.
//!
//! The device key is in the backup on purpose: the member whose laptop died wants the restored
//! folder to *be* their device again, already on the community's roster, so that it syncs with
//! the others at once and gets back whatever they hold that the backup does not. A backup is
//! therefore as private as the data folder (mode 0600), and is restored on one machine only.
//! Two live copies of one device would not damage any document (Automerge gives every process a
//! fresh actor id), but members would see one device in two places.
//!
//! Depends on SQLite and the store's own files only.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::time::Duration;

use iroh::SecretKey;
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::device_key::{DEVICE_KEY_FILE_NAME, place_device_key, read_device_key};
use super::schema::{APPLICATION_ID, check_file_header};
use super::{DATABASE_FILE_NAME, DataDirLock, LOCK_FILE_NAME, StoreError};

/// The folder inside the data folder that holds the automatic daily backups.
pub const BACKUPS_FOLDER: &str = "backups";
/// How many daily backups are kept; older ones are removed.
pub const KEEP_DAILY: usize = 7;

const INFO_TABLE: &str = "backup_info";
const DAILY_PREFIX: &str = "copse-";
const DAILY_SUFFIX: &str = ".db";
/// Attempts at copying while another connection holds a lock the copy must wait for.
const BUSY_ATTEMPTS: u32 = 200;
const BUSY_PAUSE: Duration = Duration::from_millis(50);

/// What a backup file holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupInfo {
    /// The backup file.
    pub path: PathBuf,
    /// When it was made, in milliseconds since the Unix epoch (by the clock of the copse that
    /// made it).
    pub made_at_ms: i64,
    /// The device it restores: the public half of its key, as peers know it.
    pub device: String,
    /// Documents (communities, notes, cases) with data in it.
    pub documents: usize,
    /// Its size on disk.
    pub bytes: u64,
}

/// Why a backup or a restore did not happen, in words for the person who asked for it.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "there is no copse data in {} (no copse.db): nothing to back up. Name the data folder \
         with --data-dir",
        dir.display()
    )]
    NoDatabase { dir: PathBuf },

    #[error(
        "{} already exists; choose another file name, or remove that file first",
        path.display()
    )]
    Exists { path: PathBuf },

    #[error("{} is not a copse backup ({reason}); nothing was changed", path.display())]
    NotABackup { path: PathBuf, reason: String },

    #[error(
        "{} is damaged (SQLite's integrity check says: {report}); no backup was written. Run \
         `copse doctor`, and restore an earlier backup or sync from a member",
        path.display()
    )]
    Damaged { path: PathBuf, report: String },

    #[error(
        "{} is not empty: copse restores only into a new or empty folder, so that nothing \
         already there is overwritten. Restore into a new folder (--data-dir NEW_FOLDER), or move \
         this one aside first",
        dir.display()
    )]
    FolderNotEmpty { dir: PathBuf },

    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Copies the database of `data_dir` and its device key into the new file `out`, while copse
/// may be running. Nothing is left at `out` unless the whole backup succeeded.
pub fn back_up(data_dir: &Path, out: &Path, made_at_ms: i64) -> Result<BackupInfo, BackupError> {
    let db = data_dir.join(DATABASE_FILE_NAME);
    if !db.is_file() {
        return Err(BackupError::NoDatabase {
            dir: data_dir.to_path_buf(),
        });
    }
    if out.exists() {
        return Err(BackupError::Exists {
            path: out.to_path_buf(),
        });
    }
    let key = read_device_key(data_dir)?.ok_or_else(|| BackupError::NotABackup {
        path: data_dir.join(DEVICE_KEY_FILE_NAME),
        reason: "the folder has a database but no device key".to_string(),
    })?;
    let source = open_read_only(&db).map_err(|e| match e {
        BackupError::NotABackup { reason, .. } => StoreError::NotADatabase {
            path: db.clone(),
            reason,
        }
        .into(),
        other => other,
    })?;
    let tmp = temporary_name(out);
    let made = write_copy(&source, &db, &tmp, &key, made_at_ms).and_then(|()| place(&tmp, out));
    if tmp.exists() {
        let _ = std::fs::remove_file(&tmp);
    }
    made?;
    read_info(out)
}

/// What the backup file `path` holds, after checking that it is one.
pub fn read_info(path: &Path) -> Result<BackupInfo, BackupError> {
    let conn = open_read_only(path)?;
    let not_backup = |reason: &str| BackupError::NotABackup {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let sql = |e: rusqlite::Error| not_backup(&e.to_string());
    let has_info: bool = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [INFO_TABLE],
            |_| Ok(true),
        )
        .optional()
        .map_err(sql)?
        .unwrap_or(false);
    if !has_info {
        return Err(not_backup(
            "it is a copse database, not a backup made by `copse backup`",
        ));
    }
    let value = |name: &str| -> Result<Option<rusqlite::types::Value>, BackupError> {
        conn.query_row(
            &format!("SELECT value FROM {INFO_TABLE} WHERE key = ?1"),
            [name],
            |row| row.get(0),
        )
        .optional()
        .map_err(sql)
    };
    use rusqlite::types::Value;
    let made_at_ms = match value("made_at_ms")? {
        Some(Value::Integer(ms)) => ms,
        _ => return Err(not_backup("it does not say when it was made")),
    };
    let key = match value("device_key")? {
        Some(Value::Blob(bytes)) => {
            key_from(&bytes).ok_or_else(|| not_backup("its device key is damaged"))?
        }
        _ => return Err(not_backup("it holds no device key")),
    };
    let documents: usize = conn
        .query_row(
            "SELECT count(DISTINCT substr(key, 1, instr(key, '/') - 1)) FROM chunks \
             WHERE instr(key, '/') > 1",
            [],
            |row| row.get::<_, i64>(0),
        )
        .map_err(sql)?
        .try_into()
        .unwrap_or(0);
    let bytes = std::fs::metadata(path)
        .map_err(|e| StoreError::io(path, e))?
        .len();
    Ok(BackupInfo {
        path: path.to_path_buf(),
        made_at_ms,
        device: key.public().to_string(),
        documents,
        bytes,
    })
}

/// Restores the backup `backup` into `data_dir`, which must be new or empty: its database and
/// its device key. The folder is locked meanwhile, so no copse opens it half restored.
pub fn restore(backup: &Path, data_dir: &Path) -> Result<BackupInfo, BackupError> {
    let info = read_info(backup)?;
    if !is_empty_folder(data_dir, false)? {
        return Err(BackupError::FolderNotEmpty {
            dir: data_dir.to_path_buf(),
        });
    }
    let lock = DataDirLock::acquire(data_dir)?;
    // Someone may have put something there between the look and the lock.
    if !is_empty_folder(data_dir, true)? {
        return Err(BackupError::FolderNotEmpty {
            dir: data_dir.to_path_buf(),
        });
    }
    let db = data_dir.join(DATABASE_FILE_NAME);
    let tmp = temporary_name(&db);
    let restored = restore_database(backup, &tmp).and_then(|key| {
        // The database first: a folder with a device key but no database is damage.
        place(&tmp, &db)?;
        place_device_key(data_dir, &key)?;
        Ok(())
    });
    if tmp.exists() {
        let _ = std::fs::remove_file(&tmp);
    }
    drop(lock);
    restored?;
    Ok(info)
}

/// Makes today's automatic backup in `data_dir/backups` if there is none yet, and keeps only
/// the newest [`KEEP_DAILY`]. `today` is the date by copse's clock (`2026-12-07`). Returns the
/// backup made, if one was.
pub fn daily(data_dir: &Path, today: &str, now_ms: i64) -> Result<Option<BackupInfo>, BackupError> {
    let folder = data_dir.join(BACKUPS_FOLDER);
    create_private_dir(&folder)?;
    remove_leftovers(&folder);
    let out = folder.join(format!("{DAILY_PREFIX}{today}{DAILY_SUFFIX}"));
    if out.exists() {
        return Ok(None);
    }
    let made = back_up(data_dir, &out, now_ms)?;
    for old in daily_files(&folder)?.into_iter().skip(KEEP_DAILY) {
        if let Err(e) = std::fs::remove_file(&old) {
            tracing::warn!(path = %old.display(), error = %e, "could not remove an old backup");
        }
    }
    Ok(Some(made))
}

/// The automatic backups in `data_dir/backups`, newest first. Files that are not backups are
/// left out.
pub fn list_daily(data_dir: &Path) -> Result<Vec<BackupInfo>, BackupError> {
    let folder = data_dir.join(BACKUPS_FOLDER);
    if !folder.is_dir() {
        return Ok(Vec::new());
    }
    Ok(daily_files(&folder)?
        .iter()
        .filter_map(|path| read_info(path).ok())
        .collect())
}

/// The daily backup files, newest (by the date in their name) first.
fn daily_files(folder: &Path) -> Result<Vec<PathBuf>, BackupError> {
    let entries = std::fs::read_dir(folder).map_err(|e| StoreError::io(folder, e))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(DAILY_PREFIX) && n.ends_with(DAILY_SUFFIX))
        })
        .collect();
    files.sort();
    files.reverse();
    Ok(files)
}

/// Removes temporary files of backups that a crash or a closed app cut short.
fn remove_leftovers(folder: &Path) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        if name.to_str().is_some_and(|n| n.contains(".tmp-")) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Opens a copse database (or backup) read-only, after checking its header and identity.
fn open_read_only(path: &Path) -> Result<Connection, BackupError> {
    let not_backup = |reason: String| BackupError::NotABackup {
        path: path.to_path_buf(),
        reason,
    };
    if !path.is_file() {
        return Err(not_backup("there is no such file".to_string()));
    }
    check_file_header(path).map_err(|e| match e {
        StoreError::NotADatabase { reason, .. } => not_backup(reason),
        other => other.into(),
    })?;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StoreError::sqlite(path, e))?;
    conn.busy_timeout(Duration::from_secs(10))
        .map_err(|e| StoreError::sqlite(path, e))?;
    let application_id: i64 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(|e| not_backup(e.to_string()))?;
    if application_id != APPLICATION_ID {
        return Err(not_backup("it is not a database copse wrote".to_string()));
    }
    Ok(conn)
}

/// Copies `source` into the new file `tmp` (owner-only), adds the backup's own table, and
/// checks the copy.
fn write_copy(
    source: &Connection,
    db: &Path,
    tmp: &Path,
    key: &SecretKey,
    made_at_ms: i64,
) -> Result<(), BackupError> {
    create_private_file(tmp)?;
    let sqlite = |e| StoreError::sqlite(tmp, e);
    let mut copy = Connection::open(tmp).map_err(sqlite)?;
    copy_pages(source, &mut copy, db)?;
    // One self-contained file: no write-ahead log beside it.
    let _: String = copy
        .pragma_update_and_check(None, "journal_mode", "DELETE", |row| row.get(0))
        .map_err(sqlite)?;
    check_integrity(&copy, db)?;
    copy.execute_batch(&format!(
        "CREATE TABLE {INFO_TABLE} (key TEXT PRIMARY KEY, value BLOB NOT NULL)"
    ))
    .map_err(sqlite)?;
    let insert = format!("INSERT INTO {INFO_TABLE} (key, value) VALUES (?1, ?2)");
    copy.execute(&insert, rusqlite::params!["made_at_ms", made_at_ms])
        .map_err(sqlite)?;
    copy.execute(
        &insert,
        rusqlite::params!["device_key", key.to_bytes().to_vec()],
    )
    .map_err(sqlite)?;
    copy.execute(
        &insert,
        rusqlite::params!["copse_version", env!("CARGO_PKG_VERSION")],
    )
    .map_err(sqlite)?;
    drop(copy);
    sync_file(tmp)
}

/// The restored database in `tmp` (without the backup's own table), and the device key.
fn restore_database(backup: &Path, tmp: &Path) -> Result<SecretKey, BackupError> {
    let source = open_read_only(backup)?;
    let key: Vec<u8> = source
        .query_row(
            &format!("SELECT value FROM {INFO_TABLE} WHERE key = 'device_key'"),
            [],
            |row| row.get(0),
        )
        .map_err(|e| StoreError::sqlite(backup, e))?;
    let key = key_from(&key).ok_or_else(|| BackupError::NotABackup {
        path: backup.to_path_buf(),
        reason: "its device key is damaged".to_string(),
    })?;
    create_private_file(tmp)?;
    let sqlite = |e| StoreError::sqlite(tmp, e);
    let mut copy = Connection::open(tmp).map_err(sqlite)?;
    copy_pages(&source, &mut copy, backup)?;
    check_integrity(&copy, backup)?;
    // The key lives in device.key from now on, not in two places.
    copy.execute_batch(&format!("DROP TABLE {INFO_TABLE}"))
        .map_err(sqlite)?;
    drop(copy);
    sync_file(tmp)?;
    Ok(key)
}

/// Copies every page of `source` into `copy` in one step: one read transaction, so the copy is
/// one consistent moment even while copse writes. A lock held elsewhere is waited out, a bounded
/// number of times.
fn copy_pages(source: &Connection, copy: &mut Connection, from: &Path) -> Result<(), BackupError> {
    let backup = Backup::new(source, copy).map_err(|e| StoreError::sqlite(from, e))?;
    for _ in 0..BUSY_ATTEMPTS {
        match backup.step(-1).map_err(|e| StoreError::sqlite(from, e))? {
            StepResult::Done => return Ok(()),
            // More, Busy, Locked (and whatever a later rusqlite adds): wait, then go on.
            _ => std::thread::sleep(BUSY_PAUSE),
        }
    }
    Err(StoreError::Io {
        path: from.to_path_buf(),
        source: std::io::Error::other("the database stayed locked; try again in a moment"),
    }
    .into())
}

fn check_integrity(conn: &Connection, of: &Path) -> Result<(), BackupError> {
    let report = integrity_report(conn).map_err(|e| BackupError::Damaged {
        path: of.to_path_buf(),
        report: e.to_string(),
    })?;
    match report.as_slice() {
        [only] if only == "ok" => Ok(()),
        _ => Err(BackupError::Damaged {
            path: of.to_path_buf(),
            report: report.into_iter().take(3).collect::<Vec<_>>().join("; "),
        }),
    }
}

/// `PRAGMA integrity_check`: `["ok"]` for an intact database, else its findings.
pub(crate) fn integrity_report(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("PRAGMA integrity_check(20)")?;
    let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
    rows.collect()
}

fn key_from(bytes: &[u8]) -> Option<SecretKey> {
    let bytes: [u8; 32] = bytes.try_into().ok()?;
    (!bytes.iter().all(|b| *b == 0)).then(|| SecretKey::from_bytes(&bytes))
}

/// Whether `dir` is missing or holds nothing (but our own lock file, once we hold it).
fn is_empty_folder(dir: &Path, ignore_lock: bool) -> Result<bool, BackupError> {
    match std::fs::read_dir(dir) {
        Ok(entries) => Ok(entries
            .filter_map(Result::ok)
            .all(|e| ignore_lock && e.file_name() == LOCK_FILE_NAME)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(_) if dir.is_file() => Err(StoreError::NotAFolder {
            path: dir.to_path_buf(),
        }
        .into()),
        Err(e) => Err(StoreError::io(dir, e).into()),
    }
}

fn temporary_name(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".tmp-{}", std::process::id()));
    PathBuf::from(name)
}

fn create_private_file(path: &Path) -> Result<(), BackupError> {
    let _ = std::fs::remove_file(path);
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(|e| StoreError::io(path, e))?;
    Ok(())
}

fn create_private_dir(dir: &Path) -> Result<(), BackupError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| StoreError::io(dir, e))?;
    Ok(())
}

fn sync_file(path: &Path) -> Result<(), BackupError> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| StoreError::io(path, e))?;
    Ok(())
}

/// Moves the finished `tmp` to `path`, never replacing a file already there, and makes the new
/// name durable.
fn place(tmp: &Path, path: &Path) -> Result<(), BackupError> {
    match std::fs::hard_link(tmp, path) {
        Ok(()) => std::fs::remove_file(tmp).map_err(|e| StoreError::io(tmp, e))?,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(BackupError::Exists {
                path: path.to_path_buf(),
            });
        }
        // No hard links here (a FAT stick): we looked a moment ago and the name was free.
        Err(_) => std::fs::rename(tmp, path).map_err(|e| StoreError::io(path, e))?,
    }
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| StoreError::io(dir, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
