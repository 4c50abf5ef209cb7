//! The `copse` command line: headless commands on the same [`Node`] the window uses.
//!
//! Every command prints a short human answer, or with `--json` one JSON value in which every
//! listed item carries its `id`. Errors go to stderr as one sentence with a non-zero exit code.
//! A command that changes something reports success only after [`Node::shutdown`] has seen
//! every write reach the disk.

mod online;
mod output;
mod practices;
mod rhythm;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use crate::model::community::NewTopic;
use crate::model::{
    CaseId, DocRef, NoteEdit, NoteId, ProfileUpdate, QuestionId, TopicId, TopicStatus,
};
use crate::node::{Node, NodeConfig};
use output::Output;

/// copse: a local-first, peer-to-peer home for communities of practice.
///
/// Run with no command to open the app.
#[derive(Debug, Parser)]
#[command(name = "copse", version, about, long_about = None)]
pub struct Cli {
    /// The data folder (default: the platform's data folder, e.g. ~/.local/share/copse).
    #[arg(long, global = true, env = "COPSE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Which community, when the data folder holds several (see `copse communities`).
    #[arg(long, global = true, value_name = "ID")]
    pub community: Option<String>,

    /// Print machine-readable JSON.
    #[arg(long, global = true)]
    pub json: bool,

    /// Use iroh's public relays to reach members across the internet ("off": LAN only).
    #[arg(long, global = true, env = "COPSE_RELAY", value_name = "on|off", default_value = "on", action = clap::ArgAction::Set, value_parser = on_off)]
    pub relay: bool,

    /// Find members on the local network by mDNS.
    #[arg(long, global = true, env = "COPSE_MDNS", value_name = "on|off", default_value = "on", action = clap::ArgAction::Set, value_parser = on_off)]
    pub mdns: bool,

    /// The address to listen on for members (default: all interfaces, a remembered port).
    #[arg(long, global = true, env = "COPSE_BIND", value_name = "ADDR")]
    pub bind: Option<std::net::SocketAddr>,

    /// Open the window, save a PNG of it to FILE and exit (no command only).
    #[arg(long, value_name = "FILE")]
    pub screenshot: Option<PathBuf>,

    /// With --screenshot: the view to show (home, notes, topics, cases, gatherings, members,
    /// skills, objectives, pulse, search, export, invite). Notes and cases open the most
    /// recently changed one.
    #[arg(long, value_name = "NAME", requires = "screenshot")]
    pub view: Option<crate::ui::View>,

    #[command(subcommand)]
    pub command: Option<Command>,

