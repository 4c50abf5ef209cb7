//! Who may sync what: the access list derived from the community rosters, and the samod
//! share policy that applies it.
//!
//! A peer (an iroh endpoint id) gets access to a document only when the document belongs to a
//! community (the community document itself, or a note or case in its index) and the peer is
//! one of that community's members' devices or an always-on community device. A reader's
//! devices get read-only access: samod (0.16) then drops every change such a peer sends, even
//! one sent against the protocol (its sync state is read-only, so the changes in a received
//! sync message are not applied, stored or passed on). Everyone else gets nothing. The list
//! is a `watch` value: when a roster changes, every open policy stream yields the new decision,
//! so a removed member is cut off from further changes at once.
//!
//! The policy also decides what samod announces: everything a peer may share, except the
//! documents that are [`Quiet`] with it (in step when they connected, unchanged since).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use futures::{Stream, StreamExt};
use samod::{DocumentId, PeerId, ShareConfig};
use tokio::sync::watch;

use super::quiet::Quiet;

/// One community's part of the access list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CommunityAccess {
    /// Endpoint ids of every member's devices and every community device.
    pub devices: BTreeSet<String>,
    /// Of those, the devices of readers: they receive but cannot send.
    pub readers: BTreeSet<String>,
    /// The community document and every note and case it indexes.
    pub documents: HashSet<DocumentId>,
    /// The BLAKE3 hashes (hex) of the files the community refers to: what its members may fetch.
    pub files: HashSet<String>,
}

/// The whole access list, keyed by community document id.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AccessList {
    pub communities: HashMap<DocumentId, CommunityAccess>,
}

impl AccessList {
    /// Whether `peer` is a device of any community's member: the gate at the handshake.
    pub fn knows(&self, peer: &str) -> bool {
        self.communities.values().any(|c| c.devices.contains(peer))
    }

    /// What `peer` may do with `doc`.
    pub fn share(&self, doc: &DocumentId, peer: &str) -> ShareConfig {
        if !self.may_share(doc, peer) {
            ShareConfig::none()
        } else if self.reads_only(doc, peer) {
            ShareConfig::read_only()
        } else {
            ShareConfig::read_write()
        }
    }

    /// Whether `peer` may only read `doc`: a reader's device in a community holding it (and
    /// not a writer's in another community that holds it too).
    fn reads_only(&self, doc: &DocumentId, peer: &str) -> bool {
        let holding = || {
            self.communities
                .values()
                .filter(|c| c.documents.contains(doc) && c.devices.contains(peer))
        };
        holding().all(|c| c.readers.contains(peer))
    }

    /// Whether `doc` belongs to a community `peer` is a member's device of.
    pub fn may_share(&self, doc: &DocumentId, peer: &str) -> bool {
        self.communities
            .values()
            .any(|c| c.documents.contains(doc) && c.devices.contains(peer))
    }

    /// Whether `peer` may fetch the file with this hash: a device of a member of a community
    /// that refers to it.
    pub fn may_fetch(&self, peer: &str, hash: &str) -> bool {
        self.communities
            .values()
            .any(|c| c.files.contains(hash) && c.devices.contains(peer))
    }

    /// Every file hash any community refers to, with the devices that may hold it.
    pub fn files(&self) -> Vec<(String, BTreeSet<String>)> {
        self.communities
            .values()
            .flat_map(|c| c.files.iter().map(|h| (h.clone(), c.devices.clone())))
            .collect()
    }

    /// Every document `peer` may share: the summary's scope.
    pub fn documents_for(&self, peer: &str) -> HashSet<DocumentId> {
        self.communities
            .values()
            .filter(|c| c.devices.contains(peer))
            .flat_map(|c| c.documents.iter().cloned())
            .collect()
    }

    /// Every device of every community, for dialing.
    pub fn devices(&self) -> BTreeSet<String> {
        self.communities
            .values()
            .flat_map(|c| c.devices.iter().cloned())
            .collect()
    }
}

/// The live access list, shared by the node (which updates it) and the network (which reads it),
/// with the documents each peer is not being told about.
#[derive(Clone, Debug)]
pub struct Access {
    list: Arc<watch::Sender<AccessList>>,
    quiet: Quiet,
}

impl Default for Access {
    fn default() -> Self {
        Access {
            list: Arc::new(watch::Sender::new(AccessList::default())),
            quiet: Quiet::default(),
        }
    }
}

impl Access {
    /// Replaces one community's entry (after its roster or index changed).
    pub fn set_community(&self, community: DocumentId, access: CommunityAccess) {
        self.list.send_if_modified(|list| {
            if list.communities.get(&community) == Some(&access) {
                return false;
            }
            list.communities.insert(community, access);
            true
        });
    }

