//! Benchmark: sync between two copse nodes over loopback iroh (relays and mDNS off), each figure
//! next to a baseline measured in the same run: two bare samod repos joined by an in-process
//! channel transport, holding the same documents.
//!
//! Scenarios (issue 3, "Benchmarks"):
//! 1. edit propagation: single edits on A, time until each is visible on B (p50, p99);
//! 2. join of the *large community* (as in `open_large`): wall time and bytes;
//! 3. reconnect when nothing changed: both members restart from their folders and meet again;
//! 4. a remote keystroke in a long note (10k and 100k single-character edits of history).
//!
//! Bytes are counted the way copse's transport counts them: each samod message plus its 4-byte
//! length prefix, once per direction (sent by one side = received by the other).
//!
//! Edits are timed two ways: from the edit's return on A (`edit_note` returns only after it has
//! also updated the community's index, by which time B often has the note's change already) and
//! from its call (keystroke to visible on B, the figure a person feels). "Visible on B" is B's
//! `watch_note` showing the new text; for the baseline, B's document holding the change after
//! its `changes()` stream fired.
//!
//! Scenarios 2 and 3 run each session of the two nodes in a fresh child process, so that a
//! restart is a real one (the nodes' UDP ports are free again, as after a process exit).
//!
//! Run: `cargo bench --bench sync`. `COPSE_BENCH_QUICK=1` runs every scenario at a tenth of its
//! size, to check the benchmark itself; `COPSE_BENCH_ONLY=1,4` runs only some scenarios
//! (2 and 3 run together); `RUST_LOG` turns on logs (stderr).

// A failing unwrap is how a benchmark reports that its setup broke.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::convert::Infallible;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
#[path = "common/large.rs"]
mod large;

use std::time::{Duration, Instant};

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{Automerge, ChangeHash, ReadDoc};
use futures::channel::mpsc::{SendError, UnboundedSender, unbounded};
use futures::future::{BoxFuture, Either, join_all};
use futures::{SinkExt, Stream, StreamExt};
use samod::storage::InMemoryStorage;
use samod::{
    AcceptorHandle, BackoffConfig, ConnectionState, DialError, Dialer, DialerHandle, DocHandle,
    DocumentId, PeerId, Repo, Transport,
};

use copse::model::{
    Community, CommunityId, DocEntry, Member, MemberId, Note, NoteEdit, NoteId, Timestamp, change,
};
use copse::node::{NetConfig, Node, NodeConfig};

/// Longest wait for any one thing (a join, an edit to arrive, a sync to settle).
const PATIENCE: Duration = Duration::from_secs(60);
/// Edits made before the measured ones, and discarded.
const WARMUP: usize = 3;

/// How big each scenario is.
struct Sizes {
    /// Scenario 1: measured edits.
    edits: usize,
    /// Scenario 2: the large community.
    notes: usize,
    edits_per_note: usize,
    topics: usize,
    cases: usize,
    members: usize,
    /// Scenario 4: history lengths of the long notes, and keystrokes measured on each.
    long: [usize; 2],
    keystrokes: usize,
}

