//! Everyday trust in the window (issue 12): the status bar never says "saved" over text that is
//! not stored, refused text stays in its field with the reason under it, the keyboard stays
//! where the next entry goes, and a case's phase moves on only when asked, with a way back.

use copse::model::limits::{MAX_BODY_BYTES, MAX_TITLE_BYTES};
use copse::model::{CaseId, CommunityId, Phase};
use eframe::egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable;

use crate::gui::{Gui, has, value};
use crate::gui_cases::{bo, case_by, community_with_cases};

const BODY: &str = "Note body (Markdown)";

fn community(gui: &Gui) -> CommunityId {
    gui.node.resolve_community(None).unwrap()
}

/// Some text on screen contains `text` (a field's reason, a hint).
fn shows(h: &egui_kittest::Harness<'static, copse::ui::App>, text: &str) -> bool {
    h.query_all_by_label_contains(text).next().is_some()
}

/// The status bar, the last line at the bottom of the window, contains `text`. The editor's
/// label line may say the same words, so where the text sits is what tells them apart.
fn status_says(h: &egui_kittest::Harness<'static, copse::ui::App>, text: &str) -> bool {
    let bottom = h.ctx.content_rect().bottom();
    h.query_all_by_label_contains(text).any(|n| {
        let r = n.rect();
        r.bottom() <= bottom + 1.0 && r.top() >= bottom - 40.0
    })
}

/// Ada's window on a community with two notes, "Seed swap" and "Compost".
fn two_notes() -> Gui {
    let mut gui = Gui::open_with(|node, rt| {
        rt.block_on(async {
            let id = node.create_community("Gardeners", "", "Ada").await.unwrap();
            node.add_note(&id, "Compost", "").await.unwrap();
            node.add_note(&id, "Seed swap", "first words")
                .await
                .unwrap();
        })
    });
    gui.until("the community", |h| has(h, "Notes"));
    gui.harness.get_by_label("Notes").click();
    gui.until("the notes", |h| has(h, "Seed swap") && has(h, "Compost"));
    gui
}

fn stored_body(gui: &Gui, title: &str) -> String {
    let c = community(gui);
    gui.runtime.block_on(async {
        let community = gui.node.community(&c).await.unwrap();
        let (id, _) = community
            .notes
            .iter()
            .find(|(_, e)| e.title == title)
            .unwrap();
        gui.node
            .note(&c, id)
            .await
            .unwrap()
            .body
            .as_str()
            .to_string()
    })
}

/// Issue 12, problem 1: a 1.2 MB paste used to leave "All changes saved" in the status bar, and
/// leaving the note silently threw the text away.
#[test]
fn a_note_over_the_limit_is_not_saved_says_so_and_leaving_it_asks() {
    let mut gui = two_notes();
    gui.harness.get_by_label("Seed swap").click();
    gui.until("the editor", |h| has(h, BODY));
    let paste = "twelve bytes\n".repeat(MAX_BODY_BYTES / 13 * 12 / 10);
    assert!(paste.len() > MAX_BODY_BYTES);
    gui.type_into(BODY, &paste);
    gui.until("the status bar to say it is not saved", |h| {
        status_says(h, "Not saved: the note is 1.2 MB, over the 1 MB limit")
    });
    assert!(!has(&gui.harness, "All changes saved"));
    assert_eq!(stored_body(&gui, "Seed swap"), "first words");

    // Leaving asks; keeping on editing keeps every byte and the status.
    gui.harness.get_by_label("Compost").click();
    gui.until("the question", |h| has(h, "Keep editing"));
    gui.harness.get_by_label("Keep editing").click();
    gui.until("the question to close", |h| !has(h, "Keep editing"));
    assert_eq!(value(&gui, BODY).len(), "first words".len() + paste.len());
    assert!(status_says(&gui.harness, "Not saved: the note is 1.2 MB"));

    // Discarding is a choice, and then the bar is honest again.
    gui.harness.get_by_label("Compost").click();
    gui.until("the question", |h| has(h, "Discard the unsaved text"));
    gui.harness.get_by_label("Discard the unsaved text").click();
    gui.until("Compost open and everything saved", |h| {
        h.query_all_by_label("Compost").count() == 2 && has(h, "All changes saved") && has(h, BODY)
    });
    assert_eq!(value(&gui, BODY), "");
    assert_eq!(stored_body(&gui, "Seed swap"), "first words");
    gui.shutdown();
}

