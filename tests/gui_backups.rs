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
