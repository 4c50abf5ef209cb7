//! Searching a community from the node: an in-memory index of prepared [`SearchDoc`]s per
//! community, kept between queries and refreshed before each one only for the documents whose
//! heads moved (checking heads is cheap; hydrating and folding 1,000 notes is not).
//!
//! The ranking itself is [`crate::model::search`]; this file owns only what to re-read.

use std::collections::HashMap;
use std::sync::Arc;

use automerge::ChangeHash;

use super::{Node, NodeError, guarded};
use crate::model::search::{self, SearchDoc, SearchResults};
use crate::model::{Case, CaseId, Community, CommunityId, Note, NoteId, change};

/// The prepared documents of every community searched so far.
#[derive(Default)]
pub(super) struct SearchCache {
    communities: tokio::sync::Mutex<HashMap<CommunityId, CommunityIndex>>,
}

/// One community's prepared documents, each with the heads (or snapshot) it was built from.
#[derive(Default)]
struct CommunityIndex {
    /// The community snapshot the topics and members were prepared from.
    community: Option<Arc<Community>>,
    roster_and_topics: Vec<SearchDoc>,
    notes: HashMap<NoteId, (Vec<ChangeHash>, SearchDoc)>,
    cases: HashMap<CaseId, (Vec<ChangeHash>, SearchDoc)>,
}

/// How many results a search returns at most.
pub const SEARCH_LIMIT: usize = 50;

impl Node {
    /// Searches the community's notes, topics, cases and members; best matches first.
    pub async fn search(
        &self,
        community: &CommunityId,
        query: &str,
        limit: usize,
    ) -> Result<SearchResults, NodeError> {
        let snapshot = self.community(community).await?;
        // One refresh at a time per node: a second query waits and then finds the index fresh.
        let mut all = self.inner.search.communities.lock().await;
        let index = all.entry(community.clone()).or_default();
        if !index
            .community
            .as_ref()
            .is_some_and(|known| Arc::ptr_eq(known, &snapshot))
        {
            index.roster_and_topics = SearchDoc::community_docs(&snapshot);
            index.community = Some(snapshot.clone());
        }
        refresh(
            self,
            "note",
            &mut index.notes,
            snapshot.notes.keys(),
            |id, note: &Note| SearchDoc::note(id, note),
        )
        .await?;
        refresh(
            self,
            "case",
            &mut index.cases,
            snapshot.cases.keys(),
            |id, case: &Case| SearchDoc::case(id, case),
        )
        .await?;
        let docs = index
            .roster_and_topics
            .iter()
            .chain(index.notes.values().map(|(_, d)| d))
            .chain(index.cases.values().map(|(_, d)| d));
        Ok(search::search(docs, query, limit))
    }
}

/// Brings `prepared` in line with the documents `listed` in the community's index: drops the
/// ones no longer listed, and re-reads only those whose heads differ from when they were
/// prepared. The heads of all documents are checked at once, each on its own actor.
async fn refresh<'a, K, T>(
    node: &Node,
    what: &'static str,
    prepared: &mut HashMap<K, (Vec<ChangeHash>, SearchDoc)>,
    listed: impl Iterator<Item = &'a K>,
    prepare: fn(&K, &T) -> SearchDoc,
) -> Result<(), NodeError>
where
    K: AsRef<str> + Clone + Eq + std::hash::Hash + 'a,
    T: autosurgeon::Hydrate + Send + 'static,
{
    let listed: Vec<K> = listed.cloned().collect();
    let keep: std::collections::HashSet<&K> = listed.iter().collect();
    prepared.retain(|id, _| keep.contains(id));
    drop(keep);
    let checks = listed.into_iter().map(|id| {
        let known = prepared.get(&id).map(|(heads, _)| heads.clone());
        async move {
            let handle = match node.handle(what, id.as_ref()).await {
                Ok(handle) => handle,
                // A listed document not (yet) synced here: nothing to search in it.
                Err(NodeError::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(e),
            };
            let read = handle
                .with_document_async(move |doc| {
                    let heads = doc.get_heads();
                    if known.as_ref() == Some(&heads) {
                        return Ok(Ok(None));
                    }
                    guarded(|| change::read::<T>(doc)).map(|r| r.map(|v| Some((heads, v))))
                })
                .await?;
            match super::contained(read) {
                Ok(changed) => Ok(changed.map(|(heads, value)| (id, heads, value))),
                // One unreadable document must not take search down with it.
                Err(e) => {
                    tracing::warn!(what, id = id.as_ref(), error = %e, "not searchable");
                    Ok(None)
                }
            }
        }
    });
    let changed = futures::future::try_join_all(checks).await?;
    for (id, heads, value) in changed.into_iter().flatten() {
        let doc = prepare(&id, &value);
        prepared.insert(id, (heads, doc));
    }
    Ok(())
}
