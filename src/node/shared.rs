//! Which of this device's documents another member's device holds on disk: receipts
//! ([`crate::net::receipt`]) asked for at the end of a sync, and the record of them.
//!
//! A document counts as shared once a member's device answered that its database holds our
//! heads of it. The answer is kept per device as `shared/<doc>` = `<fingerprint of our stored
//! chunk keys> <head>,<head>…`, the fingerprint taken *before* the heads were read: while the
//! document's stored keys still have that fingerprint, nothing was stored here since; otherwise
//! its heads decide (a compaction changes the keys, not the heads).

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Instant;

use automerge::ChangeHash;
use futures::future::BoxFuture;
use samod::DocumentId;
use serde::Serialize;

use super::heads_cache::fingerprint;
use super::{Node, NodeError};
use crate::model::{CaseId, CommunityId, NoteId, plain};
use crate::net::receipt::{Ask, Holdings, MAX_DOCUMENTS, MAX_HEADS, ReceiptClient};
use crate::store::SqliteStorage;

/// Local key prefix of receipts.
const PREFIX: &str = "shared/";
/// How often a running node asks members for receipts.
const RECEIPT_ROUND: std::time::Duration = std::time::Duration::from_secs(5);

/// What no other member's device holds yet: changes made (or received) here since the last
/// receipt.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Unshared {
    /// Communities whose own document (members, topics, gatherings) has such changes.
    pub communities: Vec<CommunityId>,
    pub notes: Vec<NoteId>,
    pub cases: Vec<CaseId>,
}

impl Unshared {
    pub fn is_empty(&self) -> bool {
        self.communities.is_empty() && self.notes.is_empty() && self.cases.is_empty()
    }

    /// Notes, cases and community documents together.
    pub fn len(&self) -> usize {
        self.communities.len() + self.notes.len() + self.cases.len()
    }

    /// "3 notes are", "1 note and other changes to the community are", "changes to the
    /// community (its members, topics or gatherings) are": the subject of a sentence.
    pub fn subject(&self) -> String {
        let mut parts = Vec::new();
        if !self.notes.is_empty() {
            parts.push(plain::count(self.notes.len(), "note", "notes"));
        }
        if !self.cases.is_empty() {
            parts.push(plain::count(self.cases.len(), "case", "cases"));
        }
        // Adding a note or case changes the community's index too: that is "other changes".
        if !self.communities.is_empty() {
            parts.push(if parts.is_empty() {
                "changes to the community (its members, topics or gatherings)".to_string()
            } else {
                "other changes to the community".to_string()
            });
        }
        let plural = self.len() > 1 || !self.communities.is_empty();
        let listed = match parts.len() {
            0 => "nothing".to_string(),
            1 => parts.remove(0),
            _ => {
                let last = parts.pop().unwrap_or_default();
                format!("{} and {last}", parts.join(", "))
            }
        };
        format!("{listed} {}", if plural { "are" } else { "is" })
    }
}

/// One of this device's documents, as the member knows it.
#[derive(Clone, Debug)]
enum Own {
    Community(CommunityId),
    Note(NoteId),
    Case(CaseId),
}

/// A document no receipt covers yet, with what to ask about it.
struct Pending {
    doc: DocumentId,
    own: Own,
    /// Its heads, if they could be read (a document whose heads cannot be read stays unshared).
    heads: Option<Vec<ChangeHash>>,
    /// The fingerprint of its stored chunk keys, taken before the heads were read.
    print: String,
}

impl Holdings for SqliteStorage {
    fn holds(&self, asks: Vec<Ask>) -> BoxFuture<'static, Vec<bool>> {
        let storage = self.clone();
        Box::pin(async move { storage.holds(asks).await })
    }
}

impl Node {
    /// What this device holds that no other member's device has confirmed holding on disk.
    pub async fn unshared(&self) -> Result<Unshared, NodeError> {
        Ok(unshared_of(&self.pending_receipts().await?))
    }

