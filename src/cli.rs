//! The `copse` command line: headless commands on the same [`Node`] the window uses.
//!
//! Every command prints a short human answer, or with `--json` one JSON value in which every
//! listed item carries its `id`. Errors go to stderr as one sentence with a non-zero exit code.
//! A command that changes something reports success only after [`Node::shutdown`] has seen
//! every write reach the disk.
//!
//! This file owns the arguments ([`Cli`]), the top-level [`Command`]s and their dispatch; each
//! command group lives in its own file with its clap `Subcommand` and its `run`. Ids, roles and
//! dates are parsed by clap, which names the argument that is wrong. Id arguments name
//! `value_parser = XId::from_str` explicitly: ids also implement `From<String>` (to hydrate map
//! keys), which clap would otherwise prefer, taking any text unchecked. With no command, [`Cli`]
//! becomes a [`Launch`] for the window; the UI never sees clap.

mod background;
mod backup;
mod case;
mod device;
mod doctor;
mod export;
mod files;
mod invite;
mod lifecycle;
mod meeting;
mod member;
mod note;
mod notifications;
mod online;
mod output;
mod practices;
mod review;
mod rhythm;
mod search;
mod topic;

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use crate::node::{Node, NodeConfig, Relays};
use crate::ui::{Launch, View};
use output::Output;

pub use case::CaseCommand;
pub use device::DeviceCommand;
pub use member::MemberCommand;
pub use note::NoteCommand;
pub use practices::ObjectivesCommand;
pub use topic::TopicCommand;

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

    /// Relays to reach members across the internet: "on" (iroh's public relays), "off" (LAN
    /// only), or the URL of the community's own relay (https://relay.example.org).
    #[arg(long, global = true, env = "COPSE_RELAY", value_name = "on|off|URL", default_value = "on", value_parser = relays)]
    pub relay: Relays,

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
    #[arg(long, value_name = "NAME", requires = "screenshot", value_parser = view_name)]
    pub view: Option<View>,

    /// Start with no window, syncing with members in the background (no command only; what
    /// the login entry runs). Start copse again to open the window; `copse quit` stops it.
    #[arg(long, conflicts_with = "screenshot")]
    pub background: bool,

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
    /// The roster with roles, your own profile, changing a role, removing a member, leaving.
    #[command(subcommand)]
    Member(MemberCommand),
    /// Your devices: link another one to you, list them, remove a lost one.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Create an invite (prints one line to send to the newcomer); or list, withdraw, and
    /// choose who may invite.
    #[command(args_conflicts_with_subcommands = true)]
    Invite {
        #[command(flatten)]
        new: invite::NewInvite,
        #[command(subcommand)]
        action: Option<invite::InviteCommand>,
    },
    /// Join a community with an invite from a member who is online.
    Join {
        /// The invite line (spaces and line breaks are ignored).
        ticket: String,
        /// Your display name in the community.
        #[arg(long, value_name = "DISPLAY_NAME")]
        me: Option<String>,
    },
    /// Run with no window until Ctrl+C or SIGTERM: on an always-on community device (enrolled
    /// with `copse device add --always-on`), or on a member's own.
    Serve,
    /// Sync with reachable members until everything is exchanged, then exit.
    Sync {
        /// Give up after this many seconds: the whole command, shutdown included, ends by then.
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
    /// Places two members changed differently while apart: list them, settle one.
    #[command(subcommand)]
    Review(review::ReviewCommand),
    /// Gatherings: plan with rotating roles, list, change roles and agenda.
    #[command(subcommand)]
    Gathering(rhythm::GatheringCommand),
    /// What you would want to hear: questions and answers on cases, roles given to you,
    /// gatherings about to start, new notes in topics you endorsed; turn kinds off or on.
    Notifications(notifications::NotificationsArgs),
    /// The rotating roles: the built-in ones and the community's own; add one.
    #[command(subcommand)]
    Role(rhythm::RoleCommand),
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
    /// Attach files to a note or case; prints each file's id.
    Attach {
        /// The note's or case's id.
        on: String,
        #[arg(required = true, num_args = 1.., value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Files attached in the community, or to one note or case (ID).
    Files {
        /// A note's or case's id.
        on: Option<String>,
        /// Only the space the community's files take (all of them, and on this device).
        #[arg(long, conflicts_with = "on")]
        space: bool,
    },
    /// One attached file: save it, rename it, remove it.
    #[command(subcommand)]
    File(files::FileCommand),
    /// Back up this data folder (documents and device key) to a file, even while copse runs.
    Backup(backup::BackupArgs),
    /// Restore a backup into a new, empty data folder (--data-dir), as the same device.
    Restore {
        /// A file written by `copse backup` (or one of the data folder's automatic backups).
        file: PathBuf,
    },
    /// Check the data folder and the network settings; say what to do about each problem.
    Doctor,
    /// Show or change whether copse keeps syncing with the window closed and starts at login,
    /// and whether it runs now.
    Background(background::BackgroundArgs),
    /// Stop the copse running on this data folder (window or background), once it has saved
    /// everything.
    Quit,
}

impl Command {
    /// Commands that talk to other members.
    fn is_online(&self) -> bool {
        matches!(
            self,
            Command::Invite { action: None, .. }
                | Command::Join { .. }
                | Command::Serve
                | Command::Sync { .. }
                | Command::Peers
        ) || matches!(self, Command::Device(d) if d.is_online())
            || matches!(self, Command::Member(m) if m.is_online())
    }
}

/// `--view NAME` for clap (the names are [`View`]'s).
fn view_name(value: &str) -> Result<View, String> {
    value.parse()
}

/// `--relay on|off|URL` for clap; the refusal says what was wrong with the URL.
fn relays(value: &str) -> Result<Relays, String> {
    value
        .parse()
        .map_err(|e: crate::node::RelaysError| e.to_string())
}

fn on_off(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "1" | "yes" => Ok(true),
        "off" | "false" | "0" | "no" => Ok(false),
        other => Err(format!("'{other}' is neither on nor off")),
    }
}

