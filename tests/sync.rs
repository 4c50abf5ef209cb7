//! Several nodes in one process on loopback (relays and mDNS off): invites, convergence after
//! concurrent edits, restarts, and refusal of strangers, removed members and garbage.

use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant};

use copse::clock::Clock;
use copse::model::community::NewTopic;
use copse::model::{CommunityId, MemberId, NoteEdit, NoteId};
use copse::node::{NetConfig, Node, NodeConfig};

const PATIENCE: Duration = Duration::from_secs(30);

pub(crate) async fn online(dir: &Path) -> Node {
    online_with(dir, Clock::system()).await
}

/// A node on loopback that tells the time by `clock`.
pub(crate) async fn online_with(dir: &Path, clock: Clock) -> Node {
    Node::open(NodeConfig::online(dir, NetConfig::loopback()).with_clock(clock))
        .await
        .unwrap()
}

/// Polls `check` until it holds, for at most `PATIENCE`.
pub(crate) async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + PATIENCE;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A community on `a`, joined by each of `others`.
pub(crate) async fn community_of(a: &Node, others: &[(&Node, &str)]) -> CommunityId {
    let id = a
        .create_community("Gardeners", "grow", "Ada")
        .await
        .unwrap();
    for (node, name) in others {
        let ticket = a.create_invite(&id, None, Some(1)).await.unwrap();
        let summary = node.join(&ticket, name, PATIENCE).await.unwrap();
        assert_eq!(summary.community, id);
        assert_eq!(summary.name, "Gardeners");
    }
    id
}

/// Everything a member would compare: topics with endorsements, and each note's body.
async fn view(node: &Node, id: &CommunityId) -> Option<String> {
    let c = node.community(id).await.ok()?;
    let mut out = String::new();
    for (tid, t) in &c.topics {
        out += &format!(
            "topic {tid} {} {:?}\n",
            t.title,
            t.endorsements.keys().collect::<Vec<_>>()
        );
    }
    for nid in c.notes.keys() {
        let note = node.note(id, nid).await.ok()?;
        let mut comments: Vec<_> = note.comments.keys().collect();
        comments.sort();
        out += &format!("note {nid} {:?} {comments:?}\n", note.body.as_str());
    }
    out += &format!("members {:?}\n", c.members.keys().collect::<Vec<_>>());
    Some(out)
}

