//! The bridge between the window and the [`Node`]: the UI thread sends [`Command`]s and drains
//! [`Event`]s each frame; it never blocks and never awaits. The node side runs on the tokio
//! runtime and calls `request_repaint` whenever it sends an event.

use std::sync::Arc;
use std::sync::mpsc;

use tokio::sync::{mpsc as async_mpsc, watch};
use tokio::task::JoinHandle;

use futures::future::BoxFuture;

use crate::clock::Clock;
use crate::model::practice::unread::ReadMarks;
use crate::model::{Case, CaseId, Community, CommunityId, Note, NoteEdit, NoteId, Timestamp};
use crate::net::ticket::InviteTicket;
use crate::node::{CommunitySummary, Node, NodeError, Review, SyncStatus};
use crate::store::StorageStatus;

/// The action named when creating a note fails, so the title field can take the reason.
pub const ADD_NOTE: &str = "add the note";

/// What the window asks of the node. Verbs.
pub enum Command {
    CreateCommunity {
        name: String,
        purpose: String,
        me: String,
    },
    Join {
        ticket: String,
        me: String,
    },
    OpenCommunity(CommunityId),
    AddNote {
        title: String,
    },
    OpenNote(NoteId),
    /// The editor's text changed from `from` (what it last showed) to `to`.
    EditNote {
        note: NoteId,
        from: String,
        to: String,
    },
    OpenCase(CaseId),
    /// Any other change to the open community: `run` gets the node and the community's id.
    /// The result shows through the community's snapshot; a failure as [`Event::Failed`].
    Do {
        action: &'static str,
        run: Action,
    },
}

/// A change a view asks for, run on the node side.
pub type Action =
    Box<dyn FnOnce(Node, CommunityId) -> BoxFuture<'static, Result<(), NodeError>> + Send>;

