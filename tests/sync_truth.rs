//! `copse sync` tells the truth when the member it syncs with vanishes: real processes over
//! loopback, the member killed with SIGKILL at many moments of a sync, and what the sync said
//! compared with what the member's disk holds once it is looked at again.

use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use crate::cli_sync::{serve, serve_and_join_bob, stop, with_loopback};
use crate::util::{Folder, ids};

/// Ada serving, and Bob joined through her invite.
fn ada_and_bob() -> (Folder, Folder, Child) {
    let ada = Folder::with_community();
    let (bob, server) = serve_and_join_bob(&ada);
    (ada, bob, server)
}

fn sync(bob: &Folder, timeout: u64) -> Child {
    bob.command(&with_loopback(&["sync", "--timeout", &timeout.to_string()]))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// How many notes a failed sync says are not on any other member's device (0 if it names
/// none), read from its message.
fn notes_named(stderr: &str) -> usize {
    let Some(at) = stderr.find(" not on any other member's device yet") else {
        return 0;
    };
    let words: Vec<&str> = stderr[..at].split_whitespace().collect();
    words
        .windows(2)
        .rev()
        .find(|w| w[1] == "note" || w[1] == "notes" || w[1] == "notes,")
        .and_then(|w| w[0].parse().ok())
        .unwrap_or(0)
}

/// Of `notes`, those Ada's data folder holds: listed in her community and readable.
fn held_by(ada: &Folder, notes: &[String]) -> usize {
    let listed = ids(&ada.json(&["note", "list"]));
    notes
        .iter()
        .filter(|id| {
            listed.contains(id) && ada.run(&["--json", "note", "show", id]).status.success()
        })
        .count()
}

#[test]
fn a_sync_whose_member_is_killed_never_claims_what_the_member_does_not_hold() {
    let (ada, bob, server) = ada_and_bob();
    let mut server = Some(server);
    // Moments after the sync starts at which Ada is killed; the last is after it is done.
    let moments_ms = [0u64, 30, 80, 150, 250, 400, 700, 1200, 2500];
    const TIMEOUT: u64 = 20;
    let mut outcomes = Vec::new();
    for (round, &moment) in moments_ms.iter().enumerate() {
        let notes: Vec<String> = (0..8)
            .map(|i| bob.ok(&["note", "add", "--title", &format!("round {round} note {i}")]))
            .collect();
        let started = Instant::now();
        let child = sync(&bob, TIMEOUT);
        std::thread::sleep(Duration::from_millis(moment));
        let mut victim = server.take().unwrap();
        let killed_at = started.elapsed();
        victim.kill().unwrap();
        victim.wait().unwrap();
        let out: Output = child.wait_with_output().unwrap();
        let took = started.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(!stderr.contains("panicked"), "{stderr}");

        // What Ada really holds, read from her disk with her copse stopped.
        let held = held_by(&ada, &notes);
        let missing = notes.len() - held;
        let named = notes_named(&stderr);
        outcomes.push((moment, out.status.success(), held, named, killed_at, took));
        if out.status.success() {
            assert_eq!(
                missing, 0,
                "sync said all was shared, but Ada lacks {missing} of 8 notes (killed at {moment} ms)"
            );
        } else {
            assert!(
                stderr.contains("not on any other member's device yet")
                    || stderr.contains("No member's device could be reached"),
                "a failed sync says what did not get through: {stderr}"
            );
            assert!(
                named >= missing,
                "sync named {named} notes as not shared, but Ada lacks {missing} (killed at \
                 {moment} ms): {stderr}"
            );
            assert!(named <= notes.len(), "{stderr}");
            // `--timeout` bounds the whole command, within the issue's ± 1 s (process start and
            // exit included). A member killed before the connection was made is waited for
            // until then; one lost during the sync is reported sooner.
            assert!(
                took < Duration::from_secs(TIMEOUT + 1),
                "sync ran {took:?} of its {TIMEOUT} s after Ada was killed: {stderr}"
            );
        }
        // Ada back; everything arrives, and the next round starts from a clean slate.
        server = Some(serve(&ada));
        let again = bob.run(&with_loopback(&["sync", "--timeout", "30"]));
        assert!(
            again.status.success(),
            "a later sync delivers everything: {}",
            String::from_utf8_lossy(&again.stderr)
        );
    }
    stop(server.take().unwrap());
    eprintln!("moment_ms, exit 0, held of 8, named unshared, killed at, sync took");
    for o in &outcomes {
        eprintln!("{o:?}");
    }
    assert!(
        outcomes.iter().any(|o| o.1) && outcomes.iter().any(|o| !o.1),
        "the moments cover both a sync cut short and one that completed: {outcomes:?}"
    );
}

#[test]
fn sync_ends_by_its_timeout_when_the_member_is_frozen() {
    let (_ada, bob, server) = ada_and_bob();
    bob.ok(&["note", "add", "--title", "waiting"]);
    // Frozen, not gone: its socket stays open but nothing answers.
    let pid = server.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-STOP", &pid])
            .status()
            .unwrap()
            .success()
    );
    let started = Instant::now();
    let out = bob.run(&with_loopback(&["sync", "--timeout", "3"]));
    let took = started.elapsed();
    assert!(
        std::process::Command::new("kill")
            .args(["-CONT", &pid])
            .status()
            .unwrap()
            .success()
    );
    stop(server);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "1 note and other changes to the community are not on any other \
             member's device yet"
        ),
        "{stderr}"
    );
    // The whole command, start to exit, within its timeout and a second.
    assert!(
        took < Duration::from_secs(4),
        "sync --timeout 3 took {took:?}"
    );
}

/// The window a kill rarely hits, made wide: Ada's copse receives Bob's note but her disk
/// refuses to store it. A sync that trusted what Ada's copse has in memory would call the note
/// shared; Bob must be told it is not, until Ada has it on disk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_the_member_received_but_could_not_store_is_not_called_shared() {
    use copse::node::NodeError;
    use samod::storage::StorageKey;

    use crate::sync::{community_of, eventually, online};

    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let ada = online(a.path()).await;
    let bob = online(b.path()).await;
    let c = community_of(&ada, &[(&bob, "Bob")]).await;
    bob.sync_now(Duration::from_secs(30)).await.unwrap();

    ada.storage()
        .inject_write_fault(Some(std::sync::Arc::new(|_key: &StorageKey| true)));
    let note = bob
        .add_note(&c, "Only in memory", "Ada's disk refuses it")
        .await
        .unwrap();
    eventually("Ada's copse has received the note", || async {
        ada.note(&c, &note).await.is_ok()
    })
    .await;
    match bob.sync_now(Duration::from_secs(5)).await {
        Err(NodeError::NotShared { what, .. }) => assert!(what.contains("1 note"), "{what}"),
        other => panic!("a note Ada could not store was called shared: {other:?}"),
    }
    assert_eq!(bob.unshared().await.unwrap().notes, vec![note.clone()]);

    // Ada restarts with a working disk: the note comes again and is then shared.
    let _ = ada.shutdown().await;
    let ada = online(a.path()).await;
    bob.sync_now(Duration::from_secs(30)).await.unwrap();
    assert!(ada.note(&c, &note).await.is_ok());
    ada.shutdown().await.unwrap();
    bob.shutdown().await.unwrap();
}
