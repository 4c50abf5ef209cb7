//! The conflicts this device found in notes, cases, topics and the community's own name, purpose
//! and guidelines, kept for review until settled or edited.
//!
//! After each batch of documents samod writes (a sync, or a change made here; never per frame)
//! every written document is scanned from the heads seen at its last scan
//! ([`crate::model::conflict::scan`]). What it finds is kept in the device's local table, so it
//! survives a restart: `conflict/seen/<document>` = the heads scanned up to (comma-separated),
//! `conflict/open/<document>/<conflict id>` = the conflict as JSON, or `closed`. A document
//! seen for the first time (a first download) is only remembered, never flagged.
//!
//! A conflict closes when the document records its settlement (a member chose; the choice
//! synced) or when the place no longer reads as the merge made it (someone edited it). A closed
//! one stays recorded, so the same merge met again (the next change on top of it) never
//! reopens it. Flags are per device; settlements sync.

use std::collections::HashSet;

use automerge::ChangeHash;
use samod::DocumentId;
use serde::Serialize;
use tokio::sync::watch;

use super::{Node, NodeError};
use crate::model::conflict::{self, Conflict, Keep};
use crate::model::{
    Case, CaseId, Community, CommunityId, DocRef, ModelError, Note, NoteId, TopicId, change,
};

const SEEN: &str = "conflict/seen/";
const OPEN: &str = "conflict/open/";
const CLOSED: &str = "closed";

/// The most time one batch of written documents is looked at for conflicts, so that it never
/// holds up saving what changed or a shutdown.
const REVIEW_BUDGET: std::time::Duration = std::time::Duration::from_secs(2);

/// What a conflict is in: a note, a case, a topic, or the community itself (its name, purpose
/// or guidelines). Serialised as `{"kind": "topic", "id": "…"}`, like a [`DocRef`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "lowercase")]
pub enum Reviewed {
    Note(NoteId),
    Case(CaseId),
    Topic(TopicId),
    Community,
}

impl Reviewed {
    /// The note or case, when the conflict is in one.
    pub fn doc(&self) -> Option<DocRef> {
        match self {
            Reviewed::Note(id) => Some(DocRef::Note(id.clone())),
            Reviewed::Case(id) => Some(DocRef::Case(id.clone())),
            Reviewed::Topic(_) | Reviewed::Community => None,
        }
    }

    /// "note", "case", "topic" or "community".
    pub fn kind(&self) -> &'static str {
        match self {
            Reviewed::Note(_) => "note",
            Reviewed::Case(_) => "case",
            Reviewed::Topic(_) => "topic",
            Reviewed::Community => "community",
        }
    }
}

impl From<DocRef> for Reviewed {
    fn from(doc: DocRef) -> Reviewed {
        match doc {
            DocRef::Note(id) => Reviewed::Note(id),
            DocRef::Case(id) => Reviewed::Case(id),
        }
    }
}

/// One open conflict, ready to show: where it is and who wrote each side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Review {
    /// The conflict's id (the same on every member's device).
    pub id: String,
    /// What it is in, and its title (a note's, a case's, a topic's, or the community's name).
    #[serde(rename = "item")]
    pub what: Reviewed,
    pub title: String,
    pub conflict: Conflict,
    /// Who wrote each side: a member's name, "this device"'s member, or "another device".
    pub names: [String; 2],
    /// Which side this device wrote, if either.
    pub mine: Option<usize>,
}

impl Review {
    /// Which side a member's choice names: `mine`, `theirs`, `1`, `2`, `both` or `current`.
    pub fn keep(&self, choice: &str) -> Result<Keep, ModelError> {
        let side = |i: usize| if i == 0 { Keep::First } else { Keep::Second };
        match (choice.trim(), self.mine) {
            ("1" | "first", _) => Ok(Keep::First),
            ("2" | "second", _) => Ok(Keep::Second),
            ("both", _) => Ok(Keep::Both),
            ("current", _) => Ok(Keep::Current),
            ("mine", Some(i)) => Ok(side(i)),
            ("theirs", Some(i)) => Ok(side(1 - i)),
            ("mine" | "theirs", None) => Err(ModelError::CannotSettle(
                "neither version was written on this device: keep 1 or 2 (see `copse review list`)"
                    .to_string(),
            )),
            (other, _) => Err(ModelError::CannotSettle(format!(
                "'{other}' is not a choice: keep mine, theirs, both or current"
            ))),
        }
    }
}

/// Counts changes to the open conflicts, so that the window knows to read them again.
#[derive(Debug)]
pub(super) struct Reviews {
    generation: watch::Sender<u64>,
}

