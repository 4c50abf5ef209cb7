//! Benchmark: attached files from one member's device to another's over loopback iroh, next to
//! a baseline measured in the same run: the same bytes over one bare iroh stream between two
//! endpoints bound the same way.
//!
//! Scenarios (issue 15, "Benchmark"), each in a fresh child process so that its peak memory
//! (`VmHWM`) is its own:
//! - one file of 10 MiB and one of 50 MiB: time from the attach on A (which hashes and stores
//!   the bytes) until B holds every byte (B fetches it in the background, as members' devices do), throughput, and the
//!   child's peak memory, which must not grow with the file's size;
//! - 200 files of 100 KB attached at once;
//! - the baseline for each: the same number of bytes over one QUIC stream.
//!
//! Run: `cargo bench --bench files`. `COPSE_BENCH_QUICK=1` runs 1 MiB, 4 MiB and 20 files,
//! to check the benchmark itself.

// A failing unwrap is how a benchmark reports that its setup broke.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use copse::model::DocRef;
use copse::node::{NetConfig, Node, NodeConfig};
use iroh::endpoint::presets;
use iroh::{Endpoint, RelayMode};

const CHILD: &str = "COPSE_FILES_BENCH_CHILD";
const RAW_ALPN: &[u8] = b"copse-bench/raw/0";
const MIB: usize = 1024 * 1024;
const PATIENCE: Duration = Duration::from_secs(600);

/// One scenario's result, printed by a child as one line.
struct Figure {
    secs: f64,
    bytes: usize,
    peak_kib: u64,
    /// Of `secs`, the time A took to attach the files (0 for the baseline).
    attach_secs: f64,
}

fn main() {
    if let Ok(scenario) = std::env::var(CHILD) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (secs, bytes, attach_secs) = runtime.block_on(run(&scenario));
        println!("{secs} {bytes} {} {attach_secs}", peak_kib());
        return;
    }
    let quick = std::env::var_os("COPSE_BENCH_QUICK").is_some();
    let (small, large, count) = if quick {
        (MIB, 4 * MIB, 20)
    } else {
        (10 * MIB, 50 * MIB, 200)
    };
    println!("files over loopback iroh; baseline: the same bytes over one iroh stream");
    println!(
        "{:<28} {:>9} {:>9} {:>11} {:>11} {:>9} {:>11}",
        "scenario", "copse s", "attach s", "copse MB/s", "raw MB/s", "ratio", "peak MiB"
    );
    for (label, copse, raw) in [
        (
            format!("one file, {} MiB", small / MIB),
            format!("one:{small}"),
            format!("raw:{small}"),
        ),
        (
            format!("one file, {} MiB", large / MIB),
            format!("one:{large}"),
            format!("raw:{large}"),
        ),
        (
            format!("{count} files of 100 KB"),
            format!("many:{count}"),
            format!("raw:{}", count * 100_000),
        ),
    ] {
        let ours = child(&copse);
        let base = child(&raw);
        let rate = |f: &Figure| f.bytes as f64 / 1e6 / f.secs;
        println!(
            "{label:<28} {:>9.2} {:>9.2} {:>11.1} {:>11.1} {:>8.2}x {:>5} / {:<5}",
            ours.secs,
            ours.attach_secs,
            rate(&ours),
            rate(&base),
            rate(&ours) / rate(&base),
            ours.peak_kib / 1024,
            base.peak_kib / 1024,
        );
    }
    println!("peak MiB: the copse child / the baseline child (whole process: both ends)");
}

/// Runs `scenario` in a fresh copy of this program.
fn child(scenario: &str) -> Figure {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .env(CHILD, scenario)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{scenario} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = String::from_utf8(out.stdout).unwrap();
    let mut parts = line.split_whitespace();
    let mut next = || parts.next().unwrap().to_string();
    Figure {
        secs: next().parse().unwrap(),
        bytes: next().parse().unwrap(),
        peak_kib: next().parse().unwrap(),
        attach_secs: next().parse().unwrap(),
    }
}

/// This process's peak resident memory, in KiB.
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Bytes that compress poorly and differ per position: the `len` bytes from `start` on, of the
/// stream numbered `seed`. Made a chunk at a time, so no side holds a whole file in memory
/// and peak memory is the transfer's.
fn sample(start: usize, len: usize, seed: usize) -> Vec<u8> {
    (start..start + len)
        .map(|i| ((i + seed) * 7919 % 251) as u8)
        .collect()
}

