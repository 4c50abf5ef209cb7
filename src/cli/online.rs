//! The commands that talk to other members: join, serve, sync, peers.

use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::json;

use super::output::Output;
use crate::model::{CommunityId, plain};
use crate::net::ticket::InviteTicket;
use crate::node::Node;

pub async fn join(node: &Node, ticket: &str, name: &str, out: &Output) -> Result<()> {
    let ticket: InviteTicket = ticket.parse().context("this invite cannot be used")?;
    // While waiting: whose devices are being asked (on stderr, so stdout stays the result).
    eprintln!("{}", ticket.waiting_for());
    let summary = node.join(&ticket, name, Duration::from_secs(60)).await?;
    out.emit(
        || {
            let how = if summary.community_device {
                format!(
                    "enrolled this device as an always-on community device of \"{}\"; run `copse serve` on it",
                    summary.name
                )
            } else if summary.linked_device {
                format!(
                    "linked this device to {} in \"{}\"",
                    summary.member_name, summary.name
                )
            } else {
                format!("joined \"{}\" as {}", summary.name, summary.member_name)
            };
            let mut text = format!(
                "{how}: {}, {}, {}",
                plain::count(summary.members, "member", "members"),
                plain::count(summary.notes, "note", "notes"),
                plain::count(summary.cases, "case", "cases")
            );
            if summary.missing > 0 {
                text.push_str(&format!(
                    "\n{} will arrive at the next sync",
                    plain::count(summary.missing, "more item", "more items")
                ));
            }
            text
        },
        || json!(summary),
    );
    Ok(())
}

/// Of a sync's `--timeout`, the part kept for saving and closing the network afterwards.
pub const SHUTDOWN_RESERVE: Duration = Duration::from_millis(1500);

pub async fn sync(node: &Node, deadline: std::time::Instant, out: &Output) -> Result<()> {
    let synced = node.sync_until(deadline).await;
    // Who must update, when a member's device speaks another sync protocol version: said
    // first, because it is the reason that member's device could not be reached.
    let mut notices = Vec::new();
    for community in node.community_ids().unwrap_or_default() {
        for notice in node.version_notices(&community).await.unwrap_or_default() {
            if !notices.contains(&notice) {
                notices.push(notice);
            }
        }
    }
    let report = match synced {
        Ok(report) => report,
        Err(e) if !notices.is_empty() => anyhow::bail!("{}. {e}", notices.join(". ")),
        Err(e) => return Err(e.into()),
    };
    for notice in &notices {
        eprintln!("{notice}");
    }
    out.emit(
        || {
            format!(
                "in sync with {}: {} checked, {} fetched",
                plain::count(report.peers.len(), "member device", "member devices"),
                plain::count(report.documents, "document", "documents"),
                report.fetched
            )
        },
        || json!(report),
    );
    Ok(())
}

pub async fn peers(node: &Node, community: &CommunityId, out: &Output) -> Result<()> {
    // Give the dialers a moment to reach whoever is online.
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    let others = node
        .peers(community)
        .await?
        .iter()
        .filter(|p| !p.this_device)
        .count();
    while node.connected_devices().len() < others && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let list = node.peers(community).await?;
    let gaps = node.version_gaps();
    let notices = node.version_notices(community).await?;
    for notice in &notices {
        eprintln!("{notice}");
    }
    out.emit(
        || {
            list.iter()
                .map(|p| format!("{}  {}  {}", p.device, p.name, p.state()))
                .collect::<Vec<_>>()
                .join("\n")
        },
        || json!(list.iter().map(|p| json!({"id": p.device, "member": p.member, "name": p.name, "this_device": p.this_device, "online": p.online, "last_seen": p.last_seen.map(|t| t.to_rfc3339()), "copse": gaps.get(p.device.as_str())})).collect::<Vec<_>>()),
    );
    Ok(())
}

/// Runs until Ctrl+C or SIGTERM, printing members as they connect and leave.
pub async fn serve(node: &Node) -> Result<()> {
    node.keep_daily_backups();
    if let Some(addr) = node.address() {
        println!("serving as device {} at {:?}", node.device_id(), addr.addrs);
    }
    for c in node.communities().await? {
        println!("community \"{}\" ({} members)", c.name, c.members);
    }
    let mut previous = node.connected_devices();
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    let stop = crate::instance::stop_signal();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = tick.tick() => {
                let now = node.connected_devices();
                for joined in now.difference(&previous) {
                    println!("member device connected: {joined}");
                }
                for left in previous.difference(&now) {
                    println!("member device left: {left}");
                }
                previous = now;
            }
        }
    }
    println!("stopping: saving everything");
    Ok(())
}
