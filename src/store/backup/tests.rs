//! Backups made beside a running writer, restored into new folders, rotated daily.

use std::collections::HashMap;

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{Automerge, ROOT};
use samod::storage::{Storage, StorageKey};

use super::*;
use crate::store::{SqliteStorage, load_or_create_device_key};

/// A document's first change, as samod would store it.
fn chunk(n: usize) -> Vec<u8> {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    tx.put(ROOT, "n", n as i64).unwrap();
    tx.commit_with(CommitOptions::default().with_time(0));
    doc.get_changes(&[])[0].raw_bytes().to_vec()
}

fn key(doc: &str, n: usize) -> StorageKey {
    StorageKey::from_parts([doc, "incremental", &n.to_string()]).unwrap()
}

async fn everything(storage: &SqliteStorage) -> HashMap<StorageKey, Vec<u8>> {
    storage
        .load_range(StorageKey::from_parts(Vec::<String>::new()).unwrap())
        .await
}

/// A data folder held open by a writer, as `copse serve` holds it, with `docs` documents.
async fn running_folder(dir: &Path, docs: usize) -> (DataDirLock, SqliteStorage) {
    let lock = DataDirLock::acquire(dir).unwrap();
    load_or_create_device_key(dir).unwrap();
    let storage = SqliteStorage::open(&dir.join(DATABASE_FILE_NAME)).unwrap();
    for n in 0..docs {
        storage.put(key(&format!("doc{n}"), n), chunk(n)).await;
    }
    (lock, storage)
}

#[tokio::test]
async fn a_backup_made_beside_the_writer_restores_the_same_data_and_device() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let (_lock, storage) = running_folder(&dir, 3).await;
    let out = tmp.path().join("saved.copse-backup");

    let made = back_up(&dir, &out, 1_234).unwrap();
    assert_eq!(made.documents, 3);
    assert_eq!(made.made_at_ms, 1_234);
    let key = load_or_create_device_key(&dir).unwrap();
    assert_eq!(made.device, key.public().to_string());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "a backup holds the device key");
    }
    // The writer goes on after the backup; the backup is the moment it was made.
    storage.put(key_of_later(), chunk(99)).await;
    let before = everything(&storage).await;

    let restored_dir = tmp.path().join("restored");
    let info = restore(&out, &restored_dir).unwrap();
    assert_eq!(info.device, made.device);
    assert_eq!(
        load_or_create_device_key(&restored_dir).unwrap().to_bytes(),
        key.to_bytes(),
        "the restored folder is the same device"
    );
    let restored = SqliteStorage::open(&restored_dir.join(DATABASE_FILE_NAME)).unwrap();
    let after = everything(&restored).await;
    assert_eq!(after.len(), 3);
    for (k, v) in &after {
        assert_eq!(before.get(k), Some(v));
    }
    assert!(!after.contains_key(&key_of_later()));
    // The key is not left in the restored database.
    let conn = Connection::open(restored_dir.join(DATABASE_FILE_NAME)).unwrap();
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'backup_info'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 0);
}

fn key_of_later() -> StorageKey {
    key("later", 0)
}

#[tokio::test]
async fn restore_refuses_a_folder_with_anything_in_it_and_leaves_it_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let (_lock, _storage) = running_folder(&dir, 1).await;
    let out = tmp.path().join("b.db");
    back_up(&dir, &out, 0).unwrap();

    let busy = tmp.path().join("busy");
    std::fs::create_dir(&busy).unwrap();
    std::fs::write(busy.join("notes.txt"), "mine").unwrap();
    let err = restore(&out, &busy).unwrap_err();
    assert!(matches!(err, BackupError::FolderNotEmpty { .. }), "{err:?}");
    assert!(err.to_string().contains("--data-dir"), "{err}");
    let names: Vec<_> = std::fs::read_dir(&busy)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["notes.txt"]);
    // Restoring over the live folder itself is refused too.
    assert!(matches!(
        restore(&out, &dir),
        Err(BackupError::FolderNotEmpty { .. })
    ));
    // An empty folder is fine.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    restore(&out, &empty).unwrap();
}

#[tokio::test]
async fn only_backups_are_restored_and_an_existing_file_is_never_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let (_lock, _storage) = running_folder(&dir, 1).await;
    let target = tmp.path().join("new");
    for (name, bytes) in [
        ("garbage", b"not a database at all, just words".to_vec()),
        (
            "copse.db",
            std::fs::read(dir.join(DATABASE_FILE_NAME)).unwrap(),
        ),
    ] {
        let path = tmp.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        let err = restore(&path, &target).unwrap_err();
        assert!(matches!(err, BackupError::NotABackup { .. }), "{err:?}");
        assert!(!target.exists(), "nothing was created for {name}");
    }
    let out = tmp.path().join("garbage");
    let err = back_up(&dir, &out, 0).unwrap_err();
    assert!(matches!(err, BackupError::Exists { .. }), "{err:?}");
    assert_eq!(
        std::fs::read(&out).unwrap(),
        b"not a database at all, just words"
    );
    let err = back_up(&tmp.path().join("nowhere"), &tmp.path().join("x"), 0).unwrap_err();
    assert!(matches!(err, BackupError::NoDatabase { .. }), "{err:?}");
}

#[tokio::test]
async fn a_damaged_database_is_not_backed_up_over_good_backups() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    {
        let (_lock, storage) = running_folder(&dir, 40).await;
        for n in 0..40 {
            storage.put(key("big", n), vec![7; 3000]).await;
        }
        storage.close();
    }
    daily(&dir, "2030-01-01", 0).unwrap();
    let db = dir.join(DATABASE_FILE_NAME);
    let mut bytes = std::fs::read(&db).unwrap();
    for (i, b) in bytes.iter_mut().enumerate().skip(8192) {
        *b = (i % 251) as u8;
    }
    std::fs::write(&db, &bytes).unwrap();

    let err = daily(&dir, "2030-01-02", 1).unwrap_err();
    assert!(
        matches!(err, BackupError::Damaged { .. } | BackupError::Store(_)),
        "{err:?}"
    );
    let kept: Vec<_> = list_daily(&dir).unwrap();
    assert_eq!(
        kept.len(),
        1,
        "the good backup stays, no damaged one beside it"
    );
    assert_eq!(kept[0].made_at_ms, 0);
    let leftovers = std::fs::read_dir(dir.join(BACKUPS_FOLDER)).unwrap().count();
    assert_eq!(leftovers, 1);
}

#[tokio::test]
async fn daily_backups_one_per_day_the_newest_seven_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let (_lock, _storage) = running_folder(&dir, 2).await;
    for day in 1..=10 {
        let date = format!("2030-01-{day:02}");
        let made = daily(&dir, &date, day).unwrap();
        assert!(made.is_some(), "{date}");
        assert!(daily(&dir, &date, day).unwrap().is_none(), "one a day");
    }
    let kept: Vec<i64> = list_daily(&dir)
        .unwrap()
        .iter()
        .map(|b| b.made_at_ms)
        .collect();
    assert_eq!(kept, [10, 9, 8, 7, 6, 5, 4]);
    // A file of the user's own in the folder is never counted or removed.
    std::fs::write(dir.join(BACKUPS_FOLDER).join("README.txt"), "mine").unwrap();
    daily(&dir, "2030-01-11", 11).unwrap();
    assert_eq!(list_daily(&dir).unwrap().len(), KEEP_DAILY);
    assert!(dir.join(BACKUPS_FOLDER).join("README.txt").exists());
}
