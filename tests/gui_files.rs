//! A note's files in the window, driven by label: the row names the file and its size, and
//! *Save as…* writes its bytes where the member says.

use std::time::{Duration, Instant};

use copse::model::DocRef;
use egui_kittest::kittest::Queryable;

use crate::gui::{Gui, has};

#[test]
fn a_files_row_shows_its_size_and_save_as_writes_the_bytes() {
    let outside = tempfile::tempdir().unwrap();
    let source = outside.path().join("slides.pdf");
    let bytes: Vec<u8> = (0..1_250_000u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(&source, &bytes).unwrap();
    let mut gui = Gui::open_with(|node, rt| {
        rt.block_on(async {
            let id = node
                .create_community("Gardeners", "grow", "Ada")
                .await
                .unwrap();
            let note = node.add_note(&id, "Talk", "the slides").await.unwrap();
            node.attach_file(&id, &DocRef::Note(note), &source)
                .await
                .unwrap();
        })
    });
    gui.until("the community", |h| has(h, "Notes"));
    gui.until("Home's sizes name the space the files take", |h| {
        h.query_by_label_contains("1 note · 0 topics · 0 cases · Files: 1.2 MB")
            .is_some()
    });
    gui.harness.get_by_label("Notes").click();
    gui.until("the note in the list", |h| has(h, "Talk"));
    gui.harness.get_by_label("Talk").click();
    gui.until("the file's row", |h| has(h, "slides.pdf"));
    assert!(has(&gui.harness, "1.2 MB"), "the size in plain words");
    gui.until("the file is known to be here", |h| has(h, "Save as…"));
    assert!(has(&gui.harness, "Open"));

    gui.harness.get_by_label("Save as…").click();
    gui.until("the Save to field", |h| has(h, "Save to"));
    let out = outside.path().join("copy.pdf");
    gui.harness.get_by_label("Save to").focus();
    gui.harness.step();
    gui.harness
        .get_by_label("Save to")
        .type_text(&out.display().to_string());
    gui.harness.step();
    gui.harness.get_by_label("Save").click();
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::read(&out).ok().as_deref() != Some(&bytes[..]) {
        assert!(Instant::now() < deadline, "the saved copy never appeared");
        gui.harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    gui.shutdown();
}
