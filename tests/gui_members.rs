//! The Members and Invite views of the real `App`, driven by accessible labels: editing your
//! profile, searching the directory, the honest offline message on Invite, and — with a node on
//! loopback — creating an invite, a newcomer joining with its text, and removing them after the
//! confirmation.

use std::time::Duration;

use copse::model::ProfileUpdate;
use copse::net::ticket::InviteTicket;
use copse::node::{NetConfig, Node, NodeConfig};
use eframe::egui::Key;
use egui_kittest::kittest::{NodeT, Queryable};

use crate::gui::{Gui, has};

const REMOVAL_WARNING: &str =
    "They keep what they already have, but will receive no further changes.";

fn gardeners(node: &Node, runtime: &tokio::runtime::Runtime) {
    runtime.block_on(async {
        node.create_community("Gardeners", "", "Ada").await.unwrap();
    });
}

#[test]
fn editing_your_profile_shows_in_the_directory_and_is_stored() {
    let mut gui = Gui::open_with(gardeners);
    gui.until("the community", |h| has(h, "Members"));
    gui.harness.get_by_label("Members").click();
    gui.until("the profile editor", |h| {
        has(h, "Display name") && has(h, "Search members")
    });
    assert!(
        gui.harness.query_by_label_contains("this is you").is_some(),
        "you are marked in the directory"
    );
    assert!(has(&gui.harness, "Ask me about: nothing listed yet"));

    // The name field holds "Ada"; typing goes on at its end.
    gui.type_into("Display name", " Lovelace");
    gui.type_into("Ask me about (one skill per line)", "Composting");
    gui.type_into(
        "I want to learn (one objective per line)",
        "Grafting fruit trees",
    );
    gui.harness.get_by_label("Save profile").click();
    gui.until("the saved profile in the directory", |h| {
        has(h, "Profile saved.")
            && has(h, "Ada Lovelace")
            && has(h, "Ask me about: Composting")
            && has(h, "Learning: Grafting fruit trees")
    });

    let stored = gui.runtime.block_on(async {
        let id = gui.node.resolve_community(None).unwrap();
        gui.node.community(&id).await.unwrap()
    });
    let me = stored.members.values().next().unwrap();
    assert_eq!(stored.members.len(), 1);
    assert_eq!(me.name, "Ada Lovelace");
    assert_eq!(me.skills, vec!["Composting"]);
    assert_eq!(me.objectives, vec!["Grafting fruit trees"]);
    gui.shutdown();
}

