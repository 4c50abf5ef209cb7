//! The real `App` driven by accessible labels with egui_kittest, as a person would: no display,
//! no GPU. The node runs on a tokio runtime beside the harness, as in the app.

use std::time::{Duration, Instant};

use copse::node::{NetConfig, Node, NodeConfig};
use copse::ui::App;
use copse::ui::bridge::Bridge;
use eframe::egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

/// The app in a test harness, with its node and runtime. Shared by the GUI test modules.
pub struct Gui {
    pub harness: Harness<'static, App>,
    pub node: Node,
    pub runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

impl Gui {
    /// The app on a fresh, empty data folder (the first-run screen).
    pub fn open() -> Gui {
        Gui::open_with(|_, _| {})
    }

    /// The app on a data folder that `setup` filled first (e.g. a community with notes).
    pub fn open_with(setup: impl FnOnce(&Node, &tokio::runtime::Runtime)) -> Gui {
        Gui::open_on(|dir| NodeConfig::offline(dir), setup)
    }

    /// Like [`Gui::open_with`], with the node on loopback (relays and mDNS off), so it can
    /// invite and sync.
    pub fn open_online(setup: impl FnOnce(&Node, &tokio::runtime::Runtime)) -> Gui {
        Gui::open_on(|dir| NodeConfig::online(dir, NetConfig::loopback()), setup)
    }

    fn open_on(
        config: impl FnOnce(&std::path::Path) -> NodeConfig,
        setup: impl FnOnce(&Node, &tokio::runtime::Runtime),
    ) -> Gui {
        let dir = tempfile::tempdir().unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let node = runtime.block_on(Node::open(config(dir.path()))).unwrap();
        setup(&node, &runtime);
        let handle = runtime.handle().clone();
        let app_node = node.clone();
        let harness = Harness::builder()
            .with_size([1100.0, 720.0])
            .build_eframe(move |_cc| {
                App::new(
                    Bridge::start(app_node.clone(), &handle, || {}),
                    app_node.device_id().to_string(),
                )
            });
        Gui {
            harness,
            node,
            runtime,
            _dir: dir,
        }
    }

    /// Steps frames (real time passes) until `ready` holds; bounded by count and time.
    pub fn until(&mut self, what: &str, ready: impl Fn(&Harness<'static, App>) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        for _ in 0..3_000 {
            self.harness.step();
            if ready(&self.harness) {
                return;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("gave up waiting for {what}");
    }

    pub fn type_into(&mut self, label: &str, text: &str) {
        self.harness.get_by_label(label).focus();
        self.harness.step();
        self.harness.get_by_label(label).type_text(text);
        self.harness.step();
    }

    pub fn shutdown(self) {
        drop(self.harness);
        self.runtime.block_on(self.node.shutdown()).unwrap();
    }
}

/// The text in the field with this label ("" when there is none).
pub fn value(gui: &Gui, label: &str) -> String {
    gui.harness
        .query_by_label(label)
        .and_then(|n| n.value())
        .unwrap_or_default()
}

pub fn has(h: &Harness<'static, App>, label: &str) -> bool {
    h.query_by_label(label).is_some()
}

#[test]
fn first_run_creates_a_community_and_writes_a_note() {
    let mut gui = Gui::open();
    gui.until("the welcome screen", |h| has(h, "Create community"));
    assert!(
        has(&gui.harness, "Join"),
        "joining with an invite is offered too"
    );

    gui.type_into("Community name", "Gardeners");
    gui.type_into("Purpose", "Grow food together");
    gui.type_into("Your display name", "Ada");
    gui.harness.get_by_label("Create community").click();
    gui.until("the community's home", |h| {
        has(h, "Notes") && has(h, "Recently changed")
    });
    assert!(
        gui.harness
            .query_by_label_contains("Grow food together")
            .is_some(),
        "the purpose is on Home"
    );

    // Ctrl+N, a title, Enter: the note opens in the editor.
    gui.harness.key_press_modifiers(Modifiers::COMMAND, Key::N);
    gui.until("the new note dialog", |h| has(h, "New note title"));
    gui.type_into("New note title", "Soil notes");
    gui.harness.get_by_label("Create").click();
    gui.until("the note editor", |h| has(h, "Note body (Markdown)"));
    gui.type_into("Note body (Markdown)", "Compost needs air. Grüße");
    gui.until("the edit to be saved", |h| {
        has(h, "All changes saved") && !h.state().has_unsent_edit()
    });

    // The note is in the list and really stored.
    assert_eq!(
        gui.harness.query_all_by_label("Soil notes").count(),
        2,
        "in the list and as the editor's heading"
    );
    let stored = gui.runtime.block_on(async {
        let id = gui.node.resolve_community(None).unwrap();
        let community = gui.node.community(&id).await.unwrap();
        let (note, _) = community.notes.iter().next().unwrap();
        gui.node
            .note(&id, note)
            .await
            .unwrap()
            .body
            .as_str()
            .to_string()
    });
    assert_eq!(stored, "Compost needs air. Grüße");
    gui.shutdown();
}

#[test]
fn search_filters_notes_and_esc_closes_the_dialog() {
    let mut gui = Gui::open_with(|node, runtime| {
        runtime.block_on(async {
            let id = node.create_community("Gardeners", "", "Ada").await.unwrap();
            node.add_note(&id, "Compost basics", "").await.unwrap();
            node.add_note(&id, "Seed swap", "").await.unwrap();
        });
    });
    gui.until("the community", |h| has(h, "Notes"));
    gui.harness.get_by_label("Notes").click();
    gui.until("the note list", |h| {
        has(h, "Compost basics") && has(h, "Seed swap")
    });
    gui.type_into("Search notes", "seed");
    gui.until("the filtered list", |h| {
        has(h, "Seed swap") && !has(h, "Compost basics")
    });

    gui.harness.key_press_modifiers(Modifiers::COMMAND, Key::N);
    gui.until("the new note dialog", |h| has(h, "New note title"));
    gui.harness.key_press(Key::Escape);
    gui.until("the dialog to close", |h| !has(h, "New note title"));
    gui.shutdown();
}