    /// Asks `peers` about every document not yet covered by a receipt, keeps the receipts, and
    /// returns what is still unshared. A peer that fails to answer is skipped.
    pub(super) async fn collect_receipts(
        &self,
        peers: &[&ReceiptClient],
    ) -> Result<Unshared, NodeError> {
        let pending = self.pending_receipts().await?;
        let askable: Vec<(usize, Ask)> = pending
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let heads = p.heads.as_ref().filter(|h| h.len() <= MAX_HEADS)?;
                Some((i, (p.doc.clone(), heads.clone())))
            })
            .collect();
        let mut held = vec![false; pending.len()];
        for peer in peers {
            let open: Vec<&(usize, Ask)> = askable.iter().filter(|(i, _)| !held[*i]).collect();
            for batch in open.chunks(MAX_DOCUMENTS) {
                let asks: Vec<Ask> = batch.iter().map(|(_, ask)| ask.clone()).collect();
                let Ok(answer) = peer.ask(&asks).await else {
                    break;
                };
                for ((i, _), yes) in batch.iter().zip(answer) {
                    held[*i] |= yes;
                }
            }
        }
        let receipts: Vec<(String, String)> = pending
            .iter()
            .zip(&held)
            .filter(|(_, yes)| **yes)
            .filter_map(|(p, _)| Some((p.doc.clone(), p.print.clone(), p.heads.clone()?)))
            .map(|(doc, print, heads)| receipt_entry(&doc, &print, &heads))
            .collect();
        if !receipts.is_empty() {
            self.inner.storage.set_locals(&receipts)?;
        }
        let left: Vec<Pending> = pending
            .into_iter()
            .zip(held)
            .filter(|(_, yes)| !yes)
            .map(|(p, _)| p)
            .collect();
        Ok(unshared_of(&left))
    }

    /// This device's documents that no receipt covers. Documents whose stored keys changed
    /// since their receipt are opened to compare heads (and their receipt renewed if equal).
    async fn pending_receipts(&self) -> Result<Vec<Pending>, NodeError> {
        let keys = self.inner.storage.document_keys()?;
        let receipts: HashMap<String, (String, String)> = self
            .inner
            .storage
            .local_with_prefix(PREFIX)?
            .into_iter()
            .filter_map(|(key, value)| {
                let doc = key.strip_prefix(PREFIX)?.to_string();
                let (print, heads) = value.split_once(' ')?;
                Some((doc, (print.to_string(), heads.to_string())))
            })
            .collect();
        let mut pending = Vec::new();
        let mut renewed = Vec::new();
        for (doc, own) in self.own_documents(&keys).await? {
            let print = keys.get(&doc.to_string()).map(|k| fingerprint(k));
            let receipt = receipts.get(&doc.to_string());
            if let (Some(print), Some((kept, _))) = (&print, receipt)
                && print == kept
            {
                continue;
            }
            let print = print.unwrap_or_default();
            let heads = self.heads(&doc).await.ok();
            if let (Some(heads), Some((_, kept))) = (&heads, receipt)
                && *kept == heads_text(heads)
            {
                renewed.push(receipt_entry(&doc, &print, heads));
                continue;
            }
            pending.push(Pending {
                doc,
                own,
                heads,
                print,
            });
        }
        if !renewed.is_empty()
            && let Err(e) = self.inner.storage.set_locals(&renewed)
        {
            tracing::debug!(error = %e, "could not renew receipts after a compaction");
        }
        Ok(pending)
    }

    /// The documents of the communities this device is a member of that are held here: each
    /// community's own document and its notes and cases on disk or open.
    async fn own_documents(
        &self,
        stored: &HashMap<String, Vec<String>>,
    ) -> Result<Vec<(DocumentId, Own)>, NodeError> {
        let open: Vec<String> = super::lock(&self.inner.handles)
            .keys()
            .map(ToString::to_string)
            .collect();
        let here = |id: &str| stored.contains_key(id) || open.iter().any(|o| o == id);
        let mut out = Vec::new();
        for id in self.community_ids()? {
            let community = self.community(&id).await?;
            // Nobody takes a removed device's changes: they are not this device's to share.
            if community.member_for_device(self.device_id()).is_none() {
                continue;
            }
            let notes = community
                .notes
                .keys()
                .map(|n| (n.as_str(), Own::Note(n.clone())));
            let cases = community
                .cases
                .keys()
                .map(|c| (c.as_str(), Own::Case(c.clone())));
            let docs = std::iter::once((id.as_str(), Own::Community(id.clone())))
                .chain(notes)
                .chain(cases)
                .filter(|(doc, _)| here(doc));
            for (doc, own) in docs {
                if let Ok(doc) = DocumentId::from_str(doc) {
                    out.push((doc, own));
                }
            }
        }
        Ok(out)
    }

    /// While the node runs online: every few seconds, asks connected members for receipts of
    /// what is not yet shared, and publishes how many documents are still unshared in
    /// [`super::SyncStatus::unshared`] (for the window's status bar).
    pub(super) fn follow_receipts(&self) {
        let node = self.clone();
        self.track(tokio::spawn(async move {
            let mut clients: HashMap<String, ReceiptClient> = HashMap::new();
            loop {
                tokio::time::sleep(RECEIPT_ROUND).await;
                let connected: Vec<String> = node.connected_devices().into_iter().collect();
                clients.retain(|device, c| !c.is_lost() && connected.contains(device));
                let new: Vec<String> = connected
                    .iter()
                    .filter(|d| !clients.contains_key(*d))
                    .cloned()
                    .collect();
                if !new.is_empty() {
                    let deadline = Instant::now() + RECEIPT_ROUND;
                    clients.extend(node.receipt_clients(&new, deadline).await);
                }
                let peers: Vec<&ReceiptClient> = clients.values().collect();
                match node.collect_receipts(&peers).await {
                    Ok(unshared) => {
                        let count = unshared.len();
                        node.inner.sync_status.send_if_modified(|s| {
                            let changed = s.unshared != Some(count);
                            s.unshared = Some(count);
                            changed
                        });
                    }
                    Err(e) => tracing::debug!(error = %e, "could not count what is not yet shared"),
                }
            }
        }));
    }

    /// Connects a receipt channel to each device, within the deadline; those that cannot be
    /// reached are left out.
    pub(super) async fn receipt_clients(
        &self,
        devices: &[String],
        deadline: Instant,
    ) -> HashMap<String, ReceiptClient> {
        let Some(net) = &self.inner.network else {
            return HashMap::new();
        };
        let connects = devices.iter().filter_map(|device| {
            let id = iroh::EndpointId::from_str(device).ok()?;
            let endpoint = net.bound.endpoint.clone();
            let device = device.clone();
            Some(async move {
                let left = deadline.saturating_duration_since(Instant::now());
                let client =
                    tokio::time::timeout(left, ReceiptClient::connect(&endpoint, id)).await;
                match client {
                    Ok(Ok(client)) => Some((device, client)),
                    Ok(Err(e)) => {
                        tracing::info!(%device, error = %e, "no receipt channel to a member");
                        None
                    }
                    Err(_) => None,
                }
            })
        });
        futures::future::join_all(connects)
            .await
            .into_iter()
            .flatten()
            .collect()
    }
}