#[test]
fn member_search_filters_by_skill() {
    let mut gui = Gui::open_with(|node, runtime| {
        runtime.block_on(async {
            let id = node.create_community("Gardeners", "", "Ada").await.unwrap();
            node.update_profile(
                &id,
                ProfileUpdate {
                    skills: Some(vec!["Composting".into(), "Seed saving".into()]),
                    objectives: Some(vec!["Beekeeping".into()]),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        });
    });
    gui.until("the community", |h| has(h, "Members"));
    gui.harness.get_by_label("Members").click();
    gui.until("the directory", |h| {
        has(h, "Ask me about: Composting, Seed saving")
    });

    gui.type_into("Search members", "SEED");
    gui.until("a match by skill", |h| {
        has(h, "Ask me about: Composting, Seed saving") && !has(h, "No member matches your search.")
    });

    gui.type_into("Search members", " pottery");
    gui.until("no match", |h| {
        has(h, "No member matches your search.") && !has(h, "Learning: Beekeeping")
    });

    // An objective matches too.
    gui.harness
        .get_by_label("Search members")
        .set_text_value_accesskit("beekeeping");
    gui.until("a match by objective", |h| has(h, "Learning: Beekeeping"));
    gui.shutdown();
}

#[test]
fn the_invite_view_says_plainly_when_the_device_is_offline() {
    let mut gui = Gui::open_with(gardeners);
    gui.until("the community", |h| has(h, "Invite"));
    gui.harness.get_by_label("Invite").click();
    gui.until("the invite view", |h| has(h, "Create invite"));
    assert!(
        gui.harness
            .query_by_label_contains("Invites need this device to be online")
            .is_some(),
        "the offline harness must explain why no invite can be made"
    );
    assert!(
        gui.harness
            .get_by_label("Create invite")
            .accesskit_node()
            .is_disabled(),
        "the button does not pretend to work offline"
    );
    assert!(has(&gui.harness, "Uses") && has(&gui.harness, "Expires in"));
    assert!(has(&gui.harness, "No invites yet."));
    gui.shutdown();
}

#[test]
fn an_invite_made_online_admits_a_newcomer_who_can_then_be_removed() {
    let mut gui = Gui::open_online(gardeners);
    gui.until("the community", |h| has(h, "Invite"));
    gui.harness.get_by_label("Invite").click();
    gui.until("the invite view", |h| has(h, "Create invite"));
    assert!(
        gui.harness
            .query_by_label_contains("Invites need this device to be online")
            .is_none()
    );
    gui.harness.get_by_label("30 days").click();
    gui.harness.step();
    gui.harness.get_by_label("Create invite").click();
    gui.until("the ticket", |h| {
        h.query_by_label("Invite ticket")
            .and_then(|t| t.value())
            .is_some_and(|v| v.starts_with("copse"))
    });
    let line = gui
        .harness
        .get_by_label("Invite ticket")
        .value()
        .unwrap_or_default();
    assert!(has(
        &gui.harness,
        "Send this to the newcomer; they paste it in Join with an invite while you are online."
    ));
    assert!(has(&gui.harness, "QR code of the invite"));
    assert!(
        gui.harness
            .query_by_label_contains("This invite admits 1 more person · expires")
            .is_some(),
        "uses and expiry are shown with the ticket"
    );
    gui.harness.get_by_label("Copy").click();
    gui.until("the copy to be confirmed", |h| has(h, "Copied."));

    // Stored with the chosen limits: one use, thirty days.
    let (id, invite) = gui.runtime.block_on(async {
        let id = gui.node.resolve_community(None).unwrap();
        let c = gui.node.community(&id).await.unwrap();
        let invite = c.invites.values().next().unwrap().clone();
        (id, invite)
    });
    assert_eq!(invite.max_uses, Some(1));
    let days = (invite.expires_at.unwrap().0 - invite.created_at.0) / (24 * 60 * 60 * 1000);
    assert_eq!(days, 30);

    // A newcomer pastes the text from the window and joins.
    let bob_dir = tempfile::tempdir().unwrap();
    let bob = gui.runtime.block_on(async {
        let bob = Node::open(NodeConfig::online(bob_dir.path(), NetConfig::loopback()))
            .await
            .unwrap();
        let ticket: InviteTicket = line.parse().unwrap();
        bob.join(&ticket, "Bob", Duration::from_secs(30))
            .await
            .unwrap();
        bob
    });
    gui.until("the invite to be used up", |h| {
        h.query_by_label_contains("used up").is_some()
    });

    gui.harness.get_by_label("Members").click();
    gui.until("Bob in the directory, online", |h| {
        has(h, "Remove Bob") && has(h, "online now")
    });

    // The confirmation says what removal cannot do; Esc closes it and changes nothing.
    gui.harness.get_by_label("Remove Bob").click();
    gui.until("the confirmation", |h| has(h, REMOVAL_WARNING));
    gui.harness.key_press(Key::Escape);
    gui.until("the confirmation to close", |h| !has(h, REMOVAL_WARNING));
    assert!(has(&gui.harness, "Remove Bob"));

    gui.harness.get_by_label("Remove Bob").click();
    gui.until("the confirmation", |h| has(h, REMOVAL_WARNING));
    gui.harness.get_by_label("Cancel").click();
    gui.until("the confirmation to close", |h| !has(h, REMOVAL_WARNING));

    gui.harness.get_by_label("Remove Bob").click();
    gui.until("the confirmation", |h| has(h, REMOVAL_WARNING));
    gui.harness.get_by_label("Remove").click();
    gui.until("Bob to be gone", |h| {
        !has(h, "Remove Bob") && !has(h, REMOVAL_WARNING)
    });
    let members = gui.runtime.block_on(async {
        let c = gui.node.community(&id).await.unwrap();
        c.members
            .values()
            .map(|m| m.name.clone())
            .collect::<Vec<_>>()
    });
    assert_eq!(members, vec!["Ada"]);

    drop(gui.harness);
    gui.runtime.block_on(async {
        bob.shutdown().await.unwrap();
        gui.node.shutdown().await.unwrap();
    });
}

/// The status bar says what is only on this device until a member's device confirms it holds
/// it (a receipt read from its disk), then stops saying so.
#[test]
fn the_status_bar_says_not_yet_shared_until_a_member_holds_it() {
    let mut gui = Gui::open_online(|node, runtime| {
        gardeners(node, runtime);
        runtime.block_on(async {
            let id = node.resolve_community(None).unwrap();
            node.add_note(&id, "Seed swap", "Bring seeds")
                .await
                .unwrap();
        });
    });
    gui.until("nothing shared yet", |h| {
        h.query_by_label_contains("Not yet shared: ").is_some()
    });

    let bob_dir = tempfile::tempdir().unwrap();
    let _bob = gui.runtime.block_on(async {
        let id = gui.node.resolve_community(None).unwrap();
        let ticket = gui.node.create_invite(&id, None, Some(1)).await.unwrap();
        let bob = Node::open(NodeConfig::online(bob_dir.path(), NetConfig::loopback()))
            .await
            .unwrap();
        bob.join(&ticket, "Bob", Duration::from_secs(30))
            .await
            .unwrap();
        bob
    });
    gui.until("Bob's device to hold everything", |h| {
        h.query_by_label_contains("Not yet shared").is_none()
    });
    gui.shutdown();
}

/// Members → Your devices: *Add a device* makes a device invite; another device joining with it
/// is listed under your name (not as a new member), and *Remove…* with its confirmation takes it
/// off the roster while you stay a member.
#[test]
fn another_device_is_linked_from_the_window_listed_as_yours_and_removed() {
    let mut gui = Gui::open_online(gardeners);
    gui.until("the community", |h| has(h, "Members"));
    gui.harness.get_by_label("Members").click();
    gui.until("your devices", |h| {
        has(h, "Your devices") && has(h, "This device")
    });
    gui.type_into("New device's name", "Desktop");
    gui.harness.get_by_label("Add a device").click();
    gui.until("the device invite", |h| {
        h.query_by_label("Device invite")
            .and_then(|t| t.value())
            .is_some_and(|v| v.starts_with("copse"))
    });
    let line = gui
        .harness
        .get_by_label("Device invite")
        .value()
        .unwrap_or_default();

    let desk_dir = tempfile::tempdir().unwrap();
    let desk = gui.runtime.block_on(async {
        let desk = Node::open(NodeConfig::online(desk_dir.path(), NetConfig::loopback()))
            .await
            .unwrap();
        let ticket: InviteTicket = line.parse().unwrap();
        let joined = desk
            .join(&ticket, "ada-desktop", Duration::from_secs(30))
            .await
            .unwrap();
        assert!(joined.linked_device);
        desk
    });
    gui.until("the desktop among your devices", |h| {
        has(h, "Desktop") && has(h, "Remove…")
    });
    assert!(
        gui.harness.query_by_label("Remove ada-desktop").is_none(),
        "not a new member in the directory"
    );

    gui.harness.get_by_label("Remove…").click();
    gui.until("the confirmation", |h| has(h, "Remove Desktop"));
    gui.harness.get_by_label("Remove Desktop").click();
    gui.until("the desktop to be gone", |h| !has(h, "Remove…"));
    let (members, devices) = gui.runtime.block_on(async {
        let id = gui.node.resolve_community(None).unwrap();
        let c = gui.node.community(&id).await.unwrap();
        let ada = c.members.values().next().unwrap().devices.len();
        (c.members.len(), ada)
    });
    assert_eq!((members, devices), (1, 1), "Ada stays, with one device");

    drop(gui.harness);
    gui.runtime.block_on(async {
        desk.shutdown().await.unwrap();
        gui.node.shutdown().await.unwrap();
    });
}

/// "This device" in Members: keeping copse syncing with the window closed is saved beside the
/// data (where the running copse reads it when its window closes), and Ctrl+Q asks to quit
/// whatever that setting says.
#[test]
fn keeping_copse_syncing_in_the_background_is_saved_and_ctrl_q_quits() {
    use copse::instance::BackgroundSettings;
    use eframe::egui::Modifiers;
    use std::sync::atomic::Ordering;

    let mut gui = Gui::open_with(gardeners);
    gui.until("the community", |h| has(h, "Members"));
    gui.harness.get_by_label("Members").click();
    let keep = "Keep syncing in the background when the window is closed";
    gui.until("this device's settings", |h| has(h, keep));
    assert!(has(
        &gui.harness,
        "Closing the window stops copse; members sync with this device only while it runs."
    ));
    assert!(!BackgroundSettings::load(gui.node.data_dir()).keep_syncing);

    gui.harness.get_by_label(keep).click();
    gui.until("the new explanation", |h| {
        has(
            h,
            "Closing the window leaves copse syncing; start copse again to see it. Quit stops it.",
        )
    });
    assert!(BackgroundSettings::load(gui.node.data_dir()).keep_syncing);

    let quit = gui.harness.state().quit_flag();
    assert!(!quit.load(Ordering::SeqCst));
    gui.harness.key_press_modifiers(Modifiers::COMMAND, Key::Q);
    gui.harness.step();
    assert!(quit.load(Ordering::SeqCst), "Ctrl+Q asks copse to quit");
    gui.shutdown();
}

/// The Invite view for a steward: an invite for a reader, withdrawn from the list; and the
/// stewards' setting that keeps invites to stewards, stored in the community.
#[test]
fn a_steward_invites_a_reader_withdraws_it_and_keeps_invites_to_stewards() {
    use copse::model::{InviteStatus, MemberRole};

    let mut gui = Gui::open_online(gardeners);
    gui.until("the community", |h| has(h, "Invite"));
    gui.harness.get_by_label("Invite").click();
    gui.until("the invite form", |h| {
        has(h, "Create invite") && has(h, "steward")
    });
    gui.harness.get_by_label("reader").click();
    gui.harness.get_by_label("Create invite").click();
    gui.until("the new invite in the list", |h| has(h, "Withdraw"));
    let stored = |gui: &Gui| {
        gui.runtime.block_on(async {
            let id = gui.node.resolve_community(None).unwrap();
            gui.node.community(&id).await.unwrap()
        })
    };
    // The invite is recorded, then given its role: wait for both.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while stored(&gui).invites.values().next().unwrap().role != Some(MemberRole::Reader) {
        assert!(
            std::time::Instant::now() < deadline,
            "the invite is not for a reader"
        );
        gui.harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }

    gui.until("the list saying it is for a reader", |h| {
        h.query_by_label_contains("joins as reader").is_some()
    });
    gui.harness.get_by_label("Withdraw").click();
    gui.until("the invite withdrawn", |h| !has(h, "Withdraw"));
    let now = gui.node.now();
    let community = stored(&gui);
    assert_eq!(
        community.invites.values().next().unwrap().status(now),
        InviteStatus::Revoked
    );

    gui.harness.get_by_label("Members may make invites").click();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !stored(&gui).stewards_only_invite {
        assert!(
            std::time::Instant::now() < deadline,
            "the setting was not saved"
        );
        gui.harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    gui.shutdown();
}
