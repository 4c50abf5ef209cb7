//! The device key: this device's iroh identity, 32 raw bytes in `device.key`.
//!
//! Losing or silently replacing the key would turn this device into a stranger to its
//! community, so an existing file is never overwritten: a file that does not hold a key is an
//! error for the user to resolve. A new key appears atomically (temporary file, fsync, link into
//! place, fsync of the folder), so a crash leaves either no key or a whole one.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;

use iroh::SecretKey;

use super::StoreError;

/// The name of the device key file inside the data folder.
pub const DEVICE_KEY_FILE_NAME: &str = "device.key";

const KEY_LEN: usize = 32;

/// Loads this device's secret key from `dir/device.key`, creating it on first run.
///
/// `dir` must exist (see [`super::DataDirLock::acquire`]). On unix a key file readable by other
/// users is restricted to its owner, with a warning.
pub fn load_or_create_device_key(dir: &Path) -> Result<SecretKey, StoreError> {
    let path = dir.join(DEVICE_KEY_FILE_NAME);
    if let Some(key) = read_key(&path)? {
        return Ok(key);
    }
    create_key(dir, &path)
}

/// The device key of `dir`, if it has one; never creates one.
pub(crate) fn read_device_key(dir: &Path) -> Result<Option<SecretKey>, StoreError> {
    read_key(&dir.join(DEVICE_KEY_FILE_NAME))
}

/// Writes `key` (a restored backup's) as the device key of `dir`, which must have none.
pub(crate) fn place_device_key(dir: &Path, key: &SecretKey) -> Result<(), StoreError> {
    let path = dir.join(DEVICE_KEY_FILE_NAME);
    let tmp = dir.join(format!("{DEVICE_KEY_FILE_NAME}.tmp-{}", std::process::id()));
    let placed = write_new_key(&tmp, &path, key);
    if tmp.exists() {
        let _ = std::fs::remove_file(&tmp);
    }
    match placed? {
        Placed::Ours => sync_dir(dir),
        Placed::AlreadyThere => Err(StoreError::BadDeviceKey {
            path,
            reason: "a device key appeared while the backup was being restored".to_string(),
        }),
    }
}

/// `Ok(None)` when there is no key file yet.
fn read_key(path: &Path) -> Result<Option<SecretKey>, StoreError> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StoreError::io(path, e)),
    };
    let bad = |reason: String| StoreError::BadDeviceKey {
        path: path.to_path_buf(),
        reason,
    };
    let meta = file.metadata().map_err(|e| StoreError::io(path, e))?;
    if !meta.is_file() {
        return Err(bad("it is not a regular file".to_string()));
    }
    if meta.len() != KEY_LEN as u64 {
        return Err(bad(format!(
            "it holds {} bytes where a key has {KEY_LEN}",
            meta.len()
        )));
    }
    #[cfg(unix)]
    restrict_to_owner(path, &meta)?;

    let mut bytes = [0u8; KEY_LEN];
    file.read_exact(&mut bytes).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => bad("it became shorter while being read".to_string()),
        _ => StoreError::io(path, e),
    })?;
    // A crash can leave a file of zeros behind on some filesystems; no key we write looks so.
    if bytes.iter().all(|b| *b == 0) {
        return Err(bad(
            "it is all zero bytes, not a key copse wrote".to_string()
        ));
    }
    Ok(Some(SecretKey::from_bytes(&bytes)))
}

#[cfg(unix)]
fn restrict_to_owner(path: &Path, meta: &std::fs::Metadata) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        tracing::warn!(
            path = %path.display(),
            mode = format!("{mode:o}"),
            "the device key was readable by other users; restricting it to its owner"
        );
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| StoreError::io(path, e))?;
    }
    Ok(())
}