impl Sizes {
    fn from_env() -> Sizes {
        let quick = std::env::var("COPSE_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
        let div = if quick { 10 } else { 1 };
        Sizes {
            edits: 200 / div,
            notes: 1_000 / div,
            edits_per_note: 100,
            topics: 500 / div,
            cases: 200 / div,
            members: 20,
            long: [10_000 / div, 100_000 / div],
            keystrokes: 20,
        }
    }

    fn documents(&self) -> usize {
        self.notes + self.cases + 1
    }
}

fn main() -> anyhow::Result<()> {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .try_init();
    }
    let args: Vec<String> = std::env::args().collect();
    if let Some(pos) = args.iter().position(|a| a == "--child") {
        let arg = |i: usize| args.get(pos + i).map(String::as_str).unwrap_or_default();
        return child(arg(1), Path::new(arg(2)), Path::new(arg(3)));
    }
    let sizes = Sizes::from_env();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()?;
    let started = Instant::now();
    println!(
        "copse sync benchmark: automerge 0.12.0, samod 0.16.0, iroh 1.4.1; loopback, relays off; \
         one process, tokio multi-thread (4 workers) on {} CPUs",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let report = runtime.block_on(async {
        let only = std::env::var("COPSE_BENCH_ONLY").unwrap_or_default();
        let run = |scenario: &str| only.is_empty() || only.split(',').any(|s| s == scenario);
        let propagation = if run("1") {
            Some(propagation(&sizes).await?)
        } else {
            None
        };
        let large = if run("2") || run("3") {
            Some(large_community(&sizes).await?)
        } else {
            None
        };
        let long = if run("4") {
            long_notes(&sizes).await?
        } else {
            Vec::new()
        };
        Ok::<_, anyhow::Error>(Report {
            propagation,
            large,
            long,
        })
    })?;
    report.print(&sizes);
    eprintln!("whole benchmark: {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

// ---- scenario 1: edit propagation --------------------------------------------------------------

struct Propagation {
    copse: Samples,
    baseline: Samples,
}

async fn propagation(sizes: &Sizes) -> anyhow::Result<Propagation> {
    // copse: A and B in one small community.
    let (dir_a, dir_b) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let a = online(dir_a.path()).await?;
    let b = online(dir_b.path()).await?;
    let id = a.create_community("Bench", "measure", "Ada").await?;
    let ticket = a.create_invite(&id, None, Some(1)).await?;
    b.join(&ticket, "Bob", PATIENCE).await?;
    let note = a.add_note(&id, "Plan", "start").await?;
    let copse = copse_edits(&a, &b, &id, &note, "start".len(), sizes.edits, |i| {
        format!(" e{i:03}")
    })
    .await?;
    a.shutdown().await?;
    b.shutdown().await?;
    println!(
        "1 edit propagation, copse over iroh: {} edits, ms from edit's return p50 {:.2} p99 {:.2}; \
         from call p50 {:.2} p99 {:.2}; edit_note itself p50 {:.2}",
        copse.len(),
        copse.after_return(0.5),
        copse.after_return(0.99),
        copse.after_call(0.5),
        copse.after_call(0.99),
        copse.local(0.5),
    );

    // Baseline: two bare repos, the same note document, the same edits.
    let (left, right, _dialer, counter) =
        bare_pair(InMemoryStorage::new(), InMemoryStorage::new()).await?;
    let doc = change::create(
        &Note::new("Plan", "start", &bench_author(), now())?,
        "add note",
        now(),
    )?;
    let h_left = left.create(doc).await?;
    let h_right = find(&right, h_left.document_id()).await?;
    let baseline = bare_edits(&h_left, &h_right, sizes.edits, |i| format!(" e{i:03}")).await?;
    println!(
        "1 edit propagation, baseline channel: ms from change's return p50 {:.2} p99 {:.2}; \
         from call p50 {:.2} p99 {:.2}; {} messages, {} bytes",
        baseline.after_return(0.5),
        baseline.after_return(0.99),
        baseline.after_call(0.5),
        baseline.after_call(0.99),
        counter.messages(),
        counter.bytes(),
    );
    left.stop().await;
    right.stop().await;
    Ok(Propagation { copse, baseline })
}

// ---- scenarios 2 and 3: join of the large community, then reconnect ----------------------------

struct Large {
    build_s: f64,
    join: Measure,
    reconnect: Reconnect,
    baseline_join: Measure,
    baseline_kept: Measure,
    baseline_restart: Measure,
}

struct Reconnect {
    /// Both `Node::open` calls, run concurrently.
    open_ms: f64,
    /// From the start of the reopening until both `sync_now` returned.
    total: Measure,
    /// Bytes once the connection had been quiet for a while after that.
    bytes_after_quiet: u64,
    connected: (usize, usize),
}

async fn large_community(sizes: &Sizes) -> anyhow::Result<Large> {
    let (dir_a, dir_b) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let started = Instant::now();
    let raw = tempfile::tempdir()?;
    let size = large::Size {
        notes: sizes.notes,
        edits_per_note: sizes.edits_per_note,
        topics: sizes.topics,
        cases: sizes.cases,
        members: sizes.members,
    };
    large::build(dir_a.path(), raw.path(), &size).await?;
    // The baseline starts from the same documents, as saved when they were stored.
    let mut docs = Vec::new();
    for file in std::fs::read_dir(raw.path())? {
        docs.push(Automerge::load(&std::fs::read(file?.path())?)?);
    }
    let build_s = started.elapsed().as_secs_f64();
    eprintln!(
        "built the large community ({} documents) in {build_s:.1} s",
        docs.len()
    );

    // Each session of the two nodes runs in a process of its own, so that a restart is a real
    // one: the nodes' UDP ports are free again and the remembered addresses still hold.
    let j = child_process("join", dir_a.path(), dir_b.path())?;
    let join = Measure {
        ms: j.f64("ms")?,
        bytes: j.u64("sent")? + j.u64("received")?,
    };
    anyhow::ensure!(
        j.u64("notes")? as usize == sizes.notes
            && j.u64("cases")? as usize == sizes.cases
            && j.u64("missing")? == 0,
        "incomplete join: {}",
        j.0
    );
    println!(
        "2 join, copse over iroh: {:.0} ms, {} bytes (B sent {}, received {}); {} notes, {} cases; \
         UDP ports free again within 2 s of Node::shutdown (same process): {}; CPU {:.0} ms",
        join.ms,
        join.bytes,
        j.u64("sent")?,
        j.u64("received")?,
        j.u64("notes")?,
        j.u64("cases")?,
        j.0["ports_released"],
        j.f64("cpu_ms")?,
    );

    let r = child_process("reconnect", dir_a.path(), dir_b.path())?;
    let total = Measure {
        ms: r.f64("total_ms")?,
        bytes: r.u64("sent_a")? + r.u64("sent_b")?,
    };
    println!(
        "3 reconnect, copse over iroh: open both {:.0} ms, both in sync {:.0} ms after reopening \
         began; {} bytes ({:.0} per document; A sent {}, B sent {}), {} bytes once quiet 2 s \
         later; sync_now saw {} / {} documents; CPU {:.0} ms",
        r.f64("open_ms")?,
        total.ms,
        total.bytes,
        total.bytes as f64 / sizes.documents() as f64,
        r.u64("sent_a")?,
        r.u64("sent_b")?,
        r.u64("bytes_quiet")?,
        r.u64("docs_a")?,
        r.u64("docs_b")?,
        r.f64("cpu_ms")?,
    );

    let (baseline_join, baseline_kept, baseline_restart) = large_baseline(&docs).await?;
    Ok(Large {
        build_s,
        join,
        reconnect: Reconnect {
            open_ms: r.f64("open_ms")?,
            total,
            bytes_after_quiet: r.u64("bytes_quiet")?,
            connected: (
                r.u64("connected_a")? as usize,
                r.u64("connected_b")? as usize,
            ),
        },
        baseline_join,
        baseline_kept,
        baseline_restart,
    })
}

/// What a child process reported (one JSON object).
struct ChildReport(serde_json::Value);

impl ChildReport {
    fn f64(&self, key: &str) -> anyhow::Result<f64> {
        self.0[key]
            .as_f64()
            .ok_or_else(|| anyhow::anyhow!("child report without {key}: {}", self.0))
    }
    fn u64(&self, key: &str) -> anyhow::Result<u64> {
        self.0[key]
            .as_u64()
            .ok_or_else(|| anyhow::anyhow!("child report without {key}: {}", self.0))
    }
}

/// Runs one session of scenarios 2 or 3 in a fresh process of this benchmark.
fn child_process(mode: &str, dir_a: &Path, dir_b: &Path) -> anyhow::Result<ChildReport> {
    let out = std::process::Command::new(std::env::current_exe()?)
        .args(["--child", mode])
        .arg(dir_a)
        .arg(dir_b)
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "child {mode} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(ChildReport(serde_json::from_slice(&out.stdout)?))
}

/// A child process: one session of the two nodes, reported as JSON on stdout.
fn child(mode: &str, dir_a: &Path, dir_b: &Path) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()?;
    let report = runtime.block_on(async {
        match mode {
            "join" => join_session(dir_a, dir_b).await,
            "reconnect" => reconnect_session(dir_a, dir_b).await,
            other => anyhow::bail!("unknown child mode {other}"),
        }
    })?;
    println!("{report}");
    Ok(())
}

/// Scenario 2: A (holding the large community) invites B; B joins.
async fn join_session(dir_a: &Path, dir_b: &Path) -> anyhow::Result<serde_json::Value> {
    let a = online(dir_a).await?;
    let id = a.resolve_community(None)?;
    let ticket = a.create_invite(&id, None, None).await?;
    let b = online(dir_b).await?;
    let cpu_before = cpu_ms();
    let t = Instant::now();
    let summary = b.join(&ticket, "Bob", PATIENCE).await?;
    let elapsed = t.elapsed();
    let cpu = cpu_ms() - cpu_before;
    let (sent, received) = b.traffic();
    // Spot checks: B's copies read as A's.
    let notes: Vec<NoteId> = a.community(&id).await?.notes.keys().cloned().collect();
    for note in notes.iter().step_by((notes.len() / 10).max(1)) {
        let (ours, theirs) = (a.note(&id, note).await?, b.note(&id, note).await?);
        anyhow::ensure!(
            ours.body.as_str() == theirs.body.as_str(),
            "note {note} differs"
        );
    }
    let ports: Vec<std::net::SocketAddr> = [&a, &b]
        .iter()
        .filter_map(|n| n.address())
        .flat_map(|addr| addr.ip_addrs().copied().collect::<Vec<_>>())
        .collect();
    a.shutdown().await?;
    b.shutdown().await?;
    let released = ports_released(&ports, Duration::from_secs(2)).await;
    Ok(serde_json::json!({
        "ms": ms(elapsed),
        "sent": sent,
        "received": received,
        "notes": summary.notes,
        "cases": summary.cases,
        "missing": summary.missing,
        "ports_released": released.is_some(),
        "cpu_ms": cpu,
    }))
}

/// Scenario 3: both members open their folders again and sync until both are in step.
async fn reconnect_session(dir_a: &Path, dir_b: &Path) -> anyhow::Result<serde_json::Value> {
    let cpu_before = cpu_ms();
    let t = Instant::now();
    let (a, b) = tokio::try_join!(online(dir_a), online(dir_b))?;
    let open_ms = ms(t.elapsed());
    let (report_a, report_b) = tokio::try_join!(a.sync_now(PATIENCE), b.sync_now(PATIENCE))?;
    let elapsed = t.elapsed();
    let cpu = cpu_ms() - cpu_before;
    anyhow::ensure!(
        elapsed < PATIENCE,
        "sync_now ran into its timeout: this was not a sync"
    );
    let (sent_a, sent_b) = (a.traffic().0, b.traffic().0);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let bytes_quiet = a.traffic().0 + b.traffic().0;
    let report = serde_json::json!({
        "open_ms": open_ms,
        "total_ms": ms(elapsed),
        "sent_a": sent_a,
        "sent_b": sent_b,
        "bytes_quiet": bytes_quiet,
        "docs_a": report_a.documents,
        "docs_b": report_b.documents,
        "connected_a": a.connected_devices().len(),
        "connected_b": b.connected_devices().len(),
        "cpu_ms": cpu,
    });
    a.shutdown().await?;
    b.shutdown().await?;
    Ok(report)
}

/// The same documents between two bare repos: first sync (the join), reconnect with every
/// document still open, and restart of both repos from their (in-memory) storage.
async fn large_baseline(docs: &[Automerge]) -> anyhow::Result<(Measure, Measure, Measure)> {
    let (store_left, store_right) = (InMemoryStorage::new(), InMemoryStorage::new());
    let left = bare_repo("left", store_left.clone()).await;
    let mut ids = Vec::new();
    for doc in docs {
        ids.push(left.create(doc.clone()).await?.document_id().clone());
    }
    let right = bare_repo("right", store_right.clone()).await;

    // Join: connect, then find every document on the right.
    let counter = Counter::default();
    let t = Instant::now();
    let dialer = dial(&right, &left, &counter).await?;
    let deadline = Instant::now() + PATIENCE;
    let handles = find_all(&right, &ids, deadline).await?;
    let join = Measure::new(t.elapsed(), counter.bytes());
    println!(
        "2 join, baseline channel: {:.0} ms, {} bytes in {} messages",
        join.ms,
        join.bytes,
        counter.messages()
    );

    // Reconnect with every document kept open on both sides.
    dialer.close();
    wait_disconnected(&[&left, &right]).await?;
    let counter = Counter::default();
    let t = Instant::now();
    let dialer = dial(&right, &left, &counter).await?;
    let deadline = Instant::now() + PATIENCE;
    tokio::try_join!(
        settle_bare(&left, &ids, deadline),
        settle_bare(&right, &ids, deadline)
    )?;
    let kept = Measure::new(t.elapsed(), counter.bytes());
    println!(
        "3 reconnect, baseline channel, documents kept open: {:.0} ms, {} bytes ({:.0} per \
         document) in {} messages",
        kept.ms,
        kept.bytes,
        kept.bytes as f64 / ids.len() as f64,
        counter.messages()
    );

    // Restart: both repos stop and start again from their storage.
    dialer.close();
    drop(handles);
    left.stop().await;
    right.stop().await;
    let counter = Counter::default();
    let t = Instant::now();
    let left = bare_repo("left", store_left).await;
    let right = bare_repo("right", store_right).await;
    let _dialer = dial(&right, &left, &counter).await?;
    let deadline = Instant::now() + PATIENCE;
    tokio::try_join!(
        settle_bare(&left, &ids, deadline),
        settle_bare(&right, &ids, deadline)
    )?;
    let restart = Measure::new(t.elapsed(), counter.bytes());
    println!(
        "3 reconnect, baseline channel, both restarted from in-memory storage: {:.0} ms, {} bytes \
         ({:.0} per document) in {} messages",
        restart.ms,
        restart.bytes,
        restart.bytes as f64 / ids.len() as f64,
        counter.messages()
    );

    // Diagnostic: the join again, to a fresh repo, with two `connected_peers` subscribers on
    // each side, as a copse node has (sync status for the UI, and "last seen"). samod sends every
    // subscriber a snapshot of every connection's state for every document on each
    // connection event, so this shows what subscribing costs before copse does anything with it.
    let right_watched = bare_repo("right-watched", InMemoryStorage::new()).await;
    let mut watchers = Vec::new();
    for repo in [&left, &right_watched, &left, &right_watched] {
        watchers.push(watch_connections(repo));
    }
    let counter = Counter::default();
    let t = Instant::now();
    let _dialer_watched = dial(&right_watched, &left, &counter).await?;
    find_all(&right_watched, &ids, Instant::now() + PATIENCE).await?;
    let watched = Measure::new(t.elapsed(), counter.bytes());
    let updates: u64 = watchers.iter().map(|w| w.1.load(Ordering::Relaxed)).sum();
    println!(
        "2 join, baseline channel with 2 connected_peers subscribers per repo (diagnostic): \
         {:.0} ms, {} bytes; {updates} connection snapshots delivered",
        watched.ms, watched.bytes
    );
    for (task, _) in watchers {
        task.abort();
    }
    left.stop().await;
    right.stop().await;
    right_watched.stop().await;
    Ok((join, kept, restart))
}

/// Subscribes to a repo's connection snapshots and counts them, until aborted.
fn watch_connections(repo: &Repo) -> (tokio::task::JoinHandle<()>, Arc<AtomicU64>) {
    let (_, mut updates) = repo.connected_peers();
    let count = Arc::new(AtomicU64::new(0));
    let counted = count.clone();
    let task = tokio::spawn(async move {
        while let Some(snapshot) = updates.next().await {
            counted.fetch_add(1, Ordering::Relaxed);
            drop(snapshot);
        }
    });
    (task, count)
}

// ---- scenario 4: a remote keystroke in a long note ---------------------------------------------

struct Long {
    history: usize,
    copse: Samples,
    baseline: Samples,
}

async fn long_notes(sizes: &Sizes) -> anyhow::Result<Vec<Long>> {
    let started = Instant::now();
    let docs: Vec<(usize, Automerge)> = sizes
        .long
        .iter()
        .map(|&n| long_note(n).map(|doc| (n, doc)))
        .collect::<anyhow::Result<_>>()?;
    eprintln!(
        "built the long notes ({:?} keystrokes) in {:.1} s",
        sizes.long,
        started.elapsed().as_secs_f64()
    );

    // copse: A holds a community with the long notes; B joins it.
    let (dir_a, dir_b) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let offline = Node::open(NodeConfig::offline(dir_a.path())).await?;
    let mut notes = Vec::new();
    for (_, doc) in &docs {
        notes.push(NoteId::from(offline.import_document(doc.clone()).await?));
    }
    let at = now();
    let founder = MemberId::from("ada".to_string());
    let mut community = Community::new(
        "Long notes",
        "measure",
        &founder,
        Member::new("Ada", offline.device_id(), at)?,
        at,
    )?;
    for ((n, _), id) in docs.iter().zip(&notes) {
        community.index(
            id.clone().into(),
            DocEntry {
                title: format!("{n} keystrokes"),
                author: founder.clone(),
                created_at: at,
                updated_at: at,
                updated_by: None,
            },
        );
    }
    let id = CommunityId::from(
        offline
            .import_document(change::create(&community, "create community", at)?)
            .await?,
    );
    offline.remember_community(&id)?;
    offline.shutdown().await?;
    let a = online(dir_a.path()).await?;
    let b = online(dir_b.path()).await?;
    let ticket = a.create_invite(&id, None, None).await?;
    let t = Instant::now();
    b.join(&ticket, "Bob", PATIENCE).await?;
    let (sent, received) = b.traffic();
    println!(
        "4 (setup) B joined the long notes' community over iroh in {:.0} ms, {} bytes",
        ms(t.elapsed()),
        sent + received
    );
    let mut copse = Vec::new();
    for ((n, _), note) in docs.iter().zip(&notes) {
        let samples = copse_edits(&a, &b, &id, note, *n, sizes.keystrokes, |_| "x".into()).await?;
        println!(
            "4 keystroke in a {n}-edit note, copse over iroh: median ms from call {:.1} (edit_note \
             {:.1}, from its return {:.1}), max {:.1}",
            samples.after_call(0.5),
            samples.local(0.5),
            samples.after_return(0.5),
            samples.after_call(1.0),
        );
        copse.push(samples);
    }
    a.shutdown().await?;
    b.shutdown().await?;

    // Baseline: the same documents and keystrokes between two bare repos.
    let (left, right, _dialer, counter) =
        bare_pair(InMemoryStorage::new(), InMemoryStorage::new()).await?;
    let mut out = Vec::new();
    for ((n, doc), copse) in docs.into_iter().zip(copse) {
        let h_left = left.create(doc).await?;
        let t = Instant::now();
        let before = counter.bytes();
        let h_right = find(&right, h_left.document_id()).await?;
        let first = ms(t.elapsed());
        let baseline = bare_edits(&h_left, &h_right, sizes.keystrokes, |_| "x".into()).await?;
        println!(
            "4 keystroke in a {n}-edit note, baseline channel: median ms from call {:.1} (change \
             {:.1}, from its return {:.1}), max {:.1}; first sync of the note {first:.0} ms, {} bytes",
            baseline.after_call(0.5),
            baseline.local(0.5),
            baseline.after_return(0.5),
            baseline.after_call(1.0),
            counter.bytes().saturating_sub(before),
        );
        out.push(Long {
            history: n,
            copse,
            baseline,
        });
    }
    left.stop().await;
    right.stop().await;
    Ok(out)
}

/// A note whose body was typed one character per change, as copse records keystrokes (message
/// and time on each change).
fn long_note(keystrokes: usize) -> anyhow::Result<Automerge> {
    let mut t = 1_700_000_000_000i64;
    let at = Timestamp(t);
    let mut doc = change::create(
        &Note::new(&format!("{keystrokes} keystrokes"), "", &bench_author(), at)?,
        "add note",
        at,
    )?;
    let body = match doc.get(automerge::ROOT, "body")? {
        Some((_, body)) => body,
        None => anyhow::bail!("a note without a body"),
    };
    let typed = b"the quick brown fox jumps over the lazy dog. ";
    for i in 0..keystrokes {
        t += 150;
        let ch = (typed[i % typed.len()] as char).to_string();
        let options = CommitOptions::default()
            .with_message("edit note")
            .with_time(t);
        doc.transact_with(|_| options, |tx| tx.splice_text(&body, i, 0, &ch))
            .map_err(|f| anyhow::anyhow!("{}", f.error))?;
    }
    Ok(doc)
}

// ---- measuring edits ---------------------------------------------------------------------------

/// Per edit: (edit's own time, from its return until visible, from its call until visible), ms.
struct Samples(Vec<(f64, f64, f64)>);

impl Samples {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn local(&self, q: f64) -> f64 {
        quantile(self.0.iter().map(|s| s.0).collect(), q)
    }
    fn after_return(&self, q: f64) -> f64 {
        quantile(self.0.iter().map(|s| s.1).collect(), q)
    }
    fn after_call(&self, q: f64) -> f64 {
        quantile(self.0.iter().map(|s| s.2).collect(), q)
    }
}

/// Nearest-rank quantile.
fn quantile(mut v: Vec<f64>, q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

/// Appends `text(i)` to a note on A, one edit at a time, and times each until B's live view of
/// the note shows it. `len` is the note body's length in bytes before the first edit.
async fn copse_edits(
    a: &Node,
    b: &Node,
    community: &CommunityId,
    note: &NoteId,
    mut len: usize,
    count: usize,
    text: impl Fn(usize) -> String,
) -> anyhow::Result<Samples> {
    let deadline = Instant::now() + PATIENCE;
    // B learns of the note through the community's index, then fetches it.
    let mut seen = loop {
        match b.watch_note(community, note).await {
            Ok(rx) => break rx,
            Err(e) if Instant::now() >= deadline => return Err(e.into()),
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    };
    tokio::time::timeout(PATIENCE, seen.wait_for(|n| n.body.as_str().len() >= len)).await??;
    let mut out = Vec::new();
    for i in 0..WARMUP + count {
        let more = text(i);
        len += more.len();
        let called = Instant::now();
        a.edit_note(community, note, NoteEdit::Append(more)).await?;
        let returned = Instant::now();
        tokio::time::timeout(PATIENCE, seen.wait_for(|n| n.body.as_str().len() >= len)).await??;
        let visible = Instant::now();
        if i >= WARMUP {
            out.push((
                ms(returned - called),
                ms(visible - returned),
                ms(visible - called),
            ));
        }
    }
    Ok(Samples(out))
}

/// The same edits on a bare repo's handle, each timed until the other repo's copy holds it (its
/// `changes()` stream fired and the change is in the document).
async fn bare_edits(
    left: &DocHandle,
    right: &DocHandle,
    count: usize,
    text: impl Fn(usize) -> String,
) -> anyhow::Result<Samples> {
    let mut changes = Box::pin(right.changes());
    let mut out = Vec::new();
    for i in 0..WARMUP + count {
        let more = text(i);
        let called = Instant::now();
        let heads = left
            .with_document_async(move |doc| {
                change::update(doc, "edit note", now(), |n: &mut Note| {
                    n.edit_body(&NoteEdit::Append(more))
                })
                .map(|()| doc.get_heads())
            })
            .await??;
        let returned = Instant::now();
        wait_for_heads(right, &mut changes, &heads, Instant::now() + PATIENCE).await?;
        let visible = Instant::now();
        if i >= WARMUP {
            out.push((
                ms(returned - called),
                ms(visible - returned),
                ms(visible - called),
            ));
        }
    }
    Ok(Samples(out))
}

async fn wait_for_heads<T>(
    handle: &DocHandle,
    changes: &mut (impl Stream<Item = T> + Unpin),
    heads: &[ChangeHash],
    deadline: Instant,
) -> anyhow::Result<()> {
    loop {
        let has = handle.with_document(|d| heads.iter().all(|h| d.get_change_by_hash(h).is_some()));
        if has {
            return Ok(());
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, changes.next()).await {
            Ok(Some(_)) => {}
            Ok(None) => anyhow::bail!("the document's change stream ended"),
            Err(_) => anyhow::bail!("a change did not arrive within {}s", PATIENCE.as_secs()),
        }
    }
}

// ---- bare samod repos over a counting in-process channel ---------------------------------------

/// Bytes and messages through a channel transport, both directions.
#[derive(Clone, Default)]
struct Counter {
    bytes: Arc<AtomicU64>,
    messages: Arc<AtomicU64>,
}

impl Counter {
    fn add(&self, message_len: usize) {
        // The same 4-byte length prefix copse's framing adds on the wire.
        self.bytes
            .fetch_add(message_len as u64 + 4, Ordering::Relaxed);
        self.messages.fetch_add(1, Ordering::Relaxed);
    }
    fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }
    fn messages(&self) -> u64 {
        self.messages.load(Ordering::Relaxed)
    }
}

/// samod's `ChannelDialer`, with every message counted.
struct CountingDialer {
    acceptor: AcceptorHandle,
    counter: Counter,
}

impl Dialer for CountingDialer {
    type Error = Infallible;

    fn url(&self) -> samod::Url {
        samod::Url::parse("channel://bench").expect("a valid URL")
    }

    fn connect(&self) -> BoxFuture<'static, Result<Transport, DialError<Infallible>>> {
        let acceptor = self.acceptor.clone();
        let counter = self.counter.clone();
        Box::pin(async move {
            let (to_acceptor, from_dialer) = unbounded::<Vec<u8>>();
            let (to_dialer, from_acceptor) = unbounded::<Vec<u8>>();
            acceptor
                .accept(Transport::new(
                    from_dialer.map(Ok::<_, Infallible>),
                    counted(to_dialer, counter.clone()),
                ))
                .map_err(DialError::transient)?;
            Ok(Transport::new(
                from_acceptor.map(Ok::<_, Infallible>),
                counted(to_acceptor, counter),
            ))
        })
    }
}

fn counted(
    tx: UnboundedSender<Vec<u8>>,
    counter: Counter,
) -> impl futures::Sink<Vec<u8>, Error = SendError> + Send + Unpin + 'static {
    tx.with(move |msg: Vec<u8>| {
        counter.add(msg.len());
        futures::future::ready(Ok::<_, SendError>(msg))
    })
}

async fn bare_repo(name: &str, storage: InMemoryStorage) -> Repo {
    Repo::build_tokio()
        .with_peer_id(PeerId::from(name.to_string()))
        .with_storage(storage)
        .load()
        .await
}

/// `from` dials `to` over a counted channel; returns once connected.
async fn dial(
    from: &Repo,
    to: &Repo,
    counter: &Counter,
) -> anyhow::Result<DialerHandle<Infallible>> {
    let acceptor = to.make_acceptor(samod::Url::parse("channel://bench")?)?;
    let dialer = from.dial(
        BackoffConfig::default(),
        Arc::new(CountingDialer {
            acceptor,
            counter: counter.clone(),
        }),
    )?;
    tokio::time::timeout(PATIENCE, dialer.established())
        .await?
        .map_err(|e| anyhow::anyhow!("the channel did not connect: {e:?}"))?;
    Ok(dialer)
}

/// Two connected bare repos (right dialed left).
async fn bare_pair(
    left: InMemoryStorage,
    right: InMemoryStorage,
) -> anyhow::Result<(Repo, Repo, DialerHandle<Infallible>, Counter)> {
    let left = bare_repo("left", left).await;
    let right = bare_repo("right", right).await;
    let counter = Counter::default();
    let dialer = dial(&right, &left, &counter).await?;
    Ok((left, right, dialer, counter))
}

async fn find(repo: &Repo, id: &DocumentId) -> anyhow::Result<DocHandle> {
    tokio::time::timeout(PATIENCE, repo.find(id.clone()))
        .await??
        .ok_or_else(|| anyhow::anyhow!("document {id} not found"))
}

async fn find_all(
    repo: &Repo,
    ids: &[DocumentId],
    deadline: Instant,
) -> anyhow::Result<Vec<DocHandle>> {
    let finds = join_all(ids.iter().map(|id| repo.find(id.clone())));
    let found = tokio::time::timeout_at(deadline.into(), finds).await?;
    let mut handles = Vec::new();
    for (id, found) in ids.iter().zip(found) {
        handles.push(found?.ok_or_else(|| anyhow::anyhow!("document {id} not found"))?);
    }
    Ok(handles)
}

/// Like `Node::sync_now` on a bare repo: opens every document, waits for a connection, then
/// until every document is in step with every connected peer both ways.
async fn settle_bare(repo: &Repo, ids: &[DocumentId], deadline: Instant) -> anyhow::Result<()> {
    let handles = find_all(repo, ids, deadline).await?;
    let connections = loop {
        let (now, _) = repo.connected_peers();
        let connected: Vec<_> = now
            .into_iter()
            .filter(|c| matches!(c.state, ConnectionState::Connected { .. }))
            .map(|c| c.id)
            .collect();
        if !connected.is_empty() {
            break connected;
        }
        anyhow::ensure!(Instant::now() < deadline, "no connection");
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    let waits = handles.iter().flat_map(|h| {
        connections.iter().flat_map(move |c| {
            [
                Either::Left(h.they_have_our_changes(*c)),
                Either::Right(h.we_have_their_changes(*c)),
            ]
        })
    });
    tokio::time::timeout_at(deadline.into(), join_all(waits)).await?;
    Ok(())
}

async fn wait_disconnected(repos: &[&Repo]) -> anyhow::Result<()> {
    let deadline = Instant::now() + PATIENCE;
    for repo in repos {
        while !repo.connected_peers().0.is_empty() {
            anyhow::ensure!(Instant::now() < deadline, "the channel did not close");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    Ok(())
}

// ---- copse nodes and the large community -------------------------------------------------------

/// Waits (bounded) until every socket address can be bound again; how long that took, if it did.
async fn ports_released(ports: &[std::net::SocketAddr], patience: Duration) -> Option<Duration> {
    let t = Instant::now();
    while t.elapsed() < patience {
        if ports.iter().all(|p| std::net::UdpSocket::bind(p).is_ok()) {
            return Some(t.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

async fn online(dir: &Path) -> anyhow::Result<Node> {
    Ok(Node::open(NodeConfig::online(dir, NetConfig::loopback())).await?)
}

/// Wall time and bytes of one measured exchange.
struct Measure {
    ms: f64,
    bytes: u64,
}

impl Measure {
    fn new(elapsed: Duration, bytes: u64) -> Measure {
        Measure {
            ms: ms(elapsed),
            bytes,
        }
    }
}

fn bench_author() -> MemberId {
    MemberId::from("ada".to_string())
}

fn now() -> Timestamp {
    copse::clock::Clock::system().now()
}

/// CPU time (user + system) this process has used so far, in ms, from /proc/self/stat.
fn cpu_ms() -> f64 {
    let ticks = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            // Fields after the command name (which may hold spaces) start at its closing ')'.
            let rest = stat.rsplit_once(')')?.1.to_string();
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let utime: f64 = fields.get(11)?.parse().ok()?;
            let stime: f64 = fields.get(12)?.parse().ok()?;
            Some(utime + stime)
        })
        .unwrap_or(f64::NAN);
    // Linux reports these in clock ticks of 1/100 s on every common configuration.
    ticks * 10.0
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

// ---- the summary table -------------------------------------------------------------------------

struct Report {
    propagation: Option<Propagation>,
    large: Option<Large>,
    long: Vec<Long>,
}

impl Report {
    fn print(&self, sizes: &Sizes) {
        let docs = sizes.documents() as f64;
        println!();
        println!(
            "large community: {} notes x {} edits, {} topics, {} cases, {} members = {} documents; \
             long notes: {:?} keystrokes",
            sizes.notes,
            sizes.edits_per_note,
            sizes.topics,
            sizes.cases,
            sizes.members,
            sizes.documents(),
            sizes.long
        );
        println!(
            "{:<52} {:>11} {:>11} {:>7}  goal",
            "", "copse", "baseline", "ratio"
        );
        let row = |what: &str, ours: f64, base: f64, goal: &str| {
            println!(
                "{what:<52} {ours:>11.2} {base:>11.2} {:>6.2}x  {goal}",
                ours / base
            );
        };
        let met = |ok: bool| if ok { "met" } else { "MISSED" };
        if let Some(p) = &self.propagation {
            let n = p.copse.len();
            for (what, q, goal) in [("p50", 0.5, 50.0), ("p99", 0.99, 200.0)] {
                let ours = p.copse.after_return(q);
                row(
                    &format!("1 edit return -> visible on B, {what} ms ({n} edits)"),
                    ours,
                    p.baseline.after_return(q),
                    &format!("< {goal} ms: {}", met(ours < goal)),
                );
            }
            for (what, q, goal) in [("p50", 0.5, 50.0), ("p99", 0.99, 200.0)] {
                let ours = p.copse.after_call(q);
                row(
                    &format!("1 edit call -> visible on B, {what} ms"),
                    ours,
                    p.baseline.after_call(q),
                    &format!("< {goal} ms: {}", met(ours < goal)),
                );
            }
        }
        if let Some(l) = &self.large {
            let join_ratio = l.join.ms / l.baseline_join.ms;
            row(
                "2 join large community, ms",
                l.join.ms,
                l.baseline_join.ms,
                &format!(
                    "< 5000 ms and <= 1.5x: {}",
                    met(l.join.ms < 5000.0 && join_ratio <= 1.5)
                ),
            );
            row(
                "2 join large community, KiB",
                kib(l.join.bytes),
                kib(l.baseline_join.bytes),
                "",
            );
            let r = &l.reconnect;
            row(
                "3 reconnect, unchanged: reopen -> in sync, ms",
                r.total.ms,
                l.baseline_restart.ms,
                &format!("< 300 ms: {}", met(r.total.ms < 300.0)),
            );
            println!(
                "{:<52} {:>11.2} {:>11}",
                "3   of which Node::open of both, ms", r.open_ms, "-"
            );
            let per_doc = r.total.bytes as f64 / docs;
            row(
                "3 reconnect, unchanged: bytes per document",
                per_doc,
                l.baseline_restart.bytes as f64 / docs,
                &format!("< 200 B: {}", met(per_doc < 200.0)),
            );
            row(
                "3   vs baseline with documents kept open: ms",
                r.total.ms,
                l.baseline_kept.ms,
                "",
            );
            row(
                "3   vs baseline with documents kept open: B/doc",
                per_doc,
                l.baseline_kept.bytes as f64 / docs,
                "",
            );
        }
        for long in &self.long {
            row(
                &format!(
                    "4 keystroke -> visible, {}-edit note, median ms",
                    long.history
                ),
                long.copse.after_call(0.5),
                long.baseline.after_call(0.5),
                "",
            );
        }
        if let Some(l) = &self.large {
            let r = &l.reconnect;
            println!(
                "(3: copse bytes are both nodes' sent frames when both sync_now returned; {} once \
                 quiet 2 s later; connected devices A {} / B {}. Large community built in {:.1} s.)",
                r.bytes_after_quiet, r.connected.0, r.connected.1, l.build_s
            );
        }
    }
}

fn kib(bytes: u64) -> f64 {
    bytes as f64 / 1024.0
}
