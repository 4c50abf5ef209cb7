//! `SqliteStorage` driven directly through samod's `Storage` trait.

use std::sync::Arc;
use std::time::Duration;

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, Automerge, ROOT};
use samod::storage::{Storage, StorageKey};

use super::*;

const DEADLINE: Duration = Duration::from_secs(30);

fn key(parts: &[&str]) -> StorageKey {
    StorageKey::from_parts(parts).unwrap()
}

/// A valid automerge chunk, the same for the same `n` and `size`, at least `size` bytes long.
fn chunk(n: usize, size: usize) -> Vec<u8> {
    let mut doc = Automerge::new().with_actor(ActorId::from(&[1u8; 16][..]));
    let mut tx = doc.transaction();
    tx.put(ROOT, format!("n{n}"), "x".repeat(size)).unwrap();
    tx.commit_with(CommitOptions::default().with_time(0));
    doc.get_changes(&[])[0].raw_bytes().to_vec()
}

fn raw(db: &Path) -> Connection {
    Connection::open(db).unwrap()
}

fn status(storage: &SqliteStorage) -> StorageStatus {
    storage.status().borrow().clone()
}

#[tokio::test]
async fn round_trip_with_component_wise_prefixes() {
    let tmp = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(&tmp.path().join(DATABASE_FILE_NAME)).unwrap();
    let keys = [
        &["a", "b"][..],
        &["a", "b", "c"],
        &["a", "b", "c", "d"],
        &["a", "bc"],
        &["a", "b-c"],
        &["a", "b.c"],
        &["a0"],
        &["z"],
    ];
    for (i, parts) in keys.iter().enumerate() {
        storage.put(key(parts), chunk(i, 10)).await;
    }

    assert_eq!(storage.load(key(&["a", "b"])).await, Some(chunk(0, 10)));
    assert_eq!(storage.load(key(&["a"])).await, None);
    assert_eq!(storage.load(key(&["missing"])).await, None);

    let under_ab = storage.load_range(key(&["a", "b"])).await;
    let mut found: Vec<_> = under_ab.keys().map(key_text::to_text).collect();
    found.sort();
    assert_eq!(found, ["a/b", "a/b/c", "a/b/c/d"]);
    assert_eq!(under_ab[&key(&["a", "b", "c"])], chunk(1, 10));

    assert_eq!(storage.load_range(key(&["a"])).await.len(), 6);
    assert_eq!(storage.load_range(key(&[])).await.len(), keys.len());
    assert!(storage.load_range(key(&["nothing"])).await.is_empty());

    // Overwrite, then delete.
    storage.put(key(&["a", "b"]), chunk(100, 10)).await;
    assert_eq!(storage.load(key(&["a", "b"])).await, Some(chunk(100, 10)));
    storage.delete(key(&["a", "b", "c"])).await;
    assert_eq!(storage.load(key(&["a", "b", "c"])).await, None);
    assert_eq!(storage.load_range(key(&["a", "b"])).await.len(), 2);
    // Deleting what is not there is fine.
    storage.delete(key(&["never", "stored"])).await;

    let s = status(&storage);
    assert_eq!(s, StorageStatus::default(), "{s:?}");
    assert!(!storage.has_failed());
}

