//! Damage named: which notes, cases and communities have chunks that were set aside in the
//! database's quarantine table (`store::chunk_check`), so listings can mark them and warnings
//! can name them instead of counting chunks.

use std::collections::HashMap;
use std::str::FromStr;

use super::{Node, NodeError};
use crate::model::{CommunityId, DocRef};

/// Local key prefix of healed marks: `healed/<doc>` = how many of its chunks were set aside
/// when a sync made it whole again.
const HEALED: &str = "healed/";

/// A document with chunks set aside.
#[derive(Clone, Debug)]
pub struct Damaged {
    /// The note or case; `None` for the community's own document.
    pub item: Option<DocRef>,
    /// Its title, or the community's name.
    pub title: String,
    /// How many of its chunks were set aside.
    pub chunks: u64,
}

impl Damaged {
    /// `note "Soil" (ID)`, `the community "Gardeners"`.
    pub fn name(&self) -> String {
        match &self.item {
            Some(item) => format!("{} \"{}\" ({})", item.kind(), self.title, item.id_str()),
            None => format!("the community \"{}\"", self.title),
        }
    }
}

impl Node {
    /// Checks the stored chunks of every note and case `community` lists (and its own document),
    /// setting damaged ones aside, and returns the ids (as text) of those with chunks set aside.
    /// Reads every listed document from disk: for listings, not for every frame.
    pub async fn damaged_in(
        &self,
        community: &CommunityId,
    ) -> Result<HashMap<String, u64>, NodeError> {
        let c = self.community(community).await?;
        let docs: Vec<String> = std::iter::once(community.to_string())
            .chain(c.notes.keys().map(|n| n.to_string()))
            .chain(c.cases.keys().map(|n| n.to_string()))
            .collect();
        let found = self.inner.storage.damaged_documents(&docs).await;
        if found.is_empty() {
            return Ok(found);
        }
        let mut still = self.still_damaged()?;
        still.retain(|doc, _| found.contains_key(doc));
        Ok(still)
    }

    /// The notes and cases `community` lists of which this device holds nothing on disk: not
    /// fetched yet, or stored under a damaged key. Reads every stored key: for listings.
    pub async fn absent_in(&self, community: &CommunityId) -> Result<Vec<DocRef>, NodeError> {
        let c = self.community(community).await?;
        let storage = self.inner.storage.clone();
        let stored = tokio::task::spawn_blocking(move || storage.document_keys())
            .await
            .map_err(|e| NodeError::Panicked(e.to_string()))??;
        let listed = c
            .notes
            .keys()
            .map(|n| DocRef::Note(n.clone()))
            .chain(c.cases.keys().map(|n| DocRef::Case(n.clone())));
        Ok(listed
            .filter(|doc| !stored.contains_key(doc.id_str()))
            .collect())
    }

    /// Every document of this folder's communities with chunks in the quarantine table that a
    /// sync has not made whole since, named. Reads only the quarantine table, the healed marks
    /// and the communities' indexes.
    pub async fn damaged(&self) -> Result<Vec<Damaged>, NodeError> {
        let set_aside = self.still_damaged()?;
        if set_aside.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for id in self.community_ids()? {
            if let Some(&chunks) = set_aside.get(id.as_str()) {
                // The community document itself may be what cannot be read.
                let title = match self.community(&id).await {
                    Ok(c) => c.name.clone(),
                    Err(_) => id.to_string(),
                };
                out.push(Damaged {
                    item: None,
                    title,
                    chunks,
                });
            }
            let Ok(c) = self.community(&id).await else {
                continue;
            };
            for (note, entry) in &c.notes {
                if let Some(&chunks) = set_aside.get(note.as_str()) {
                    out.push(Damaged {
                        item: Some(DocRef::Note(note.clone())),
                        title: entry.title.clone(),
                        chunks,
                    });
                }
            }
            for (case, entry) in &c.cases {
                if let Some(&chunks) = set_aside.get(case.as_str()) {
                    out.push(Damaged {
                        item: Some(DocRef::Case(case.clone())),
                        title: entry.title.clone(),
                        chunks,
                    });
                }
            }
        }
        Ok(out)
    }

    /// Documents with chunks set aside and no healed mark covering all of them.
    fn still_damaged(&self) -> Result<HashMap<String, u64>, NodeError> {
        let mut set_aside = self.inner.storage.quarantined_documents()?;
        if set_aside.is_empty() {
            return Ok(set_aside);
        }
        for (key, value) in self.inner.storage.local_with_prefix(HEALED)? {
            let Some(doc) = key.strip_prefix(HEALED) else {
                continue;
            };
            if set_aside.get(doc).is_some_and(|n| value.parse() == Ok(*n)) {
                set_aside.remove(doc);
            }
        }
        Ok(set_aside)
    }

    /// After a sync that reached a member: each damaged document that is here and readable
    /// again was fetched from (or brought in step with) that member, so its damage is healed.
    /// The mark holds the number of chunks set aside, so later damage shows again.
    pub(super) async fn mark_healed(&self) {
        let Ok(damaged) = self.still_damaged() else {
            return;
        };
        let mut healed = Vec::new();
        for (doc, chunks) in damaged {
            let Ok(id) = samod::DocumentId::from_str(&doc) else {
                continue;
            };
            if self.heads(&id).await.is_ok_and(|h| !h.is_empty()) {
                healed.push((format!("{HEALED}{doc}"), chunks.to_string()));
            }
        }
        if !healed.is_empty()
            && let Err(e) = self.inner.storage.set_locals(&healed)
        {
            tracing::warn!(error = %e, "could not note that damaged documents were fetched again");
        }
    }

    /// How many of the chunks in the quarantine table belong to documents a sync made whole
    /// since: those need no warning any more.
    pub fn healed_chunks(&self) -> u64 {
        let Ok(set_aside) = self.inner.storage.quarantined_documents() else {
            return 0;
        };
        let Ok(still) = self.still_damaged() else {
            return 0;
        };
        set_aside
            .iter()
            .filter(|(doc, _)| !still.contains_key(*doc))
            .map(|(_, n)| *n)
            .sum()
    }

    /// Whether chunks of `doc` (a samod id as text) were set aside and not healed since.
    pub(super) fn has_damage(&self, doc: &str) -> bool {
        self.still_damaged()
            .is_ok_and(|docs| docs.contains_key(doc))
    }
}
