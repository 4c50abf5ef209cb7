//! The errors of the data folder, worded for the person who has to act on them.

use std::path::PathBuf;

/// Why the data folder, the device key or the database could not be used.
///
/// Every message names the file involved and, where there is one, what the user can do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another copse process holds the data folder's lock.
    #[error(
        "the data folder {} is already open in another copse process ({holder}); close it or \
         choose another folder with --data-dir",
        dir.display()
    )]
    InUse {
        /// The data folder.
        dir: PathBuf,
        /// The holder's own description of itself (its pid and start time), as far as known.
        holder: String,
    },

    /// The data folder's path (or a folder above it) is a file.
    #[error(
        "{} is a file, not a folder: copse keeps its data in a folder. Choose a folder with \
         --data-dir (a new one is created for you), or move the file aside",
        path.display()
    )]
    NotAFolder {
        /// The file standing where a folder should be.
        path: PathBuf,
    },

    /// The data folder cannot be written (its permissions, or a read-only file system).
    #[error(
        "the data folder {} is read-only for you: copse can show what is stored there, but \
         cannot save changes. Make it writable (or copy it somewhere writable and use \
         --data-dir), then try again",
        dir.display()
    )]
    ReadOnlyFolder {
        /// The data folder.
        dir: PathBuf,
    },

    /// The database is missing or empty in a folder whose device key shows it held one.
    #[error(
        "{} {what}, yet this folder's device key shows it held a community: the database was \
         lost or cut to nothing. Nothing was changed. Restore copse.db from a backup, or join \
         again with an invite from a member (into a new folder, or after moving this one aside)",
        path.display()
    )]
    DatabaseMissing {
        /// The database file.
        path: PathBuf,
        /// What was found: "is missing" or "is empty (0 bytes)".
        what: &'static str,
    },

    /// The database file is not a copse database, or is damaged beyond opening.
    #[error(
        "{} is not a usable copse database ({reason}). The file was left untouched: move it \
         aside (or restore a backup) and copse will start with an empty store",
        path.display()
    )]
    NotADatabase {
        /// The database file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// The database was written by a newer copse whose format this one does not know.
    #[error(
        "{} was written by a newer version of copse (format {found}; this version understands up \
         to {supported}). The file was left untouched: upgrade copse to open it",
        path.display()
    )]
    NewerSchema {
        /// The database file.
        path: PathBuf,
        /// The format version found in the file.
        found: i64,
        /// The newest format version this build understands.
        supported: i64,
    },

    /// The device key file exists but does not hold a key.
    #[error(
        "the device key {} is unusable ({reason}). It was left untouched; moving it aside makes \
         copse create a new identity for this device, which the community will see as a new device",
        path.display()
    )]
    BadDeviceKey {
        /// The device key file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// A file or folder of the data folder could not be read or written.
    #[error("could not access {}: {source}", path.display())]
    Io {
        /// The file or folder involved.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// SQLite reported an error.
    #[error("database error in {}: {source}", path.display())]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },

    /// A write needed for the changes being waited for failed (see `SqliteStorage::wait_written`).
    #[error("changes could not be saved to {}: {reason}", path.display())]
    WriteFailed {
        /// The database file.
        path: PathBuf,
        /// The failure, as reported in the storage status.
        reason: String,
    },

    /// The storage was closed; nothing more can be written through it.
    #[error("the store {} is closed", path.display())]
    Closed {
        /// The database file.
        path: PathBuf,
    },
}

impl StoreError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        StoreError::Io {
            path: path.into(),
            source,
        }
    }

    /// Wraps a SQLite error, recognising the ones that mean "this file is not a database we can
    /// read" so the user is told to move the file aside rather than shown an SQLite code.
    pub(crate) fn sqlite(path: impl Into<PathBuf>, source: rusqlite::Error) -> Self {
        let path = path.into();
        match source.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) => {
                StoreError::NotADatabase {
                    path,
                    reason: source.to_string(),
                }
            }
            _ => StoreError::Sqlite { path, source },
        }
    }
}