    /// Where "now" comes from: the system clock, or `COPSE_NOW` (set by `main`).
    #[arg(skip)]
    pub clock: crate::clock::Clock,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a community in this data folder; prints its id.
    Init {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        purpose: String,
        /// Your display name in the community.
        #[arg(long, value_name = "DISPLAY_NAME")]
        me: Option<String>,
    },
    /// List the communities in this data folder.
    Communities,
    /// Show this device's identity and who it is in each community.
    Whoami,
    /// Community notes.
    #[command(subcommand)]
    Note(NoteCommand),
    /// Topics to explore together.
    #[command(subcommand)]
    Topic(TopicCommand),
    /// Peer-assist cases.
    #[command(subcommand)]
    Case(CaseCommand),
    /// Your own member profile, and removing a member.
    #[command(subcommand)]
    Member(MemberCommand),
    /// Create an invite; prints one line to send to the newcomer.
    Invite {
        /// How many people may join with it.
        #[arg(long, default_value_t = 1)]
        uses: u32,
        /// How long it stays valid (e.g. 7d, 12h, 30m).
        #[arg(long, default_value = "7d", value_parser = humantime::parse_duration)]
        expires: std::time::Duration,
    },
    /// Join a community with an invite from a member who is online.
    Join {
        /// The invite line (spaces and line breaks are ignored).
        ticket: String,
        /// Your display name in the community.
        #[arg(long, value_name = "DISPLAY_NAME")]
        me: Option<String>,
    },
    /// Run as an always-on member with no window until Ctrl+C or SIGTERM.
    Serve,
    /// Sync with reachable members until everything is exchanged, then exit.
    Sync {
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
    /// List members' devices, online or when last seen.
    Peers,
    /// Shared learning objectives, grouped by meaning, most widely held first.
    Objectives {
        #[command(subcommand)]
        action: Option<ObjectivesCommand>,
    },
    /// Who can help with QUERY? Members whose skills match (all members with skills if none).
    Skills {
        /// What you need help with (several words: each must match).
        query: Vec<String>,
    },
    /// Participation levels, notices and activity per week: indicators, not targets.
    Pulse,
    /// Notes and cases others changed since this device last showed them.
    Unread,
    /// Gatherings: plan with rotating roles, list, change roles and agenda.
    #[command(subcommand)]
    Gathering(rhythm::GatheringCommand),
    /// Open next actions from closed cases, per member; tick them off.
    Actions(rhythm::ActionsArgs),
    /// Thank a member for a note, an answer or a suggestion.
    #[command(subcommand)]
    Thank(rhythm::ThankCommand),
    /// Search notes, topics, cases and members; best matches first.
    Search {
        /// Words to look for (all must match; case and accents are ignored).
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
        /// Show at most this many results.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Write the whole community as plain Markdown pages plus community.json.
    Export {
        /// The folder to write (created if missing; must be empty or an earlier export).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Write into a folder that is not empty and not an earlier export.
        #[arg(long)]
        force: bool,
    },
    /// Bring a folder of Markdown files in as notes (one note per .md file).
    Import {
        /// The folder to read (sub-folders too).
        dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ObjectivesCommand {
    /// Propose a shared objective as a topic crediting its holders; prints the topic's id.
    Topic {
        /// The group's number in `copse objectives`, or its wording.
        group: String,
    },
}

impl Command {
    /// Commands that talk to other members.
    fn is_online(&self) -> bool {
        matches!(
            self,
            Command::Invite { .. }
                | Command::Join { .. }
                | Command::Serve
                | Command::Sync { .. }
                | Command::Peers
        )
    }
}

fn on_off(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "1" | "yes" => Ok(true),
        "off" | "false" | "0" | "no" => Ok(false),
        other => Err(format!("'{other}' is neither on nor off")),
    }
}

#[derive(Debug, Subcommand)]
pub enum NoteCommand {
    /// Write a new note; prints its id.
    Add {
        #[arg(long)]
        title: String,
        #[command(flatten)]
        body: BodySource,
    },
    /// List notes, most recently changed first.
    List,
    /// Show a note with its comments (as it was at --version, if given).
    Show {
        id: String,
        /// A version from `copse note history`.
        #[arg(long)]
        version: Option<String>,
    },
    /// Who changed the note, what and when; each line names a version.
    History { id: String },
    /// Make the note read as it did at VERSION again (a new change; nothing is lost).
    Restore { id: String, version: String },
    /// Change a note's body.
    Edit {
        id: String,
        #[command(flatten)]
        edit: EditArgs,
    },
    /// Comment on a note.
    Comment { id: String, text: String },
}

#[derive(Debug, Args)]
#[group(required = false, multiple = false)]
pub struct BodySource {
    /// The body as Markdown text.
    #[arg(long)]
    body: Option<String>,
    /// Read the body from a file ("-" for standard input).
    #[arg(long, value_name = "FILE")]
    body_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct EditArgs {
    /// Replace the whole body.
    #[arg(long)]
    body: Option<String>,
    /// Add text at the end of the body.
    #[arg(long)]
    append: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum TopicCommand {
    /// Propose a topic; prints its id.
    Add {
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "")]
        description: String,
        /// Make it a sub-topic of this topic.
        #[arg(long, value_name = "ID")]
        parent: Option<String>,
    },
    /// List topics, most endorsed first.
    List,
    /// Endorse a topic (one endorsement per member).
    Endorse { id: String },
    /// Set a topic's status.
    Status { id: String, status: TopicStatus },
    /// Link a note to a topic.
    Link { id: String, note: String },
}

#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// Open a peer-assist case that you present; prints its id.
    Open {
        #[arg(long)]
        title: String,
        #[arg(long)]
        situation: String,
    },
    /// List cases.
    List,
    /// Show a case in its current phase (as it was at --version, if given).
    Show {
        id: String,
        /// A version from `copse case history`.
        #[arg(long)]
        version: Option<String>,
    },
    /// Who changed the case, what and when; each line names a version.
    History { id: String },
    /// Make the case read as it did at VERSION again (a new change; nothing is lost).
    Restore { id: String, version: String },
    /// Ask a clarifying question (Clarify phase); prints its id.
    Ask { id: String, text: String },
    /// Answer a question on your case.
    Answer {
        id: String,
        question_id: String,
        text: String,
    },
    /// Offer a suggestion (Suggest phase); prints its id.
    Suggest { id: String, text: String },
    /// Move your case to its next phase.
    Advance { id: String },
    /// Close your case after Reflect with its outcome.
    Close {
        id: String,
        #[arg(long)]
        outcome: String,
        /// A next small action you take away (repeatable).
        #[arg(long = "action", value_name = "TEXT")]
        actions: Vec<String>,
        /// A next action owned by a member, by id or name (repeatable).
        #[arg(long = "action-for", num_args = 2, value_names = ["MEMBER", "TEXT"])]
        actions_for: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// Say whether you may be suggested for gathering roles (facilitator, presenter, note-taker).
    Available {
        #[arg(value_name = "on|off", action = clap::ArgAction::Set, value_parser = on_off)]
        available: bool,
    },
    /// Remove a member. They keep what they already have, but receive no further changes.
    Remove { id: String },
    /// Set your display name, skills ("ask me about") and learning objectives.
    Set {
        #[arg(long)]
        name: Option<String>,
        /// A skill you can offer (repeatable; replaces your list).
        #[arg(long = "skill", value_name = "S")]
        skills: Vec<String>,
        /// A learning objective (repeatable; replaces your list).
        #[arg(long = "objective", value_name = "O")]
        objectives: Vec<String>,
    },
}

impl Cli {
    /// How this process takes part in the network.
    pub fn net_config(&self) -> crate::node::NetConfig {
        let mut config = crate::node::NetConfig {
            relay: self.relay,
            mdns: self.mdns,
            ..Default::default()
        };
        if let Some(bind) = self.bind {
            config.bind = bind;
        }
        config
    }

    /// The data folder to use: the flag, the environment, or the platform default.
    pub fn data_dir(&self) -> Result<PathBuf> {
        match &self.data_dir {
            Some(dir) => Ok(dir.clone()),
            None => NodeConfig::default_data_dir()
                .context("no home folder to keep data in; pass --data-dir DIR"),
        }
    }
}

/// Runs one headless command to completion.
pub async fn run(cli: &Cli, command: &Command) -> Result<()> {
    let config = if command.is_online() {
        NodeConfig::online(cli.data_dir()?, cli.net_config())
    } else {
        NodeConfig::offline(cli.data_dir()?)
    }
    .with_clock(cli.clock.clone());
    let node = Node::open(config).await?;
    let status = node.storage_status();
    let out = Output::new(cli.json);
    let result = execute(&node, cli, command, &out).await;
    // Flush before printing success: a command that said it saved has saved.
    let flushed = node.shutdown().await;
    let quarantined = status.borrow().quarantined;
    if quarantined > 0 {
        eprintln!(
            "warning: {quarantined} damaged chunk(s) in copse.db were set aside (kept in its \
             `quarantine` table); anything that depends on them may be missing"
        );
    }
    result?;
    flushed?;
    out.flush();
    Ok(())
}

async fn execute(node: &Node, cli: &Cli, command: &Command, out: &Output) -> Result<()> {
    let community = || node.resolve_community(cli.community.as_deref());
    match command {
        Command::Init { name, purpose, me } => {
            let my_name = me.clone().unwrap_or_else(default_display_name);
            let id = node.create_community(name, purpose, &my_name).await?;
            out.id(&id, &format!("{id}"));
        }
        Command::Communities => out.communities(&node.communities().await?),
        Command::Whoami => out.whoami(
            node.device_id().as_str(),
            node.data_dir(),
            &node.whoami().await?,
        ),
        Command::Note(cmd) => {
            let c = community()?;
            match cmd {
                NoteCommand::Add { title, body } => {
                    let body = body.read()?;
                    let id = node.add_note(&c, title, &body).await?;
                    out.id(&id, &format!("{id}"));
                }
                NoteCommand::List => out.notes(&*node.community(&c).await?),
                NoteCommand::Show { id, version } => {
                    let id: NoteId = id.parse()?;
                    let community = node.community(&c).await?;
                    let note = match version {
                        Some(v) => Arc::new(node.note_at(&c, &id, v).await?),
                        None => node.note(&c, &id).await?,
                    };
                    out.note(&id, &note, &community);
                    if let Some(entry) = community.notes.get(&id) {
                        node.mark_read(&c, &DocRef::Note(id.clone()), entry.updated_at)?;
                    }
                }
                NoteCommand::History { id } => {
                    let id: NoteId = id.parse()?;
                    out.history(&node.history(&c, &DocRef::Note(id)).await?);
                }
                NoteCommand::Restore { id, version } => {
                    let id: NoteId = id.parse()?;
                    node.restore(&c, &DocRef::Note(id.clone()), version).await?;
                    out.done(&id, &format!("restored to version {version}"));
                }
                NoteCommand::Edit { id, edit } => {
                    let id: NoteId = id.parse()?;
                    let edit = match (&edit.body, &edit.append) {
                        (Some(body), _) => NoteEdit::Replace(body.clone()),
                        (None, Some(more)) => NoteEdit::Append(more.clone()),
                        (None, None) => bail!("say what to change with --body or --append"),
                    };
                    node.edit_note(&c, &id, edit).await?;
                    out.done(&id, "note saved");
                }
                NoteCommand::Comment { id, text } => {
                    let id: NoteId = id.parse()?;
                    let comment = node.comment_note(&c, &id, text.clone()).await?;
                    out.id(&comment, &format!("{comment}"));
                }
            }
        }
        Command::Topic(cmd) => {
            let c = community()?;
            match cmd {
                TopicCommand::Add {
                    title,
                    description,
                    parent,
                } => {
                    let parent = parent.as_deref().map(str::parse::<TopicId>).transpose()?;
                    let new = NewTopic {
                        title: title.clone(),
                        description: description.clone(),
                        parent,
                    };
                    let id = node.add_topic(&c, new).await?;
                    out.id(&id, &format!("{id}"));
                }
                TopicCommand::List => out.topics(&*node.community(&c).await?),
                TopicCommand::Endorse { id } => {
                    let id: TopicId = id.parse()?;
                    let new = node.endorse_topic(&c, &id).await?;
                    out.done(
                        &id,
                        if new {
                            "endorsed"
                        } else {
                            "you already endorse this topic"
                        },
                    );
                }
                TopicCommand::Status { id, status } => {
                    let id: TopicId = id.parse()?;
                    node.set_topic_status(&c, &id, *status).await?;
                    out.done(&id, &format!("status set to {status}"));
                }
                TopicCommand::Link { id, note } => {
                    let id: TopicId = id.parse()?;
                    let note: NoteId = note.parse()?;
                    node.link_note(&c, &id, &note).await?;
                    out.done(&id, &format!("note {note} linked"));
                }
            }
        }
        Command::Case(cmd) => {
            let c = community()?;
            match cmd {
                CaseCommand::Open { title, situation } => {
                    let id = node.open_case(&c, title, situation).await?;
                    out.id(&id, &format!("{id}"));
                }
                CaseCommand::List => out.cases(&*node.community(&c).await?),
                CaseCommand::Show { id, version } => {
                    let id: CaseId = id.parse()?;
                    let community = node.community(&c).await?;
                    let case = match version {
                        Some(v) => Arc::new(node.case_at(&c, &id, v).await?),
                        None => node.case(&c, &id).await?,
                    };
                    out.case(&id, &case, &community);
                    if let Some(entry) = community.cases.get(&id) {
                        node.mark_read(&c, &DocRef::Case(id.clone()), entry.updated_at)?;
                    }
                }
                CaseCommand::History { id } => {
                    let id: CaseId = id.parse()?;
                    out.history(&node.history(&c, &DocRef::Case(id)).await?);
                }
                CaseCommand::Restore { id, version } => {
                    let id: CaseId = id.parse()?;
                    node.restore(&c, &DocRef::Case(id.clone()), version).await?;
                    out.done(&id, &format!("restored to version {version}"));
                }
                CaseCommand::Ask { id, text } => {
                    let q = node.ask_question(&c, &id.parse()?, text.clone()).await?;
                    out.id(&q, &format!("{q}"));
                }
                CaseCommand::Answer {
                    id,
                    question_id,
                    text,
                } => {
                    let id: CaseId = id.parse()?;
                    let q: QuestionId = question_id.parse()?;
                    node.answer_question(&c, &id, &q, text.clone()).await?;
                    out.done(&q, "answered");
                }
                CaseCommand::Suggest { id, text } => {
                    let s = node.suggest(&c, &id.parse()?, text.clone()).await?;
                    out.id(&s, &format!("{s}"));
                }
                CaseCommand::Advance { id } => {
                    let id: CaseId = id.parse()?;
                    let phase = node.advance_case(&c, &id).await?;
                    out.phase(&id, phase);
                }
                CaseCommand::Close {
                    id,
                    outcome,
                    actions,
                    actions_for,
                } => {
                    let id: CaseId = id.parse()?;
                    let me = node.me(&c).await?;
                    let mut owned: Vec<_> =
                        actions.iter().map(|a| (a.clone(), me.clone())).collect();
                    let community = node.community(&c).await?;
                    owned.extend(rhythm::owned_actions(&community, actions_for)?);
                    node.close_case_with_owners(&c, &id, outcome.clone(), owned)
                        .await?;
                    out.phase(&id, crate::model::Phase::Closed);
                }
            }
        }
        Command::Gathering(cmd) => rhythm::gathering(node, &community()?, cmd, out).await?,
        Command::Actions(args) => rhythm::actions(node, &community()?, args, out).await?,
        Command::Thank(cmd) => rhythm::thank(node, &community()?, cmd, out).await?,
        Command::Member(MemberCommand::Available { available }) => {
            let c = community()?;
            node.set_available_for_roles(&c, *available).await?;
            let me = node.me(&c).await?;
            out.done(
                &me,
                if *available {
                    "you may be suggested for gathering roles"
                } else {
                    "you will not be suggested for gathering roles"
                },
            );
        }
        Command::Member(MemberCommand::Remove { id }) => {
            let c = community()?;
            let member: crate::model::MemberId = id.parse()?;
            node.remove_member(&c, &member).await?;
            out.done(
                &member,
                "removed: they keep what they already had, but receive no further changes",
            );
        }
        Command::Invite { uses, expires } => {
            let c = community()?;
            online::invite(node, &c, *uses, *expires, out).await?;
        }
        Command::Join { ticket, me } => {
            let name = me.clone().unwrap_or_else(default_display_name);
            online::join(node, ticket, &name, out).await?;
        }
        Command::Serve => online::serve(node).await?,
        Command::Sync { timeout } => {
            online::sync(node, std::time::Duration::from_secs(*timeout), out).await?
        }
        Command::Peers => {
            let c = community()?;
            online::peers(node, &c, out).await?;
        }
        Command::Objectives { action } => {
            let c = community()?;
            match action {
                None => {
                    let groups = node.shared_objectives(&c).await?;
                    practices::objectives(out, &groups, &*node.community(&c).await?);
                }
                Some(ObjectivesCommand::Topic { group }) => {
                    let id = node.topic_from_objectives(&c, group).await?;
                    out.id(&id, &format!("{id}"));
                }
            }
        }
        Command::Skills { query } => {
            let c = community()?;
            let query = query.join(" ");
            practices::skills(out, &query, &node.who_can_help(&c, &query).await?);
        }
        Command::Pulse => {
            let c = community()?;
            practices::pulse(out, &node.pulse(&c).await?);
        }
        Command::Unread => {
            let c = community()?;
            let community = node.community(&c).await?;
            out.unread(&node.unread(&c).await?, &community);
        }
        Command::Search { query, limit } => {
            let c = community()?;
            let query = query.join(" ");
            out.search(&node.search(&c, &query, *limit).await?);
        }
        Command::Export { out: folder, force } => {
            let c = community()?;
            let progress = crate::node::Progress::default();
            out.exported(&node.export_markdown(&c, folder, *force, &progress).await?);
        }
        Command::Import { dir } => {
            let c = community()?;
            let progress = crate::node::Progress::default();
            out.imported(&node.import_markdown(&c, dir, &progress).await?);
        }
        Command::Member(MemberCommand::Set {
            name,
            skills,
            objectives,
        }) => {
            let c = community()?;
            let update = ProfileUpdate {
                name: name.clone(),
                skills: (!skills.is_empty()).then(|| skills.clone()),
                objectives: (!objectives.is_empty()).then(|| objectives.clone()),
            };
            if update == ProfileUpdate::default() {
                bail!("nothing to change: give --name, --skill or --objective");
            }
            node.update_profile(&c, update).await?;
            let me = node.me(&c).await?;
            out.done(&me, "profile saved");
        }
    }
    Ok(())
}

impl BodySource {
    fn read(&self) -> Result<String> {
        match (&self.body, &self.body_file) {
            (Some(body), _) => Ok(body.clone()),
            (None, Some(path)) if path.as_os_str() == "-" => {
                // Read one byte past the limit, so an endless stream is refused, not buffered.
                let limit = crate::model::limits::MAX_BODY_BYTES as u64;
                let mut text = String::new();
                std::io::Read::read_to_string(
                    &mut std::io::Read::take(std::io::stdin(), limit + 1),
                    &mut text,
                )
                .context("could not read the body from standard input as UTF-8 text")?;
                Ok(text)
            }
            (None, Some(path)) => {
                let meta = std::fs::metadata(path)
                    .with_context(|| format!("could not read {}", path.display()))?;
                let limit = crate::model::limits::MAX_BODY_BYTES as u64;
                if meta.len() > limit {
                    bail!(
                        "{} is {} bytes; a note's body is limited to {limit} bytes",
                        path.display(),
                        meta.len()
                    );
                }
                std::fs::read_to_string(path)
                    .with_context(|| format!("could not read {} as UTF-8 text", path.display()))
            }
            (None, None) => Ok(String::new()),
        }
    }
}

/// The name to use when `--me` is not given: the login name, else "Me".
fn default_display_name() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.trim().is_empty() && u != "root")
        .unwrap_or_else(|| "Me".to_string())
}
