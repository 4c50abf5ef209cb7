//! Two windows on two nodes (loopback, relays and mDNS off): what one member types in a note
//! appears in the other member's window, and two members typing in the same note at once both
//! keep their words.

use std::time::{Duration, Instant};

use automerge::transaction::Transactable;
use copse::model::NoteEdit;
use copse::model::format::{FORMAT, FORMAT_KEY, READ_ONLY};
use egui_kittest::kittest::{NodeT, Queryable};

use crate::gui::{Gui, has};

const BODY: &str = "Note body (Markdown)";

/// Ada's window on a community with one note, and Bo's window after joining it.
pub(crate) fn two_windows() -> (Gui, Gui) {
    let ada = Gui::open_online(|node, rt| {
        rt.block_on(async {
            let id = node
                .create_community("Gardeners", "grow", "Ada")
                .await
                .unwrap();
            node.add_note(&id, "Seed swap", "").await.unwrap();
        })
    });
    let ticket = ada.runtime.block_on(async {
        let id = ada.node.resolve_community(None).unwrap();
        ada.node.create_invite(&id, None, Some(1)).await.unwrap()
    });
    let bo = Gui::open_online(|node, rt| {
        rt.block_on(node.join(&ticket, "Bo", Duration::from_secs(30)))
            .unwrap();
    });
    (ada, bo)
}

fn open_the_note(gui: &mut Gui) {
    gui.until("the community", |h| has(h, "Notes"));
    gui.harness.get_by_label("Notes").click();
    gui.until("the note in the list", |h| has(h, "Seed swap"));
    gui.harness.get_by_label("Seed swap").click();
    gui.until("the editor", |h| has(h, BODY));
}

fn body(gui: &Gui) -> String {
    gui.harness
        .query_by_label(BODY)
        .and_then(|n| n.value())
        .unwrap_or_default()
}

