//! Read connections: WAL lets readers run beside the writer, so loads never wait for a commit.
//!
//! A connection is used by one thread at a time; the pool keeps a few idle ones and opens more
//! when several loads run at once (samod loads a document's snapshots and changes in parallel).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use rusqlite::Connection;

use super::{StoreError, schema};

/// Idle connections kept for reuse; more may be open while busy.
const MAX_IDLE: usize = 4;

#[derive(Debug)]
pub(crate) struct ReaderPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// Only the connections in `idle`, taken in turn: on a full disk the one connection holds
    /// the database exclusively (its WAL index in memory), so no other may open.
    single: bool,
}

impl ReaderPool {
    /// Opens one connection right away, so a database readers cannot open fails at open time.
    pub(crate) fn open(path: &Path) -> Result<ReaderPool, StoreError> {
        let first = schema::open_reader(path)?;
        Ok(ReaderPool {
            path: path.to_path_buf(),
            idle: Mutex::new(vec![first]),
            single: false,
        })
    }

    /// `only` for every read: a database on a full disk ([`schema::open_exclusive_reader`]) or
    /// in a read-only folder ([`schema::open_immutable_reader`]).
    pub(crate) fn single(path: &Path, only: Connection) -> ReaderPool {
        ReaderPool {
            path: path.to_path_buf(),
            idle: Mutex::new(vec![only]),
            single: true,
        }
    }

    /// Runs `read` on a connection of its own. Blocking: call from a blocking context.
    pub(crate) fn with<T>(&self, read: impl FnOnce(&Connection) -> T) -> Result<T, StoreError> {
        if self.single {
            // Reads take turns on the one connection; a poisoned lock only means a read
            // panicked, which left the connection as it was.
            let only = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            return match only.first() {
                Some(conn) => Ok(read(conn)),
                None => Err(StoreError::Closed {
                    path: self.path.clone(),
                }),
            };
        }
        // A panic elsewhere while holding the lock cannot leave a Vec of connections in a
        // state worse than before, so a poisoned lock is simply taken over.
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let conn = match idle {
            Some(conn) => conn,
            None => schema::open_reader(&self.path)?,
        };
        let result = read(&conn);
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
        Ok(result)
    }
}
