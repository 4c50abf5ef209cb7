//! Whether the disk under the data folder is full: what tells a failed open on a full disk
//! (read what is stored, save nothing) apart from a damaged or foreign database.

use std::path::Path;

/// Below this much free space, SQLite cannot even map its write-ahead log's index, and nothing
/// can be saved.
const FULL_BELOW_BYTES: u64 = 1024 * 1024;

/// `true` when the file system holding `dir` has (nearly) no space left for this user.
#[cfg(unix)]
pub fn is_full(dir: &Path) -> bool {
    match rustix::fs::statvfs(dir) {
        Ok(fs) => fs.f_bavail.saturating_mul(fs.f_frsize) < FULL_BELOW_BYTES,
        Err(e) => {
            tracing::debug!(dir = %dir.display(), error = %e, "could not ask for free space");
            false
        }
    }
}

/// Other systems: never assumed full.
#[cfg(not(unix))]
pub fn is_full(_dir: &Path) -> bool {
    false
}
