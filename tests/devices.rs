//! One person, several devices: a device linked with a device invite is the same member (one
//! roster entry, their name in history), is listed with its label, and once removed from
//! another of the person's devices gets nothing further while the person stays a member.

use std::time::Duration;

use copse::model::{DocRef, MemberId};

use crate::sync::{community_of, eventually, online};

const PATIENCE: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_linked_device_is_the_same_person_and_a_removed_one_gets_nothing_further() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let laptop = online(dirs[0].path()).await;
    let bob = online(dirs[1].path()).await;
    let c = community_of(&laptop, &[(&bob, "Bob")]).await;
    let ada: MemberId = laptop.me(&c).await.unwrap();

    let ticket = laptop
        .create_device_invite(&c, Some("Desktop".into()), None, false)
        .await
        .unwrap();
    let desktop = online(dirs[2].path()).await;
    let joined = desktop
        .join(&ticket, "ada-desktop", PATIENCE)
        .await
        .unwrap();
    assert!(joined.linked_device, "{joined:?}");
    assert_eq!((joined.member_name.as_str(), joined.members), ("Ada", 2));
    assert_eq!(desktop.me(&c).await.unwrap(), ada, "the same member id");

    // What the desktop writes is Ada's, wherever it is read.
    let note = desktop
        .add_note(&c, "From the desktop", "written at home")
        .await
        .unwrap();
    eventually("Bob has the desktop's note", || async {
        bob.note(&c, &note).await.is_ok()
    })
    .await;
    let history = bob.history(&c, &DocRef::Note(note.clone())).await.unwrap();
    assert_eq!(history[0].by, "Ada", "history names the person");
    assert_eq!(
        history[0].revision.device.as_ref(),
        Some(desktop.device_id()),
        "and knows the device"
    );
    let roster = bob.community(&c).await.unwrap();
    assert_eq!(roster.members.len(), 2, "Ada once, with two devices");
    assert_eq!(roster.members[&ada].devices.len(), 2);

    let mine = laptop.my_devices(&c).await.unwrap();
    let names: Vec<String> = mine.iter().map(|d| d.device_name()).collect();
    assert_eq!(names, ["This device", "Desktop"]);

    // The desktop is sold: removed from the laptop, it gets nothing further.
    let refused = laptop.remove_device(&c, laptop.device_id()).await;
    assert!(refused.is_err(), "a device cannot remove itself");
    laptop.remove_device(&c, desktop.device_id()).await.unwrap();
    eventually("Bob stops sharing with the desktop", || async {
        !bob.access().knows(desktop.device_id().as_str())
    })
    .await;
    let after = bob
        .add_note(&c, "After the sale", "not for the desktop")
        .await
        .unwrap();
    eventually("the laptop gets Bob's note", || async {
        laptop.note(&c, &after).await.is_ok()
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let seen = desktop.community(&c).await.unwrap();
    assert!(
        !seen.notes.contains_key(&after),
        "the removed desktop got a later note"
    );
    assert_eq!(laptop.me(&c).await.unwrap(), ada, "Ada is still a member");
    assert_eq!(laptop.my_devices(&c).await.unwrap().len(), 1);
    for node in [laptop, bob, desktop] {
        node.shutdown().await.unwrap();
    }
}
