//! Searching a community from the node: an in-memory index of prepared [`SearchDoc`]s per
//! community, kept between queries and refreshed before each one only where something changed.
//!
//! Checking is cheap and done every query: the heads of the community document and of every
//! note and case document. Re-reading is done only for what moved: a note or case whose heads
//! changed is hydrated again; a changed community document is diffed against the heads last
//! read, and only the parts the new changes touched (topics, members, the lists of notes and
//! cases) are read again — hydrating the whole community on every edit of a note's index entry
//! would cost more than the search itself.
//!
//! The ranking is [`crate::model::practice::search`]; this file owns only what to re-read.

use std::collections::{BTreeMap, HashMap, HashSet};

use automerge::{Automerge, ChangeHash, ObjType, Prop, ReadDoc, Value};
use futures::StreamExt;
use samod::DocHandle;

use super::{Node, NodeError, guarded};
use crate::model::practice::search::{self, SearchDoc, SearchResults};
use crate::model::{
    Case, CaseId, CommunityId, Member, MemberId, ModelError, Note, NoteId, Topic, TopicId, change,
};

/// The prepared documents of every community searched so far.
#[derive(Default)]
pub(super) struct SearchCache {
    communities: tokio::sync::Mutex<HashMap<CommunityId, CommunityIndex>>,
}

/// One community's prepared documents, each with the heads it was built from.
#[derive(Default)]
struct CommunityIndex {
    /// The community document's heads when its parts below were read (empty: never read).
    heads: Vec<ChangeHash>,
    topics: Vec<SearchDoc>,
    members: Vec<SearchDoc>,
    note_ids: Vec<NoteId>,
    case_ids: Vec<CaseId>,
    notes: HashMap<NoteId, (Vec<ChangeHash>, SearchDoc)>,
    cases: HashMap<CaseId, (Vec<ChangeHash>, SearchDoc)>,
}

/// Documents loaded at once while the index is built.
const LOADS_AT_ONCE: usize = 8;

/// How many results a search returns at most.
pub const SEARCH_LIMIT: usize = 50;

/// The parts of the community document read again because new changes touched them.
#[derive(Default)]
struct CommunityParts {
    heads: Vec<ChangeHash>,
    topics: Option<BTreeMap<TopicId, Topic>>,
    members: Option<BTreeMap<MemberId, Member>>,
    note_ids: Option<Vec<NoteId>>,
    case_ids: Option<Vec<CaseId>>,
}

impl Node {
    /// Searches the community's notes, topics, cases and members; best matches first.
    pub async fn search(
        &self,
        community: &CommunityId,
        query: &str,
        limit: usize,
    ) -> Result<SearchResults, NodeError> {
        // One refresh at a time per node: a second query waits and then finds the index fresh.
        let mut all = self.inner.search.communities.lock().await;
        let index = all.entry(community.clone()).or_default();
        self.refresh_index(community, index).await?;
        let docs = index
            .topics
            .iter()
            .chain(&index.members)
            .chain(index.notes.values().map(|(_, d)| d))
            .chain(index.cases.values().map(|(_, d)| d));
        Ok(search::search(docs, query, limit))
    }

    /// Builds the community's search index in the background (reading every note and case
    /// takes a second or more in a large community), so that the first search finds it ready:
    /// the window calls it when it opens a community.
    pub fn prepare_search(&self, community: &CommunityId) {
        let node = std::sync::Arc::downgrade(&self.inner);
        let community = community.clone();
        self.track(tokio::spawn(async move {
            let Some(inner) = node.upgrade() else { return };
            let node = Node { inner };
            let mut all = node.inner.search.communities.lock().await;
            let index = all.entry(community.clone()).or_default();
            if let Err(e) = node.refresh_index(&community, index).await {
                tracing::debug!(%community, error = %e, "search index not prepared");
            }
        }));
    }

    /// Brings one community's index in step with its documents, re-reading only what moved.
    async fn refresh_index(
        &self,
        community: &CommunityId,
        index: &mut CommunityIndex,
    ) -> Result<(), NodeError> {
        let handle = self.handle(community).await?;

        let known = index.heads.clone();
        let parts = handle
            .with_document_async(move |doc| guarded(|| changed_parts(doc, &known)))
            .await?;
        if let Some(parts) = super::contained(parts)? {
            index.heads = parts.heads;
            if let Some(topics) = parts.topics {
                index.topics = topics
                    .iter()
                    .map(|(id, t)| SearchDoc::topic(id, t))
                    .collect();
            }
            if let Some(members) = parts.members {
                index.members = members
                    .iter()
                    .map(|(id, m)| SearchDoc::member(id, m))
                    .collect();
            }
            if let Some(ids) = parts.note_ids {
                index.note_ids = ids;
            }
            if let Some(ids) = parts.case_ids {
                index.case_ids = ids;
            }
        }
        refresh(
            self,
            &mut index.notes,
            &index.note_ids,
            |id, note: &Note| SearchDoc::note(id, note),
        )
        .await?;
        refresh(
            self,
            &mut index.cases,
            &index.case_ids,
            |id, case: &Case| SearchDoc::case(id, case),
        )
        .await?;
        Ok(())
    }
}

