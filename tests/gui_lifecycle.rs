//! Archive, delete, rename and undo in the window, by the buttons' labels.

use copse::model::Item;
use eframe::egui::Key;
use egui_kittest::kittest::Queryable;

use crate::gui::{Gui, has};

/// Ada's window on a community with a note written by mistake and one to keep.
fn window() -> Gui {
    Gui::open_with(|node, rt| {
        rt.block_on(async {
            let id = node
                .create_community("Gardeners", "grow", "Ada")
                .await
                .unwrap();
            node.add_note(&id, "Keep me", "").await.unwrap();
            node.add_note(&id, "Test note", "oops").await.unwrap();
        })
    })
}

fn the_note(gui: &Gui) -> (copse::model::CommunityId, Item) {
    let id = gui.node.resolve_community(None).unwrap();
    let c = gui.runtime.block_on(gui.node.community(&id)).unwrap();
    let note = c
        .notes
        .iter()
        .find(|(_, e)| e.title == "Test note")
        .map(|(n, _)| n.clone())
        .unwrap();
    (id, Item::Note(note))
}

/// Whether some widget is labelled `label` (the heading and the list row may both be).
fn any(h: &egui_kittest::Harness<'static, copse::ui::App>, label: &str) -> bool {
    h.query_all_by_label(label).next().is_some()
}

fn open_test_note(gui: &mut Gui) {
    gui.until("the community", |h| has(h, "Notes"));
    gui.harness.get_by_label("Notes").click();
    gui.until("the note in the list", |h| any(h, "Test note"));
    gui.harness.get_by_label("Test note").click();
    gui.until("the note's actions", |h| has(h, "Archive"));
}

#[test]
fn archiving_a_note_hides_it_from_the_list_and_undo_brings_it_back() {
    let mut gui = window();
    open_test_note(&mut gui);
    let (community, note) = the_note(&gui);
    let is_archived = |gui: &Gui| {
        let c = gui
            .runtime
            .block_on(gui.node.community(&community))
            .unwrap();
        c.is_archived(&note)
    };

    gui.harness.get_by_label("Archive").click();
    gui.until("the undo notice", |h| {
        has(h, "Archived note 'Test note'.") && has(h, "Unarchive")
    });
    assert!(is_archived(&gui));
    // The heading still names it, but the list no longer does…
    assert_eq!(gui.harness.query_all_by_label("Test note").count(), 1);
    // …unless archived notes are shown, marked as such.
    gui.harness.get_by_label("Show archived").click();
    gui.until("the archived row", |h| has(h, "Test note (archived)"));

    gui.harness.get_by_label("Undo").click();
    gui.until("the note back in the list", |h| {
        !has(h, "Test note (archived)") && has(h, "Archive")
    });
    assert!(!is_archived(&gui));
    gui.shutdown();
}

#[test]
fn deleting_a_note_asks_first_and_undo_restores_it() {
    let mut gui = window();
    open_test_note(&mut gui);
    let (community, note) = the_note(&gui);
    let listed = |gui: &Gui| {
        let c = gui
            .runtime
            .block_on(gui.node.community(&community))
            .unwrap();
        c.shows(&note, true)
    };

    gui.harness.get_by_label("Delete…").click();
    gui.until("the confirmation", |h| {
        has(h, "Delete the note 'Test note'?")
    });
    gui.harness.get_by_label("Keep it").click();
    gui.until("the dialog to close", |h| {
        !has(h, "Delete the note 'Test note'?")
    });
    assert!(listed(&gui), "keeping it changes nothing");

    gui.harness.get_by_label("Delete…").click();
    gui.until("the confirmation", |h| has(h, "Delete for everyone"));
    gui.harness.get_by_label("Delete for everyone").click();
    gui.until("the note to be gone", |h| {
        has(h, "This note was deleted. Undo brings it back.")
    });
    assert!(!listed(&gui));
    assert!(!any(&gui.harness, "Test note"), "not in the list");

    gui.harness.get_by_label("Undo").click();
    gui.until("the note back", |h| {
        any(h, "Test note") && has(h, "Archive")
    });
    assert!(listed(&gui));
    gui.shutdown();
}

