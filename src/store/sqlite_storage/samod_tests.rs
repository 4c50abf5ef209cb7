//! `SqliteStorage` under a real samod repo: the H4 regressions (a failed snapshot write, a full
//! disk) and damaged data, each checked by restarting on the same file.

use std::sync::Arc;
use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::{Automerge, AutomergeError, ROOT, ReadDoc};
use samod::{DocHandle, DocumentId, Repo};

use super::*;

const DEADLINE: Duration = Duration::from_secs(30);

async fn repo_on(storage: &SqliteStorage) -> Repo {
    Repo::build_tokio()
        .with_storage(storage.clone())
        .load()
        .await
}

/// Edit `i`: its own key, so every edit is a separate change that must survive.
async fn edit(handle: &DocHandle, i: usize, payload: &str) {
    let value = format!("{i}:{payload}");
    handle
        .with_document_async(move |doc| {
            doc.transact::<_, _, AutomergeError>(|tx| {
                tx.put(ROOT, format!("edit{i}"), value)?;
                Ok(())
            })
            .map(|_| ())
            .map_err(|f| f.error)
        })
        .await
        .unwrap()
        .unwrap();
}

fn edits_in(doc: &Automerge) -> Vec<usize> {
    let mut found: Vec<usize> = doc
        .keys(ROOT)
        .filter_map(|k| k.strip_prefix("edit").and_then(|n| n.parse().ok()))
        .collect();
    found.sort_unstable();
    found
}

/// What a restart would see of `id`: everything stored for it, loaded as samod loads it.
async fn stored_edits(storage: &SqliteStorage, id: &DocumentId) -> Vec<usize> {
    let mut doc = Automerge::new();
    let prefix = StorageKey::from_parts([id.to_string()]).unwrap();
    for data in storage.load_range(prefix).await.values() {
        doc.load_incremental(data).unwrap();
    }
    edits_in(&doc)
}