async fn converged(nodes: &[&Node], id: &CommunityId) -> bool {
    let mut views = Vec::new();
    for n in nodes {
        match view(n, id).await {
            Some(v) => views.push(v),
            None => return false,
        }
    }
    views.windows(2).all(|w| w[0] == w[1])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_members_converge_after_concurrent_edits() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let a = online(dirs[0].path()).await;
    let b = online(dirs[1].path()).await;
    let c = online(dirs[2].path()).await;
    let id = community_of(&a, &[(&b, "Bob"), (&c, "Cy")]).await;
    let shared = a.add_note(&id, "Plan", "hello world").await.unwrap();
    eventually("everyone has the note", || async {
        b.note(&id, &shared).await.is_ok() && c.note(&id, &shared).await.is_ok()
    })
    .await;

    // Concurrent edits on all three: typing in one note, topics, endorsements, comments.
    let topic = a
        .add_topic(
            &id,
            NewTopic {
                title: "Soil".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let (ra, rb, rc) = tokio::join!(
        async {
            // An insertion computed inside the change, as typing is: a whole-text Replace
            // computed before B's append arrived would rightly remove it.
            a.edit_note(&id, &shared, NoteEdit::Append(" +big".into()))
                .await?;
            a.endorse_topic(&id, &topic).await?;
            a.comment_note(&id, &shared, "from a".into()).await
        },
        async {
            b.edit_note(&id, &shared, NoteEdit::Append(" from b".into()))
                .await?;
            b.add_topic(
                &id,
                NewTopic {
                    title: "Seeds".into(),
                    ..Default::default()
                },
            )
            .await?;
            b.comment_note(&id, &shared, "from b".into()).await
        },
        async {
            c.add_topic(
                &id,
                NewTopic {
                    title: "Water".into(),
                    ..Default::default()
                },
            )
            .await?;
            c.add_note(&id, "Cy's note", "by c")
                .await
                .map(|_| copse::model::CommentId::new_random())
        },
    );
    ra.unwrap();
    rb.unwrap();
    rc.unwrap();
    let all = [&a, &b, &c];
    eventually("all three converge", || converged(&all, &id)).await;

    let community = a.community(&id).await.unwrap();
    assert_eq!(community.topics.len(), 3, "no topic lost");
    assert_eq!(community.notes.len(), 2, "no note lost");
    let body = a
        .note(&id, &shared)
        .await
        .unwrap()
        .body
        .as_str()
        .to_string();
    assert!(
        body.contains(" +big") && body.contains(" from b"),
        "both typists kept their words: {body}"
    );
    assert_eq!(
        a.note(&id, &shared).await.unwrap().comments.len(),
        2,
        "no comment lost"
    );
    // Endorsement of a topic that B and C learned of concurrently.
    eventually("B sees A's endorsement", || async {
        b.community(&id)
            .await
            .map(|c| c.topics[&topic].endorsement_count() == 1)
            .unwrap_or(false)
    })
    .await;

    for n in [a, b, c] {
        n.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_partitioned_member_catches_up_after_restart() {
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let a = online(dirs[0].path()).await;
    let b = online(dirs[1].path()).await;
    let id = community_of(&a, &[(&b, "Bob")]).await;
    let note = a.add_note(&id, "Plan", "start").await.unwrap();
    eventually("B has the note", || async {
        b.note(&id, &note).await.is_ok()
    })
    .await;

    // B goes away; both sides edit.
    b.shutdown().await.unwrap();
    a.edit_note(&id, &note, NoteEdit::Append(" +a".into()))
        .await
        .unwrap();
    let offline = Node::open(NodeConfig::offline(dirs[1].path()))
        .await
        .unwrap();
    offline
        .edit_note(&id, &note, NoteEdit::Replace("begin start".into()))
        .await
        .unwrap();
    offline.shutdown().await.unwrap();

    // B comes back from its data folder.
    let b = online(dirs[1].path()).await;
    let both = [&a, &b];
    eventually("both sides converge", || converged(&both, &id)).await;
    let body = b.note(&id, &note).await.unwrap().body.as_str().to_string();
    assert_eq!(body, "begin start +a");
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

/// A newcomer joining a community with many notes gets every one of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_newcomer_gets_every_note_of_a_large_community() {
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let a = online(dirs[0].path()).await;
    let id = a
        .create_community("Gardeners", "grow", "Ada")
        .await
        .unwrap();
    for i in 0..120 {
        a.add_note(&id, &format!("Note {i}"), "words")
            .await
            .unwrap();
    }
    let b = online(dirs[1].path()).await;
    let ticket = a.create_invite(&id, None, Some(1)).await.unwrap();
    let joined = b.join(&ticket, "Bob", PATIENCE).await.unwrap();
    assert_eq!((joined.notes, joined.missing), (120, 0));
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

/// Two members in step meet again: their summaries match, so no document is re-exchanged
/// (without summaries each one cost a Bloom-filter round trip); yet edits made after they
/// met still flow both ways, on documents that were left quiet.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn members_in_step_meet_again_quietly_and_later_edits_still_flow() {
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let a = online(dirs[0].path()).await;
    let b = online(dirs[1].path()).await;
    let id = community_of(&a, &[(&b, "Bob")]).await;
    let mut notes = Vec::new();
    for i in 0..20 {
        let note = a
            .add_note(&id, &format!("Note {i}"), "start")
            .await
            .unwrap();
        for _ in 0..10 {
            a.edit_note(&id, &note, NoteEdit::Append(" more".into()))
                .await
                .unwrap();
        }
        notes.push(note);
    }
    let both = [&a, &b];
    eventually("B has every note", || converged(&both, &id)).await;
    let (ra, rb) = tokio::join!(a.sync_now(PATIENCE), b.sync_now(PATIENCE));
    ra.unwrap();
    rb.unwrap();

    // B closes the app and opens it again; A stayed online.
    b.shutdown().await.unwrap();
    let sent_by_a_before = a.traffic().0;
    let b = online(dirs[1].path()).await;
    let (ra, rb) = tokio::join!(a.sync_now(PATIENCE), b.sync_now(PATIENCE));
    assert_eq!(ra.unwrap().documents, 1 + notes.len());
    assert_eq!(rb.unwrap().documents, 1 + notes.len());
    let documents = 1 + notes.len() as u64;
    let sent = a.traffic().0 - sent_by_a_before + b.traffic().0;
    assert!(
        sent < 300 * documents,
        "meeting again in step sent {sent} bytes for {documents} documents"
    );

    a.edit_note(&id, &notes[0], NoteEdit::Append(" from a".into()))
        .await
        .unwrap();
    b.edit_note(&id, &notes[1], NoteEdit::Append(" from b".into()))
        .await
        .unwrap();
    eventually("each sees the other's edit", || async {
        let on_b = b
            .note(&id, &notes[0])
            .await
            .unwrap()
            .body
            .as_str()
            .to_string();
        let on_a = a
            .note(&id, &notes[1])
            .await
            .unwrap()
            .body
            .as_str()
            .to_string();
        on_b.ends_with(" from a") && on_a.ends_with(" from b")
    })
    .await;
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn strangers_and_wrong_secrets_get_nothing() {
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let a = online(dirs[0].path()).await;
    let stranger = online(dirs[1].path()).await;
    let id = a
        .create_community("Gardeners", "grow", "Ada")
        .await
        .unwrap();
    a.add_note(&id, "Secret plans", "members only")
        .await
        .unwrap();

    // A forged ticket: right address and community, wrong secret.
    let mut ticket = a.create_invite(&id, None, Some(1)).await.unwrap();
    ticket.secret = [7; 32];
    let err = stranger
        .join(&ticket, "Mallory", PATIENCE)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("refused"), "{err}");

    // The stranger dials anyway, trusting A for the community: A refuses at the handshake.
    stranger.learn_address(a.address().unwrap());
    stranger
        .access()
        .trust_inviter(id.as_str().parse().unwrap(), a.device_id().to_string());
    let found = tokio::time::timeout(Duration::from_secs(5), stranger.community(&id)).await;
    assert!(
        !matches!(found, Ok(Ok(_))),
        "a stranger must receive no document"
    );
    assert_eq!(
        a.community(&id).await.unwrap().members.len(),
        1,
        "no stranger on the roster"
    );
    a.shutdown().await.unwrap();
    stranger.shutdown().await.unwrap();
}

/// An invite that expires in an hour admits a newcomer within the hour and refuses one after
/// it, by the inviter's clock, whatever year that clock says.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_invite_expires_by_the_inviters_clock_in_2020_and_in_2030() {
    for start in crate::util::far_from_today() {
        let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
        let clock = Clock::starting_at(copse::model::Timestamp(start.timestamp_millis()));
        let a = online_with(dirs[0].path(), clock.clone()).await;
        let b = online(dirs[1].path()).await;
        let c = online(dirs[2].path()).await;
        let id = a
            .create_community("Gardeners", "grow", "Ada")
            .await
            .unwrap();
        let hour = Duration::from_secs(60 * 60);
        let early = a.create_invite(&id, Some(hour), None).await.unwrap();
        let late = a.create_invite(&id, Some(hour), None).await.unwrap();
        clock.advance(Duration::from_secs(59 * 60));
        b.join(&early, "Bob", PATIENCE).await.unwrap();
        clock.advance(Duration::from_secs(2 * 60));
        let err = c.join(&late, "Cy", PATIENCE).await.unwrap_err();
        assert!(err.to_string().contains("expired"), "{start}: {err}");
        let members = a.community(&id).await.unwrap().members.len();
        assert_eq!(members, 2, "{start}: Ada and Bob, not Cy");
        for node in [a, b, c] {
            node.shutdown().await.unwrap();
        }
    }
}

/// Regression: the ticket named only the inviter's device, so a newcomer could not join while
/// the inviter was offline, although every member holds the invite's hash. Now the ticket names
/// the members' devices the inviter saw lately, and Bob's admits Cy while Ada is away.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn another_member_admits_the_newcomer_while_the_inviter_is_offline() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let a = online(dirs[0].path()).await;
    let b = online(dirs[1].path()).await;
    let c = online(dirs[2].path()).await;
    let id = community_of(&a, &[(&b, "Bob")]).await;
    eventually("Ada is connected to Bob's device", || async {
        a.connected_devices().contains(b.device_id().as_str())
    })
    .await;
    let ticket = a.create_invite(&id, None, Some(1)).await.unwrap();
    let names: Vec<String> = ticket.admitters().into_iter().map(|x| x.name).collect();
    assert_eq!(names, ["Ada", "Bob"], "the inviter first, then Bob");
    // Bob's device holds the invite (its hash) before Ada goes.
    eventually("Bob has the invite", || async {
        b.community(&id)
            .await
            .is_ok_and(|c| c.invites.contains_key(&ticket.invite))
    })
    .await;
    a.shutdown().await.unwrap();

    // The line as the newcomer pastes it.
    let pasted: copse::net::ticket::InviteTicket = ticket.to_line().parse().unwrap();
    assert_eq!(
        pasted.waiting_for(),
        "Asking the devices of Ada and Bob to let you in (whichever is online)…"
    );
    let summary = c.join(&pasted, "Cy", PATIENCE).await.unwrap();
    assert_eq!(summary.community, id);
    assert_eq!(summary.members, 3);
    let cy = MemberId::from(c.device_id().to_string());
    eventually("Bob's roster has Cy", || async {
        b.community(&id)
            .await
            .is_ok_and(|c| c.members.contains_key(&cy))
    })
    .await;
    // The one use is spent on Bob's copy of the community.
    let err = online(tempfile::tempdir().unwrap().path())
        .await
        .join(&pasted, "Dee", PATIENCE)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("refused"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_spent_invite_is_refused_and_a_removed_member_gets_no_new_changes() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let a = online(dirs[0].path()).await;
    let b = online(dirs[1].path()).await;
    let c = online(dirs[2].path()).await;
    let id = a
        .create_community("Gardeners", "grow", "Ada")
        .await
        .unwrap();
    let ticket = a.create_invite(&id, None, Some(1)).await.unwrap();
    b.join(&ticket, "Bob", PATIENCE).await.unwrap();
    let err = c.join(&ticket, "Cy", PATIENCE).await.unwrap_err();
    assert!(err.to_string().contains("refused"), "a spent invite: {err}");

    let ticket = a.create_invite(&id, None, None).await.unwrap();
    c.join(&ticket, "Cy", PATIENCE).await.unwrap();
    let before = a
        .add_note(&id, "Before", "everyone sees this")
        .await
        .unwrap();
    eventually("C has the first note", || async {
        c.note(&id, &before).await.is_ok()
    })
    .await;

    a.remove_member(&id, &MemberId::from(c.device_id().to_string()), None)
        .await
        .unwrap();
    // B relays changes too, so the guarantee starts once B has heard of the removal.
    eventually("B stops sharing with C", || async {
        !b.access().knows(c.device_id().as_str())
    })
    .await;
    let after: NoteId = a.add_note(&id, "After", "not for C").await.unwrap();
    a.add_topic(
        &id,
        NewTopic {
            title: "After removal".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    eventually("B gets the new topic", || async {
        b.community(&id)
            .await
            .map(|x| x.topics.len() == 1)
            .unwrap_or(false)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let seen_by_c = c.community(&id).await.unwrap();
    assert!(
        seen_by_c.topics.is_empty() && !seen_by_c.notes.contains_key(&after),
        "C received a change made after removal"
    );
    assert!(
        c.note(&id, &before).await.is_ok(),
        "C keeps what it already had"
    );
    let refused = c
        .edit_note(&id, &before, NoteEdit::Append(" (changed by C)".into()))
        .await;
    assert!(
        refused.is_err(),
        "C's own copy knows C is no longer a member"
    );
    for n in [a, b, c] {
        n.shutdown().await.unwrap();
    }
}

/// Raw QUIC from a member's own key (a buggy or malicious member device) straight at the sync
/// protocol: garbage, an oversized length prefix, and the H1 Bloom-filter message. Each
/// connection is dropped; the node keeps running with its documents unchanged.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_member_sending_garbage_is_dropped_and_nothing_changes() {
    use iroh::endpoint::presets;
    use tokio::io::AsyncWriteExt;

    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let a = online(dirs[0].path()).await;
    let b = online(dirs[1].path()).await;
    let id = community_of(&a, &[(&b, "Bob")]).await;
    let note = a.add_note(&id, "Plan", "intact").await.unwrap();
    let before = view(&a, &id).await.unwrap();
    // A second endpoint holding Bob's device key: A accepts it as Bob.
    let bob_key = copse::store::load_or_create_device_key(dirs[1].path()).unwrap();
    b.shutdown().await.unwrap();
    let rogue = iroh::Endpoint::builder(presets::Minimal)
        .secret_key(bob_key)
        .relay_mode(iroh::RelayMode::Disabled)
        .bind_addr("127.0.0.1:0")
        .unwrap()
        .bind()
        .await
        .unwrap();
    let h1 = [0x42u8, 0x00, 0x00, 0x01, 0x00, 0x03, 0x01, 0x00, 0x07, 0x00];
    let mut h1_frame = Vec::new();
    {
        // A samod "sync" envelope around the H1 message.
        let mut e = minicbor::Encoder::new(&mut h1_frame);
        e.map(5).unwrap();
        e.str("type").unwrap().str("sync").unwrap();
        e.str("senderId")
            .unwrap()
            .str(&rogue.id().to_string())
            .unwrap();
        e.str("targetId")
            .unwrap()
            .str(a.device_id().as_str())
            .unwrap();
        e.str("documentId").unwrap().str(id.as_str()).unwrap();
        e.str("data").unwrap().bytes(&h1).unwrap();
    }
    // Sync opens with a summary; an empty one (version 1, no documents) gets the rogue past
    // it to samod's frames, where the rest of the attacks land.
    let summary = [&1u32.to_be_bytes()[..], &[1u8]].concat();
    let after_summary = |attack: &[u8]| [&summary[..], attack].concat();
    let attacks: Vec<(&str, Vec<u8>)> = vec![
        (
            "a malformed summary",
            [&(8u32).to_be_bytes()[..], b"\xff\x00garbage"].concat(),
        ),
        (
            "garbage",
            after_summary(&[&(8u32).to_be_bytes()[..], b"\xff\x00garbage"].concat()),
        ),
        ("an oversized frame", after_summary(&u32::MAX.to_be_bytes())),
        (
            "the H1 Bloom filter",
            after_summary(&[&(h1_frame.len() as u32).to_be_bytes()[..], &h1_frame].concat()),
        ),
    ];
    for (what, bytes) in attacks {
        let conn = rogue
            .connect(a.address().unwrap(), copse::net::SYNC_ALPN)
            .await
            .unwrap();
        let (mut send, _recv) = conn.open_bi().await.unwrap();
        send.write_all(&bytes).await.unwrap();
        send.flush().await.unwrap();
        let closed = tokio::time::timeout(PATIENCE, conn.closed()).await;
        assert!(
            closed.is_ok(),
            "the connection sending {what} was not dropped"
        );
    }
    // A still works and its documents are as they were.
    a.add_topic(
        &id,
        NewTopic {
            title: "Still here".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let after = view(&a, &id).await.unwrap();
    assert_eq!(
        after
            .lines()
            .filter(|l| l.starts_with("note"))
            .collect::<Vec<_>>(),
        before
            .lines()
            .filter(|l| l.starts_with("note"))
            .collect::<Vec<_>>(),
        "notes unchanged"
    );
    assert_eq!(a.note(&id, &note).await.unwrap().body.as_str(), "intact");
    assert_eq!(a.community(&id).await.unwrap().members.len(), 2);
    rogue.close().await;
    a.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_member_removed_while_offline_cannot_push_changes() {
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let a = online(dirs[0].path()).await;
    let c = online(dirs[1].path()).await;
    let id = community_of(&a, &[(&c, "Cy")]).await;
    let note = a.add_note(&id, "Plan", "as agreed").await.unwrap();
    eventually("C has the note", || async {
        c.note(&id, &note).await.is_ok()
    })
    .await;
    c.shutdown().await.unwrap();

    // Removed while away, C edits its copy, which still lists C, and comes back online.
    a.remove_member(&id, &MemberId::from(c_device(dirs[1].path())), None)
        .await
        .unwrap();
    let c = Node::open(NodeConfig::offline(dirs[1].path()))
        .await
        .unwrap();
    c.edit_note(&id, &note, NoteEdit::Append(" (C disagrees)".into()))
        .await
        .unwrap();
    c.shutdown().await.unwrap();
    let c = online(dirs[1].path()).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        a.note(&id, &note).await.unwrap().body.as_str(),
        "as agreed",
        "a removed member's change was accepted"
    );
    assert!(a.connected_devices().is_empty(), "A refused C's connection");
    a.shutdown().await.unwrap();
    c.shutdown().await.unwrap();
}

/// The device id of the node whose data folder this is.
fn c_device(dir: &Path) -> String {
    copse::store::load_or_create_device_key(dir)
        .unwrap()
        .public()
        .to_string()
}

/// A node reopened in the same process gets its port back, so invites handed out earlier
/// still reach it: shutdown really lets go of the endpoint.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reopened_node_listens_on_the_same_port() {
    let dir = tempfile::tempdir().unwrap();
    let a = online(dir.path()).await;
    let id = a
        .create_community("Gardeners", "grow", "Ada")
        .await
        .unwrap();
    let _watching = a.watch_community(&id).await.unwrap();
    let before = a.address().unwrap();
    a.shutdown().await.unwrap();
    let a = online(dir.path()).await;
    assert_eq!(
        a.address().unwrap().addrs,
        before.addrs,
        "the same address after a restart"
    );
    a.shutdown().await.unwrap();
}

/// A summary that lists nothing: the rogue below announces everything it holds.
struct NothingHeld;

impl copse::net::transport::Summaries for NothingHeld {
    fn summary_for(
        &self,
        _peer: iroh::EndpointId,
        quiet: copse::net::quiet::Quiet,
    ) -> futures::future::BoxFuture<'static, (copse::net::summary::Summary, copse::net::quiet::Mark)>
    {
        let mark = quiet.mark();
        Box::pin(async move { (Default::default(), mark) })
    }
}

/// A member of one community pushes changes to a document of another community, one it may not
/// write (here A's private community, under its real id). A ignores them: samod answers with
/// nothing and applies nothing. The connection is kept, because an honest member can send a
/// document A does not list yet (a new note synced before the index that lists it), and the
/// member's shared community keeps syncing over it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_member_cannot_write_a_document_of_another_community() {
    use automerge::transaction::Transactable;
    use samod::storage::{InMemoryStorage, Storage, StorageKey};

    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let a = online(dirs[0].path()).await;
    let b = online(dirs[1].path()).await;
    let shared = community_of(&a, &[(&b, "Bob")]).await;
    let private = a
        .create_community("Private", "only Ada", "Ada")
        .await
        .unwrap();
    let bob_key = copse::store::load_or_create_device_key(dirs[1].path()).unwrap();
    b.shutdown().await.unwrap();

    // Bob's device runs a samod repo holding its own version of the private community.
    let mut forged = automerge::AutoCommit::new();
    forged
        .put(automerge::ROOT, "name", "Taken over by Bob")
        .unwrap();
    let storage = InMemoryStorage::new();
    storage
        .put(
            StorageKey::from_parts([private.as_str(), "snapshot", "forged"]).unwrap(),
            forged.save(),
        )
        .await;
    let rogue = samod::Repo::build_tokio()
        .with_peer_id(samod::PeerId::from(bob_key.public().to_string()))
        .with_storage(storage)
        .load()
        .await;
    let private_doc: samod::DocumentId = private.as_str().parse().unwrap();
    assert!(
        rogue.find(private_doc).await.unwrap().is_some(),
        "the rogue holds its forged copy"
    );
    let bound = copse::net::endpoint::bind(bob_key, &NetConfig::loopback())
        .await
        .unwrap();
    let a_addr = a.address().unwrap();
    bound.addresses.add_endpoint_info(a_addr.clone());
    let link = copse::net::transport::Link {
        limits: Default::default(),
        traffic: Default::default(),
        expulsions: Default::default(),
        quiet: Default::default(),
        summaries: std::sync::Arc::new(NothingHeld),
        versions: copse::net::versions::Versions::new(copse::net::versions::SYNC_VERSION),
    };
    // The rogue's own gate lets it dial A, as an honest member's would.
    let access = copse::net::access::Access::default();
    access.trust_inviter(private.as_str().parse().unwrap(), a_addr.id.to_string());
    let dialer = copse::net::dialer::DeviceDialer {
        endpoint: bound.endpoint.clone(),
        device: a_addr.id,
        link,
        access,
    };
    let dialing = rogue
        .dial(samod::BackoffConfig::default(), std::sync::Arc::new(dialer))
        .unwrap();
    tokio::time::timeout(PATIENCE, dialing.established())
        .await
        .expect("A accepts Bob's device: Bob is a member of the shared community")
        .unwrap();

    // Give the forged community every chance to be announced and pushed.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let private_now = a.community(&private).await.unwrap();
    assert_eq!(private_now.name, "Private", "a forged change was accepted");
    // Not just hidden by a merge: A's stored copy holds no change of Bob's at all.
    a.flush().await.unwrap();
    let chunks = a
        .storage()
        .load_range(StorageKey::from_parts([private.as_str()]).unwrap())
        .await;
    let mut stored = automerge::Automerge::new();
    for chunk in chunks.values() {
        stored.load_incremental(chunk).unwrap();
    }
    use automerge::ReadDoc;
    assert_eq!(
        stored.get_all(automerge::ROOT, "name").unwrap().len(),
        1,
        "Bob's forged name reached A's disk"
    );
    // The member's own community still syncs over the same connection.
    let shared_doc: samod::DocumentId = shared.as_str().parse().unwrap();
    let fetched = tokio::time::timeout(PATIENCE, rogue.find(shared_doc))
        .await
        .expect("the shared community arrives")
        .unwrap();
    assert!(fetched.is_some(), "Bob still gets the community he is in");
    rogue.stop().await;
    a.shutdown().await.unwrap();
}

/// A removed member's `sync` says it was removed, not that nobody could be reached.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_removed_member_is_told_so_when_it_syncs() {
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let a = online(dirs[0].path()).await;
    let c = online(dirs[1].path()).await;
    let id = community_of(&a, &[(&c, "Cy")]).await;
    a.remove_member(&id, &MemberId::from(c.device_id().to_string()), None)
        .await
        .unwrap();
    eventually("C hears of its removal", || async {
        c.community(&id)
            .await
            .map(|x| x.member_for_device(c.device_id()).is_none())
            .unwrap_or(false)
    })
    .await;
    let err = c.sync_now(Duration::from_secs(2)).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "this device was removed from Gardeners; members no longer share changes with it"
    );
    a.shutdown().await.unwrap();
    c.shutdown().await.unwrap();
}
