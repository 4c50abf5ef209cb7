//! A bad network in user space: a UDP forwarder on loopback that delays, drops, duplicates and
//! reorders datagrams between two nodes, and the test that a join and an editing session still
//! converge through it.
//!
//! The forwarder is the only way between the two nodes: the inviter listens on IPv4 loopback
//! only and the newcomer on IPv6 loopback only, so neither can reach an address the other
//! advertises, and the forwarder (IPv6 on the newcomer's side, IPv4 on the inviter's) carries
//! every datagram. The newcomer dials the inviter at the forwarder's address.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use iroh::EndpointAddr;

use copse::model::NoteEdit;
use copse::node::{NetConfig, Node, NodeConfig};

use crate::forwarder::{Forwarder, Impairment};
use crate::sync::eventually;

/// A node listening on `bind` only, relays and mDNS off.
async fn node_on(dir: &std::path::Path, bind: SocketAddr) -> Node {
    let mut net = NetConfig::loopback();
    net.bind = bind;
    Node::open(NodeConfig::online(dir, net)).await.unwrap()
}

const PATIENCE: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_join_and_two_way_edits_converge_through_a_lossy_slow_reordering_link() {
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let a = node_on(dirs[0].path(), SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await;
    let b = node_on(dirs[1].path(), SocketAddr::from((Ipv6Addr::LOCALHOST, 0))).await;
    let id = a
        .create_community("Gardeners", "grow", "Ada")
        .await
        .unwrap();
    let mut notes = Vec::new();
    for i in 0..50 {
        notes.push(
            a.add_note(&id, &format!("Note {i}"), &format!("words {i}"))
                .await
                .unwrap(),
        );
    }

    let ticket = a.create_invite(&id, None, Some(1)).await.unwrap();
    let a_socket = *ticket
        .inviter
        .ip_addrs()
        .find(|s| s.is_ipv4())
        .expect("the inviter listens on IPv4 loopback");
    let impairment = Impairment {
        delay: Duration::from_millis(200),
        jitter: Duration::from_millis(40),
        drop: 0.10,
        duplicate: 0.05,
    };
    let forwarder = Forwarder::start(a_socket, impairment, 17).await;
    let mut through = ticket.clone();
    through.inviter = EndpointAddr::new(ticket.inviter.id).with_ip_addr(forwarder.addr);

    let started = Instant::now();
    let joined = b.join(&through, "Bob", PATIENCE).await.unwrap();
    assert_eq!((joined.notes, joined.missing), (50, 0));
    for (i, note) in notes.iter().enumerate() {
        assert_eq!(
            b.note(&id, note).await.unwrap().body.as_str(),
            format!("words {i}")
        );
    }
    let join_took = started.elapsed();

    // A short session: each member appends to the same three notes, taking turns without
    // waiting for the other's edit to arrive.
    for (round, note) in notes.iter().enumerate().take(3) {
        a.edit_note(&id, note, NoteEdit::Append(format!(" a{round}")))
            .await
            .unwrap();
        b.edit_note(&id, note, NoteEdit::Append(format!(" b{round}")))
            .await
            .unwrap();
    }
    eventually("both members hold the same three edited notes", || async {
        for (round, note) in notes.iter().take(3).enumerate() {
            let (Ok(na), Ok(nb)) = (a.note(&id, note).await, b.note(&id, note).await) else {
                return false;
            };
            let body = na.body.as_str();
            if body != nb.body.as_str()
                || !body.contains(&format!(" a{round}"))
                || !body.contains(&format!(" b{round}"))
            {
                return false;
            }
        }
        true
    })
    .await;
    let members = a.community(&id).await.unwrap().members.len();
    assert_eq!(members, 2, "the inviter sees the newcomer on the roster");

    // The link really was bad, and it carried everything.
    let counts = &forwarder.counts;
    let (received, dropped, duplicated, reordered) = (
        counts.received.load(Ordering::Relaxed),
        counts.dropped.load(Ordering::Relaxed),
        counts.duplicated.load(Ordering::Relaxed),
        counts.reordered.load(Ordering::Relaxed),
    );
    eprintln!(
        "impaired link: {received} datagrams, {dropped} dropped, {duplicated} duplicated, \
         {reordered} reordered; join took {join_took:?}, all done in {:?}",
        started.elapsed()
    );
    assert!(received > 100, "{received} datagrams");
    assert!(dropped > 0 && duplicated > 0 && reordered > 0, "{counts:?}");
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

/// Whether `node` counts `other` among the devices connected now, as the status bar shows.
fn sees_connected(node: &Node, other: &Node) -> bool {
    node.sync_status()
        .borrow()
        .connected
        .contains(other.device_id().as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cut_link_shows_members_apart_and_everything_written_meanwhile_arrives_once_mended() {
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let a = node_on(dirs[0].path(), SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await;
    let b = node_on(dirs[1].path(), SocketAddr::from((Ipv6Addr::LOCALHOST, 0))).await;
    let id = a
        .create_community("Gardeners", "grow", "Ada")
        .await
        .unwrap();
    let plan = a.add_note(&id, "Plan", "hello").await.unwrap();
    let ticket = a.create_invite(&id, None, Some(1)).await.unwrap();
    let a_socket = *ticket
        .inviter
        .ip_addrs()
        .find(|s| s.is_ipv4())
        .expect("the inviter listens on IPv4 loopback");
    let slow = Impairment {
        delay: Duration::from_millis(30),
        jitter: Duration::from_millis(10),
        drop: 0.0,
        duplicate: 0.0,
    };
    let forwarder = Forwarder::start(a_socket, slow, 5).await;
    let mut through = ticket.clone();
    through.inviter = EndpointAddr::new(ticket.inviter.id).with_ip_addr(forwarder.addr);
    b.join(&through, "Bob", PATIENCE).await.unwrap();
    eventually("both see each other connected", || async {
        sees_connected(&a, &b) && sees_connected(&b, &a)
    })
    .await;

    // The link goes down; both keep writing.
    let cut_at = Instant::now();
    forwarder.set_cut(true);
    a.edit_note(&id, &plan, NoteEdit::Append(" +Ada offline".into()))
        .await
        .unwrap();
    b.edit_note(&id, &plan, NoteEdit::Append(" +Bob offline".into()))
        .await
        .unwrap();
    let during = b.add_note(&id, "Written apart", "by Bob").await.unwrap();
    // The status tells the truth: nobody is connected, and what each wrote is not yet shared.
    eventually("both see the other gone", || async {
        !sees_connected(&a, &b) && !sees_connected(&b, &a)
    })
    .await;
    let apart_after = cut_at.elapsed();
    eventually(
        "Bob's status counts his writing as not yet shared",
        || async { b.sync_status().borrow().unshared.is_some_and(|n| n >= 2) },
    )
    .await;
    assert!(
        !a.note(&id, &plan)
            .await
            .unwrap()
            .body
            .as_str()
            .contains("Bob"),
        "nothing crossed a cut link"
    );
    assert!(forwarder.counts.cut.load(Ordering::Relaxed) > 0);

    // The link comes back: both reconnect on their own and nothing written apart is lost.
    let mended_at = Instant::now();
    forwarder.set_cut(false);
    eventually("both reconnect and hold the same plan", || async {
        let (Ok(na), Ok(nb)) = (a.note(&id, &plan).await, b.note(&id, &plan).await) else {
            return false;
        };
        sees_connected(&a, &b)
            && na.body.as_str() == nb.body.as_str()
            && na.body.as_str().contains("+Ada offline")
            && na.body.as_str().contains("+Bob offline")
    })
    .await;
    let converged_after = mended_at.elapsed();
    eventually("Ada has the note Bob wrote apart", || async {
        a.note(&id, &during).await.is_ok()
    })
    .await;
    eventually("Bob's status says everything is shared", || async {
        b.sync_status().borrow().unshared == Some(0)
    })
    .await;
    eprintln!(
        "cut link: seen apart {apart_after:?} after the cut; converged {converged_after:?} and \
         all shared {:?} after it was mended",
        mended_at.elapsed()
    );
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}
