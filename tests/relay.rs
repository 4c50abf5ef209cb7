//! Members who cannot reach each other directly meet through a relay: a community's own relay
//! (`--relay URL`), here iroh's test relay running in this process on loopback with a
//! self-signed certificate. The nodes are handed no direct address of each other and mDNS is
//! off, so the only way the newcomer can find the inviter is the relay named in the invite.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use iroh::RelayUrl;
use iroh::test_utils::run_relay_server;
use iroh_relay::server::{
    Metrics as RelayServerMetrics, RelayConfig as RelayServerConfig, Server, ServerConfig,
};

use copse::model::NoteEdit;
use copse::net::ticket::InviteTicket;
use copse::node::{NetConfig, Node, NodeConfig, Relays};

use crate::lan::run_ip;
use crate::sync::eventually;
use crate::util::{Folder, is_root};

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

/// Three network namespaces in a star: hosts A and B are each linked only to host R, which
/// holds the relay's address. A and B have no route to each other (R does not forward), so
/// everything between them passes through the relay. Removed on drop.
struct Star {
    r: String,
    a: String,
    b: String,
    /// The relay's address, on R's loopback, routed from A and from B.
    relay_ip: String,
    /// B's address: A must have no route to it.
    b_ip: String,
}

impl Star {
    fn new() -> Star {
        let tag = std::process::id() % 10_000;
        let net = format!("10.{}", 200 + tag % 50);
        let sub = tag / 50 % 80;
        let star = Star {
            r: format!("copse-r{tag}"),
            a: format!("copse-sa{tag}"),
            b: format!("copse-sb{tag}"),
            relay_ip: format!("{net}.{}.1", 3 * sub),
            b_ip: format!("{net}.{}.2", 3 * sub + 2),
        };
        let ip = |args: &[&str]| run_ip(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>());
        for ns in [&star.r, &star.a, &star.b] {
            ip(&["netns", "add", ns]);
            ip(&["-n", ns, "link", "set", "lo", "up"]);
        }
        ip(&[
            "-n",
            &star.r,
            "addr",
            "add",
            &format!("{}/32", star.relay_ip),
            "dev",
            "lo",
        ]);
        for (host, leg) in [(&star.a, 1), (&star.b, 2)] {
            let (on_r, on_host) = (format!("csr{leg}x{tag}"), format!("csh{leg}x{tag}"));
            let subnet = format!("{net}.{}", 3 * sub + leg);
            ip(&[
                "link", "add", &on_r, "type", "veth", "peer", "name", &on_host,
            ]);
            ip(&["link", "set", &on_r, "netns", &star.r]);
            ip(&["link", "set", &on_host, "netns", host]);
            let r_side = format!("{subnet}.1");
            ip(&[
                "-n",
                &star.r,
                "addr",
                "add",
                &format!("{r_side}/24"),
                "dev",
                &on_r,
            ]);
            ip(&["-n", &star.r, "link", "set", &on_r, "up"]);
            ip(&[
                "-n",
                host,
                "addr",
                "add",
                &format!("{subnet}.2/24"),
                "dev",
                &on_host,
            ]);
            ip(&["-n", host, "link", "set", &on_host, "up"]);
            ip(&[
                "-n",
                host,
                "route",
                "add",
                &format!("{}/32", star.relay_ip),
                "via",
                &r_side,
            ]);
        }
        star
    }

    /// `copse` in namespace `ns` on `folder`, through `relay`, mDNS off.
    fn copse(ns: &str, folder: &Folder, relay: &str, args: &[&str]) -> Command {
        let mut all = vec!["--relay", relay, "--mdns", "off", "--bind", "0.0.0.0:0"];
        all.extend_from_slice(args);
        let inner = folder.command(&all);
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", ns])
            .arg(inner.get_program())
            .args(inner.get_args())
            .env_remove("COPSE_DATA_DIR")
            .stdin(Stdio::null());
        for (key, value) in inner.get_envs() {
            if let Some(value) = value {
                cmd.env(key, value);
            }
        }
        cmd
    }

