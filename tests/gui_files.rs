//! A note's files in the window, driven by label: the row names the file and its size, and
//! *Save as…* writes its bytes where the member says.

use std::time::{Duration, Instant};

use copse::model::DocRef;
use eframe::egui;
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

/// A PNG picture of `w` × `h` pixels.
fn png(w: u32, h: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    image::RgbaImage::from_fn(w, h, |x, y| {
        image::Rgba([(x * 6) as u8, (y * 8) as u8, 120, 255])
    })
    .write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )
    .unwrap();
    bytes
}

#[test]
fn an_image_inserted_into_a_note_shows_in_its_preview_and_a_damaged_one_says_so() {
    let outside = tempfile::tempdir().unwrap();
    let board = outside.path().join("board.png");
    std::fs::write(&board, png(40, 30)).unwrap();
    let broken = outside.path().join("broken.png");
    std::fs::write(&broken, b"these bytes are no picture").unwrap();
    let mut board_id = None;
    let mut gui = Gui::open_with(|node, rt| {
        rt.block_on(async {
            let id = node
                .create_community("Gardeners", "grow", "Ada")
                .await
                .unwrap();
            let note = node
                .add_note(
                    &id,
                    "Board",
                    "After the session:\n\n![old](attachment:gone)",
                )
                .await
                .unwrap();
            let on = DocRef::Note(note);
            board_id = Some(node.attach_file(&id, &on, &board).await.unwrap());
            node.attach_file(&id, &on, &broken).await.unwrap();
        })
    });
    let board_id = board_id.unwrap();
    gui.until("the community", |h| has(h, "Notes"));
    gui.harness.get_by_label("Notes").click();
    gui.until("the note in the list", |h| has(h, "Board"));
    gui.harness.get_by_label("Board").click();
    gui.until("the images are known to be here", |h| {
        h.query_all_by_label("Insert into text").count() == 2
    });
    // Rows are oldest first: the board, then the damaged one.
    gui.harness
        .query_all_by_label("Insert into text")
        .next()
        .unwrap()
        .click();
    gui.harness.step();
    gui.harness
        .query_all_by_label("Insert into text")
        .nth(1)
        .unwrap()
        .click();
    gui.until("the link in the text", |h| {
        h.query_by_label("Note body (Markdown)")
            .and_then(|n| n.value())
            .is_some_and(|v| v.contains(&format!("![board.png](attachment:{board_id})")))
    });
    gui.until("the damaged picture said in words", |h| {
        h.query_by_label_contains("broken.png — cannot be shown: not a PNG picture")
            .is_some()
    });
    assert!(
        gui.harness
            .query_by_label_contains("old — no longer attached")
            .is_some(),
        "an image of a file no longer attached is said in words"
    );
    let uri = format!("attachment:{board_id}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let size = loop {
        gui.harness.step();
        let poll = gui.harness.ctx.try_load_texture(
            &uri,
            egui::TextureOptions::default(),
            egui::load::SizeHint::default(),
        );
        if let Ok(egui::load::TexturePoll::Ready { texture }) = poll {
            break texture.size;
        }
        assert!(Instant::now() < deadline, "the picture never loaded");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(size, egui::vec2(40.0, 30.0), "the board, at its own size");
    assert!(
        gui.harness
            .query_by_label_contains("board.png — loading")
            .is_none(),
        "the preview shows the picture itself, not words"
    );
    gui.shutdown();
}
