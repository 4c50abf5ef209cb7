//! Roles in the window's Members view, driven by accessible labels: each person's role and
//! devices, the community devices apart from the people, a steward's role buttons doing what
//! they say, and for a plain member the same buttons disabled with the reason beside them.

use copse::model::{
    Community, CommunityDevice, Device, DeviceId, Member, MemberId, MemberRole, Timestamp,
};
use copse::node::Node;
use egui_kittest::kittest::{NodeT, Queryable};

use crate::gui::{Gui, has};

/// Changes the community document with `edit`, past the node's checks: a roster as several
/// devices over time would have made it.
fn edit_roster(
    node: &Node,
    runtime: &tokio::runtime::Runtime,
    edit: impl FnOnce(&mut Community) + Send + 'static,
) {
    runtime.block_on(async {
        let id = node.resolve_community(None).unwrap();
        node.change_raw(id.as_str(), move |doc| {
            let mut community: Community = autosurgeon::hydrate(&*doc).unwrap();
            edit(&mut community);
            let mut tx = doc.transaction();
            autosurgeon::reconcile(&mut tx, &community).unwrap();
            tx.commit();
        })
        .await
        .unwrap();
        node.flush().await.unwrap();
    });
}

/// Gardeners: Ada here (the founder), Bob with a laptop and a desktop, Rita a reader, and the
/// library's always-on device.
fn gardeners(node: &Node, runtime: &tokio::runtime::Runtime) {
    runtime.block_on(async {
        node.create_community("Gardeners", "", "Ada").await.unwrap();
    });
    edit_roster(node, runtime, |c| {
        let at = Timestamp(1_700_000_000_000);
        let mut bob = Member::new("Bob", "bob-laptop", at).unwrap();
        bob.devices.insert(
            DeviceId::from("bob-desktop".to_string()),
            Device {
                added_at: at,
                label: Some("Desktop".into()),
            },
        );
        c.add_member(MemberId::from("bob-laptop".to_string()), bob);
        let mut rita = Member::new("Rita", "rita", at).unwrap();
        rita.role = Some(MemberRole::Reader);
        c.add_member(MemberId::from("rita".to_string()), rita);
        let ada = c.members.keys().next().unwrap().clone();
        c.community_devices.insert(
            DeviceId::from("library".to_string()),
            CommunityDevice {
                label: "Library server".into(),
                added_by: ada,
                added_at: at,
            },
        );
    });
}

fn open_members(gui: &mut Gui) {
    gui.until("the community", |h| has(h, "Members"));
    gui.harness.get_by_label("Members").click();
    gui.until("the directory", |h| has(h, "Search members"));
}

#[test]
fn members_shows_roles_devices_and_community_devices_and_a_steward_changes_a_role() {
    let mut gui = Gui::open_with(gardeners);
    open_members(&mut gui);
    assert!(has(&gui.harness, "Members (3)"), "the library is no person");
    for role in ["· steward", "· member", "· reader"] {
        assert!(has(&gui.harness, role), "{role}");
    }
    assert!(
        gui.harness.query_by_label_contains("· 2 devices").is_some(),
        "Bob's two devices"
    );
    assert!(has(&gui.harness, "Community devices") && has(&gui.harness, "Library server"));
    assert!(has(
        &gui.harness,
        "You are a steward: you may change roles, remove members and revoke invites."
    ));
    // The only steward cannot step down or leave.
    let step_down = gui.harness.get_by_label("Make Ada a member");
    assert!(step_down.accesskit_node().is_disabled());
    assert!(has(
        &gui.harness,
        "The last steward cannot step down: make another member a steward first."
    ));

    gui.harness.get_by_label("Make Rita a member").click();
    gui.until("Rita is a member", |h| has(h, "Make Rita a reader"));
    let stored = gui.runtime.block_on(async {
        let id = gui.node.resolve_community(None).unwrap();
        gui.node.community(&id).await.unwrap()
    });
    let rita = MemberId::from("rita".to_string());
    assert_eq!(stored.role_of(&rita), Some(MemberRole::Member));
    assert_eq!(stored.records.len(), 1, "the change is on record");
    assert!(
        gui.harness
            .query_by_label_contains("Rita made member (was reader) by Ada on ")
            .is_some(),
        "the record is shown"
    );
    gui.shutdown();
}

#[test]
fn a_plain_member_sees_the_stewards_actions_disabled_and_why() {
    let mut gui = Gui::open_with(|node, runtime| {
        gardeners(node, runtime);
        // Bob is the steward now; Ada, here, a plain member.
        edit_roster(node, runtime, |c| {
            for (id, m) in c.members.iter_mut() {
                m.role = Some(if id.as_str() == "bob-laptop" {
                    MemberRole::Steward
                } else if m.name == "Rita" {
                    MemberRole::Reader
                } else {
                    MemberRole::Member
                });
            }
        });
    });
    open_members(&mut gui);
    let remove = gui.harness.get_by_label("Remove Rita");
    assert!(remove.accesskit_node().is_disabled(), "no removing");
    let promote = gui.harness.get_by_label("Make Rita a member");
    assert!(promote.accesskit_node().is_disabled(), "no role changes");
    assert!(has(
        &gui.harness,
        "Only a steward can change roles or remove members; ask Bob."
    ));
    gui.shutdown();
}