    /// Lets `device` sync `community` before its roster is known here: a joiner trusts the
    /// member who just admitted it, until the community document arrives.
    pub fn trust_inviter(&self, community: DocumentId, device: String) {
        self.list.send_modify(|list| {
            let entry = list.communities.entry(community.clone()).or_default();
            entry.devices.insert(device);
            entry.documents.insert(community);
        });
    }

    pub fn current(&self) -> AccessList {
        self.list.borrow().clone()
    }

    pub fn knows(&self, peer: &str) -> bool {
        self.list.borrow().knows(peer)
    }

    /// The documents left unannounced to each peer.
    pub fn quiet(&self) -> &Quiet {
        &self.quiet
    }

    pub fn subscribe(&self) -> watch::Receiver<AccessList> {
        self.list.subscribe()
    }

    /// samod's share policy: the current decision at once, then every change of it, as the
    /// rosters change and as quiet documents change.
    pub fn policy(
        &self,
    ) -> impl Fn(DocumentId, PeerId) -> std::pin::Pin<Box<dyn Stream<Item = ShareConfig> + Send>>
    + Clone
    + Send
    + 'static {
        let (list, quiet) = (self.list.clone(), self.quiet.clone());
        move |doc: DocumentId, peer: PeerId| {
            let (list, quiet) = (list.subscribe(), quiet.subscribe());
            let wakes = futures::stream::once(futures::future::ready(())).chain(
                futures::stream::select(changes(list.clone()), changes(quiet.clone())),
            );
            let decisions = wakes.map(move |()| {
                let decision = list.borrow().share(&doc, peer.as_str());
                let quiet = quiet.borrow().is_quiet(peer.as_str(), &doc);
                decision.with_announce(decision.announce && !quiet)
            });
            Box::pin(dedup(decisions))
        }
    }
}

/// Wakes once per change of a watched value, without copying the value (the access list and
/// the quiet sets are large, and there is one policy stream per document and peer).
fn changes<T: Send + Sync + 'static>(
    rx: watch::Receiver<T>,
) -> impl Stream<Item = ()> + Send + 'static {
    futures::stream::unfold(rx, |mut rx| async move {
        rx.changed().await.ok().map(|()| ((), rx))
    })
}

/// Passes on a decision only when it differs from the last one.
fn dedup(
    decisions: impl Stream<Item = ShareConfig> + Send + 'static,
) -> impl Stream<Item = ShareConfig> + Send + 'static {
    let mut last: Option<ShareConfig> = None;
    decisions.filter_map(move |decision| {
        let changed = last != Some(decision);
        last = Some(decision);
        futures::future::ready(changed.then_some(decision))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> DocumentId {
        DocumentId::new(&mut rand::rng())
    }

    #[tokio::test]
    async fn members_get_their_community_and_nothing_else() {
        let access = Access::default();
        let (community, note, other) = (doc(), doc(), doc());
        access.set_community(
            community.clone(),
            CommunityAccess {
                devices: BTreeSet::from(["alice".to_string(), "rita".to_string()]),
                readers: BTreeSet::from(["rita".to_string()]),
                documents: HashSet::from([community.clone(), note.clone()]),
                files: HashSet::from(["h1".to_string()]),
            },
        );
        let list = access.current();
        assert_eq!(list.share(&note, "alice"), ShareConfig::read_write());
        assert_eq!(list.share(&other, "alice"), ShareConfig::none());
        assert_eq!(list.share(&note, "mallory"), ShareConfig::none());
        assert_eq!(list.share(&note, "rita"), ShareConfig::read_only());
        assert_eq!(list.share(&other, "rita"), ShareConfig::none());
        assert!(list.knows("alice") && !list.knows("mallory"));
        assert!(list.may_fetch("alice", "h1"));
        assert!(!list.may_fetch("alice", "h2") && !list.may_fetch("mallory", "h1"));
    }

    #[tokio::test]
    async fn removing_a_member_updates_open_policy_streams_at_once() {
        let access = Access::default();
        let community = doc();
        let with = |devices: &[&str]| CommunityAccess {
            devices: devices.iter().map(|d| d.to_string()).collect(),
            readers: BTreeSet::new(),
            documents: HashSet::from([community.clone()]),
            files: HashSet::new(),
        };
        access.set_community(community.clone(), with(&["alice", "bob"]));
        let mut decisions = (access.policy())(community.clone(), PeerId::from("bob"));
        assert_eq!(decisions.next().await, Some(ShareConfig::read_write()));
        access.set_community(community.clone(), with(&["alice"]));
        let next = tokio::time::timeout(std::time::Duration::from_secs(5), decisions.next()).await;
        assert_eq!(next.unwrap(), Some(ShareConfig::none()));
    }
}