/// Issue 12, problems 2, 4 and 5: in the new-note title field Enter did nothing, an empty title
/// did nothing without a word, and after Create the keyboard was in "Search notes".
#[test]
fn the_new_note_title_says_why_keeps_the_text_and_the_body_gets_the_keyboard() {
    let mut gui = two_notes();
    let search_at = gui.harness.get_by_label("Search notes").rect();
    gui.harness.get_by_label("New note (Ctrl+N)").click();
    gui.until("the title field", |h| has(h, "New note title"));
    assert!(gui.harness.get_by_label("New note title").is_focused());
    let search_with_form = gui.harness.get_by_label("Search notes").rect();

    // Enter on an empty title: the reason, in place, and the field keeps the keyboard.
    gui.harness.key_press(Key::Enter);
    gui.until("the reason", |h| {
        shows(h, "A note's title must not be empty")
    });
    assert!(gui.harness.get_by_label("New note title").is_focused());
    let moved = gui.harness.get_by_label("Search notes").rect().top() - search_with_form.top();
    assert!(
        moved.abs() < 0.5,
        "the reason takes a line kept for it: nothing below moves ({moved} px)"
    );
    assert!(search_with_form.top() > search_at.top());

    // Too long: refused with the reason, the text stays, and the status bar says so.
    let long = "t".repeat(MAX_TITLE_BYTES + 100);
    gui.type_into("New note title", &long);
    gui.harness.key_press(Key::Enter);
    gui.until("the refusal", |h| {
        shows(
            h,
            "A note's title is too long (400 bytes; the limit is 300 bytes)",
        ) && status_says(h, "Not saved: “New note title”")
    });
    assert_eq!(value(&gui, "New note title"), long);

    // Fixed, then Enter: the note opens with the keyboard in its body.
    gui.harness.get_by_label("New note title").focus();
    gui.harness.step();
    gui.harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
    gui.harness
        .get_by_label("New note title")
        .type_text("Worms");
    gui.harness.step();
    assert_eq!(value(&gui, "New note title"), "Worms");
    gui.harness.key_press(Key::Enter);
    gui.until("the new note's editor", |h| {
        has(h, BODY) && h.query_all_by_label("Worms").count() == 2
    });
    gui.until("the keyboard in the body", |h| {
        h.get_by_label(BODY).is_focused()
    });
    // The new note's write may still be under way ("Saving…"); then it is stored.
    gui.until("the status bar says saved", |h| has(h, "All changes saved"));
    gui.shutdown();
}

/// Issue 12, problem 2: a 400-byte topic title was refused and the field cleared.
#[test]
fn a_refused_topic_title_stays_with_the_reason_and_the_status_bar_says_not_saved() {
    let mut gui = Gui::open_with(|node, rt| {
        rt.block_on(node.create_community("Gardeners", "", "Ada"))
            .unwrap();
    });
    gui.until("the community", |h| has(h, "Topics"));
    gui.harness.get_by_label("Topics").click();
    gui.until("the topics", |h| has(h, "New topic"));
    gui.harness.get_by_label("Propose").click();
    gui.until("the reason for an empty title", |h| {
        shows(h, "A topic's title must not be empty")
    });
    let long = "soil-".repeat(80);
    gui.type_into("New topic", &long);
    gui.harness.get_by_label("Propose").click();
    gui.until("the refusal", |h| {
        shows(
            h,
            "A topic's title is too long (400 bytes; the limit is 300 bytes)",
        ) && status_says(h, "Not saved: “New topic”")
    });
    assert_eq!(value(&gui, "New topic"), long, "the text stays");
    assert!(!has(&gui.harness, "All changes saved"));
    gui.shutdown();
}

