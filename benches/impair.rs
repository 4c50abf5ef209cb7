//! Benchmark: joining a 500-note community and a live editing session through the tests'
//! user-space impairment forwarder (tests/forwarder.rs), at each setting next to the clean link,
//! and with a 30 s cut in the middle of each (issue 17, "Bad networks").
//!
//! For each setting (clean, 200 ms delay, 10 % loss, duplicate + reorder):
//! 1. Bob joins Ada's community through the forwarder: the join time;
//! 2. Ada and Bob edit the same notes; the link is cut for the cut's length while both keep
//!    writing; the status must show them apart during the cut; after it is mended, the time
//!    until both hold the same notes with every edit, and until the status counts them
//!    connected again;
//! 3. with Bob gone, Carol joins through a second forwarder that is cut halfway through her
//!    join: the join's whole time, and whether it completed.
//!
//! Run: `cargo bench --bench impair` (release), or `cargo bench --profile dev --bench impair`
//! (dependencies are optimised in debug builds too). `COPSE_BENCH_NOTES` (default 500) and
//! `COPSE_BENCH_CUT_SECS` (default 30) size it; `COPSE_BENCH_QUICK=1` is 50 notes and a 6 s cut.

// A failing unwrap is how a benchmark reports that its setup broke.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/forwarder.rs"]
#[allow(dead_code, reason = "shared with the tests, which use all of it")]
mod forwarder;

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use iroh::EndpointAddr;

use copse::model::{CommunityId, NoteEdit, NoteId};
use copse::net::ticket::InviteTicket;
use copse::node::{NetConfig, Node, NodeConfig};

use forwarder::{Bounds, Forwarder, Impairment};

/// Longest wait for a join or for convergence.
const PATIENCE: Duration = Duration::from_secs(300);
/// Edits each member makes before the cut and during it.
const EDITS: usize = 10;