#[tokio::test]
async fn data_survives_reopen() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join(DATABASE_FILE_NAME);
    {
        let storage = SqliteStorage::open(&db).unwrap();
        storage
            .put(key(&["doc", "incremental", "1"]), chunk(1, 10))
            .await;
        storage
            .put(key(&["doc", "snapshot", "2"]), chunk(2, 5000))
            .await;
        storage.set_local("device-name", "laptop").unwrap();
        storage.close();
    }
    let storage = SqliteStorage::open(&db).unwrap();
    assert_eq!(storage.load_range(key(&["doc"])).await.len(), 2);
    assert_eq!(
        storage.load(key(&["doc", "snapshot", "2"])).await,
        Some(chunk(2, 5000))
    );
    assert_eq!(
        storage.get_local("device-name").unwrap().as_deref(),
        Some("laptop")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_commit_lands_many_concurrent_puts_in_fewer_commits() {
    let tmp = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(&tmp.path().join(DATABASE_FILE_NAME)).unwrap();
    let before = storage.commit_count();
    let puts = (0..300).map(|i| {
        let storage = storage.clone();
        tokio::spawn(async move {
            storage
                .put(key(&["doc", "incremental", &i.to_string()]), chunk(i, 10))
                .await;
        })
    });
    for put in futures::future::join_all(puts).await {
        put.unwrap();
    }
    let stored = storage.load_range(key(&["doc"])).await;
    assert_eq!(stored.len(), 300);
    for i in 0..300 {
        assert_eq!(
            stored[&key(&["doc", "incremental", &i.to_string()])],
            chunk(i, 10)
        );
    }
    let commits = storage.commit_count() - before;
    assert!(commits < 300, "{commits} commits for 300 puts: no grouping");
    assert_eq!(status(&storage).pending_writes, 0);
}

#[tokio::test]
async fn a_failed_put_refuses_deletes_for_its_document_only() {
    let tmp = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(&tmp.path().join(DATABASE_FILE_NAME)).unwrap();
    storage
        .put(key(&["A", "incremental", "1"]), chunk(1, 10))
        .await;
    storage
        .put(key(&["B", "incremental", "1"]), chunk(2, 10))
        .await;
    storage
        .put(key(&["B", "incremental", "2"]), chunk(3, 10))
        .await;

    let fault: WriteFault = Arc::new(|k: &StorageKey| key_text::document_of(k) == "A");
    storage.inject_write_fault(Some(fault));
    storage
        .put(key(&["A", "incremental", "2"]), chunk(4, 10))
        .await;
    assert!(storage.has_failed());
    assert_eq!(storage.load(key(&["A", "incremental", "2"])).await, None);

    storage.delete(key(&["A", "incremental", "1"])).await;
    storage.delete(key(&["B", "incremental", "1"])).await;
    // Removing the fault does not forget the failure.
    storage.inject_write_fault(None);
    storage.delete(key(&["A", "incremental", "1"])).await;
    storage
        .put(key(&["B", "incremental", "3"]), chunk(5, 10))
        .await;

    assert_eq!(
        storage.load(key(&["A", "incremental", "1"])).await,
        Some(chunk(1, 10)),
        "a delete went through after a failed write of the same document"
    );
    assert_eq!(storage.load(key(&["B", "incremental", "1"])).await, None);
    assert_eq!(storage.load_range(key(&["B"])).await.len(), 2);

    let s = status(&storage);
    assert_eq!(s.failed_writes, 1, "{s:?}");
    assert_eq!(s.refused_deletes, 2, "{s:?}");
    assert_eq!(s.pending_writes, 0, "{s:?}");
    let error = s.last_error.unwrap();
    assert!(error.contains("A/incremental/2"), "{error}");
}

#[tokio::test]
async fn a_panicking_fault_hook_fails_the_put_not_the_writer() {
    let tmp = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(&tmp.path().join(DATABASE_FILE_NAME)).unwrap();
    let fault: WriteFault = Arc::new(|k: &StorageKey| {
        assert_ne!(key_text::document_of(k), "boom", "hook panics");
        false
    });
    storage.inject_write_fault(Some(fault));
    storage
        .put(key(&["boom", "incremental", "1"]), chunk(1, 10))
        .await;
    storage
        .put(key(&["fine", "incremental", "1"]), chunk(2, 10))
        .await;
    assert_eq!(status(&storage).failed_writes, 1);
    assert!(
        storage
            .load(key(&["fine", "incremental", "1"]))
            .await
            .is_some()
    );
}

#[tokio::test]
async fn a_full_database_fails_puts_and_keeps_what_was_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join(DATABASE_FILE_NAME);
    let storage = SqliteStorage::open(&db).unwrap();
    for i in 0..5 {
        storage
            .put(key(&["doc", "incremental", &i.to_string()]), chunk(i, 100))
            .await;
    }
    storage.set_max_page_count(1);
    for i in 5..10 {
        storage
            .put(
                key(&["doc", "incremental", &i.to_string()]),
                chunk(i, 10_000),
            )
            .await;
    }
    storage.delete(key(&["doc", "incremental", "0"])).await;

    let s = status(&storage);
    assert!(s.failed_writes > 0, "{s:?}");
    assert_eq!(s.refused_deletes, 1, "{s:?}");
    let error = s.last_error.unwrap();
    assert!(error.contains("full"), "{error}");
    let stored = storage.load_range(key(&["doc"])).await;
    for i in 0..5 {
        assert_eq!(
            stored[&key(&["doc", "incremental", &i.to_string()])],
            chunk(i, 100)
        );
    }
    storage.close();
    drop(storage);

    // The cap belonged to that connection; the file itself is fine.
    let storage = SqliteStorage::open(&db).unwrap();
    storage
        .put(key(&["doc", "incremental", "big"]), chunk(99, 10_000))
        .await;
    assert!(!storage.has_failed());
}

