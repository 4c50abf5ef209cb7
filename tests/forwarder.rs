//! A bad network in user space: a UDP forwarder on loopback that delays, drops, duplicates and
//! reorders datagrams between a newcomer and one node, and cuts the link on demand. Used by
//! tests/impair.rs and benches/impair.rs.
//!
//! The forwarder is the only way between the two nodes when the inviter listens on IPv4
//! loopback only and the newcomer on IPv6 loopback only: neither can reach an address the other
//! advertises, and the forwarder (IPv6 on the newcomer's side, IPv4 on the inviter's) carries
//! every datagram.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::net::UdpSocket;

/// What the forwarder does to each datagram, in each direction.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Impairment {
    /// Every datagram is held this long.
    pub delay: Duration,
    /// Plus a random extra up to this, so datagrams sent close together arrive out of order.
    pub jitter: Duration,
    /// Chance that a datagram is lost.
    pub drop: f64,
    /// Chance that a datagram that gets through arrives twice.
    pub duplicate: f64,
}

/// A test's forwarder stops after this many datagrams or this long, whichever comes first.
const MAX_DATAGRAMS: u64 = 200_000;
const MAX_LIFETIME: Duration = Duration::from_secs(120);

/// When a forwarder stops: after `datagrams` or `lifetime`, whichever comes first.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bounds {
    pub datagrams: u64,
    pub lifetime: Duration,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            datagrams: MAX_DATAGRAMS,
            lifetime: MAX_LIFETIME,
        }
    }
}

/// What the forwarder did, counted over both directions.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    pub received: AtomicU64,
    pub dropped: AtomicU64,
    pub duplicated: AtomicU64,
    /// Datagrams scheduled to arrive before one that was received earlier.
    pub reordered: AtomicU64,
    /// Datagrams lost because the link was cut.
    pub cut: AtomicU64,
}

/// A running forwarder; it stops when dropped.
pub(crate) struct Forwarder {
    /// Where the newcomer sends (IPv6 loopback).
    pub addr: SocketAddr,
    pub counts: Arc<Counts>,
    /// While set, the link is cut: every datagram is lost, both ways.
    pub cut: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Forwarder {
    /// Forwards between one newcomer (whoever sends to [`Forwarder::addr`]) and `target`, an
    /// IPv4 loopback address, impairing both directions alike.
    pub(crate) async fn start(target: SocketAddr, impairment: Impairment, seed: u64) -> Forwarder {
        Forwarder::start_bounded(target, impairment, seed, Bounds::default()).await
    }

    /// [`Forwarder::start`], stopping at `bounds` (a benchmark's longer run).
    pub(crate) async fn start_bounded(
        target: SocketAddr,
        impairment: Impairment,
        seed: u64,
        bounds: Bounds,
    ) -> Forwarder {
        let near = Arc::new(
            UdpSocket::bind(SocketAddr::from((Ipv6Addr::LOCALHOST, 0)))
                .await
                .unwrap(),
        );
        let far = Arc::new(
            UdpSocket::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
                .await
                .unwrap(),
        );
        let addr = near.local_addr().unwrap();
        let counts = Arc::new(Counts::default());
        let cut = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn(forward(
            (near, far),
            target,
            impairment,
            seed,
            bounds,
            counts.clone(),
            cut.clone(),
        ));
        Forwarder {
            addr,
            counts,
            cut,
            task,
        }
    }

    /// Cuts the link (`true`) or mends it (`false`).
    pub(crate) fn set_cut(&self, cut: bool) {
        self.cut.store(cut, Ordering::Relaxed);
    }
}

/// The forwarding loop, ending at `bounds`.
async fn forward(
    (near, far): (Arc<UdpSocket>, Arc<UdpSocket>),
    target: SocketAddr,
    impairment: Impairment,
    seed: u64,
    bounds: Bounds,
    counts: Arc<Counts>,
    cut: Arc<AtomicBool>,
) {
    let mut rng = StdRng::seed_from_u64(seed);
    let deadline = tokio::time::Instant::now() + bounds.lifetime;
    let mut newcomer: Option<SocketAddr> = None;
    // Latest scheduled arrival in each direction (to the target, to the newcomer).
    let mut latest = [Instant::now(); 2];
    let (mut near_buf, mut far_buf) = (vec![0u8; 65_536], vec![0u8; 65_536]);
    for _ in 0..bounds.datagrams {
        // Which way this datagram goes: (socket to send from, destination, direction).
        let (payload, out, to, way) = tokio::select! {
            _ = tokio::time::sleep_until(deadline) => return,
            got = near.recv_from(&mut near_buf) => {
                let Ok((len, from)) = got else { continue };
                newcomer = Some(from);
                (near_buf[..len].to_vec(), far.clone(), target, 0)
            }
            got = far.recv_from(&mut far_buf) => {
                let Ok((len, _)) = got else { continue };
                let Some(to) = newcomer else { continue };
                (far_buf[..len].to_vec(), near.clone(), to, 1)
            }
        };
        counts.received.fetch_add(1, Ordering::Relaxed);
        if cut.load(Ordering::Relaxed) {
            counts.cut.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        if rng.random_bool(impairment.drop) {
            counts.dropped.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        let copies = if rng.random_bool(impairment.duplicate) {
            counts.duplicated.fetch_add(1, Ordering::Relaxed);
            2
        } else {
            1
        };
        for _ in 0..copies {
            let extra = impairment.jitter.mul_f64(rng.random::<f64>());
            let wait = impairment.delay + extra;
            let arrival = Instant::now() + wait;
            if arrival < latest[way] {
                counts.reordered.fetch_add(1, Ordering::Relaxed);
            }
            latest[way] = latest[way].max(arrival);
            let (out, payload) = (out.clone(), payload.clone());
            tokio::spawn(async move {
                tokio::time::sleep(wait).await;
                let _ = out.send_to(&payload, to).await;
            });
        }
    }
}