#[test]
fn rename_saves_on_enter_and_escape_cancels() {
    let mut gui = window();
    open_test_note(&mut gui);
    let (community, note) = the_note(&gui);
    let title = |gui: &Gui| {
        let c = gui
            .runtime
            .block_on(gui.node.community(&community))
            .unwrap();
        c.title_of(&note).unwrap_or_default().to_string()
    };

    gui.harness.get_by_label("Rename").click();
    gui.until("the title field", |h| has(h, "New note title"));
    gui.type_into("New note title", " draft");
    gui.harness.key_press(Key::Escape);
    gui.until("the field to close", |h| !has(h, "New note title"));
    assert_eq!(title(&gui), "Test note");

    gui.harness.get_by_label("Rename").click();
    gui.until("the title field", |h| has(h, "New note title"));
    gui.type_into("New note title", " draft");
    gui.harness.key_press(Key::Enter);
    gui.until("the new title", |h| any(h, "Test note draft"));
    assert_eq!(title(&gui), "Test note draft");
    gui.shutdown();
}

/// A window on a community with one case, one topic and one gathering, all titled "Soil".
fn window_with_soil() -> Gui {
    Gui::open_with(|node, rt| {
        rt.block_on(async {
            let id = node
                .create_community("Gardeners", "grow", "Ada")
                .await
                .unwrap();
            node.open_case(&id, "Soil", "the beds are hard")
                .await
                .unwrap();
            node.add_topic(
                &id,
                copse::model::community::NewTopic {
                    title: "Soil".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            let when = copse::model::Timestamp(node.now().0 + 3 * 24 * 3600 * 1000);
            node.plan_gathering(&id, when, Some("Soil".into()))
                .await
                .unwrap();
        })
    })
}

/// Archives the "Soil" item of a view by its button, checks the list hides it and the
/// community marks it, then undoes it.
fn archive_and_undo(gui: &mut Gui, view: &str, kind: &str, archive_button: &str) {
    gui.until("the community", |h| has(h, view));
    gui.harness.get_by_label(view).click();
    gui.until("the item", |h| any(h, archive_button) || any(h, "Soil"));
    if view != "Topics" {
        gui.harness.get_all_by_label("Soil").next().unwrap().click();
    }
    gui.until("the archive button", |h| any(h, archive_button));
    gui.harness
        .get_all_by_label(archive_button)
        .next()
        .unwrap()
        .click();
    let notice = format!("Archived {kind} 'Soil'.");
    gui.until("the undo notice", |h| has(h, &notice));
    let id = gui.node.resolve_community(None).unwrap();
    let archived = |gui: &Gui| {
        let c = gui.runtime.block_on(gui.node.community(&id)).unwrap();
        c.archived
            .keys()
            .any(|k| k.starts_with(&format!("{kind}/")))
    };
    // The notice shows once the action is sent; the community holds it a moment later.
    let wait_for = |gui: &mut Gui, want: bool, what: &str| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while archived(gui) != want {
            assert!(std::time::Instant::now() < deadline, "{what}");
            gui.harness.step();
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    };
    wait_for(gui, true, &format!("{kind} archived"));
    gui.harness.get_by_label("Show archived").click();
    gui.until("the archived row", |h| {
        h.query_all_by_label_contains("Soil (archived)")
            .next()
            .is_some()
    });
    gui.harness.get_by_label("Undo").click();
    gui.until("the row no longer marked archived", |h| {
        !has(h, &notice)
            && h.query_all_by_label_contains("Soil (archived)")
                .next()
                .is_none()
    });
    wait_for(gui, false, &format!("{kind} back"));
}

#[test]
fn cases_topics_and_gatherings_archive_from_their_views_and_undo() {
    let mut gui = window_with_soil();
    archive_and_undo(&mut gui, "Cases", "case", "Archive");
    archive_and_undo(&mut gui, "Topics", "topic", "Archive Soil");
    archive_and_undo(&mut gui, "Gatherings", "gathering", "Archive");
    gui.shutdown();
}