#[tokio::test]
async fn writes_after_close_fail_and_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(&tmp.path().join(DATABASE_FILE_NAME)).unwrap();
    storage
        .put(key(&["doc", "incremental", "1"]), chunk(1, 10))
        .await;
    storage.close();
    storage
        .put(key(&["doc", "incremental", "2"]), chunk(2, 10))
        .await;
    storage.delete(key(&["doc", "incremental", "1"])).await;
    assert!(matches!(
        storage.set_local("k", "v"),
        Err(StoreError::Closed { .. })
    ));
    let s = status(&storage);
    assert_eq!(s.failed_writes, 1, "{s:?}");
    assert_eq!(s.pending_writes, 0, "{s:?}");
    // Reads still work, and the delete did not happen.
    assert!(
        storage
            .load(key(&["doc", "incremental", "1"]))
            .await
            .is_some()
    );
}

#[tokio::test]
async fn a_damaged_chunk_is_quarantined_reported_and_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join(DATABASE_FILE_NAME);
    {
        let storage = SqliteStorage::open(&db).unwrap();
        for i in 0..3 {
            storage
                .put(key(&["A", "incremental", &i.to_string()]), chunk(i, 10))
                .await;
        }
        storage
            .put(key(&["B", "incremental", "0"]), chunk(10, 10))
            .await;
        storage.close();
    }
    let mut damaged = chunk(1, 10);
    let last = damaged.len() - 1;
    damaged[last] ^= 0xff;
    raw(&db)
        .execute(
            "UPDATE chunks SET data = ?1 WHERE key = 'A/incremental/1'",
            [&damaged],
        )
        .unwrap();

    let storage = SqliteStorage::open(&db).unwrap();
    let a = storage.load_range(key(&["A"])).await;
    assert_eq!(a.len(), 2);
    assert!(!a.contains_key(&key(&["A", "incremental", "1"])));
    assert_eq!(storage.load_range(key(&["B"])).await.len(), 1);
    assert_eq!(storage.load(key(&["A", "incremental", "1"])).await, None);
    let s = status(&storage);
    assert_eq!(s.quarantined, 1, "{s:?}");
    assert_eq!(s.failed_writes, 0, "{s:?}");

    // Moved, not deleted: the damaged bytes are in the quarantine table, with the reason.
    let (data, reason): (Vec<u8>, String) = raw(&db)
        .query_row(
            "SELECT data, reason FROM quarantine WHERE key = 'A/incremental/1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(data, damaged);
    assert!(reason.contains("checksum"), "{reason}");
    let left: i64 = raw(&db)
        .query_row(
            "SELECT count(*) FROM chunks WHERE key = 'A/incremental/1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
    storage.close();
    drop(storage);

    // Still reported after a restart.
    let storage = SqliteStorage::open(&db).unwrap();
    assert_eq!(status(&storage).quarantined, 1);
}

#[tokio::test]
async fn unreadable_rows_are_skipped_and_the_storage_id_is_not_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join(DATABASE_FILE_NAME);
    let storage = SqliteStorage::open(&db).unwrap();
    storage
        .put(
            StorageKey::storage_id_path(),
            b"not automerge at all".to_vec(),
        )
        .await;
    storage
        .put(key(&["doc", "incremental", "1"]), chunk(1, 10))
        .await;
    let conn = raw(&db);
    conn.execute(
        "INSERT INTO chunks(key, data) VALUES ('doc//bad', ?1)",
        [chunk(2, 10)],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO chunks(key, data) VALUES ('doc/incremental/text', 'a text value')",
        [],
    )
    .unwrap();

    assert_eq!(
        storage.load(StorageKey::storage_id_path()).await,
        Some(b"not automerge at all".to_vec())
    );
    let all = storage.load_range(key(&[])).await;
    assert_eq!(all.len(), 2, "{:?}", all.keys().collect::<Vec<_>>());
    assert_eq!(status(&storage).quarantined, 0);
}

