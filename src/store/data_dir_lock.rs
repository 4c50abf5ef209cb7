//! The data folder's lock: one copse process per data folder.
//!
//! Two processes writing one SQLite file and one device identity would each believe they are the
//! only copy of this device. The lock is an OS file lock on `copse.lock` (std's `File::try_lock`,
//! `flock` on unix), so the OS releases it when the process ends in any way, `kill -9` included:
//! a stale lock file never keeps the user out.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::StoreError;

/// The name of the lock file inside the data folder.
pub const LOCK_FILE_NAME: &str = "copse.lock";

/// Longest holder description we read back; the file is ours, but a bigger one is not worth
/// showing to anybody.
const MAX_HOLDER_LEN: u64 = 512;

/// Exclusive use of a data folder, held until dropped.
#[derive(Debug)]
pub struct DataDirLock {
    dir: PathBuf,
    // Keeping the file open is what keeps the lock.
    file: File,
}

impl DataDirLock {
    /// Takes the data folder `dir` for this process, creating the folder (owner-only on unix)
    /// if it does not exist.
    ///
    /// Fails with [`StoreError::InUse`], naming the holder, when another process (or another
    /// `DataDirLock` in this process) holds it, and with [`StoreError::NotAFolder`] when `dir`
    /// (or a folder above it) is a file.
    pub fn acquire(dir: &Path) -> Result<DataDirLock, StoreError> {
        create_private_dir(dir)?;
        let path = dir.join(LOCK_FILE_NAME);
        let mut options = OpenOptions::new();
        // No truncation on open: until we hold the lock, the contents are the holder's.
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = match options.open(&path) {
            Ok(file) => file,
            Err(e) if is_read_only_error(&e) => {
                return Err(StoreError::ReadOnlyFolder {
                    dir: dir.to_path_buf(),
                });
            }
            Err(e) => return Err(StoreError::io(&path, e)),
        };
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(StoreError::InUse {
                    dir: dir.to_path_buf(),
                    holder: read_holder(&mut file),
                });
            }
            Err(TryLockError::Error(e)) => return Err(StoreError::io(&path, e)),
        }
        // The lock is ours either way; a full disk may refuse the description, which only
        // makes a second process's message less specific.
        if let Err(e) = write_holder(&mut file) {
            tracing::debug!(path = %path.display(), error = %e, "could not name this process in the lock file");
        }
        Ok(DataDirLock {
            dir: dir.to_path_buf(),
            file,
        })
    }

    /// The locked data folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for DataDirLock {
    fn drop(&mut self) {
        // Closing the file would release the lock too; unlocking first makes the release
        // independent of when the descriptor is finally closed. The holder text is left in the
        // file: the next holder overwrites it, and without the lock nobody reads it.
        if let Err(e) = self.file.unlock() {
            tracing::debug!(dir = %self.dir.display(), error = %e, "unlocking the data folder");
        }
    }
}

/// Whether `e` says the folder cannot be written: its permissions, or a read-only file system.
fn is_read_only_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
    )
}

fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        // The folder holds the device's secret key and every document: nobody else's business.
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| {
        // "File exists" or "Not a directory" from the OS: say which file is in the way.
        match dir.ancestors().find(|p| p.is_file()) {
            Some(file) => StoreError::NotAFolder {
                path: file.to_path_buf(),
            },
            None => StoreError::io(dir, e),
        }
    })
}

fn write_holder(file: &mut File) -> std::io::Result<()> {
    let started = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let holder = format!("pid {}, started {started}\n", std::process::id());
    // Overwritten in place, then cut to length: on a full disk the file keeps the room it had.
    file.seek(SeekFrom::Start(0))?;
    file.write_all(holder.as_bytes())?;
    file.set_len(holder.len() as u64)?;
    file.flush()
}

/// The holder's description, made safe to show in one line of an error message.
fn read_holder(file: &mut File) -> String {
    let mut text = String::new();
    let read = file
        .seek(SeekFrom::Start(0))
        .and_then(|_| file.take(MAX_HOLDER_LEN).read_to_string(&mut text));
    let cleaned: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    match read {
        Ok(_) if !cleaned.is_empty() => cleaned,
        // Between taking the lock and writing its description the holder's file is empty;
        // on some systems a locked file cannot be read at all.
        _ => "a process that has not said which".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_acquire_fails_naming_our_pid_and_drop_releases() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        let first = DataDirLock::acquire(&dir).unwrap();
        assert_eq!(first.dir(), dir);

        let err = DataDirLock::acquire(&dir).unwrap_err();
        match &err {
            StoreError::InUse { dir: d, holder } => {
                assert_eq!(d, &dir);
                assert!(
                    holder.contains(&format!("pid {}", std::process::id())),
                    "holder: {holder}"
                );
            }
            other => panic!("expected InUse, got {other:?}"),
        }
        let message = err.to_string();
        assert!(message.contains("--data-dir"), "{message}");
        assert!(message.contains("already open"), "{message}");

        drop(first);
        let again = DataDirLock::acquire(&dir).unwrap();
        drop(again);
    }

    #[cfg(unix)]
    #[test]
    fn creates_the_folder_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("fresh");
        let _lock = DataDirLock::acquire(&dir).unwrap();
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "mode {mode:o}");
    }

    #[test]
    fn a_leftover_lock_file_does_not_keep_anyone_out() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join(LOCK_FILE_NAME), "pid 1, started long ago\n").unwrap();
        let lock = DataDirLock::acquire(tmp.path()).unwrap();
        let text = std::fs::read_to_string(tmp.path().join(LOCK_FILE_NAME)).unwrap();
        assert!(
            text.starts_with(&format!("pid {},", std::process::id())),
            "{text}"
        );
        drop(lock);
    }

    #[test]
    fn a_file_in_place_of_the_folder_is_named_as_a_file() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("notes.txt");
        std::fs::write(&file, "mine").unwrap();
        for dir in [file.clone(), file.join("data")] {
            let err = DataDirLock::acquire(&dir).unwrap_err();
            assert!(
                matches!(&err, StoreError::NotAFolder { path } if *path == file),
                "{err:?}"
            );
            let message = err.to_string();
            assert!(message.contains("is a file, not a folder"), "{message}");
            assert!(message.contains("--data-dir"), "{message}");
        }
        assert_eq!(
            std::fs::read(&file).unwrap(),
            b"mine",
            "the file was changed"
        );
    }
}