    /// Runs `copse` in `ns` and insists it succeeded; returns stdout.
    fn ok(ns: &str, folder: &Folder, relay: &str, args: &[&str]) -> String {
        let out = Star::copse(ns, folder, relay, args).output().unwrap();
        assert!(
            out.status.success(),
            "copse {args:?} in {ns} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for Star {
    fn drop(&mut self) {
        // Deleting a namespace deletes the veth ends in it, and so their peers.
        for ns in [&self.a, &self.b, &self.r] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

/// A relay (plain HTTP, as `iroh-relay --dev` runs one) inside namespace `ns`, on a thread of
/// this process that entered that namespace: its sockets live there. Stops when dropped.
struct RelayInNamespace {
    url: String,
    metrics: Arc<RelayServerMetrics>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RelayInNamespace {
    fn start(ns: &str, ip: &str) -> RelayInNamespace {
        let netns = std::fs::File::open(format!("/var/run/netns/{ns}")).unwrap();
        let bind: SocketAddr = format!("{ip}:0").parse().unwrap();
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            // SAFETY: setns on an open namespace file; it changes only this thread's network
            // namespace, which is what the sockets bound below are created in.
            let entered = unsafe { libc::setns(netns.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(entered, 0, "entering the relay's namespace");
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let mut config = ServerConfig::default();
                config.relay = Some(RelayServerConfig::new(bind));
                let server = Server::spawn(config).await.unwrap();
                let addr = server.http_addr().unwrap();
                started_tx
                    .send((addr, server.metrics().server.clone()))
                    .unwrap();
                let _ = stopped.await;
                let _ = server.shutdown().await;
            });
        });
        let (addr, metrics) = started_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the relay started in its namespace");
        RelayInNamespace {
            url: format!("http://{addr}"),
            metrics,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Datagrams the relay has passed from one client to another so far.
    fn relayed(&self) -> u64 {
        self.metrics.send_packets_recv.get()
    }
}

impl Drop for RelayInNamespace {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A `copse serve` that is stopped (TERM, then KILL) when dropped, a failing test included.
struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        for _ in 0..200 {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `copse serve` in namespace `ns`, once it says it is serving.
fn serve_in(ns: &str, folder: &Folder, relay: &str) -> Serving {
    let mut child = Star::copse(ns, folder, relay, &["serve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    loop {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) if line.starts_with("serving as device") => return Serving(child),
            Ok(_) => continue,
            Err(e) => {
                drop(Serving(child));
                panic!("copse serve did not start in {ns}: {e}");
            }
        }
    }
}

#[test]
fn members_on_hosts_with_no_route_between_them_join_and_edit_through_a_relay_host() {
    if !is_root() {
        eprintln!("this test needs root for network namespaces; not run");
        return;
    }
    let star = Star::new();
    // A really cannot reach B: no route.
    let route = Command::new("ip")
        .args(["-n", &star.a, "route", "get", &star.b_ip])
        .output()
        .unwrap();
    assert!(!route.status.success(), "A has a route to B");
    let relay = RelayInNamespace::start(&star.r, &star.relay_ip);
    let url = relay.url.as_str();

    let ada = Folder::with_community();
    let plan = ada.ok(&["note", "add", "--title", "Plan", "--body", "hello"]);
    let invite: serde_json::Value = serde_json::from_str(&Star::ok(
        &star.a,
        &ada,
        url,
        &["--json", "invite", "--uses", "1"],
    ))
    .unwrap();
    let line = invite["ticket"].as_str().unwrap().to_string();
    let ticket: InviteTicket = line.parse().unwrap();
    assert!(
        ticket
            .inviter
            .relay_urls()
            .any(|u| u.as_str().trim_end_matches('/') == url),
        "the invite does not name the relay {url}: {:?}",
        ticket.inviter
    );

    let server = serve_in(&star.a, &ada, url);
    let bob = Folder::new();
    let before = relay.relayed();
    let joined: serde_json::Value = serde_json::from_str(&Star::ok(
        &star.b,
        &bob,
        url,
        &["--json", "join", &line, "--me", "Bob"],
    ))
    .unwrap();
    assert_eq!(joined["notes"], 1, "{joined}");
    assert_eq!(joined["members"], 2, "{joined}");
    assert!(relay.relayed() > before, "the join did not pass the relay");

    // Bob edits and syncs; Ada's serve receives it through the relay.
    bob.ok(&["note", "edit", &plan, "--append", " from Bob"]);
    let synced: serde_json::Value = serde_json::from_str(&Star::ok(
        &star.b,
        &bob,
        url,
        &["--json", "sync", "--timeout", "40"],
    ))
    .unwrap();
    assert_eq!(synced["peers"].as_array().unwrap().len(), 1, "{synced}");
    assert_eq!(ada.json(&["note", "show", &plan])["body"], "hello from Bob");
    drop(server);

    // Ada edits while Bob is away; Bob serves, Ada syncs from A.
    ada.ok(&["note", "edit", &plan, "--append", " and Ada"]);
    let server = serve_in(&star.b, &bob, url);
    Star::ok(&star.a, &ada, url, &["sync", "--timeout", "40"]);
    assert_eq!(
        bob.json(&["note", "show", &plan])["body"],
        "hello from Bob and Ada"
    );
    drop(server);
}