impl Default for Reviews {
    fn default() -> Self {
        Reviews {
            generation: watch::Sender::new(0),
        }
    }
}

impl Reviews {
    fn moved(&self) {
        self.generation.send_modify(|g| *g += 1);
    }
}

impl Node {
    /// Moves on whenever the open conflicts change.
    pub fn watch_reviews(&self) -> watch::Receiver<u64> {
        self.inner.reviews.generation.subscribe()
    }

    /// Scans each written note and case for conflicts since its last scan, for at most
    /// [`REVIEW_BUDGET`]: what is left keeps its old seen heads, so its next scan covers it.
    pub(super) async fn review_written(&self, written: &[DocumentId]) {
        let all = async {
            for doc in written {
                if let Err(e) = self.review_document(doc).await {
                    tracing::debug!(%doc, error = %e, "could not look for conflicts");
                }
            }
        };
        if tokio::time::timeout(REVIEW_BUDGET, all).await.is_err() {
            tracing::debug!(
                "looking for conflicts took too long; the rest waits for the next batch"
            );
        }
    }

    async fn review_document(&self, doc: &DocumentId) -> Result<(), NodeError> {
        let storage = self.inner.storage.clone();
        let seen_key = format!("{SEEN}{doc}");
        let prefix = format!("{OPEN}{doc}/");
        let (seen_text, records) = {
            let (storage, seen_key, prefix) = (storage.clone(), seen_key.clone(), prefix.clone());
            tokio::task::spawn_blocking(move || {
                Ok::<_, NodeError>((
                    storage.get_local(&seen_key)?,
                    storage.local_with_prefix(&prefix)?,
                ))
            })
            .await
            .map_err(|_| NodeError::Stopped)??
        };
        let seen: Option<Vec<ChangeHash>> = seen_text.as_deref().map(parse_heads);
        let known: HashSet<String> = records
            .iter()
            .filter_map(|(k, _)| k.strip_prefix(&prefix).map(str::to_string))
            .collect();
        let open: Vec<Conflict> = records
            .iter()
            .filter(|(_, v)| v != CLOSED)
            .filter_map(|(_, v)| serde_json::from_str(v).ok())
            .collect();
        let (heads, found, closing, skipped) = self
            .inspect(doc, move |d| {
                let heads = d.get_heads();
                let settled = conflict::settled_ids(d);
                let scan = match &seen {
                    Some(seen) if seen.iter().all(|h| d.get_change_meta_by_hash(h).is_some()) => {
                        conflict::scan(d, seen)
                    }
                    _ => conflict::Scan::default(),
                };
                let found: Vec<Conflict> = scan
                    .conflicts
                    .into_iter()
                    .filter(|c| !settled.contains(&c.id) && conflict::still_open(d, c))
                    .collect();
                let closing: Vec<String> = open
                    .iter()
                    .filter(|c| settled.contains(&c.id) || !conflict::still_open(d, c))
                    .map(|c| c.id.clone())
                    .collect();
                Ok((heads, found, closing, scan.skipped))
            })
            .await?;
        if skipped > 0 {
            tracing::warn!(%doc, skipped, "history too long to look for conflicts; skipped");
        }
        let heads_text = format_heads(&heads);
        let mut entries = Vec::new();
        if seen_text.as_deref() != Some(heads_text.as_str()) {
            entries.push((seen_key, heads_text));
        }
        let mut moved = false;
        for c in found.iter().filter(|c| !known.contains(&c.id)) {
            let Ok(record) = serde_json::to_string(c) else {
                continue;
            };
            entries.push((format!("{prefix}{}", c.id), record));
            moved = true;
        }
        for id in closing {
            entries.push((format!("{prefix}{id}"), CLOSED.to_string()));
            moved = true;
        }
        if !entries.is_empty() {
            tokio::task::spawn_blocking(move || storage.set_locals(&entries))
                .await
                .map_err(|_| NodeError::Stopped)??;
        }
        if moved {
            self.inner.reviews.moved();
        }
        Ok(())
    }

    /// The open conflicts in the community's notes and cases, oldest merge first.
    pub async fn reviews(&self, community: &CommunityId) -> Result<Vec<Review>, NodeError> {
        let c = self.community(community).await?;
        let mut out = Vec::new();
        for (key, value) in self.inner.storage.local_with_prefix(OPEN)? {
            if value == CLOSED {
                continue;
            }
            let Some((doc, _)) = key.strip_prefix(OPEN).and_then(|k| k.split_once('/')) else {
                continue;
            };
            let Ok(conflict) = serde_json::from_str::<Conflict>(&value) else {
                continue;
            };
            let what = if doc == community.to_string() {
                match conflict::topic_of(&conflict.field) {
                    Some((topic, _)) => Reviewed::Topic(TopicId::from(topic.to_string())),
                    None => Reviewed::Community,
                }
            } else {
                let Some(doc) = indexed(&c, doc) else {
                    continue;
                };
                doc.into()
            };
            out.push(self.review(&c, what, conflict));
        }
        out.sort_by_key(|r| {
            let [a, b] = &r.conflict.sides;
            (a.at.max(b.at), r.id.clone())
        });
        Ok(out)
    }

