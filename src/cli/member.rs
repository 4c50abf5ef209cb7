//! `copse member …`: the roster with roles, your own profile and availability, changing a
//! role, removing a member (stewards) and leaving.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::{Result, bail};
use clap::Subcommand;
use serde_json::json;

use super::on_off;
use super::output::Output;
use crate::model::{CommunityId, MemberId, MemberRole, ProfileUpdate, local_time};
use crate::node::Node;

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// Say whether you may be suggested for gathering roles (facilitator, presenter, note-taker).
    Available {
        #[arg(value_name = "on|off", action = clap::ArgAction::Set, value_parser = on_off)]
        available: bool,
    },
    /// Everyone on the roster, one row per person, with their role and devices; then the
    /// community devices and the governance record.
    List,
    /// Give a member another role (stewards only): steward, member or reader.
    Role {
        #[arg(value_parser = MemberId::from_str)]
        id: MemberId,
        #[arg(value_name = "steward|member|reader", value_parser = MemberRole::from_str)]
        role: MemberRole,
        /// Why, for the record every member sees.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Remove a member (stewards only). They keep what they already have, but receive no
    /// further changes.
    Remove {
        #[arg(value_parser = MemberId::from_str)]
        id: MemberId,
        /// Why, for the record every member sees.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Leave the community: your devices come off the roster. Asks whether to keep this
    /// device's copy unless told.
    Leave {
        /// Keep this device's copy of the community (read-only from now on).
        #[arg(long, conflicts_with = "delete_local_copy")]
        keep_local_copy: bool,
        /// Delete this device's copy once the others have heard that you left.
        #[arg(long)]
        delete_local_copy: bool,
    },
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

pub async fn run(
    node: &Node,
    c: &CommunityId,
    command: &MemberCommand,
    out: &Output,
) -> Result<()> {
    match command {
        MemberCommand::Available { available } => {
            node.set_available_for_roles(c, *available).await?;
            let me = node.me(c).await?;
            out.done(
                &me,
                if *available {
                    "you may be suggested for gathering roles"
                } else {
                    "you will not be suggested for gathering roles"
                },
            );
        }
        MemberCommand::List => list(node, c, out).await?,
        MemberCommand::Role { id, role, reason } => {
            node.set_role(c, id, *role, reason.clone()).await?;
            out.done(id, &format!("now a {role}"));
        }
        MemberCommand::Remove { id, reason } => {
            node.remove_member(c, id, reason.clone()).await?;
            out.done(
                id,
                "removed: they keep what they already had, but receive no further changes",
            );
        }
        MemberCommand::Leave { .. } => unreachable_leave()?,
        MemberCommand::Set {
            name,
            skills,
            objectives,
        } => {
            let update = ProfileUpdate {
                name: name.clone(),
                skills: (!skills.is_empty()).then(|| skills.clone()),
                objectives: (!objectives.is_empty()).then(|| objectives.clone()),
            };
            if update == ProfileUpdate::default() {
                bail!("nothing to change: give --name, --skill or --objective");
            }
            node.update_profile(c, update).await?;
            let me = node.me(c).await?;
            out.done(&me, "profile saved");
        }
    }
    Ok(())
}

impl MemberCommand {
    /// `leave` syncs, so that the others hear of it before this device is cut off.
    pub fn is_online(&self) -> bool {
        matches!(self, MemberCommand::Leave { .. })
    }
}

/// `leave` is run by [`leave`], which needs the data folder.
fn unreachable_leave() -> Result<()> {
    bail!("leaving is handled with the data folder")
}

async fn list(node: &Node, c: &CommunityId, out: &Output) -> Result<()> {
    let members = node.members(c).await?;
    let devices = node.community_devices(c).await?;
    let records = node.records(c).await?;
    let zone = local_time::viewer_zone();
    out.emit(
        || {
            let mut lines: Vec<String> = members
                .iter()
                .map(|m| {
                    let you = if m.me { " (you)" } else { "" };
                    format!(
                        "{}  {}{you}  {}  {}",
                        m.member,
                        m.name,
                        m.role,
                        crate::model::plain::count(m.devices.len(), "device", "devices")
                    )
                })
                .collect();
            if !devices.is_empty() {
                lines.push("Community devices:".into());
                for d in &devices {
                    lines.push(format!("{}  {}  always on, enrolled by {}", d.device, d.label, d.added_by));
                }
            }
            if !records.is_empty() {
                lines.push("Record:".into());
                lines.extend(records.iter().map(|r| r.sentence(&zone)));
            }
            lines.join("\n")
        },
        || {
            json!({
                "members": members,
                "community_devices": devices,
                "records": records.iter().map(|r| json!({"sentence": r.sentence(&zone), "record": r})).collect::<Vec<_>>(),
            })
        },
    );
    Ok(())
}

/// What `copse member leave` decided about this device's copy.
pub enum LocalCopy {
    Keep,
    Delete,
}

/// Leaves the community, syncs so the others hear of it, and says what happens to the copy
/// here. Returns whether to delete the copy once the node is closed.
pub async fn leave(
    node: &Node,
    c: &CommunityId,
    keep: bool,
    delete: bool,
    out: &Output,
) -> Result<LocalCopy> {
    let copy = match (keep, delete) {
        (true, _) => LocalCopy::Keep,
        (_, true) => LocalCopy::Delete,
        _ => ask_about_copy()?,
    };
    if matches!(copy, LocalCopy::Delete) && node.community_ids()?.len() > 1 {
        bail!(
            "this data folder holds other communities too, so its copy cannot be deleted as a whole: leave with --keep-local-copy"
        );
    }
    node.leave(c).await?;
    // Whoever hears of it cuts this device off, so a sync cannot end "in sync": it counts as
    // heard once a member's device was connected after the change (samod announces it).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut heard = false;
    for _ in 0..100 {
        if !node.connected_devices().is_empty() {
            heard = true;
            break;
        }
        if std::time::Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if heard {
        let _ = node.sync_now(Duration::from_secs(3)).await;
    }
    let copy = match copy {
        LocalCopy::Delete if !heard => {
            eprintln!(
                "nobody else was reachable, so the others have not heard yet: this device's copy is kept, so that `copse sync` can tell them later; delete the data folder after that"
            );
            LocalCopy::Keep
        }
        copy => copy,
    };
    let message = match (&copy, heard) {
        (LocalCopy::Delete, _) => "you left; this device's copy is deleted",
        (LocalCopy::Keep, true) => {
            "you left; this device keeps its copy, which receives nothing further"
        }
        (LocalCopy::Keep, false) => {
            "you left; the others hear of it the next time this device syncs (`copse sync`)"
        }
    };
    let me = node.device_id().to_string();
    out.done(&me, message);
    Ok(copy)
}

/// Asks on the terminal whether to keep the copy; a script must say with a flag.
fn ask_about_copy() -> Result<LocalCopy> {
    if !std::io::stdin().is_terminal() {
        bail!(
            "say what happens to this device's copy of the community: --keep-local-copy or --delete-local-copy"
        );
    }
    eprint!(
        "Keep this device's copy of the community's notes and cases? You will be able to read it, but it receives nothing further. [k]eep / [d]elete: "
    );
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "k" | "keep" | "y" | "yes" => Ok(LocalCopy::Keep),
        "d" | "delete" => Ok(LocalCopy::Delete),
        _ => bail!("nothing done: answer keep or delete (or use --keep-local-copy)"),
    }
}

/// Deletes the community's copy in `data_dir`: the database and its backups. The device key
/// stays, so the folder is a fresh device that can join again.
pub fn delete_local_copy(data_dir: &Path) -> Result<()> {
    use crate::store::{BACKUPS_FOLDER, DATABASE_FILE_NAME};
    for suffix in ["", "-wal", "-shm"] {
        let file = data_dir.join(format!("{DATABASE_FILE_NAME}{suffix}"));
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => bail!(
                "could not delete {}: {e}; delete it by hand",
                file.display()
            ),
        }
    }
    let backups = data_dir.join(BACKUPS_FOLDER);
    if backups.exists() {
        std::fs::remove_dir_all(&backups).map_err(|e| {
            anyhow::anyhow!(
                "could not delete {}: {e}; delete it by hand",
                backups.display()
            )
        })?;
    }
    Ok(())
}
