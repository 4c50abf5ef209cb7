//! Opening `copse.db`: recognising a file that is not ours before SQLite may touch it, the
//! tables, and the connection settings.
//!
//! SQLite happily turns any empty file into a database and may rewrite a file while recovering
//! it, so a file that does not look like an intact SQLite database is refused here, from its
//! header alone, and left exactly as it was.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::StoreError;

/// The format version in `PRAGMA user_version`; bump with a migration.
pub(crate) const SCHEMA_VERSION: i64 = 1;
/// `PRAGMA application_id` of a copse database ("cops"), telling it from other SQLite files.
pub(crate) const APPLICATION_ID: i64 = 0x636f_7073;

/// How long a connection waits for another one's lock. Our own writer and readers never hold
/// locks for long; this only matters if something else (a backup tool) opens the file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

const SQLITE_HEADER_MAGIC: &[u8; 16] = b"SQLite format 3\0";
const SQLITE_HEADER_LEN: usize = 100;

const CREATE_TABLES: &str = "
    CREATE TABLE IF NOT EXISTS chunks (
        key  TEXT PRIMARY KEY,
        data BLOB NOT NULL
    );
    CREATE TABLE IF NOT EXISTS quarantine (
        key    TEXT,
        data   BLOB,
        reason TEXT,
        at     INTEGER
    );
    CREATE TABLE IF NOT EXISTS local (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
";

/// Opens (creating if needed) the database for the writer thread: checks the file, switches it
/// to WAL, creates the tables.
pub(crate) fn open_writer(path: &Path) -> Result<Connection, StoreError> {
    check_file_header(path)?;
    let sqlite = |e| StoreError::sqlite(path, e);
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite)?;
    // Identify the file before changing anything in it.
    let identity = read_identity(&conn).map_err(sqlite)?;
    identity.check(path)?;

    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(sqlite)?;
    if !mode.eq_ignore_ascii_case("wal") {
        // Still correct, only slower and without concurrent readers during a write.
        tracing::warn!(db = %path.display(), mode, "SQLite would not switch to WAL mode");
    }
    // FULL: a commit is on disk when it returns, so a completed put is a durable put.
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(sqlite)?;
    // After each checkpoint the log shrinks back to this, instead of staying at its largest.
    conn.pragma_update(None, "journal_size_limit", 1024 * 1024)
        .map_err(sqlite)?;

    let tx = conn.transaction().map_err(sqlite)?;
    tx.execute_batch(CREATE_TABLES).map_err(sqlite)?;
    if identity.fresh {
        tx.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(sqlite)?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(sqlite)?;
    }
    tx.commit().map_err(sqlite)?;
    Ok(conn)
}

/// Refuses a database that is not copse's, or is of a newer schema, through `conn`.
pub(crate) fn check_identity(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    read_identity(conn)
        .map_err(|e| StoreError::sqlite(path, e))?
        .check(path)
}

/// A reading connection, before anything is read: read-write at the file level (a WAL reader
/// may need to build the shared-memory index), read-only at the SQL level once `query_only` is
/// set, so a reader can never change data.
fn connect_reader(path: &Path) -> Result<Connection, StoreError> {
    let sqlite = |e| StoreError::sqlite(path, e);
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite)?;
    Ok(conn)
}

/// Opens a read-only connection to a database `open_writer` has prepared.
pub(crate) fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let conn = connect_reader(path)?;
    conn.pragma_update(None, "query_only", true)
        .map_err(|e| StoreError::sqlite(path, e))?;
    Ok(conn)
}

/// Opens the one connection that reads a database on a full disk: `locking_mode=EXCLUSIVE`
/// before its first read keeps the write-ahead log's index in memory, where a shared one would
/// need room in a `-shm` file the full disk cannot give. It never checkpoints on close (that
/// could need room too): the log stays for the next writer.
pub(crate) fn open_exclusive_reader(path: &Path) -> Result<Connection, StoreError> {
    let sqlite = |e| StoreError::sqlite(path, e);
    let conn = connect_reader(path)?;
    conn.pragma_update(None, "locking_mode", "EXCLUSIVE")
        .map_err(sqlite)?;
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    )
    .map_err(sqlite)?;
    conn.pragma_update(None, "query_only", true)
        .map_err(sqlite)?;
    check_identity(&conn, path)?;
    Ok(conn)
}

