//! Members who cannot reach each other directly meet through a relay: a community's own relay
//! (`--relay URL`), here iroh's test relay running in this process on loopback with a
//! self-signed certificate. The nodes are handed no direct address of each other and mDNS is
//! off, so the only way the newcomer can find the inviter is the relay named in the invite.

use std::path::Path;
use std::time::Duration;

use iroh::RelayUrl;
use iroh::test_utils::run_relay_server;

use copse::model::NoteEdit;
use copse::net::ticket::InviteTicket;
use copse::node::{NetConfig, Node, NodeConfig, Relays};

use crate::sync::eventually;

const JOIN_PATIENCE: Duration = Duration::from_secs(30);

/// A node on loopback whose only relay is `relay`, trusting its self-signed certificate.
async fn through_relay(dir: &Path, relay: &RelayUrl) -> Node {
    let mut net = NetConfig::loopback();
    net.relay = Relays::Own(relay.clone());
    net.trust_any_relay_certificate = true;
    Node::open(NodeConfig::online(dir, net)).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_members_who_know_only_a_relay_join_and_edit_through_it() {
    let (_map, relay_url, relay) = run_relay_server().await.unwrap();
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let a = through_relay(dirs[0].path(), &relay_url).await;
    let b = through_relay(dirs[1].path(), &relay_url).await;
    let id = a
        .create_community("Gardeners", "grow", "Ada")
        .await
        .unwrap();
    let plan = a.add_note(&id, "Plan", "hello").await.unwrap();

    // The invite names the relay, and still does after the trip through text a person sends.
    let ticket = a.create_invite(&id, None, Some(1)).await.unwrap();
    let mut ticket: InviteTicket = ticket.to_line().parse().unwrap();
    assert!(
        ticket.inviter.relay_urls().any(|url| *url == relay_url),
        "the invite does not name the community's relay: {:?}",
        ticket.inviter
    );
    // Nothing but the relay: no direct address to dial.
    ticket.inviter.addrs.retain(|addr| addr.is_relay());
    assert_eq!(ticket.inviter.ip_addrs().count(), 0);
    let relayed_before = relay.metrics().server.send_packets_recv.get();

    let joined = b.join(&ticket, "Bob", JOIN_PATIENCE).await.unwrap();
    assert_eq!(joined.community, id);
    assert_eq!((joined.notes, joined.missing), (1, 0));
    assert_eq!(b.note(&id, &plan).await.unwrap().body.as_str(), "hello");
    assert!(
        relay.metrics().server.send_packets_recv.get() > relayed_before,
        "the join did not go through the relay"
    );

    // An edit each way, then both see the same note.
    b.edit_note(&id, &plan, NoteEdit::Append(" from Bob".into()))
        .await
        .unwrap();
    eventually("Ada sees Bob's edit", || async {
        a.note(&id, &plan)
            .await
            .is_ok_and(|n| n.body.as_str().contains("from Bob"))
    })
    .await;
    a.edit_note(&id, &plan, NoteEdit::Append(" and Ada".into()))
        .await
        .unwrap();
    eventually("both hold the same note", || async {
        let (na, nb) = (a.note(&id, &plan).await, b.note(&id, &plan).await);
        matches!((na, nb), (Ok(na), Ok(nb))
            if na.body.as_str() == "hello from Bob and Ada" && nb.body.as_str() == na.body.as_str())
    })
    .await;
    let members = b.community(&id).await.unwrap().members.len();
    assert_eq!(members, 2);

    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

#[test]
fn a_malformed_relay_url_is_refused_with_the_reason_from_the_flag_and_the_environment() {
    let folder = crate::util::Folder::new();
    let err = folder.fails(&["--relay", "relay.example.org", "whoami"]);
    assert!(
        err.contains("'relay.example.org' is not on, off or a relay URL")
            && err.contains("starts with https://"),
        "{err}"
    );
    let out = folder
        .command(&["whoami"])
        .env("COPSE_RELAY", "https://exa mple.org")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("'https://exa mple.org' is not on, off or a relay URL"),
        "{err}"
    );
    // All three forms are accepted.
    for relay in ["on", "off", "https://relay.example.org"] {
        folder.ok(&["--relay", relay, "communities"]);
    }
}
