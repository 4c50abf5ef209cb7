//! Members whose copse versions speak different sync protocols: each side is told plainly who
//! needs to update. Ada runs this copse as real processes; Bob's device, after he joined, runs
//! a node that speaks only sync version 2 (a test's stand-in for a newer copse).

use std::time::{Duration, Instant};

use copse::node::{NetConfig, Node, NodeConfig};

use crate::cli_sync::{serve_and_join_bob, stop, with_loopback};
use crate::util::Folder;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_side_of_a_sync_version_gap_is_told_who_must_update() {
    let ada = Folder::with_community();
    let (bob, server) = serve_and_join_bob(&ada);
    stop(server);

    // Bob's device now runs "a newer copse", on the same data folder and port.
    let mut newer = NetConfig::loopback();
    newer.pretend_sync_version = Some(2);
    let bob_node = Node::open(NodeConfig::online(bob.path(), newer))
        .await
        .unwrap();
    let community = bob_node.community_ids().unwrap()[0].clone();

    // Ada's copse cannot sync with it, and says who needs to update: Ada.
    let (ada, said) = tokio::task::spawn_blocking(move || {
        let said = ada.fails(&with_loopback(&["sync", "--timeout", "10"]));
        (ada, said)
    })
    .await
    .unwrap();
    assert!(
        said.contains("Bob's device runs a newer copse; update copse to sync with it"),
        "{said}"
    );

    // Bob's copse heard from Ada's during that attempt, and says who needs to update: Ada.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut notices = Vec::new();
    for _ in 0..200 {
        notices = bob_node.version_notices(&community).await.unwrap();
        if !notices.is_empty() || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        notices,
        vec!["Ada's device runs an older copse; ask Ada to update".to_string()]
    );
    assert_eq!(bob_node.version_gaps().len(), 1, "one device is behind");
    bob_node.shutdown().await.unwrap();

    // Once Bob's device speaks this copse's version again, they sync and nothing is said.
    let server = crate::cli_sync::serve(&bob);
    let out = ada.run(&with_loopback(&["sync", "--timeout", "20"]));
    stop(server);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("copse;"), "{stderr}");
}
