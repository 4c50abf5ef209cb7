//! The data folder: everything copse keeps on this device's disk.
//!
//! - [`DataDirLock`]: at most one copse process per data folder.
//! - [`load_or_create_device_key`]: the device's iroh secret key (`device.key`).
//! - [`backup`]: backups of the whole folder, made while copse runs, and restoring them.
//! - [`SqliteStorage`]: samod's document storage in one SQLite file (`copse.db`), plus the
//!   device's own key/value state that is never synced.
//!
//! The rules this layer keeps (docs/hostile-inputs.md, H4): a write that
//! completed is on disk; a write that failed is reported and never followed by a delete of the
//! same document's older data; damaged data is set aside and reported, never deleted; a file
//! copse cannot read is left untouched.
//!
//! Depends on samod's `Storage` trait, automerge's chunk format, iroh's key type and SQLite,
//! never on the model, the node or the UI.

pub mod backup;
pub mod checkup;
pub(crate) mod chunk_check;
mod data_dir_lock;
mod device_key;
mod disk_space;
mod error;
mod key_text;
mod reader_pool;
mod schema;
mod snapshot_rescue;
mod sqlite_storage;
mod storage_status;
mod write_ledger;
mod writer;

pub use backup::{BACKUPS_FOLDER, BackupError, BackupInfo, KEEP_DAILY};
pub use data_dir_lock::{DataDirLock, LOCK_FILE_NAME};
pub use device_key::{DEVICE_KEY_FILE_NAME, load_or_create_device_key};
pub use disk_space::is_full as disk_is_full;
pub use error::StoreError;
pub use sqlite_storage::{DATABASE_FILE_NAME, SqliteStorage};
pub use storage_status::StorageStatus;
pub use writer::WriteFault;
