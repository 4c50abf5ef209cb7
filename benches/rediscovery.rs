//! Benchmark (a harness a developer runs as root): how fast members on one LAN find each other
//! again by mDNS when one of them changes address (issue 17, "Rediscovery").
//!
//! Two network namespaces joined by a veth pair, multicast on; Ada and Bob (members of one
//! community, with no addresses remembered) each run `copse serve` with mDNS on, and their
//! output says when a member device connects and leaves. Two scenarios, each repeated:
//! 1. *moved while running*: Ada's address changes under her running copse (a new Wi-Fi);
//!    the time until both print the other connected again (after a leave, if there was one);
//! 2. *woke up elsewhere*: Ada's copse stops, her address changes, it starts again; the time
//!    from "serving" until both print the other connected;
//! 3. the same with Ada's remembered addresses forgotten, so that she too needs mDNS.
//!
//! Run: `sudo cargo bench --bench rediscovery` (or `--profile dev`). `COPSE_BENCH_RUNS` (5);
//! `COPSE_BENCH_LOGS=DIR` keeps each serve's log (`COPSE_LOG` as for copse) in DIR.

// A failing unwrap is how a benchmark reports that its setup broke.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

const COPSE: &str = env!("CARGO_BIN_EXE_copse");
/// Longest wait for any one thing.
const PATIENCE: Duration = Duration::from_secs(60);

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn copse(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(COPSE)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("COPSE_DATA_DIR")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "copse {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Two namespaces on one veth pair; removed on drop.
struct Lan {
    a: String,
    b: String,
    dev_a: String,
    subnet: String,
}

impl Lan {
    fn new() -> Lan {
        let tag = std::process::id() % 10_000;
        let lan = Lan {
            a: format!("copse-ra{tag}"),
            b: format!("copse-rb{tag}"),
            dev_a: format!("crva{tag}"),
            subnet: format!("10.{}.{}", 150 + tag % 50, tag / 50 % 250),
        };
        let dev_b = format!("crvb{tag}");
        ip(&["netns", "add", &lan.a]);
        ip(&["netns", "add", &lan.b]);
        ip(&[
            "link", "add", &lan.dev_a, "type", "veth", "peer", "name", &dev_b,
        ]);
        ip(&["link", "set", &lan.dev_a, "netns", &lan.a]);
        ip(&["link", "set", &dev_b, "netns", &lan.b]);
        for (ns, dev, host) in [(&lan.a, &lan.dev_a, 1), (&lan.b, &dev_b, 2)] {
            let addr = format!("{}.{host}/24", lan.subnet);
            ip(&["-n", ns, "addr", "add", &addr, "dev", dev]);
            ip(&["-n", ns, "link", "set", dev, "up", "multicast", "on"]);
            ip(&["-n", ns, "link", "set", "lo", "up"]);
            ip(&["-n", ns, "route", "add", "224.0.0.0/4", "dev", dev]);
        }
        lan
    }

    /// Moves Ada from host number `from` to `to` on the subnet.
    fn move_a(&self, from: u8, to: u8) {
        let (old, new) = (
            format!("{}.{from}/24", self.subnet),
            format!("{}.{to}/24", self.subnet),
        );
        // Old first: deleting a primary address deletes the secondaries on its subnet too.
        ip(&["-n", &self.a, "addr", "del", &old, "dev", &self.dev_a]);
        ip(&["-n", &self.a, "addr", "add", &new, "dev", &self.dev_a]);
        // Deleting the address took the multicast route with it.
        let _ = Command::new("ip")
            .args([
                "-n",
                &self.a,
                "route",
                "add",
                "224.0.0.0/4",
                "dev",
                &self.dev_a,
            ])
            .output();
    }
}

impl Drop for Lan {
    fn drop(&mut self) {
        for ns in [&self.a, &self.b] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

/// A `copse serve` in a namespace, its output lines with when each arrived.
struct Serve {
    child: Child,
    lines: Receiver<(Instant, String)>,
}

impl Serve {
    fn start(ns: &str, dir: &Path) -> Serve {
        let mut child = Command::new("ip")
            .args(["netns", "exec", ns, COPSE, "--data-dir"])
            .arg(dir)
            .args([
                "--relay",
                "off",
                "--mdns",
                "on",
                "--bind",
                "0.0.0.0:0",
                "serve",
            ])
            .env_remove("COPSE_DATA_DIR")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log(ns))
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send((Instant::now(), line));
            }
        });
        Serve { child, lines }
    }

    /// Waits for a line starting with `prefix`; when it came.
    fn until(&self, prefix: &str, patience: Duration) -> Option<Instant> {
        let deadline = Instant::now() + patience;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            match self.lines.recv_timeout(left) {
                Ok((at, line)) if line.starts_with(prefix) => return Some(at),
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
    }

    /// Every line that arrives within `patience`.
    fn drain(&self, patience: Duration) -> Vec<(Instant, String)> {
        let deadline = Instant::now() + patience;
        let mut all = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => all.push(line),
                Err(_) => break,
            }
        }
        all
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        for _ in 0..200 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where a serve's log goes: a file in `COPSE_BENCH_LOGS` if set (with `COPSE_LOG` choosing
/// what is logged), else nowhere.
fn log(ns: &str) -> Stdio {
    let Ok(dir) = std::env::var("COPSE_BENCH_LOGS") else {
        return Stdio::null();
    };
    static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("{n:02}-{ns}.log");
    match std::fs::File::create(Path::new(&dir).join(name)) {
        Ok(file) => Stdio::from(file),
        Err(_) => Stdio::null(),
    }
}

