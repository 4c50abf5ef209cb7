//! Home: purpose and guidelines edited in place, and what another member changed listed as new
//! until it is opened.

use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable;

use crate::gui::{Gui, has};
use crate::gui_notes::two_windows;

#[test]
fn purpose_and_guidelines_are_edited_on_home() {
    let mut gui = Gui::open_with(|node, rt| {
        rt.block_on(node.create_community("Gardeners", "grow", "Ada"))
            .unwrap();
    });
    gui.until("home", |h| {
        has(h, "No guidelines yet: how do we work together?")
    });
    gui.harness
        .get_by_label("Edit purpose and guidelines")
        .click();
    gui.until("the fields", |h| has(h, "Guidelines") && has(h, "Save"));
    gui.type_into("Guidelines", "Listen first.");
    gui.harness.get_by_label("Save").click();
    gui.until("the guidelines on home", |h| has(h, "Listen first."));
    let stored = gui.runtime.block_on(async {
        let id = gui.node.resolve_community(None).unwrap();
        let c = gui.node.community(&id).await.unwrap();
        c.guidelines.as_str().to_string()
    });
    assert_eq!(stored, "Listen first.");
    gui.shutdown();
}

#[test]
fn a_note_another_member_wrote_is_new_until_opened() {
    let (mut ada, bo) = two_windows();
    ada.until("home", |h| has(h, "Nothing new since you last looked."));
    let id = bo.node.resolve_community(None).unwrap();
    bo.runtime
        .block_on(bo.node.add_note(&id, "Kale tips", "Pick young leaves"))
        .unwrap();

    // Ada's window is stepped while Bo's node syncs in the background.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !has(&ada.harness, "New: Kale tips") {
        assert!(Instant::now() < deadline, "Bo's note never showed as new");
        ada.harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        ada.harness
            .query_by_label_contains("changed by Bo")
            .is_some()
    );
    ada.harness.get_by_label("Notes").click();
    ada.until("the marker in the notes list", |h| {
        has(h, "Kale tips") && has(h, "new")
    });
    ada.harness.get_by_label("Home").click();
    ada.until("home", |h| has(h, "New: Kale tips"));
    ada.harness.get_by_label("New: Kale tips").click();
    ada.until("the note", |h| has(h, "Note body (Markdown)"));
    ada.harness.get_by_label("Home").click();
    ada.until("nothing new", |h| {
        has(h, "Nothing new since you last looked.")
    });
    // The read mark is kept in the data folder.
    let community = ada.node.resolve_community(None).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while ada.node.read_marks(&community).unwrap().is_empty() {
        assert!(Instant::now() < deadline, "the read mark was never stored");
        ada.harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }

    drop(bo.harness);
    bo.runtime.block_on(bo.node.shutdown()).unwrap();
    ada.shutdown();
}