#[test]
fn local_state_round_trips_without_a_runtime() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join(DATABASE_FILE_NAME);
    {
        let storage = SqliteStorage::open(&db).unwrap();
        assert_eq!(storage.get_local("name").unwrap(), None);
        storage.set_local("name", "Grüße 日本 🦀").unwrap();
        storage.set_local("peer/1", "a").unwrap();
        storage.set_local("peer/2", "b").unwrap();
        storage.set_local("peer/2", "c").unwrap();
        storage.set_local("peers", "not under peer/").unwrap();
        storage.set_local("pe", "before").unwrap();
        assert_eq!(
            storage.get_local("name").unwrap().as_deref(),
            Some("Grüße 日本 🦀")
        );
    }
    let storage = SqliteStorage::open(&db).unwrap();
    assert_eq!(
        storage.local_with_prefix("peer/").unwrap(),
        vec![
            ("peer/1".to_string(), "a".to_string()),
            ("peer/2".to_string(), "c".to_string())
        ]
    );
    assert_eq!(storage.local_with_prefix("").unwrap().len(), 5);
    assert!(storage.local_with_prefix("zzz").unwrap().is_empty());
    assert_eq!(status(&storage).pending_writes, 0);
}

fn assert_untouched(db: &Path, bytes: &[u8]) {
    assert_eq!(std::fs::read(db).unwrap(), bytes, "the file was changed");
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut side = db.as_os_str().to_owned();
        side.push(suffix);
        assert!(!Path::new(&side).exists(), "{suffix} file was created");
    }
}

#[test]
fn a_garbage_file_is_not_a_database_and_is_left_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join(DATABASE_FILE_NAME);
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7 + 3) as u8).collect();
    for contents in [&garbage[..], &b"hello"[..], &b"SQLite format 3\0"[..]] {
        std::fs::write(&db, contents).unwrap();
        let err = SqliteStorage::open(&db).unwrap_err();
        assert!(matches!(err, StoreError::NotADatabase { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains("left untouched"), "{message}");
        assert!(message.contains("move it aside"), "{message}");
        assert_untouched(&db, contents);
    }
}

#[tokio::test]
async fn a_truncated_database_is_refused_and_left_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join(DATABASE_FILE_NAME);
    {
        let storage = SqliteStorage::open(&db).unwrap();
        for i in 0..40 {
            storage
                .put(key(&["doc", "incremental", &i.to_string()]), chunk(i, 3000))
                .await;
        }
        storage.close();
    }
    let whole = std::fs::read(&db).unwrap();
    assert!(whole.len() > 40 * 3000, "the data was not checkpointed");
    for len in [whole.len() / 2, whole.len() - 1, 50] {
        std::fs::write(&db, &whole[..len]).unwrap();
        let err = SqliteStorage::open(&db).unwrap_err();
        assert!(matches!(err, StoreError::NotADatabase { .. }), "{err:?}");
        assert!(err.to_string().contains("cut short"), "{err}");
        assert_untouched(&db, &whole[..len]);
    }
}