const CHUNK: usize = 64 * 1024;

/// Writes a file of `len` sample bytes, a chunk at a time.
fn write_sample(path: &Path, len: usize, seed: usize) {
    use std::io::Write;
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for start in (0..len).step_by(CHUNK) {
        file.write_all(&sample(start, CHUNK.min(len - start), seed))
            .unwrap();
    }
    file.flush().unwrap();
}

/// Seconds the scenario took, the bytes it moved, and the seconds of it spent attaching.
async fn run(scenario: &str) -> (f64, usize, f64) {
    let (kind, n) = scenario.split_once(':').unwrap();
    let n: usize = n.parse().unwrap();
    match kind {
        "raw" => raw(n).await,
        "one" => copse_files(&[n]).await,
        "many" => copse_files(&vec![100_000; n]).await,
        other => panic!("no scenario {other}"),
    }
}

/// The baseline: `len` bytes over one QUIC stream between two bare endpoints on loopback.
async fn raw(len: usize) -> (f64, usize, f64) {
    let bind = |alpns: Vec<Vec<u8>>| async move {
        Endpoint::builder(presets::Minimal)
            .relay_mode(RelayMode::Disabled)
            .clear_ip_transports()
            .bind_addr("127.0.0.1:0")
            .unwrap()
            .alpns(alpns)
            .bind()
            .await
            .unwrap()
    };
    let receiver = bind(vec![RAW_ALPN.to_vec()]).await;
    let sender = bind(Vec::new()).await;
    let accepting = receiver.clone();
    let received = tokio::spawn(async move {
        let conn = accepting.accept().await.unwrap().await.unwrap();
        let (_, mut recv) = conn.accept_bi().await.unwrap();
        let mut total = 0;
        let mut buf = vec![0u8; CHUNK];
        while let Some(n) = recv.read(&mut buf).await.unwrap() {
            total += n;
        }
        total
    });
    // One chunk made before the clock starts and sent again and again: the sender's cost is
    // the stream's alone.
    let chunk = sample(0, CHUNK, 0);
    let started = Instant::now();
    let conn = sender.connect(receiver.addr(), RAW_ALPN).await.unwrap();
    let (mut send, _recv) = conn.open_bi().await.unwrap();
    for start in (0..len).step_by(CHUNK) {
        send.write_all(&chunk[..CHUNK.min(len - start)])
            .await
            .unwrap();
    }
    send.finish().unwrap();
    let total = received.await.unwrap();
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(total, len);
    sender.close().await;
    receiver.close().await;
    (secs, len, 0.0)
}

/// Files of these sizes attached on A's note at once; the time until B holds them all.
async fn copse_files(sizes: &[usize]) -> (f64, usize, f64) {
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let open = |dir: &Path| Node::open(NodeConfig::online(dir, NetConfig::loopback()));
    let a = open(dirs[0].path()).await.unwrap();
    let b = open(dirs[1].path()).await.unwrap();
    let id = a.create_community("Bench", "", "Ada").await.unwrap();
    let ticket = a.create_invite(&id, None, Some(1)).await.unwrap();
    b.join(&ticket, "Bo", Duration::from_secs(60))
        .await
        .unwrap();
    let note = a.add_note(&id, "Slides", "").await.unwrap();
    let on = DocRef::Note(note);
    let mut paths = Vec::new();
    for (i, len) in sizes.iter().enumerate() {
        let path = dirs[0].path().join(format!("file-{i}.bin"));
        write_sample(&path, *len, i);
        paths.push(path);
    }
    // From the attach on (A hashes and stores the bytes first), as a member sees it: B may
    // start fetching one file while A attaches the next.
    let started = Instant::now();
    // All at once, as `copse attach NOTE FILE…` or a drop of many files does.
    let files = a.attach_files(&id, &on, &paths).await.unwrap();
    let attach_secs = started.elapsed().as_secs_f64();
    let deadline = started + PATIENCE;
    for file in &files {
        while !b.file(&id, file).await.is_ok_and(|f| f.here == Some(true)) {
            assert!(Instant::now() < deadline, "B never received the files");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
    (secs, sizes.iter().sum(), attach_secs)
}
