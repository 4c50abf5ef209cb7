//! `copse member …`: your own profile and availability, and removing a member.

use std::str::FromStr;

use anyhow::{Result, bail};
use clap::Subcommand;

use super::on_off;
use super::output::Output;
use crate::model::{CommunityId, MemberId, ProfileUpdate};
use crate::node::Node;

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// Say whether you may be suggested for gathering roles (facilitator, presenter, note-taker).
    Available {
        #[arg(value_name = "on|off", action = clap::ArgAction::Set, value_parser = on_off)]
        available: bool,
    },
    /// Remove a member. They keep what they already have, but receive no further changes.
    Remove {
        #[arg(value_parser = MemberId::from_str)]
        id: MemberId,
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
        MemberCommand::Remove { id } => {
            node.remove_member(c, id).await?;
            out.done(
                id,
                "removed: they keep what they already had, but receive no further changes",
            );
        }
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