/// A profile the node refuses keeps the draft and the status bar says it is not saved.
#[test]
fn a_refused_profile_keeps_the_draft_and_the_status_bar_says_not_saved() {
    let mut gui = Gui::open_with(|node, rt| {
        rt.block_on(node.create_community("Gardeners", "", "Ada"))
            .unwrap();
    });
    gui.until("the community", |h| has(h, "Members"));
    gui.harness.get_by_label("Members").click();
    gui.until("the profile", |h| has(h, "Display name"));
    let long = "n".repeat(MAX_TITLE_BYTES + 1);
    gui.type_into("Display name", &long);
    gui.harness.get_by_label("Save profile").click();
    gui.until("the refusal", |h| {
        shows(h, "Your profile was not saved") && status_says(h, "Not saved: your profile")
    });
    assert!(
        value(&gui, "Display name").contains(&long),
        "the draft stays"
    );
    gui.shutdown();
}

fn the_only_case(gui: &Gui) -> CaseId {
    let c = community(gui);
    let community = gui.runtime.block_on(gui.node.community(&c)).unwrap();
    community.cases.keys().next().unwrap().clone()
}

fn phase(gui: &Gui) -> Phase {
    let c = community(gui);
    let id = the_only_case(gui);
    gui.runtime.block_on(gui.node.case(&c, &id)).unwrap().phase
}

/// Issue 12, problem 10: advice slipped into Clarify through the comment box with no nudge,
/// and moving a case on was one click with no confirmation and no way back.
#[test]
fn moving_a_case_on_asks_once_and_the_presenter_can_undo_it_until_someone_writes() {
    let mut gui = Gui::open_with(|node, rt| {
        rt.block_on(async {
            let c = node.create_community("Gardeners", "", "Ada").await.unwrap();
            node.open_case(&c, "Stuck reviews", "Nobody reviews on time.")
                .await
                .unwrap();
        })
    });
    gui.until("the community", |h| has(h, "Cases"));
    gui.harness.get_by_label("Cases").click();
    gui.until("the list", |h| has(h, "Stuck reviews"));
    gui.harness.get_by_label("Stuck reviews").click();
    gui.until("the case", |h| has(h, "Move to Suggest"));
    assert!(
        shows(&gui.harness, "Suggestions come later"),
        "the comment box reminds during Clarify"
    );

    gui.harness.get_by_label("Move to Suggest").click();
    gui.until("the question", |h| has(h, "Yes, move to Suggest"));
    gui.harness.get_by_label("Not yet").click();
    gui.until("the question to go", |h| has(h, "Move to Suggest"));
    assert_eq!(phase(&gui), Phase::Clarify, "asking moved nothing");

    gui.harness.get_by_label("Move to Suggest").click();
    gui.until("the question", |h| has(h, "Yes, move to Suggest"));
    gui.harness.get_by_label("Yes, move to Suggest").click();
    gui.until("Suggest, with the way back", |h| {
        has(h, Phase::Suggest.guidance()) && has(h, "Undo: back to Clarify")
    });
    assert!(!shows(&gui.harness, "Suggestions come later"));
    gui.harness.get_by_label("Undo: back to Clarify").click();
    gui.until("Clarify again", |h| {
        has(h, Phase::Clarify.guidance()) && !has(h, "Undo: back to Clarify")
    });
    assert_eq!(phase(&gui), Phase::Clarify);

    // Once someone writes in the new phase, the move stands.
    gui.harness.get_by_label("Move to Suggest").click();
    gui.until("the question", |h| has(h, "Yes, move to Suggest"));
    gui.harness.get_by_label("Yes, move to Suggest").click();
    gui.until("the undo", |h| has(h, "Undo: back to Clarify"));
    gui.type_into("Comment on this case", "Listening now");
    gui.harness.key_press(Key::Enter);
    gui.until("the undo to go", |h| {
        h.query_by_label_contains("Listening now").is_some() && !has(h, "Undo: back to Clarify")
    });
    assert_eq!(phase(&gui), Phase::Suggest);
    gui.shutdown();
}