/// Opens the one connection that reads a database in a folder nobody can write: SQLite's
/// `immutable` mode, which needs no lock and no `-shm` file. Refused when a write-ahead log
/// holds changes not yet in the file, since that mode would not see them.
pub(crate) fn open_immutable_reader(path: &Path) -> Result<Connection, StoreError> {
    let log = path.with_extension("db-wal");
    if std::fs::metadata(&log).is_ok_and(|meta| meta.len() > 0) {
        return Err(StoreError::ReadOnlyFolder {
            dir: path.parent().unwrap_or(path).to_path_buf(),
        });
    }
    let sqlite = |e| StoreError::sqlite(path, e);
    let uri = format!("file:{}?immutable=1", uri_path(path));
    let conn = Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite)?;
    check_identity(&conn, path)?;
    Ok(conn)
}

/// `path` for a `file:` URI: every byte but unreserved ones and `/` percent-encoded.
fn uri_path(path: &Path) -> String {
    let bytes = path.as_os_str().as_encoded_bytes();
    bytes
        .iter()
        .map(|&b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// What the file says it is.
struct Identity {
    application_id: i64,
    user_version: i64,
    /// A new, empty database: no tables and no version yet.
    fresh: bool,
}

fn read_identity(conn: &Connection) -> rusqlite::Result<Identity> {
    let application_id: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let user_version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let objects: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    Ok(Identity {
        application_id,
        user_version,
        fresh: application_id == 0 && user_version == 0 && objects == 0,
    })
}

impl Identity {
    fn check(&self, path: &Path) -> Result<(), StoreError> {
        if self.fresh {
            return Ok(());
        }
        if self.application_id != APPLICATION_ID {
            return Err(StoreError::NotADatabase {
                path: path.to_path_buf(),
                reason: "it is a SQLite database of some other program".to_string(),
            });
        }
        if self.user_version > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                path: path.to_path_buf(),
                found: self.user_version,
                supported: SCHEMA_VERSION,
            });
        }
        Ok(())
    }
}

/// Refuses a non-empty file that is not an intact SQLite database, without SQLite opening it.
///
/// A missing or empty file is a new database. The size check uses the page count in the header,
/// which SQLite only trusts when the "version valid for" field matches the change counter; it
/// is skipped while a write-ahead log exists, since the log legitimately holds pages the main
/// file does not have yet.
pub(crate) fn check_file_header(path: &Path) -> Result<(), StoreError> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(StoreError::io(path, e)),
    };
    let len = file.metadata().map_err(|e| StoreError::io(path, e))?.len();
    if len == 0 {
        return Ok(());
    }
    let not_a_db = |reason: String| StoreError::NotADatabase {
        path: path.to_path_buf(),
        reason,
    };
    if len < SQLITE_HEADER_LEN as u64 {
        return Err(not_a_db(format!(
            "it is only {len} bytes long, shorter than a database header: it was cut short"
        )));
    }
    let mut header = [0u8; SQLITE_HEADER_LEN];
    file.read_exact(&mut header)
        .map_err(|e| StoreError::io(path, e))?;
    if &header[..16] != SQLITE_HEADER_MAGIC {
        return Err(not_a_db(
            "it does not start with a SQLite header".to_string(),
        ));
    }
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536,
        n if n >= 512 && n.is_power_of_two() => u64::from(n),
        n => {
            return Err(not_a_db(format!(
                "its header declares an impossible page size ({n})"
            )));
        }
    };
    let be32 = |at: usize| {
        u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    let change_counter = be32(24);
    let pages = u64::from(be32(28));
    let valid_for = be32(92);
    if valid_for == change_counter && pages > 0 && !has_write_ahead_log(path) {
        let expected = pages * page_size;
        if len < expected {
            return Err(not_a_db(format!(
                "its header says {expected} bytes but the file has only {len}: it was cut short"
            )));
        }
    }
    Ok(())
}

fn has_write_ahead_log(db: &Path) -> bool {
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(wal).is_ok_and(|m| m.len() > 0)
}