#[test]
fn an_empty_or_missing_database_of_a_used_folder_is_refused_not_recreated() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join(DATABASE_FILE_NAME);
    let err = SqliteStorage::open_existing(&db).unwrap_err();
    assert!(matches!(err, StoreError::DatabaseMissing { .. }), "{err:?}");
    assert!(err.to_string().contains("is missing"), "{err}");
    assert!(!db.exists(), "a fresh database was created");

    std::fs::write(&db, b"").unwrap();
    let err = SqliteStorage::open_existing(&db).unwrap_err();
    assert!(matches!(err, StoreError::DatabaseMissing { .. }), "{err:?}");
    let message = err.to_string();
    for words in [
        "is empty (0 bytes)",
        "Nothing was changed",
        "backup",
        "invite",
    ] {
        assert!(message.contains(words), "{words}: {message}");
    }
    assert_untouched(&db, b"");

    // A real database opens as before.
    std::fs::remove_file(&db).unwrap();
    drop(SqliteStorage::open(&db).unwrap());
    drop(SqliteStorage::open_existing(&db).unwrap());
}

#[tokio::test]
async fn damaged_database_pages_are_reported_never_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join(DATABASE_FILE_NAME);
    {
        let storage = SqliteStorage::open(&db).unwrap();
        for i in 0..40 {
            storage
                .put(key(&["doc", "incremental", &i.to_string()]), chunk(i, 3000))
                .await;
        }
        storage.close();
    }
    let mut bytes = std::fs::read(&db).unwrap();
    // Scribble over every page but the first (the schema) with a pattern.
    for (i, b) in bytes.iter_mut().enumerate().skip(4096) {
        *b = (i % 251) as u8;
    }
    std::fs::write(&db, &bytes).unwrap();

    match SqliteStorage::open(&db) {
        Err(err) => assert!(
            matches!(
                err,
                StoreError::NotADatabase { .. } | StoreError::Sqlite { .. }
            ),
            "{err:?}"
        ),
        Ok(storage) => {
            let loaded = storage.load_range(key(&["doc"])).await;
            let s = status(&storage);
            assert!(
                s.last_error.is_some() || s.quarantined > 0 || loaded.is_empty(),
                "damage went unreported: {s:?}, {} loaded",
                loaded.len()
            );
        }
    }
}

#[test]
fn a_foreign_or_newer_database_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let foreign = tmp.path().join("foreign.db");
    raw(&foreign)
        .execute_batch("CREATE TABLE photos(id INTEGER PRIMARY KEY)")
        .unwrap();
    let err = SqliteStorage::open(&foreign).unwrap_err();
    assert!(matches!(err, StoreError::NotADatabase { .. }), "{err:?}");

    let newer = tmp.path().join(DATABASE_FILE_NAME);
    drop(SqliteStorage::open(&newer).unwrap());
    raw(&newer)
        .pragma_update(None, "user_version", schema::SCHEMA_VERSION + 1)
        .unwrap();
    let err = SqliteStorage::open(&newer).unwrap_err();
    assert!(matches!(err, StoreError::NewerSchema { .. }), "{err:?}");
}

#[test]
fn an_empty_file_becomes_a_new_database() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join(DATABASE_FILE_NAME);
    std::fs::write(&db, b"").unwrap();
    let storage = SqliteStorage::open(&db).unwrap();
    storage.set_local("k", "v").unwrap();
    let journal: String = raw(&db)
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(journal, "wal");
}

