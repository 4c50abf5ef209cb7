//! The Search and Export views driven by their labels: Ctrl+F opens the one search box, results
//! carry their kind and open where they live; an export through the window writes the pages
//! and says how many it wrote.

use copse::model::community::NewTopic;
use eframe::egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable;

use crate::gui::{Gui, has};

fn gui_with_garden() -> Gui {
    Gui::open_with(|node, runtime| {
        runtime.block_on(async {
            let id = node.create_community("Gardeners", "", "Ada").await.unwrap();
            node.add_note(&id, "Compost basics", "Air and water.")
                .await
                .unwrap();
            node.add_note(&id, "Seed swap", "Bring compost for the beds.")
                .await
                .unwrap();
            node.add_topic(
                &id,
                NewTopic {
                    title: "Worm farming".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            node.flush().await.unwrap();
        })
    })
}

#[test]
fn ctrl_f_searches_everything_and_a_result_opens_its_note() {
    let mut gui = gui_with_garden();
    gui.until("the community", |h| has(h, "Recently changed"));
    gui.harness.key_press_modifiers(Modifiers::COMMAND, Key::F);
    gui.until("the search view", |h| has(h, "Search everything"));
    gui.harness.step();
    gui.harness
        .get_by_label("Search everything")
        .type_text("compost");
    gui.until("the results", |h| {
        has(h, "2 matches") && has(h, "Compost basics") && has(h, "Seed swap")
    });
    assert!(
        !has(&gui.harness, "Worm farming"),
        "only what matches is listed"
    );
    // A note written meanwhile (here by the node, as a peer's would arrive) joins the results.
    gui.runtime.block_on(async {
        let id = gui.node.resolve_community(None).unwrap();
        gui.node
            .add_note(&id, "Compost heap log", "")
            .await
            .unwrap();
    });
    gui.until("the new note in the results", |h| {
        has(h, "3 matches") && has(h, "Compost heap log")
    });
    // The body match shows as a snippet with its field.
    assert!(has(&gui.harness, "Bring compost for the beds."));
    assert!(has(&gui.harness, "body:"));

    gui.harness
        .get_by_label("Search everything")
        .type_text(" zebra");
    gui.until("no results", |h| {
        has(h, "Nothing matches \"compost zebra\".")
    });
    for _ in 0.." zebra".len() {
        gui.harness.key_press(Key::Backspace);
    }
    gui.until("the results again", |h| has(h, "Compost basics"));

    gui.harness.get_by_label("Compost basics").click();
    gui.until("the note editor", |h| has(h, "Note body (Markdown)"));
    assert!(has(&gui.harness, "Search notes"), "the Notes view is open");
    gui.shutdown();
}

#[test]
fn export_through_the_window_writes_the_pages() {
    let mut gui = gui_with_garden();
    let out = tempfile::tempdir().unwrap();
    let folder = out.path().join("garden-export");
    gui.until("the community", |h| has(h, "Export"));
    gui.harness.get_by_label("Export").click();
    gui.until("the export view", |h| has(h, "Export folder"));
    gui.harness.get_by_label("Export folder").focus();
    gui.harness.step();
    gui.harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
    gui.harness
        .get_by_label("Export folder")
        .type_text(folder.to_str().unwrap());
    gui.harness.step();
    gui.harness.get_by_label("Export community").click();
    gui.until("the outcome", |h| {
        h.query_by_label_contains("Exported 2 notes, 0 cases, 0 gatherings, 1 topics")
            .is_some()
    });
    assert!(folder.join("notes/compost-basics.md").is_file());
    assert!(folder.join("community.json").is_file());
    let readme = std::fs::read_to_string(folder.join("README.md")).unwrap();
    assert!(
        readme.contains("[Seed swap](notes/seed-swap.md)"),
        "{readme}"
    );
    gui.shutdown();
}