fn create_key(dir: &Path, path: &Path) -> Result<SecretKey, StoreError> {
    let key = SecretKey::generate();
    let tmp = dir.join(format!("{DEVICE_KEY_FILE_NAME}.tmp-{}", std::process::id()));
    let placed = write_new_key(&tmp, path, &key);
    // The temporary name is gone after a successful link-and-remove or rename; after a failure
    // it must not linger with a key in it.
    if tmp.exists() {
        let _ = std::fs::remove_file(&tmp);
    }
    match placed? {
        Placed::Ours => {
            sync_dir(dir)?;
            tracing::info!(path = %path.display(), "created a new device key");
            Ok(key)
        }
        // Someone else created the key between our look and our link: theirs wins.
        Placed::AlreadyThere => read_key(path)?.ok_or_else(|| StoreError::BadDeviceKey {
            path: path.to_path_buf(),
            reason: "it appeared and vanished while being created".to_string(),
        }),
    }
}

enum Placed {
    Ours,
    AlreadyThere,
}

fn write_new_key(tmp: &Path, path: &Path, key: &SecretKey) -> Result<Placed, StoreError> {
    // A leftover from a crashed run with the same pid: never a key in use.
    let _ = std::fs::remove_file(tmp);
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(tmp).map_err(|e| StoreError::io(tmp, e))?;
    file.write_all(&key.to_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| StoreError::io(tmp, e))?;
    drop(file);

    // A hard link, unlike a rename, never replaces an existing key.
    match std::fs::hard_link(tmp, path) {
        Ok(()) => {
            std::fs::remove_file(tmp).map_err(|e| StoreError::io(tmp, e))?;
            Ok(Placed::Ours)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(Placed::AlreadyThere),
        Err(link_error) => {
            // Some filesystems (FAT on a USB stick) have no hard links. We looked a moment ago
            // and there was no key, so a rename is the next best thing.
            tracing::debug!(error = %link_error, "no hard links here; renaming the new key");
            std::fs::rename(tmp, path).map_err(|e| StoreError::io(path, e))?;
            Ok(Placed::Ours)
        }
    }
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    // On unix the new directory entry is durable only once the folder is synced. Windows
    // cannot open a folder as a file and makes renames durable by itself.
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io(dir, e))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_then_reused() {
        let tmp = tempfile::tempdir().unwrap();
        let first = load_or_create_device_key(tmp.path()).unwrap();
        let second = load_or_create_device_key(tmp.path()).unwrap();
        assert_eq!(first.to_bytes(), second.to_bytes());
        let on_disk = std::fs::read(tmp.path().join(DEVICE_KEY_FILE_NAME)).unwrap();
        assert_eq!(on_disk, first.to_bytes());
        // Only the key itself is left behind, no temporary file.
        let names: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(DEVICE_KEY_FILE_NAME)]);
    }

    #[cfg(unix)]
    #[test]
    fn created_owner_only_and_tightened_when_looser() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(DEVICE_KEY_FILE_NAME);
        let key = load_or_create_device_key(tmp.path()).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let again = load_or_create_device_key(tmp.path()).unwrap();
        assert_eq!(again.to_bytes(), key.to_bytes());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn wrong_size_file_is_an_error_and_left_untouched() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(DEVICE_KEY_FILE_NAME);
        for contents in [&b""[..], &[7u8; 31][..], &[7u8; 33][..], &[0u8; 32][..]] {
            std::fs::write(&path, contents).unwrap();
            let err = load_or_create_device_key(tmp.path()).unwrap_err();
            assert!(
                matches!(err, StoreError::BadDeviceKey { .. }),
                "{} bytes: {err:?}",
                contents.len()
            );
            assert!(err.to_string().contains("left untouched"), "{err}");
            assert_eq!(std::fs::read(&path).unwrap(), contents);
        }
    }

    #[test]
    fn a_folder_in_place_of_the_key_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join(DEVICE_KEY_FILE_NAME)).unwrap();
        let err = load_or_create_device_key(tmp.path()).unwrap_err();
        assert!(
            matches!(err, StoreError::BadDeviceKey { .. } | StoreError::Io { .. }),
            "{err:?}"
        );
    }
}