async fn node_on(dir: &Path, bind: SocketAddr) -> Node {
    let mut net = NetConfig::loopback();
    net.bind = bind;
    Node::open(NodeConfig::online(dir, net)).await.unwrap()
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Polls `check` every 50 ms until it holds or [`PATIENCE`] passes; how long it took, if it held.
async fn until<F, Fut>(mut check: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while started.elapsed() < PATIENCE {
        if check().await {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

fn connected(node: &Node, other: &Node) -> bool {
    node.sync_status()
        .borrow()
        .connected
        .contains(other.device_id().as_str())
}

/// The invite, routed through a new forwarder to Ada's IPv4 socket.
async fn through(
    ticket: &InviteTicket,
    impairment: Impairment,
    seed: u64,
) -> (InviteTicket, Forwarder) {
    let target = *ticket
        .inviter
        .ip_addrs()
        .find(|s| s.is_ipv4())
        .expect("Ada listens on IPv4 loopback");
    let bounds = Bounds {
        datagrams: 50_000_000,
        lifetime: Duration::from_secs(3_600),
    };
    let forwarder = Forwarder::start_bounded(target, impairment, seed, bounds).await;
    let mut routed = ticket.clone();
    routed.inviter = EndpointAddr::new(ticket.inviter.id).with_ip_addr(forwarder.addr);
    (routed, forwarder)
}

fn counts(forwarder: &Forwarder) -> String {
    let c = &forwarder.counts;
    format!(
        "{} datagrams, {} dropped, {} duplicated, {} reordered, {} lost to the cut",
        c.received.load(Ordering::Relaxed),
        c.dropped.load(Ordering::Relaxed),
        c.duplicated.load(Ordering::Relaxed),
        c.reordered.load(Ordering::Relaxed),
        c.cut.load(Ordering::Relaxed)
    )
}

/// Whether both hold every one of the edits on the first notes, identically.
async fn converged(
    a: &Node,
    b: &Node,
    id: &CommunityId,
    notes: &[NoteId],
    marks: &[String],
) -> bool {
    for note in notes {
        let (Ok(na), Ok(nb)) = (a.note(id, note).await, b.note(id, note).await) else {
            return false;
        };
        if na.body.as_str() != nb.body.as_str() {
            return false;
        }
    }
    let mut bodies = String::new();
    for note in notes {
        if let Ok(n) = a.note(id, note).await {
            bodies.push_str(n.body.as_str());
        }
    }
    marks.iter().all(|m| bodies.contains(m.as_str()))
}

async fn run_setting(name: &str, impairment: Impairment, notes_n: usize, cut: Duration, seed: u64) {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let v4 = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let v6 = SocketAddr::from((Ipv6Addr::LOCALHOST, 0));
    let a = node_on(dirs[0].path(), v4).await;
    let b = node_on(dirs[1].path(), v6).await;
    let c = node_on(dirs[2].path(), v6).await;
    let id = a
        .create_community("Gardeners", "grow", "Ada")
        .await
        .unwrap();
    let mut notes = Vec::new();
    for i in 0..notes_n {
        let body = format!("Note {i}: what we learned this week about soil, seeds and water.");
        notes.push(a.add_note(&id, &format!("Note {i}"), &body).await.unwrap());
    }

    // 1. The join.
    let ticket = a.create_invite(&id, None, Some(2)).await.unwrap();
    let (routed, link) = through(&ticket, impairment, seed).await;
    let started = Instant::now();
    let joined = b.join(&routed, "Bob", PATIENCE).await;
    let join_time = started.elapsed();
    match &joined {
        Ok(j) => println!(
            "{name:>22}: join {:>7.2} s ({} notes, {} missing); {}",
            join_time.as_secs_f64(),
            j.notes,
            j.missing,
            counts(&link)
        ),
        Err(e) => println!("{name:>22}: join FAILED after {join_time:?}: {e}"),
    }

    // 2. Editing, with a cut in the middle.
    let edited: Vec<NoteId> = notes.iter().take(3).cloned().collect();
    let mut marks = Vec::new();
    let _ = until(|| async { connected(&a, &b) && connected(&b, &a) }).await;
    for round in 0..EDITS {
        let note = &edited[round % edited.len()];
        for (node, who) in [(&a, "a"), (&b, "b")] {
            let mark = format!(" {who}{round}.");
            node.edit_note(&id, note, NoteEdit::Append(mark.clone()))
                .await
                .unwrap();
            marks.push(mark);
        }
    }
    link.set_cut(true);
    let cut_at = Instant::now();
    for round in 0..EDITS {
        let note = &edited[round % edited.len()];
        for (node, who) in [(&a, "A"), (&b, "B")] {
            let mark = format!(" {who}{round}!");
            node.edit_note(&id, note, NoteEdit::Append(mark.clone()))
                .await
                .unwrap();
            marks.push(mark);
        }
    }
    let apart = until(|| async { !connected(&a, &b) && !connected(&b, &a) }).await;
    let truthful_until_mend = {
        let mut ok = true;
        while cut_at.elapsed() < cut {
            if apart.is_some() && (connected(&a, &b) || connected(&b, &a)) {
                ok = false;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        ok
    };
    link.set_cut(false);
    let mended = Instant::now();
    let same = until(|| converged(&a, &b, &id, &edited, &marks)).await;
    let reconnected = until(|| async { connected(&a, &b) && connected(&b, &a) }).await;
    let reconnected = reconnected.map(|_| mended.elapsed());
    println!(
        "{name:>22}: editing cut {:.0} s: status showed them apart after {}{}; after the mend \
         all {} edits on both in {}, status connected in {}",
        cut.as_secs_f64(),
        secs(apart),
        if truthful_until_mend {
            ""
        } else {
            " (BUT showed connected again during the cut)"
        },
        marks.len(),
        secs(same),
        secs(reconnected),
    );

    // 3. A join cut halfway. Bob leaves first: Carol, on IPv6 loopback like him, could
    // otherwise fetch everything from him around the cut link.
    b.shutdown().await.unwrap();
    let (routed, link) = through(&ticket, impairment, seed + 1).await;
    let half = join_time / 2;
    let started = Instant::now();
    let cutter = {
        let cut_flag = link.cut.clone();
        tokio::spawn(async move {
            tokio::time::sleep(half).await;
            cut_flag.store(true, Ordering::Relaxed);
            tokio::time::sleep(cut).await;
            cut_flag.store(false, Ordering::Relaxed);
        })
    };
    let joined = c.join(&routed, "Carol", PATIENCE).await;
    let took = started.elapsed();
    cutter.abort();
    link.set_cut(false);
    match joined {
        Ok(j) => println!(
            "{name:>22}: join cut for {:.0} s after {:.2} s: {:.2} s in all ({} notes, {} missing); {}",
            cut.as_secs_f64(),
            half.as_secs_f64(),
            took.as_secs_f64(),
            j.notes,
            j.missing,
            counts(&link)
        ),
        Err(e) => {
            println!(
                "{name:>22}: join cut for {:.0} s after {:.2} s FAILED after {:.2} s: {e}",
                cut.as_secs_f64(),
                half.as_secs_f64(),
                took.as_secs_f64()
            );
            // Does the newcomer get everything on a second try, with the link mended?
            let started = Instant::now();
            match c.join(&routed, "Carol", PATIENCE).await {
                Ok(j) => println!(
                    "{name:>22}: second try joined in {:.2} s ({} notes, {} missing)",
                    started.elapsed().as_secs_f64(),
                    j.notes,
                    j.missing
                ),
                Err(e) => println!("{name:>22}: second try FAILED: {e}"),
            }
        }
    }
    for node in [a, c] {
        let _ = node.shutdown().await;
    }
}

fn secs(d: Option<Duration>) -> String {
    match d {
        Some(d) => format!("{:.2} s", d.as_secs_f64()),
        None => format!("never (gave up after {} s)", PATIENCE.as_secs()),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let quick = std::env::var("COPSE_BENCH_QUICK").is_ok_and(|v| v == "1");
    let notes = env_number("COPSE_BENCH_NOTES", if quick { 50 } else { 500 }) as usize;
    let cut = Duration::from_secs(env_number(
        "COPSE_BENCH_CUT_SECS",
        if quick { 6 } else { 30 },
    ));
    println!("impaired links: {notes} notes, {} s cuts", cut.as_secs());
    let settings = [
        (
            "clean",
            Impairment {
                delay: Duration::ZERO,
                jitter: Duration::ZERO,
                drop: 0.0,
                duplicate: 0.0,
            },
        ),
        (
            "200 ms delay",
            Impairment {
                delay: Duration::from_millis(200),
                jitter: Duration::ZERO,
                drop: 0.0,
                duplicate: 0.0,
            },
        ),
        (
            "10 % loss",
            Impairment {
                delay: Duration::ZERO,
                jitter: Duration::ZERO,
                drop: 0.10,
                duplicate: 0.0,
            },
        ),
        (
            "duplicate + reorder",
            Impairment {
                delay: Duration::from_millis(5),
                jitter: Duration::from_millis(40),
                drop: 0.0,
                duplicate: 0.10,
            },
        ),
    ];
    for (i, (name, impairment)) in settings.into_iter().enumerate() {
        run_setting(name, impairment, notes, cut, 17 + 10 * i as u64).await;
    }
}