#[tokio::test]
async fn wait_written_resolves_once_any_set_is_committed() {
    let tmp = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(&tmp.path().join(DATABASE_FILE_NAME)).unwrap();
    let sets = vec![
        vec![
            key(&["d", "incremental", "1"]),
            key(&["d", "incremental", "2"]),
        ],
        vec![key(&["d", "snapshot", "x"])],
    ];
    let mut wait = Box::pin(storage.wait_written(sets.clone()));
    let short = Duration::from_millis(50);
    assert!(tokio::time::timeout(short, &mut wait).await.is_err());
    storage
        .put(key(&["d", "incremental", "1"]), chunk(1, 10))
        .await;
    assert!(tokio::time::timeout(short, &mut wait).await.is_err());
    storage
        .put(key(&["d", "snapshot", "x"]), chunk(2, 10))
        .await;
    tokio::time::timeout(DEADLINE, wait).await.unwrap().unwrap();

    // Deleted since (samod compacted): still written.
    storage.delete(key(&["d", "incremental", "1"])).await;
    storage
        .put(key(&["d", "incremental", "2"]), chunk(3, 10))
        .await;
    storage.wait_written(sets).await.unwrap();
    storage.wait_written(Vec::new()).await.unwrap();
}

#[tokio::test]
async fn wait_written_finds_what_an_earlier_session_wrote() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join(DATABASE_FILE_NAME);
    {
        let storage = SqliteStorage::open(&db).unwrap();
        storage
            .put(key(&["d", "incremental", "1"]), chunk(1, 10))
            .await;
    }
    let storage = SqliteStorage::open(&db).unwrap();
    let wait = storage.wait_written(vec![vec![key(&["d", "incremental", "1"])]]);
    tokio::time::timeout(DEADLINE, wait).await.unwrap().unwrap();
}

#[tokio::test]
async fn wait_written_fails_on_a_failed_write_or_a_close() {
    let tmp = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(&tmp.path().join(DATABASE_FILE_NAME)).unwrap();
    let fault: WriteFault = Arc::new(|k: &StorageKey| key_text::document_of(k) == "bad");
    storage.inject_write_fault(Some(fault));

    let bad = tokio::spawn(storage.wait_written(vec![vec![key(&["bad", "incremental", "1"])]]));
    storage
        .put(key(&["bad", "incremental", "1"]), chunk(1, 10))
        .await;
    let err = tokio::time::timeout(DEADLINE, bad)
        .await
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, StoreError::WriteFailed { .. }), "{err:?}");
    assert!(err.to_string().contains("injected write fault"), "{err}");

    let never = tokio::spawn(storage.wait_written(vec![vec![key(&["good", "incremental", "1"])]]));
    tokio::time::sleep(Duration::from_millis(20)).await;
    storage.close();
    let err = tokio::time::timeout(DEADLINE, never)
        .await
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, StoreError::Closed { .. }), "{err:?}");
}

#[tokio::test]
async fn a_read_only_storage_sees_the_writers_commits_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join(DATABASE_FILE_NAME);
    let writer = SqliteStorage::open(&db).unwrap();
    writer.put(key(&["doc", "1"]), chunk(1, 10)).await;
    let reader = SqliteStorage::open_read_only(&db).unwrap();
    assert!(reader.is_read_only() && !writer.is_read_only());
    assert_eq!(reader.load(key(&["doc", "1"])).await, Some(chunk(1, 10)));
    // A commit made after the reader opened is seen by its next read.
    writer.put(key(&["doc", "2"]), chunk(2, 10)).await;
    assert_eq!(reader.load_range(key(&["doc"])).await.len(), 2);

    // Its own writes go nowhere, and fail nothing.
    reader.put(key(&["doc", "3"]), chunk(3, 10)).await;
    reader.delete(key(&["doc", "1"])).await;
    reader.set_local("seen", "now").unwrap();
    assert_eq!(writer.load_range(key(&["doc"])).await.len(), 2);
    assert_eq!(writer.get_local("seen").unwrap(), None);
    assert_eq!(status(&reader).failed_writes, 0);
}

#[test]
fn a_read_only_open_refuses_a_file_that_is_not_a_copse_database() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join(DATABASE_FILE_NAME);
    raw(&db)
        .execute_batch("CREATE TABLE other (x); PRAGMA application_id = 7;")
        .unwrap();
    let err = SqliteStorage::open_read_only(&db).unwrap_err();
    assert!(matches!(err, StoreError::NotADatabase { .. }), "{err}");
}