/// The parts of the community document that changed since `known` heads (all of them when
/// `known` is empty), or `None` when nothing changed.
fn changed_parts(
    doc: &Automerge,
    known: &[ChangeHash],
) -> Result<Option<CommunityParts>, ModelError> {
    let heads = doc.get_heads();
    if !known.is_empty() && known == heads.as_slice() {
        return Ok(None);
    }
    let touched = if known.is_empty() {
        None
    } else {
        touched_keys(doc, known, &heads)
    };
    let wants = |key: &str| touched.as_ref().is_none_or(|t| t.contains(key));
    let mut parts = CommunityParts::default();
    if wants("topics") {
        let topics: Option<BTreeMap<TopicId, Topic>> =
            autosurgeon::hydrate_prop(doc, automerge::ROOT, "topics")?;
        parts.topics = Some(topics.unwrap_or_default());
    }
    if wants("members") {
        let members: Option<BTreeMap<MemberId, Member>> =
            autosurgeon::hydrate_prop(doc, automerge::ROOT, "members")?;
        parts.members = Some(members.unwrap_or_default());
    }
    if wants("notes") {
        parts.note_ids = Some(map_keys(doc, "notes").map(NoteId::from).collect());
    }
    if wants("cases") {
        parts.case_ids = Some(map_keys(doc, "cases").map(CaseId::from).collect());
    }
    parts.heads = heads;
    Ok(Some(parts))
}

/// The top-level keys of the document that changed between `before` and `after`; `None` when
/// that cannot be told (then everything is read again).
fn touched_keys(
    doc: &Automerge,
    before: &[ChangeHash],
    after: &[ChangeHash],
) -> Option<HashSet<String>> {
    let mut keys = HashSet::new();
    for patch in doc.diff(before, after) {
        let key = match patch.path.first() {
            Some((_, Prop::Map(key))) => key.clone(),
            Some(_) => return None,
            None => match patch.action {
                automerge::PatchAction::PutMap { key, .. }
                | automerge::PatchAction::DeleteMap { key } => key,
                _ => return None,
            },
        };
        keys.insert(key);
    }
    Some(keys)
}

/// The keys of the map at the document's top-level `key` (none if it is not a map).
fn map_keys<'a>(doc: &'a Automerge, key: &str) -> impl Iterator<Item = String> + 'a {
    let map = match doc.get(automerge::ROOT, key) {
        Ok(Some((Value::Object(ObjType::Map), id))) => Some(id),
        _ => None,
    };
    map.into_iter()
        .flat_map(move |id| doc.keys(&id).collect::<Vec<_>>())
}

/// Brings `prepared` in line with the documents `listed` in the community's index: drops the
/// ones no longer listed, and re-reads only those whose heads differ from when they were
/// prepared.
async fn refresh<K, T>(
    node: &Node,
    prepared: &mut HashMap<K, (Vec<ChangeHash>, SearchDoc)>,
    listed: &[K],
    prepare: fn(&K, &T) -> SearchDoc,
) -> Result<(), NodeError>
where
    K: super::DocKey + Clone + Eq + std::hash::Hash + Send + 'static,
    T: autosurgeon::Hydrate + Send + 'static,
{
    let keep: HashSet<&K> = listed.iter().collect();
    prepared.retain(|id, _| keep.contains(id));
    // Documents not open yet are loaded a few at a time: one after the other, the first search
    // of a large community waited for each load in turn.
    let loaded: Vec<Result<Option<(K, DocHandle)>, NodeError>> =
        futures::stream::iter(listed.iter().cloned())
            .map(|id| {
                let node = node.clone();
                async move {
                    match node.handle(&id).await {
                        Ok(handle) => Ok(Some((id, handle))),
                        // A listed document not (yet) synced here: nothing to search in it.
                        Err(NodeError::NotFound { .. }) => Ok(None),
                        Err(e) => Err(e),
                    }
                }
            })
            .buffered(LOADS_AT_ONCE)
            .collect()
            .await;
    let mut handles: Vec<(K, DocHandle)> = Vec::with_capacity(listed.len());
    for one in loaded {
        if let Some(pair) = one? {
            handles.push(pair);
        }
    }
    // Every document's heads in one go, off the async threads: each is a short lock and a copy,
    // where a round trip to each document's actor would cost more than the search.
    let known: Vec<Option<Vec<ChangeHash>>> = handles
        .iter()
        .map(|(id, _)| prepared.get(id).map(|(heads, _)| heads.clone()))
        .collect();
    let stale: Vec<(K, DocHandle)> = tokio::task::spawn_blocking(move || {
        handles
            .into_iter()
            .zip(known)
            .filter(|((_, handle), known)| {
                known
                    .as_ref()
                    .is_none_or(|k| *k != handle.with_document(|doc| doc.get_heads()))
            })
            .map(|(pair, _)| pair)
            .collect()
    })
    .await
    .map_err(|e| NodeError::Panicked(e.to_string()))?;

    let reads = stale.into_iter().map(|(id, handle)| async move {
        let read = handle
            .with_document_async(|doc| {
                let heads = doc.get_heads();
                guarded(|| change::read::<T>(doc)).map(|r| r.map(|v| (heads, v)))
            })
            .await?;
        match super::contained(read) {
            Ok((heads, value)) => Ok::<_, NodeError>(Some((id, heads, value))),
            // One unreadable document must not take search down with it.
            Err(e) => {
                tracing::warn!(what = id.what(), id = %id.id_text(), error = %e, "not searchable");
                Ok(None)
            }
        }
    });
    let read = futures::future::try_join_all(reads).await?;
    for (id, heads, value) in read.into_iter().flatten() {
        let doc = prepare(&id, &value);
        prepared.insert(id, (heads, doc));
    }
    Ok(())
}