async fn wait_until_stored(storage: &SqliteStorage, id: &DocumentId, edits: &[usize]) {
    let wait = async {
        loop {
            let stored = stored_edits(storage, id).await;
            if edits.iter().all(|e| stored.contains(e)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(DEADLINE, wait)
        .await
        .unwrap_or_else(|_| panic!("edits {edits:?} never reached storage"));
}

/// The status once every queued write is done. `Repo::stop` waits for samod's puts but not for
/// its deletes, which may still be queued.
async fn settled(storage: &SqliteStorage) -> StorageStatus {
    let mut status = storage.status();
    tokio::time::timeout(DEADLINE, status.wait_for(|s| s.pending_writes == 0))
        .await
        .expect("writes still pending")
        .unwrap()
        .clone()
}

/// Restarts on the same file and returns the edits the document has.
async fn edits_after_restart(db: &Path, id: &DocumentId) -> (Vec<usize>, StorageStatus) {
    let storage = SqliteStorage::open(db).unwrap();
    let repo = repo_on(&storage).await;
    let handle = tokio::time::timeout(DEADLINE, repo.find(id.clone()))
        .await
        .unwrap()
        .unwrap()
        .expect("the document is gone after a restart");
    let edits = handle
        .with_document_async(|doc| edits_in(doc))
        .await
        .unwrap();
    repo.stop().await;
    (edits, settled(&storage).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h4_failed_snapshot_writes_lose_no_edits() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join(DATABASE_FILE_NAME);
    let storage = SqliteStorage::open(&db).unwrap();
    let fault: WriteFault = Arc::new(|k: &StorageKey| k.into_iter().any(|c| c == "snapshot"));
    storage.inject_write_fault(Some(fault));

    let repo = repo_on(&storage).await;
    let handle = repo.create(Automerge::new()).await.unwrap();
    let id = handle.document_id().clone();
    for i in 0..20 {
        edit(&handle, i, "small").await;
        // One save per edit, as a person typing would cause, so samod's compaction kicks in.
        wait_until_stored(&storage, &id, &[i]).await;
    }
    repo.stop().await;

    let s = settled(&storage).await;
    assert!(s.skipped_snapshots > 0, "samod never compacted: {s:?}");
    // Every change of the failed snapshot was on disk: nothing failed, so reading goes on.
    assert_eq!(s.failed_writes, 0, "{s:?}");
    assert!(
        s.refused_deletes > 0,
        "no delete followed the failure: {s:?}"
    );
    assert_eq!(s.pending_writes, 0, "{s:?}");
    storage.close();
    drop(storage);

    let (edits, after) = edits_after_restart(&db, &id).await;
    assert_eq!(edits, (0..20).collect::<Vec<_>>(), "edits lost");
    assert_eq!(after.quarantined, 0);
}

/// samod compacts as soon as a save carries more than 10 new changes — a peer's sync or an
/// import delivers that many at once — and then writes those changes *only* into the snapshot.
/// Refusing deletes is not enough here: the changes must be kept another way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h4_failed_snapshot_of_a_burst_of_changes_loses_none_of_them() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join(DATABASE_FILE_NAME);
    let storage = SqliteStorage::open(&db).unwrap();
    let fault: WriteFault = Arc::new(|k: &StorageKey| k.into_iter().any(|c| c == "snapshot"));
    storage.inject_write_fault(Some(fault));

    let repo = repo_on(&storage).await;
    let handle = repo.create(Automerge::new()).await.unwrap();
    let id = handle.document_id().clone();
    edit(&handle, 0, "first").await;
    wait_until_stored(&storage, &id, &[0]).await;
    // Fifteen separate changes in one go: one save, so one compaction holding all of them.
    handle
        .with_document_async(|doc| {
            for i in 1..16 {
                doc.transact::<_, _, AutomergeError>(|tx| {
                    tx.put(ROOT, format!("edit{i}"), format!("{i}:burst"))?;
                    Ok(())
                })
                .map_err(|f| f.error)?;
            }
            Ok::<_, AutomergeError>(())
        })
        .await
        .unwrap()
        .unwrap();
    // The burst counts as saved once its changes are kept, although the snapshot failed.
    let heads = handle
        .with_document_async(|doc| doc.get_heads())
        .await
        .unwrap();
    let incremental = heads
        .iter()
        .map(|h| StorageKey::incremental_path(&id, *h))
        .collect();
    tokio::time::timeout(DEADLINE, storage.wait_written(vec![incremental]))
        .await
        .unwrap()
        .unwrap();
    for i in 16..20 {
        edit(&handle, i, "after").await;
        // Saved one by one, so samod gets round to deleting what the snapshot superseded.
        wait_until_stored(&storage, &id, &[i]).await;
    }
    repo.stop().await;

    let s = settled(&storage).await;
    assert!(s.skipped_snapshots > 0, "samod never compacted: {s:?}");
    // The burst's changes were kept as separate chunks: nothing failed, so reading goes on.
    assert_eq!(s.failed_writes, 0, "{s:?}");
    assert!(
        s.refused_deletes > 0,
        "no delete followed the failure: {s:?}"
    );
    storage.close();
    drop(storage);

    let (edits, _) = edits_after_restart(&db, &id).await;
    assert_eq!(edits, (0..20).collect::<Vec<_>>(), "edits lost");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h4_disk_full_midway_loses_nothing_stored_before() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join(DATABASE_FILE_NAME);
    let storage = SqliteStorage::open(&db).unwrap();
    let repo = repo_on(&storage).await;
    let handle = repo.create(Automerge::new()).await.unwrap();
    let id = handle.document_id().clone();

    let before: Vec<usize> = (0..14).collect();
    for &i in &before {
        edit(&handle, i, "small").await;
        wait_until_stored(&storage, &id, &[i]).await;
    }
    // No page beyond the current size: every later write that needs space fails for real.
    storage.set_max_page_count(1);
    let big = "x".repeat(8_000);
    for i in 14..24 {
        edit(&handle, i, &big).await;
    }
    let mut status = storage.status();
    tokio::time::timeout(DEADLINE, status.wait_for(|s| s.failed_writes > 0))
        .await
        .expect("no write failed on a full database")
        .unwrap();
    repo.stop().await;

    let s = settled(&storage).await;
    let error = s.last_error.clone().unwrap_or_default();
    assert!(error.contains("full"), "{s:?}");
    assert_eq!(s.pending_writes, 0, "{s:?}");
    storage.close();
    drop(storage);

    let (edits, _) = edits_after_restart(&db, &id).await;
    for i in &before {
        assert!(
            edits.contains(i),
            "edit {i}, stored before the disk filled, is lost: {edits:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_change_is_quarantined_and_the_rest_still_loads() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join(DATABASE_FILE_NAME);
    let storage = SqliteStorage::open(&db).unwrap();
    let repo = repo_on(&storage).await;
    let a = repo.create(Automerge::new()).await.unwrap();
    let b = repo.create(Automerge::new()).await.unwrap();
    let (a_id, b_id) = (a.document_id().clone(), b.document_id().clone());
    for i in 0..3 {
        edit(&a, i, "a").await;
        edit(&b, i, "b").await;
    }
    wait_until_stored(&storage, &a_id, &[0, 1, 2]).await;
    wait_until_stored(&storage, &b_id, &[0, 1, 2]).await;
    // The newest change of A: nothing depends on it, so the rest of A must still load.
    let head = a
        .with_document_async(|doc| doc.get_heads()[0])
        .await
        .unwrap();
    repo.stop().await;
    storage.close();
    drop(storage);

    let damaged_key = format!("{a_id}/incremental/{head}");
    let conn = Connection::open(&db).unwrap();
    let mut data: Vec<u8> = conn
        .query_row(
            "SELECT data FROM chunks WHERE key = ?1",
            [&damaged_key],
            |r| r.get(0),
        )
        .unwrap();
    let middle = data.len() / 2;
    data[middle] ^= 0x20;
    conn.execute(
        "UPDATE chunks SET data = ?1 WHERE key = ?2",
        params![data, damaged_key],
    )
    .unwrap();
    drop(conn);

    let (a_edits, status) = edits_after_restart(&db, &a_id).await;
    assert_eq!(a_edits, vec![0, 1]);
    assert_eq!(status.quarantined, 1, "{status:?}");
    let (b_edits, _) = edits_after_restart(&db, &b_id).await;
    assert_eq!(b_edits, vec![0, 1, 2]);

    let conn = Connection::open(&db).unwrap();
    let kept: Vec<u8> = conn
        .query_row(
            "SELECT data FROM quarantine WHERE key = ?1",
            [&damaged_key],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept, data, "the damaged bytes were not kept as they were");
}