fn forget_addresses(dir: &Path) {
    // The folder's own SQLite file; the sqlite3 tool may be missing, so copse's own `doctor`
    // cannot be used for this: a tiny SQL run through Python's sqlite3 module instead.
    let db = dir.join("copse.db");
    let status = Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); \
             c.execute(\"DELETE FROM local WHERE key LIKE 'addr/%'\"); c.commit()",
        ])
        .arg(&db)
        .status()
        .unwrap();
    assert!(status.success(), "could not clear remembered addresses");
}

fn ms(d: Option<Duration>) -> String {
    d.map_or("never".into(), |d| {
        format!("{:.0} ms", d.as_secs_f64() * 1000.0)
    })
}

fn main() {
    let runs = std::env::var("COPSE_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let (ada, bob) = (dirs[0].path(), dirs[1].path());
    // Ada and Bob become members over loopback.
    let loopback = ["--relay", "off", "--mdns", "off", "--bind", "127.0.0.1:0"];
    copse(
        ada,
        &[
            "init",
            "--name",
            "Gardeners",
            "--purpose",
            "grow",
            "--me",
            "Ada",
        ],
    );
    let mut args = vec!["--json", "invite"];
    args.extend_from_slice(&loopback);
    let invite: serde_json::Value = serde_json::from_str(&copse(ada, &args)).unwrap();
    let ticket = invite["ticket"].as_str().unwrap().to_string();
    let mut server = Command::new(COPSE)
        .arg("--data-dir")
        .arg(ada)
        .arg("serve")
        .args(loopback)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut join = vec!["join", ticket.as_str(), "--me", "Bob"];
    join.extend_from_slice(&loopback);
    let started = Instant::now();
    loop {
        let out = Command::new(COPSE)
            .arg("--data-dir")
            .arg(bob)
            .args(&join)
            .output()
            .unwrap();
        if out.status.success() {
            break;
        }
        assert!(started.elapsed() < PATIENCE, "Bob could not join");
        std::thread::sleep(Duration::from_millis(200));
    }
    let _ = server.kill();
    let _ = server.wait();
    forget_addresses(ada);
    forget_addresses(bob);

    let lan = Lan::new();
    println!("rediscovery on a two-namespace LAN, {runs} runs each");

    // 1. Moved while running.
    let a = Serve::start(&lan.a, ada);
    let b = Serve::start(&lan.b, bob);
    assert!(
        a.until("member device connected", PATIENCE).is_some(),
        "first meeting (Ada)"
    );
    assert!(
        b.until("member device connected", PATIENCE).is_some(),
        "first meeting (Bob)"
    );
    let mut host = 1u8;
    for run in 0..runs {
        std::thread::sleep(Duration::from_secs(2));
        let next = if host == 1 { 11 } else { 1 };
        let moved = Instant::now();
        lan.move_a(host, next);
        host = next;
        // Whatever each prints in the next while: a leave, then a connect (or nothing, if the
        // connection moved along with the address).
        // (Each line was timed as it arrived; Bob's wait in the channel meanwhile.)
        let la = a.drain(Duration::from_secs(20));
        let lb = b.drain(Duration::from_millis(100));
        let describe = |lines: &[(Instant, String)]| {
            lines
                .iter()
                .map(|(at, l)| {
                    let what = l.split(':').next().unwrap_or(l);
                    format!("{what} at {}", ms(Some(at.duration_since(moved))))
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!(
            "moved while running, run {run}: Ada: [{}]; Bob: [{}]",
            describe(&la),
            describe(&lb)
        );
    }
    drop(a);
    drop(b);

    // 2. Woke up elsewhere (3: remembering no addresses, so both need mDNS).
    let b = Serve::start(&lan.b, bob);
    for run in 0..2 * runs {
        let forgetful = run >= runs;
        let next = if host == 1 { 11 } else { 1 };
        lan.move_a(host, next);
        host = next;
        if forgetful {
            forget_addresses(ada);
        }
        let scenario = if forgetful {
            "woke up elsewhere remembering no address"
        } else {
            "woke up elsewhere"
        };
        let a = Serve::start(&lan.a, ada);
        let serving = a.until("serving as device", PATIENCE).unwrap();
        let seen_by_a = a.until("member device connected", PATIENCE);
        let seen_by_b = b.until("member device connected", PATIENCE);
        println!(
            "{scenario}, run {run}: Ada connected {} after serving, Bob saw her {}",
            ms(seen_by_a.map(|t| t.duration_since(serving))),
            ms(seen_by_b.map(|t| t.duration_since(serving)))
        );
        drop(a);
        // Bob notices her gone before the next run.
        let _ = b.until("member device left", PATIENCE);
    }
}