/// An invite's `--expires`: a duration such as `7d`, at most ten years
/// (`model::invite::MAX_LIFETIME_MS`), so a typo is named here rather than stored.
fn invite_expiry(value: &str) -> Result<std::time::Duration, String> {
    let max =
        std::time::Duration::from_millis(crate::model::invite::MAX_LIFETIME_MS.unsigned_abs());
    match humantime::parse_duration(value) {
        Ok(d) if d <= max => Ok(d),
        // A number too large for humantime to hold is too long either way.
        Ok(_) | Err(humantime::DurationError::NumberOverflow) => Err(format!(
            "'{value}' is too long: an invite can stay valid for at most 10 years (e.g. 7d or 30d)"
        )),
        Err(e) => Err(format!(
            "'{value}' is not a duration ({e}): use e.g. 7d, 12h or 30m"
        )),
    }
}

impl Cli {
    /// How this process takes part in the network.
    pub fn net_config(&self) -> crate::node::NetConfig {
        let mut config = crate::node::NetConfig {
            relay: self.relay.clone(),
            mdns: self.mdns,
            ..Default::default()
        };
        if let Some(bind) = self.bind {
            config.bind = bind;
        }
        config
    }

    /// What the window starts with, when no command is given.
    pub fn launch(&self) -> Result<Launch> {
        Ok(Launch {
            data_dir: self.data_dir()?,
            net: self.net_config(),
            clock: self.clock.clone(),
            screenshot: self.screenshot.clone(),
            view: self.view,
            background: self.background,
        })
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
    let started = std::time::Instant::now();
    // These work on the folder's files without opening it: a backup and the doctor run beside
    // the app, a restore fills a folder nobody uses yet.
    let out = Output::new(cli.json);
    match command {
        Command::Backup(args) => return backup::backup(cli, args, &out).map(|()| out.flush()),
        Command::Restore { file } => return backup::restore(cli, file, &out).map(|()| out.flush()),
        Command::Doctor => return doctor::doctor(cli, &out).await,
        Command::Background(args) => {
            return background::background(cli, args, &out).map(|()| out.flush());
        }
        Command::Quit => return background::quit(cli, &out).await.map(|()| out.flush()),
        _ => {}
    }
    let config = if command.is_online() {
        NodeConfig::online(cli.data_dir()?, cli.net_config())
    } else {
        // Reading works beside a running window or `serve`; a change is refused by name.
        NodeConfig::offline(cli.data_dir()?).reading_beside_a_running_copse()
    }
    .with_clock(cli.clock.clone());
    let node = Node::open(config).await?;
    let status = node.storage_status();
    let result = execute(&node, cli, command, &out, started).await;
    // Damage is named by item, before the node is let go.
    let set_aside = status.borrow().quarantined;
    let (damaged, healed) = match set_aside {
        0 => (Vec::new(), 0),
        _ => (
            node.damaged().await.unwrap_or_default(),
            node.healed_chunks(),
        ),
    };
    // Flush before printing success: a command that said it saved has saved.
    let flushed = node.shutdown().await;
    let quarantined = status.borrow().quarantined;
    for d in &damaged {
        eprintln!(
            "warning: {} is damaged: {} set aside in copse.db's quarantine table; a member's \
             device still has it, and `copse sync` fetches it again",
            d.name(),
            crate::model::plain::count(d.chunks as usize, "chunk was", "chunks were")
        );
    }
    // Chunks no named item accounts for, and that no sync has made whole since.
    if quarantined > healed && damaged.is_empty() {
        eprintln!(
            "warning: set aside {} of copse.db (kept in its `quarantine` table); anything \
             that depends on it may be missing",
            crate::model::plain::count(quarantined as usize, "damaged chunk", "damaged chunks")
        );
    }
    let copy = result?;
    flushed?;
    if let member::LocalCopy::Delete = copy {
        member::delete_local_copy(&cli.data_dir()?)?;
    }
    if let Some(why) = &status.borrow().read_only {
        eprintln!("warning: {why}");
    }
    out.flush();
    Ok(())
}

/// Hands each command to the file that owns it.
///
/// `started` is when the command began: `sync --timeout` bounds the whole command from there.
async fn execute(
    node: &Node,
    cli: &Cli,
    command: &Command,
    out: &Output,
    started: std::time::Instant,
) -> Result<member::LocalCopy> {
    let community = || node.resolve_community(cli.community.as_deref());
    match command {
        Command::Member(MemberCommand::Leave {
            keep_local_copy,
            delete_local_copy,
        }) => {
            return member::leave(
                node,
                &community()?,
                *keep_local_copy,
                *delete_local_copy,
                out,
            )
            .await;
        }
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
        Command::Note(cmd) => note::run(node, &community()?, cmd, out).await?,
        Command::Topic(cmd) => topic::run(node, &community()?, cmd, out).await?,
        Command::Case(cmd) => case::run(node, &community()?, cmd, out).await?,
        Command::Member(cmd) => member::run(node, &community()?, cmd, out).await?,
        Command::Device(cmd) => device::run(node, &community()?, cmd, out).await?,
        Command::Gathering(cmd) => rhythm::gathering(node, &community()?, cmd, out).await?,
        Command::Notifications(args) => notifications::run(node, &community()?, args, out).await?,
        Command::Role(cmd) => rhythm::role(node, &community()?, cmd, out).await?,
        Command::Actions(args) => rhythm::actions(node, &community()?, args, out).await?,
        Command::Thank(cmd) => rhythm::thank(node, &community()?, cmd, out).await?,
        Command::Invite { new, action: None } => {
            invite::create(node, &community()?, new, out).await?
        }
        Command::Invite {
            action: Some(action),
            ..
        } => invite::run(node, &community()?, action, out).await?,
        Command::Join { ticket, me } => {
            let name = me.clone().unwrap_or_else(default_display_name);
            online::join(node, ticket, &name, out).await?;
        }
        Command::Serve => online::serve(node).await?,
        Command::Sync { timeout } => {
            let whole = std::time::Duration::from_secs(*timeout);
            let deadline = started + whole.saturating_sub(online::SHUTDOWN_RESERVE);
            online::sync(node, deadline, out).await?
        }
        Command::Peers => online::peers(node, &community()?, out).await?,
        Command::Objectives { action } => {
            practices::objectives(node, &community()?, action.as_ref(), out).await?
        }
        Command::Skills { query } => practices::skills(node, &community()?, query, out).await?,
        Command::Pulse => practices::pulse(node, &community()?, out).await?,
        Command::Unread => search::unread(node, &community()?, out).await?,
        Command::Review(cmd) => review::run(node, &community()?, cmd, out).await?,
        Command::Search { query, limit } => {
            search::search(node, &community()?, query, *limit, out).await?
        }
        Command::Export { out: folder, force } => {
            export::export(node, &community()?, folder, *force, out).await?
        }
        Command::Import { dir } => export::import(node, &community()?, dir, out).await?,
        Command::Attach { on, files } => files::attach(node, &community()?, on, files, out).await?,
        Command::Files { on: _, space: true } => files::space(node, &community()?, out).await?,
        Command::Files { on, space: false } => {
            files::list(node, &community()?, on.as_deref(), out).await?
        }
        Command::File(cmd) => files::run(node, &community()?, cmd, out).await?,
        // `run` handles these before any node opens.
        Command::Backup(_)
        | Command::Restore { .. }
        | Command::Doctor
        | Command::Background(_)
        | Command::Quit => {
            anyhow::bail!("this command does not open the data folder")
        }
    }
    Ok(member::LocalCopy::Keep)
}

/// The name to use when `--me` is not given: the login name, else "Me".
fn default_display_name() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.trim().is_empty() && u != "root")
        .unwrap_or_else(|| "Me".to_string())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::{Cli, Command, NoteCommand, View};

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("copse").chain(args.iter().copied()))
    }

    #[test]
    fn a_bad_id_is_refused_by_clap_naming_the_argument() {
        let err = parse(&["note", "comment", "has spaces", "x"])
            .expect_err("an id with spaces is refused")
            .to_string();
        assert!(
            err.contains("<ID>") && err.contains("not a valid NoteId"),
            "{err}"
        );
        let cli = parse(&["note", "comment", "n1", "x"]).expect("a plain id parses");
        assert!(matches!(
            cli.command,
            Some(Command::Note(NoteCommand::Comment { ref id, .. })) if id.as_str() == "n1"
        ));
    }

    #[test]
    fn dates_roles_and_views_are_typed_values() {
        let err = parse(&["gathering", "plan", "--when", "next tuesday"])
            .expect_err("not a date")
            .to_string();
        assert!(
            err.contains("--when") && err.contains("is not a date"),
            "{err}"
        );
        // A role is any name: whether the community has it is checked where it is used.
        parse(&["gathering", "set-role", "g1", "chair", "Ada"]).expect("a role's name");
        let err = parse(&["gathering", "set-role", "g1", " ", "Ada"])
            .expect_err("no role")
            .to_string();
        assert!(err.contains("is not a role"), "{err}");
        let cli = parse(&["--screenshot", "x.png", "--view", "Pulse"]).expect("a view");
        assert_eq!(cli.view, Some(View::Pulse));
        let err = parse(&["--screenshot", "x.png", "--view", "garden"])
            .expect_err("not a view")
            .to_string();
        assert!(err.contains("'garden' is not a view"), "{err}");
    }
}
