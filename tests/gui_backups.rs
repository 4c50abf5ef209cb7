//! The Backups section under Export and import: empty at first, "Back up now" makes today's
//! backup and lists it, and "Restore…" says how to restore.

use egui_kittest::kittest::Queryable;

use crate::gui::{Gui, has};

#[test]
fn back_up_now_lists_todays_backup_and_restore_says_how() {
    let mut gui = Gui::open_with(|node, runtime| {
        runtime.block_on(async {
            let id = node.create_community("Gardeners", "", "Ada").await.unwrap();
            node.add_note(&id, "Compost basics", "").await.unwrap();
            node.flush().await.unwrap();
        })
    });
    gui.until("the community", |h| has(h, "Export"));
    gui.harness.get_by_label("Export").click();
    gui.until("the backups section", |h| has(h, "No backup yet."));
    gui.harness.get_by_label("Back up now").click();
    gui.until("the new backup", |h| {
        h.query_by_label_contains("2 documents").is_some()
    });
    let listed = gui.runtime.block_on(gui.node.backups()).unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].path.is_file());
    gui.harness.get_by_label("Restore…").click();
    gui.until("the instructions", |h| {
        h.query_by_label_contains("restore BACKUP_FILE").is_some()
    });
    gui.shutdown();
}

#[test]
fn restore_puts_a_backup_in_a_new_folder_beside_this_one_and_says_how_to_open_it() {
    let mut made = None;
    let mut gui = Gui::open_with(|node, runtime| {
        made = Some(runtime.block_on(async {
            let id = node.create_community("Gardeners", "", "Ada").await.unwrap();
            let note = node.add_note(&id, "Compost basics", "").await.unwrap();
            node.flush().await.unwrap();
            (id, note)
        }))
    });
    let (community, note) = made.unwrap();
    gui.until("the community", |h| has(h, "Export"));
    gui.harness.get_by_label("Export").click();
    gui.until("the backups section", |h| has(h, "No backup yet."));
    gui.harness.get_by_label("Back up now").click();
    gui.until("the new backup", |h| {
        h.query_by_label_contains("2 documents").is_some()
    });
    gui.harness.get_by_label("Restore…").click();
    gui.until("a button per backup", |h| {
        h.query_by_label_contains("Restore the backup of").is_some()
    });
    gui.harness
        .get_by_label_contains("Restore the backup of")
        .click();
    gui.until("the restore", |h| {
        h.query_by_label_contains("Restored 2 documents").is_some()
    });

    let data_dir = gui.node.data_dir().to_path_buf();
    let name = data_dir.file_name().unwrap().to_string_lossy().to_string();
    let restored = std::fs::read_dir(data_dir.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name().is_some_and(|n| {
                n.to_string_lossy()
                    .starts_with(&format!("{name}-restored-"))
            })
        })
        .expect("a new folder beside the data folder");
    let how = format!("copse --data-dir \"{}\"", restored.display());
    assert!(
        gui.harness.query_by_label_contains(&how).is_some(),
        "says how to open it: {how}"
    );

    // The restored folder is this device, with the note.
    let device = gui.node.device_id().clone();
    let (same_device, title) = gui.runtime.block_on(async {
        let node = copse::node::Node::open(copse::node::NodeConfig::offline(restored.clone()))
            .await
            .unwrap();
        let title = node.note(&community, &note).await.unwrap().title.clone();
        let same = *node.device_id() == device;
        node.shutdown().await.unwrap();
        (same, title)
    });
    std::fs::remove_dir_all(&restored).unwrap();
    assert!(same_device, "the restored folder is the same device");
    assert_eq!(title, "Compost basics");
    gui.shutdown();
}