fn unshared_of(pending: &[Pending]) -> Unshared {
    let mut out = Unshared::default();
    for p in pending {
        match &p.own {
            Own::Community(id) => out.communities.push(id.clone()),
            Own::Note(id) => out.notes.push(id.clone()),
            Own::Case(id) => out.cases.push(id.clone()),
        }
    }
    out
}

fn heads_text(heads: &[ChangeHash]) -> String {
    let mut sorted: Vec<String> = heads.iter().map(ChangeHash::to_string).collect();
    sorted.sort();
    sorted.join(",")
}

fn receipt_entry(doc: &DocumentId, print: &str, heads: &[ChangeHash]) -> (String, String) {
    (
        format!("{PREFIX}{doc}"),
        format!("{print} {}", heads_text(heads)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_unshared_reads_as_a_sentence() {
        let note = || NoteId::from("n".to_string());
        let mut u = Unshared {
            notes: vec![note()],
            ..Unshared::default()
        };
        assert_eq!(u.subject(), "1 note is");
        u.notes = vec![note(), note(), note()];
        assert_eq!(u.subject(), "3 notes are");
        u.cases = vec![CaseId::from("c".to_string())];
        assert_eq!(u.subject(), "3 notes and 1 case are");
        u.communities = vec![CommunityId::from("x".to_string())];
        assert_eq!(
            u.subject(),
            "3 notes, 1 case and other changes to the community are"
        );
        let only = Unshared {
            communities: vec![CommunityId::from("x".to_string())],
            ..Unshared::default()
        };
        assert_eq!(
            only.subject(),
            "changes to the community (its members, topics or gatherings) are"
        );
    }
}