/// Builds a [`Command::Do`] from an async closure.
pub fn action<F, Fut>(action: &'static str, run: F) -> Command
where
    F: FnOnce(Node, CommunityId) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<(), NodeError>> + Send + 'static,
{
    Command::Do {
        action,
        run: Box::new(move |node, id| Box::pin(run(node, id))),
    }
}

/// What the node tells the window. Past tense.
#[derive(Debug)]
pub enum Event {
    CommunitiesListed(Vec<CommunitySummary>),
    CommunityChanged(CommunityId, Arc<Community>),
    /// This device's read marks for the community just opened.
    ReadMarks(ReadMarks),
    NoteChanged(NoteId, Arc<Note>),
    CaseChanged(CaseId, Arc<Case>),
    NoteCreated(NoteId),
    /// A note edit is on disk, and `body` is the note as that edit left it; or it failed, why.
    EditSaved {
        note: NoteId,
        body: Result<String, String>,
    },
    Joined(CommunityId),
    Failed {
        action: &'static str,
        error: String,
    },
    StorageChanged(StorageStatus),
    SyncChanged(SyncStatus),
    /// The open community's places to review, after they changed.
    ReviewsChanged(Vec<Review>),
}

/// The window's end of the bridge.
pub struct Bridge {
    commands: async_mpsc::UnboundedSender<Command>,
    events: mpsc::Receiver<Event>,
    /// The node's clock, so the window splits past from upcoming by the same "now".
    clock: Clock,
    /// The node's data folder, for the settings kept beside the data.
    data_dir: std::path::PathBuf,
}

impl Bridge {
    /// Starts the node side on `runtime`; `repaint` wakes the window.
    pub fn start(
        node: Node,
        runtime: &tokio::runtime::Handle,
        repaint: impl Fn() + Send + Sync + 'static,
    ) -> Bridge {
        let (commands, command_rx) = async_mpsc::unbounded_channel();
        let (event_tx, events) = mpsc::channel();
        let sender = EventSender {
            tx: event_tx,
            repaint: Arc::new(repaint),
        };
        let clock = node.clock().clone();
        let data_dir = node.data_dir().to_path_buf();
        runtime.spawn(serve(node, command_rx, sender));
        Bridge {
            commands,
            events,
            clock,
            data_dir,
        }
    }

    /// The node's data folder.
    pub fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    /// The time now, by the node's clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Queues a command; never blocks.
    pub fn send(&self, command: Command) {
        if self.commands.send(command).is_err() {
            tracing::error!("the node has stopped; the command was not sent");
        }
    }

    /// Events that arrived since the last call.
    pub fn drain(&self) -> Vec<Event> {
        self.events.try_iter().collect()
    }
}

#[derive(Clone)]
struct EventSender {
    tx: mpsc::Sender<Event>,
    repaint: Arc<dyn Fn() + Send + Sync>,
}

impl EventSender {
    fn send(&self, event: Event) -> bool {
        let sent = self.tx.send(event).is_ok();
        (self.repaint)();
        sent
    }
}

/// The node side of the bridge: runs each command in turn, and keeps the watches of the open
/// community, note and case.
async fn serve(
    node: Node,
    mut commands: async_mpsc::UnboundedReceiver<Command>,
    events: EventSender,
) {
    forward(node.storage_status(), events.clone(), Event::StorageChanged);
    forward(node.sync_status(), events.clone(), Event::SyncChanged);
    list_communities(&node, &events).await;
    let mut server = Server {
        node,
        events,
        current: None,
        community_watch: None,
        review_watch: None,
        note_watch: None,
        case_watch: None,
    };
    while let Some(command) = commands.recv().await {
        server.handle(command).await;
    }
}

/// What the node side holds between commands.
struct Server {
    node: Node,
    events: EventSender,
    /// The community the window shows; commands about notes and cases apply to it.
    current: Option<CommunityId>,
    community_watch: Option<JoinHandle<()>>,
    review_watch: Option<JoinHandle<()>>,
    note_watch: Option<JoinHandle<()>>,
    case_watch: Option<JoinHandle<()>>,
}

impl Server {
    async fn handle(&mut self, command: Command) {
        match command {
            Command::CreateCommunity { name, purpose, me } => {
                let created = self.node.create_community(&name, &purpose, &me).await;
                self.entered(created.map_err(|e| e.to_string()), "create the community")
                    .await;
            }
            Command::Join { ticket, me } => {
                let joined = match ticket.parse::<InviteTicket>() {
                    Ok(ticket) => self
                        .node
                        .join(&ticket, &me, std::time::Duration::from_secs(60))
                        .await
                        .map(|summary| summary.community)
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
                self.entered(joined, "join").await;
            }
            Command::OpenCommunity(id) => self.open_community(id).await,
            Command::AddNote { title } => {
                let Some(c) = &self.current else { return };
                match self.node.add_note(c, &title, "").await {
                    Ok(id) => {
                        self.events.send(Event::NoteCreated(id));
                    }
                    Err(e) => failed(&self.events, ADD_NOTE, e),
                }
            }
            Command::OpenNote(id) => self.open_note(id).await,
            Command::EditNote { note, from, to } => self.edit_note(note, from, to).await,
            Command::OpenCase(id) => self.open_case(id).await,
            Command::Do { action, run } => self.run(action, run),
        }
    }

    /// After creating or joining a community: the list again, and the window told which.
    async fn entered(&self, result: Result<CommunityId, String>, action: &'static str) {
        match result {
            Ok(id) => {
                list_communities(&self.node, &self.events).await;
                self.events.send(Event::Joined(id));
            }
            Err(error) => {
                self.events.send(Event::Failed { action, error });
            }
        }
    }

    async fn open_community(&mut self, id: CommunityId) {
        match self.node.watch_community(&id).await {
            Ok(rx) => {
                abort(&mut self.note_watch);
                abort(&mut self.case_watch);
                abort(&mut self.community_watch);
                abort(&mut self.review_watch);
                self.review_watch = Some(forward_reviews(&self.node, &id, self.events.clone()));
                let key = id.clone();
                self.community_watch = Some(forward(rx, self.events.clone(), move |c| {
                    Event::CommunityChanged(key.clone(), c)
                }));
                match self.node.read_marks(&id) {
                    Ok(marks) => {
                        self.events.send(Event::ReadMarks(marks));
                    }
                    Err(e) => failed(&self.events, "read what you have seen", e),
                }
                self.node.prepare_search(&id);
                self.current = Some(id);
            }
            Err(e) => failed(&self.events, "open the community", e),
        }
    }

    async fn open_note(&mut self, id: NoteId) {
        let Some(c) = &self.current else { return };
        match self.node.watch_note(c, &id).await {
            Ok(rx) => {
                abort(&mut self.note_watch);
                self.note_watch = Some(forward(rx, self.events.clone(), move |n| {
                    Event::NoteChanged(id.clone(), n)
                }));
            }
            Err(e) => failed(&self.events, "open the note", e),
        }
    }

    async fn edit_note(&self, note: NoteId, from: String, to: String) {
        let Some(c) = &self.current else { return };
        let edit = NoteEdit::Rebase { from, to };
        let saved = match self.node.edit_note(c, &note, edit).await {
            Ok(body) => self.node.flush().await.map(|()| body),
            Err(e) => Err(e),
        };
        let body = saved.map_err(|e| e.to_string());
        self.events.send(Event::EditSaved {
            note: note.clone(),
            body,
        });
        // Members' edits that landed while this one was saving were held back from the
        // editor; send the note as it is now so the editor catches up.
        if let Ok(latest) = self.node.note(c, &note).await {
            self.events.send(Event::NoteChanged(note, latest));
        }
    }

    async fn open_case(&mut self, id: CaseId) {
        let Some(c) = &self.current else { return };
        match self.node.watch_case(c, &id).await {
            Ok(rx) => {
                abort(&mut self.case_watch);
                self.case_watch = Some(forward(rx, self.events.clone(), move |k| {
                    Event::CaseChanged(id.clone(), k)
                }));
            }
            Err(e) => failed(&self.events, "open the case", e),
        }
    }

    /// Runs a view's action beside the loop, so a slow one never holds up the next command.
    fn run(&self, action: &'static str, run: Action) {
        let Some(c) = self.current.clone() else {
            return;
        };
        let (node, events) = (self.node.clone(), self.events.clone());
        tokio::spawn(async move {
            let done = match run(node.clone(), c).await {
                Ok(()) => node.flush().await,
                Err(e) => Err(e),
            };
            if let Err(e) = done {
                failed(&events, action, e);
            }
        });
    }
}

async fn list_communities(node: &Node, events: &EventSender) {
    match node.communities().await {
        Ok(list) => {
            events.send(Event::CommunitiesListed(list));
        }
        Err(e) => failed(events, "list the communities", e),
    }
}

fn failed(events: &EventSender, action: &'static str, error: impl std::fmt::Display) {
    events.send(Event::Failed {
        action,
        error: error.to_string(),
    });
}

fn abort(task: &mut Option<JoinHandle<()>>) {
    if let Some(task) = task.take() {
        task.abort();
    }
}

/// Sends the community's places to review now, and again whenever they change.
fn forward_reviews(node: &Node, id: &CommunityId, events: EventSender) -> JoinHandle<()> {
    let (node, id) = (node.clone(), id.clone());
    tokio::spawn(async move {
        let mut moved = node.watch_reviews();
        loop {
            moved.mark_unchanged();
            match node.reviews(&id).await {
                Ok(list) => {
                    if !events.send(Event::ReviewsChanged(list)) {
                        break;
                    }
                }
                Err(e) => tracing::debug!(error = %e, "could not list the places to review"),
            }
            if moved.changed().await.is_err() {
                break;
            }
        }
    })
}

/// Sends every value of `rx` (the current one first) as an event, until the window is gone.
fn forward<T: Clone + Send + Sync + 'static>(
    mut rx: watch::Receiver<T>,
    events: EventSender,
    event: impl Fn(T) -> Event + Send + 'static,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let value = rx.borrow_and_update().clone();
            if !events.send(event(value)) {
                break;
            }
            if rx.changed().await.is_err() {
                break;
            }
        }
    })
}
