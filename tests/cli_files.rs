//! `copse attach`, `copse files` and `copse file …` on the real binary, with `--json`, and the
//! bad input they refuse in plain words without losing anything.

use crate::util::Folder;

#[test]
fn attach_list_save_rename_and_remove_a_file() {
    let folder = Folder::with_community();
    let note = folder.json(&["note", "add", "--title", "Talk"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let outside = tempfile::tempdir().unwrap();
    let source = outside.path().join("slides.pdf");
    let bytes: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&source, &bytes).unwrap();

    let attached = folder.json(&["attach", &note, source.to_str().unwrap()]);
    let id = attached[0]["id"].as_str().unwrap().to_string();
    assert_eq!(attached[0]["name"], "slides.pdf");

    let files = folder.json(&["files", &note]);
    assert_eq!(files.as_array().unwrap().len(), 1);
    assert_eq!(files[0]["id"], id.as_str());
    assert_eq!(files[0]["size"], 70_000);
    assert_eq!(files[0]["here"], true);
    assert_eq!(
        files[0]["hash"].as_str().unwrap(),
        iroh_blobs::Hash::new(&bytes).to_hex()
    );
    assert!(
        folder.ok(&["files"]).contains("68 KB"),
        "sizes in plain words"
    );

    // The space the community's files take, for people and scripts.
    let space = folder.json(&["files", "--space"]);
    assert_eq!(space["files"], 1);
    assert_eq!(space["bytes"], 70_000);
    assert_eq!(space["here"], 70_000);
    assert_eq!(
        folder.ok(&["files", "--space"]).trim(),
        "Files: 68 KB in 1 file"
    );

    let out = outside.path().join("copy.pdf");
    folder.ok(&["file", "save", &id, "--out", out.to_str().unwrap()]);
    assert_eq!(std::fs::read(&out).unwrap(), bytes);

    folder.ok(&["file", "rename", &id, "talk.pdf"]);
    assert_eq!(folder.json(&["files"])[0]["name"], "talk.pdf");
    let err = folder.fails(&["file", "rename", &id, "../talk.pdf"]);
    assert!(err.contains("no folders"), "{err}");

    // Export copies the file beside the pages and links it relatively from files.md.
    let export = outside.path().join("export");
    let report = folder.json(&["export", "--out", export.to_str().unwrap()]);
    assert_eq!(report["files"], 1);
    let copied = export.join("files").join(format!("{id}-talk.pdf"));
    assert_eq!(std::fs::read(&copied).unwrap(), bytes);
    let page = std::fs::read_to_string(export.join("files.md")).unwrap();
    assert!(
        page.contains(&format!("[talk.pdf](files/{id}-talk.pdf)")),
        "{page}"
    );
    assert!(page.contains("## Talk"), "{page}");

    folder.ok(&["file", "remove", &id]);
    assert_eq!(folder.json(&["files"]).as_array().unwrap().len(), 0);
}

#[test]
fn unreadable_empty_oversized_and_badly_named_files_are_refused_and_nothing_is_lost() {
    let folder = Folder::with_community();
    let note = folder.json(&["note", "add", "--title", "Talk"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let outside = tempfile::tempdir().unwrap();
    let good = outside.path().join("good.txt");
    std::fs::write(&good, b"kept").unwrap();
    folder.ok(&["attach", &note, good.to_str().unwrap()]);

    let missing = outside.path().join("missing.pdf");
    let err = folder.fails(&["attach", &note, missing.to_str().unwrap()]);
    assert!(err.contains("cannot read this file"), "{err}");

    let empty = outside.path().join("empty.txt");
    std::fs::write(&empty, b"").unwrap();
    let err = folder.fails(&["attach", &note, empty.to_str().unwrap()]);
    assert!(err.contains("the file is empty"), "{err}");

    let huge = outside.path().join("huge.bin");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(100 * 1024 * 1024 + 1)
        .unwrap();
    let err = folder.fails(&["attach", &note, huge.to_str().unwrap()]);
    assert!(
        err.contains("too large to attach") && err.contains("at most 100 MB"),
        "{err}"
    );

    let odd = outside.path().join("a\\b.txt");
    std::fs::write(&odd, b"x").unwrap();
    let err = folder.fails(&["attach", &note, odd.to_str().unwrap()]);
    assert!(err.contains("cannot be a file's name"), "{err}");

    // One bad file among good ones attaches none of them.
    let also_good = outside.path().join("also.txt");
    std::fs::write(&also_good, b"also").unwrap();
    folder.fails(&[
        "attach",
        &note,
        also_good.to_str().unwrap(),
        empty.to_str().unwrap(),
    ]);
    let files = folder.json(&["files"]);
    let names: Vec<_> = files
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["good.txt"]);
}

/// Export then import: a note's picture link points at the copied file in the export, and
/// importing the export into another community attaches the same bytes to the new note and
/// points its link at the new attachment. A link out of the imported folder attaches nothing.
#[test]
fn a_picture_in_a_note_survives_export_and_import_with_the_same_bytes() {
    let ada = Folder::with_community();
    let outside = tempfile::tempdir().unwrap();
    let picture = outside.path().join("white board.png");
    let bytes: Vec<u8> = (0..5_000u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(&picture, &bytes).unwrap();
    let note = ada.json(&["note", "add", "--title", "Board"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let file = ada.json(&["attach", &note, picture.to_str().unwrap()])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let secret = outside.path().join("secret.txt");
    std::fs::write(&secret, "not for export").unwrap();
    ada.ok(&[
        "note",
        "edit",
        &note,
        "--body",
        &format!("![board](attachment:{file}) and [outside](../../secret.txt)"),
    ]);

    let export = outside.path().join("export");
    ada.ok(&["export", "--out", export.to_str().unwrap()]);
    let page = std::fs::read_to_string(export.join("notes").join("board.md")).unwrap();
    let link = format!("![board](../files/{file}-white%20board.png)");
    assert!(page.contains(&link), "{page}");

    let bo = Folder::with_community();
    let report = bo.json(&["import", export.to_str().unwrap()]);
    assert_eq!(report["files_attached"], 1, "{report}");
    let files = bo.json(&["files"]);
    assert_eq!(files.as_array().unwrap().len(), 1, "{files}");
    assert_eq!(
        files[0]["hash"].as_str().unwrap(),
        iroh_blobs::Hash::new(&bytes).to_hex()
    );
    assert_eq!(
        files[0]["name"], "white board.png",
        "the export's id prefix goes"
    );
    let imported = bo.json(&["note", "list"]);
    let id = imported[0]["id"].as_str().unwrap();
    let body = bo.json(&["note", "show", id])["body"]
        .as_str()
        .unwrap()
        .to_string();
    let new_file = files[0]["id"].as_str().unwrap();
    assert!(
        body.starts_with(&format!(
            "![board](attachment:{new_file}) and [outside](../../secret.txt)"
        )),
        "{body}"
    );
}