    fn review(&self, c: &Community, what: Reviewed, conflict: Conflict) -> Review {
        let name = |side: usize| {
            conflict.sides[side]
                .device
                .as_ref()
                .and_then(|d| c.member_for_device(d))
                .and_then(|m| c.members.get(m))
                .map_or_else(|| "another device".to_string(), |m| m.name.clone())
        };
        let mine = (0..2).find(|&i| conflict.sides[i].device.as_ref() == Some(self.device_id()));
        let title = match &what {
            Reviewed::Note(id) => c.entry(&DocRef::Note(id.clone())).map(|e| e.title.clone()),
            Reviewed::Case(id) => c.entry(&DocRef::Case(id.clone())).map(|e| e.title.clone()),
            Reviewed::Topic(id) => c.topics.get(id).map(|t| t.title.clone()),
            Reviewed::Community => Some(c.name.clone()),
        };
        Review {
            id: conflict.id.clone(),
            title: title.unwrap_or_default(),
            what,
            names: [name(0), name(1)],
            mine,
            conflict,
        }
    }

    /// Settles an open conflict with the member's choice (`mine`, `theirs`, `1`, `2`, `both`,
    /// `current`): one change to the document that writes the kept version and records the
    /// settlement, which closes the review on every member's device once it syncs.
    pub async fn settle_review(
        &self,
        community: &CommunityId,
        id: &str,
        choice: &str,
    ) -> Result<Review, NodeError> {
        self.settle_as(community, id, |review| review.keep(choice))
            .await
    }

    /// Settles an open conflict with a text the member wrote for the place (the chooser's
    /// *Edit*), as [`Node::settle_review`] does.
    pub async fn settle_review_with(
        &self,
        community: &CommunityId,
        id: &str,
        text: &str,
    ) -> Result<Review, NodeError> {
        self.settle_as(community, id, |_| Ok(Keep::Edited(text.to_string())))
            .await
    }

    async fn settle_as(
        &self,
        community: &CommunityId,
        id: &str,
        keep: impl FnOnce(&Review) -> Result<Keep, ModelError>,
    ) -> Result<Review, NodeError> {
        let review = self
            .reviews(community)
            .await?
            .into_iter()
            .find(|r| r.id == id.trim())
            .ok_or_else(|| {
                ModelError::CannotSettle(format!(
                    "no open conflict with id '{}' (see `copse review list`)",
                    id.trim()
                ))
            })?;
        let keep = keep(&review)?;
        let c = review.conflict.clone();
        match &review.what {
            Reviewed::Topic(_) | Reviewed::Community => {
                self.me(community).await?;
                self.change_document(community, SETTLE, move |doc, message, at| {
                    change::transact(doc, message, at, |tx| {
                        conflict::settle_community(tx, &c, keep)
                    })
                })
                .await?
            }
            Reviewed::Note(note) => {
                self.change_indexed(community, note, SETTLE, move |n: &mut Note| {
                    conflict::settle_note(n, &c, keep)
                })
                .await?
            }
            Reviewed::Case(case) => {
                self.change_indexed(community, case, SETTLE, move |k: &mut Case| {
                    conflict::settle_case(k, &c, keep)
                })
                .await?
            }
        }
        let doc = review
            .what
            .doc()
            .map_or(community.to_string(), |d| d.id_str().to_string());
        let key = format!("{OPEN}{doc}/{}", review.id);
        self.inner.storage.set_local(&key, CLOSED)?;
        self.inner.reviews.moved();
        Ok(review)
    }
}

/// What a settlement's change says in the history.
const SETTLE: &str = "settle a conflict";

/// The note or case of the community with this document id.
fn indexed(c: &Community, doc: &str) -> Option<DocRef> {
    let note = DocRef::Note(NoteId::from(doc.to_string()));
    let case = DocRef::Case(CaseId::from(doc.to_string()));
    [note, case].into_iter().find(|d| c.entry(d).is_some())
}

fn format_heads(heads: &[ChangeHash]) -> String {
    heads
        .iter()
        .map(ChangeHash::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn parse_heads(text: &str) -> Vec<ChangeHash> {
    text.split(',').filter_map(|h| h.parse().ok()).collect()
}