/// Steps both windows (time passes, edits are sent) until `ready` holds for both bodies.
fn until_both(a: &mut Gui, b: &mut Gui, what: &str, ready: impl Fn(&str, &str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    for _ in 0..3_000 {
        a.harness.step();
        b.harness.step();
        if ready(&body(a), &body(b)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {:?} / {:?}",
            body(a),
            body(b)
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("gave up waiting for {what}");
}

#[test]
fn text_typed_in_one_window_appears_in_the_other_and_both_typists_keep_their_words() {
    let (mut ada, mut bo) = two_windows();
    open_the_note(&mut ada);
    open_the_note(&mut bo);

    ada.type_into(BODY, "Bring seeds.");
    until_both(&mut ada, &mut bo, "Ada's words in Bo's window", |_, b| {
        b == "Bring seeds."
    });

    // Both type before either edit is saved: neither loses a word.
    ada.type_into(BODY, " Ada brings beans.");
    bo.type_into(BODY, " Bo brings kale.");
    until_both(
        &mut ada,
        &mut bo,
        "both sentences in both windows",
        |a, b| a == b && a.contains("Ada brings beans.") && a.contains("Bo brings kale."),
    );
    assert!(body(&ada).contains("Bring seeds."));
    for gui in [&mut ada, &mut bo] {
        gui.until("the edits to be saved", |h| has(h, "All changes saved"));
    }

    drop(bo.harness);
    bo.runtime.block_on(bo.node.shutdown()).unwrap();
    ada.shutdown();
}

#[test]
fn an_earlier_version_is_compared_word_by_word_and_restored() {
    let mut gui = Gui::open_with(|node, rt| {
        rt.block_on(async {
            let id = node
                .create_community("Gardeners", "grow", "Ada")
                .await
                .unwrap();
            let note = node
                .add_note(&id, "Seed swap", "first draft")
                .await
                .unwrap();
            node.edit_note(&id, &note, NoteEdit::Replace("second draft".into()))
                .await
                .unwrap();
        })
    });
    open_the_note(&mut gui);
    gui.harness.get_by_label("History").click();
    gui.until("the history", |h| {
        h.query_by_label_contains("Ada added the note").is_some()
            && h.query_by_label_contains("Ada edited the note").is_some()
    });
    gui.harness
        .get_by_label_contains("Ada added the note")
        .click();
    // One column, word by word: "first" struck out, "second" put in, "draft" kept.
    gui.until("what changed since then", |h| {
        h.query_by_label("Changes since then")
            .and_then(|n| n.value())
            == Some("first second draft".into())
    });
    assert!(
        gui.harness
            .query_by_label_contains("1 insertion and 1 deletion in the text")
            .is_some()
    );
    assert!(
        gui.harness
            .query_by_label_contains("What changed from ")
            .is_some()
    );
    gui.harness.get_by_label("Restore this version").click();
    gui.until("the restore in the history", |h| {
        h.query_by_label_contains("Ada restored an earlier version")
            .is_some()
    });
    gui.harness.key_press(eframe::egui::Key::Escape);
    gui.until("the editor again", |h| has(h, BODY));
    assert_eq!(body(&gui), "first draft");
    gui.shutdown();
}

/// Regression: a comment the node refuses used to vanish from its box; it stays, with the
/// reason under it, and the status bar says it is not saved.
#[test]
fn a_refused_note_comment_stays_in_its_box() {
    const COMMENT: &str = "Add a comment";
    let mut gui = Gui::open_with(|node, rt| {
        rt.block_on(async {
            let id = node
                .create_community("Gardeners", "grow", "Ada")
                .await
                .unwrap();
            node.add_note(&id, "Seed swap", "").await.unwrap();
        })
    });
    open_the_note(&mut gui);
    // One byte over the limit on a comment's length.
    let too_long = "x".repeat(copse::model::limits::MAX_SHORT_TEXT_BYTES + 1);
    gui.type_into(COMMENT, &too_long);
    gui.harness.get_by_label("Comment").click();
    gui.until("the refusal, and the text in its box", |h| {
        h.query_all_by_label_contains("A comment is too long (64 KB")
            .next()
            .is_some()
            && h.query_by_label_contains("Not saved: “Add a comment”")
                .is_some()
            && h.query_by_label(COMMENT).and_then(|n| n.value()).as_deref()
                == Some(too_long.as_str())
    });
    assert!(has(&gui.harness, "Comments (0)"), "nothing was stored");
    gui.shutdown();
}

#[test]
fn a_note_from_a_newer_copse_says_so_and_cannot_be_edited_here() {
    let mut made = None;
    let mut gui = Gui::open_with(|node, rt| {
        made = Some(rt.block_on(async {
            let id = node
                .create_community("Gardeners", "grow", "Ada")
                .await
                .unwrap();
            let newer = node
                .add_note(&id, "Seed swap", "bring seeds")
                .await
                .unwrap();
            node.add_note(&id, "Soil", "compost").await.unwrap();
            // What a newer copse leaves: a format this one does not edit.
            node.change_raw(newer.as_str(), |d| {
                let mut tx = d.transaction();
                tx.put(automerge::ROOT, FORMAT_KEY, FORMAT + 1).unwrap();
                tx.commit();
            })
            .await
            .unwrap();
            (id, newer)
        }))
    });
    let (c, note) = made.unwrap();
    open_the_note(&mut gui);
    gui.until("the note's text", |h| body_is(h, "bring seeds"));
    assert!(has(&gui.harness, READ_ONLY), "the banner says why");
    for label in [BODY, "Comment"] {
        assert!(
            gui.harness
                .get_by_label(label)
                .accesskit_node()
                .is_disabled(),
            "{label} is disabled"
        );
    }
    gui.type_into(BODY, " and beans");
    for _ in 0..50 {
        gui.harness.step();
    }
    let stored = gui.runtime.block_on(gui.node.note(&c, &note)).unwrap();
    assert_eq!(
        stored.body.as_str(),
        "bring seeds",
        "nothing typed reaches the note"
    );
    assert!(body_is(&gui.harness, "bring seeds"));

    // A note in this copse's format is editable as ever.
    gui.harness.get_by_label("Soil").click();
    gui.until("the other note", |h| body_is(h, "compost"));
    assert!(!has(&gui.harness, READ_ONLY));
    assert!(
        !gui.harness
            .get_by_label(BODY)
            .accesskit_node()
            .is_disabled()
    );
    gui.shutdown();
}

fn body_is(h: &egui_kittest::Harness<'static, copse::ui::App>, text: &str) -> bool {
    h.query_by_label(BODY).and_then(|n| n.value()).as_deref() == Some(text)
}