/// Issue 12, problem 2: after Offer suggestion the keyboard left the box, so the next
/// suggestion typed straight after was lost. An empty one now says why.
#[test]
fn suggestions_in_a_row_keep_the_keyboard_in_the_box() {
    let mut ids = Vec::new();
    let mut gui = Gui::open_with(|node, rt| {
        ids = rt.block_on(community_with_cases(
            node,
            vec![case_by(&bo(), "Nobody volunteers", Phase::Suggest)],
        ));
    });
    gui.until("the community", |h| has(h, "Cases"));
    gui.harness.get_by_label("Cases").click();
    gui.until("the list", |h| has(h, "Nobody volunteers"));
    gui.harness.get_by_label("Nobody volunteers").click();
    gui.until("the suggestion box", |h| has(h, "Your suggestion"));
    gui.harness.get_by_label("Offer suggestion").click();
    gui.until("the reason for an empty suggestion", |h| {
        shows(h, "A suggestion must not be empty")
    });
    gui.type_into("Your suggestion", "Ask one person directly");
    gui.harness.get_by_label("Offer suggestion").click();
    gui.until("the first suggestion", |h| has(h, "Suggestions (1)"));
    assert!(
        gui.harness.get_by_label("Your suggestion").is_focused(),
        "the keyboard stays in the box after the button"
    );
    assert_eq!(value(&gui, "Your suggestion"), "");
    // Typed straight on, no click first: it lands in the box, and Enter offers it.
    gui.harness
        .get_by_label("Your suggestion")
        .type_text("Rotate the host");
    gui.harness.step();
    gui.harness.key_press(Key::Enter);
    gui.until("the second suggestion", |h| has(h, "Suggestions (2)"));
    assert!(gui.harness.get_by_label("Your suggestion").is_focused());
    let c = community(&gui);
    let stored = gui.runtime.block_on(gui.node.case(&c, &ids[0])).unwrap();
    let mut texts: Vec<_> = stored
        .suggestions
        .values()
        .map(|s| s.text.clone())
        .collect();
    texts.sort();
    assert_eq!(texts, ["Ask one person directly", "Rotate the host"]);
    gui.shutdown();
}

/// Issue 12, item 7 of the session's brief: one's own comment can be deleted from the window,
/// after a confirmation.
#[test]
fn an_own_note_comment_is_deleted_after_a_confirmation() {
    let mut gui = two_notes();
    gui.harness.get_by_label("Seed swap").click();
    gui.until("the editor", |h| has(h, BODY));
    gui.type_into("Add a comment", "Wrong note, sorry");
    gui.harness.key_press(Key::Enter);
    gui.until("the comment", |h| has(h, "Comments (1)"));
    gui.harness.get_by_label("Delete comment 1").click();
    gui.until("the question", |h| has(h, "Yes, delete comment 1"));
    gui.harness.get_by_label("Keep it").click();
    gui.until("the question to go", |h| has(h, "Delete comment 1"));
    assert!(has(&gui.harness, "Comments (1)"));
    gui.harness.get_by_label("Delete comment 1").click();
    gui.until("the question", |h| has(h, "Yes, delete comment 1"));
    gui.harness.get_by_label("Yes, delete comment 1").click();
    gui.until("no comments", |h| has(h, "Comments (0)"));
    let c = community(&gui);
    let comments = gui.runtime.block_on(async {
        let community = gui.node.community(&c).await.unwrap();
        let (id, _) = community
            .notes
            .iter()
            .find(|(_, e)| e.title == "Seed swap")
            .unwrap();
        gui.node.note(&c, id).await.unwrap().comments.len()
    });
    assert_eq!(comments, 0);
    gui.shutdown();
}
