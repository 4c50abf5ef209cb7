//! Who belongs: invites, admitting a joiner, joining, removing a member, syncing on demand and
//! seeing which members are online.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::str::FromStr;
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::future::BoxFuture;
use iroh::EndpointId;
use samod::{ConnectionId, ConnectionState, DocHandle, DocumentId, PeerId};
use serde::Serialize;

use super::{Inner, Node, NodeError};
use crate::model::{Community, CommunityId, DeviceId, InviteId, MemberId, MemberRole, Timestamp};
use crate::net::join_protocol::{Admission, JoinRequest, request_join};
use crate::net::receipt::ReceiptClient;
use crate::net::ticket::{Admitter, InviteTicket, MAX_OTHER_ADMITTERS, new_secret};

/// The result of joining a community.
#[derive(Clone, Debug, Serialize)]
pub struct JoinSummary {
    pub community: CommunityId,
    pub name: String,
    pub member: MemberId,
    /// The member's display name: the name given, or, for a device linked to an existing
    /// member, theirs.
    pub member_name: String,
    /// This device was linked to an existing member (a device invite), not admitted as new.
    pub linked_device: bool,
    /// This device was enrolled as an always-on community device.
    pub community_device: bool,
    pub members: usize,
    pub notes: usize,
    pub cases: usize,
    /// Notes and cases that could not be fetched yet (they arrive at the next sync).
    pub missing: usize,
}

/// What a sync exchanged.
#[derive(Clone, Debug, Serialize)]
pub struct SyncReport {
    /// Member devices this node was connected to.
    pub peers: Vec<String>,
    /// Documents now in step with every connected member.
    pub documents: usize,
    /// Documents fetched for the first time.
    pub fetched: usize,
}

/// A member's device as seen from here.
#[derive(Clone, Debug, Serialize)]
pub struct PeerStatus {
    pub member: MemberId,
    pub name: String,
    pub device: DeviceId,
    /// The label its member gave it when linking it; `None` for a member's first device.
    pub label: Option<String>,
    pub added_at: Timestamp,
    pub this_device: bool,
    pub online: bool,
    /// Unix milliseconds of the last connection, if any.
    pub last_seen: Option<Timestamp>,
}

impl PeerStatus {
    /// What the device is called ([`crate::model::member::device_name`]).
    pub fn device_name(&self) -> String {
        crate::model::member::device_name(self.label.as_deref(), self.this_device)
    }

    /// "this device", "online", "last seen …" or "never seen".
    pub fn state(&self) -> String {
        if self.this_device {
            "this device".to_string()
        } else if self.online {
            "online".to_string()
        } else {
            match self.last_seen {
                Some(t) => format!("last seen {t}"),
                None => "never seen".to_string(),
            }
        }
    }
}

/// The inviter's side of `copse/join/1`, answered by this node.
pub(super) struct NodeAdmission {
    pub(super) node: Arc<OnceLock<Weak<Inner>>>,
}

impl Admission for NodeAdmission {
    fn admit(
        &self,
        joiner: EndpointId,
        community: String,
        secret: [u8; 32],
        name: String,
    ) -> BoxFuture<'static, Result<String, String>> {
        let node = self
            .node
            .get()
            .and_then(Weak::upgrade)
            .map(|inner| Node { inner });
        Box::pin(async move {
            let node = node.ok_or("this member's copse is shutting down")?;
            node.admit(joiner, community, secret, name)
                .await
                .map_err(|e| e.to_string())
        })
    }
}

impl Node {
    /// Creates an invite to a community; returns the ticket to hand to the newcomer.
    pub async fn create_invite(
        &self,
        community: &CommunityId,
        expires_in: Option<Duration>,
        max_uses: Option<u32>,
    ) -> Result<InviteTicket, NodeError> {
        self.create_invite_for(community, expires_in, max_uses, MemberRole::Member)
            .await
    }

    /// An invite that admits newcomers as `role` (a steward invite needs a steward), recorded
    /// with its role in one change.
    pub async fn create_invite_for(
        &self,
        community: &CommunityId,
        expires_in: Option<Duration>,
        max_uses: Option<u32>,
        role: MemberRole,
    ) -> Result<InviteTicket, NodeError> {
        let inviter = self.address().ok_or_else(|| {
            NodeError::Network(
                "An invite needs this device's network address: open copse online (without \
                 --offline) and try again"
                    .into(),
            )
        })?;
        let me = self.me(community).await?;
        let c = self.community(community).await?;
        let inviter_name = c.display_name(&me);
        let others = self.recent_admitters(&c).await?;
        let secret = new_secret();
        let at = self.now();
        // Saturates rather than wraps, so the model's ten-year limit sees a huge expiry as huge.
        let expires_at = expires_in.map(|d| {
            let ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
            Timestamp(at.0.saturating_add(ms))
        });
        let invite = InviteId::new_random();
        let id = invite.clone();
        self.update(community, "create invite", move |c: &mut Community| {
            let id = c.create_invite(id, &me, &secret, at, expires_at, max_uses)?;
            if role != MemberRole::Member {
                c.set_invite_role(&id, &me, role)?;
            }
            Ok(())
        })
        .await?;
        self.flush().await?;
        Ok(InviteTicket {
            inviter,
            inviter_name,
            others,
            community: community.to_string(),
            invite,
            secret,
        })
    }

    /// Other members' devices and the community's always-on devices this node saw lately and
    /// knows how to reach, most recently seen first: they hold the community (and so the
    /// invite's hash) and may admit a newcomer when the inviter is offline.
    async fn recent_admitters(&self, c: &Community) -> Result<Vec<Admitter>, NodeError> {
        let now = self.now();
        let online = self.connected_devices();
        let mut seen = Vec::new();
        let mut devices: Vec<(DeviceId, String)> = Vec::new();
        for (member, m) in &c.members {
            for device in m.devices.keys() {
                devices.push((device.clone(), c.display_name(member)));
            }
        }
        for (device, d) in &c.community_devices {
            devices.push((device.clone(), d.label.clone()));
        }
        for (device, name) in devices {
            let device = &device;
            if device == self.device_id() {
                continue;
            }
            let Some(addr) = self.device_address(device).await else {
                continue;
            };
            let last_seen = if online.contains(device.as_str()) {
                Some(now)
            } else {
                self.inner
                    .storage
                    .get_local(&super::network::seen_key(device))?
                    .and_then(|v| v.parse().ok())
                    .map(Timestamp)
            };
            let Some(at) = last_seen.filter(|at| now.0 - at.0 <= RECENTLY_SEEN_MS) else {
                continue;
            };
            seen.push((at, Admitter { name, addr }));
        }
        seen.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
        Ok(seen
            .into_iter()
            .take(MAX_OTHER_ADMITTERS)
            .map(|(_, a)| a)
            .collect())
    }

    /// Admits a joiner who presented an invite's secret (the inviter's side).
    async fn admit(
        &self,
        joiner: EndpointId,
        community: String,
        secret: [u8; 32],
        name: String,
    ) -> Result<String, NodeError> {
        let now = self.now();
        let id = self
            .resolve_community(Some(&community))
            .map_err(|_| NodeError::NotFound {
                what: "community",
                id: "from this invite on the inviter's device".into(),
            })?;
        let device = joiner.to_string();
        let member = self
            .update(&id, "admit member", move |c: &mut Community| {
                c.redeem_invite(&secret, &device, &name, now)
            })
            .await?;
        // The joiner is told "admitted" only once that is on disk, and the sync gate knows it.
        self.flush().await?;
        self.seen_now(joiner).await;
        self.refresh_access(&id).await?;
        Ok(member.to_string())
    }

    /// Joins a community with an invite ticket: asks the members' devices it names to admit
    /// this device (whichever is online), then fetches the community with its notes and cases.
    pub async fn join(
        &self,
        ticket: &InviteTicket,
        name: &str,
        fetch_timeout: Duration,
    ) -> Result<JoinSummary, NodeError> {
        let network = self.inner.network.as_ref().ok_or_else(|| {
            NodeError::Network(
                "Joining needs the network: start copse online (without --offline) and try \
                     again"
                    .into(),
            )
        })?;
        let community_doc =
            DocumentId::from_str(&ticket.community).map_err(|_| NodeError::InvalidId {
                what: "community",
                given: ticket.community.clone(),
            })?;
        let candidates = ticket.admitters();
        for candidate in &candidates {
            self.learn_address(candidate.addr.clone());
        }
        let request = JoinRequest::V1 {
            community: ticket.community.clone(),
            secret: ticket.secret,
            name: name.to_string(),
        };
        let admitted = request_join(&network.bound.endpoint, &candidates, request)
            .await
            .map_err(|e| NodeError::Network(e.to_string()))?;
        let member = admitted.member;
        self.seen_now(admitted.by).await;
        // The device that admitted this one holds the community: trust it for the first sync.
        self.access()
            .trust_inviter(community_doc, admitted.by.to_string());
        self.dial_members();
        let id = CommunityId::from(ticket.community.clone());
        // samod may answer "unavailable" before the new connection is up: ask again until the
        // deadline.
        let deadline = Instant::now() + fetch_timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.handle(&id)).await {
                Ok(Ok(_)) => break,
                Ok(Err(NodeError::NotFound { .. })) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => {
                    return Err(NodeError::Network(
                        "You were admitted, but the community did not arrive in time: run \
                         `copse sync` (or open copse) while a member is online"
                            .into(),
                    ));
                }
            }
        }
        self.remember_community(&id)?;
        self.follow_community(id.clone()).await?;
        let (_, missing) = self.fetch_indexed(&id, fetch_timeout).await?;
        self.flush().await?;
        let community = self.community(&id).await?;
        let member = MemberId::from(member);
        Ok(JoinSummary {
            community: id,
            name: community.name.clone(),
            member_name: community.display_name(&member),
            linked_device: member.as_str() != self.device_id().as_str(),
            community_device: community.community_devices.contains_key(self.device_id()),
            member,
            members: community.members.len(),
            notes: community.notes.len(),
            cases: community.cases.len(),
            missing,
        })
    }

    /// Fetches every note and case the community lists; returns (present, missing).
    async fn fetch_indexed(
        &self,
        id: &CommunityId,
        timeout: Duration,
    ) -> Result<(usize, usize), NodeError> {
        let community = self.community(id).await?;
        let docs: Vec<(&'static str, String)> = community
            .notes
            .keys()
            .map(|n| ("note", n.to_string()))
            .chain(community.cases.keys().map(|c| ("case", c.to_string())))
            .collect();
        let deadline = Instant::now() + timeout;
        // Documents on disk here need no fetching (and opening them all would cost seconds).
        let here = self.documents_here();
        let finds = docs
            .iter()
            .filter(|(_, doc)| !here.contains(doc))
            .map(|(_, doc)| self.find_patiently(doc, deadline));
        let results = futures::future::join_all(finds).await;
        let fetched = results.iter().filter(|found| **found).count();
        let present = docs.iter().filter(|(_, doc)| here.contains(doc)).count() + fetched;
        Ok((present, docs.len() - present))
    }

    /// Whether a document listed in a community is here, fetching it from members if not.
    ///
    /// Unlike `Repo::find`, this does not give up the moment every connected member answers
    /// "unavailable": a newcomer's first answers often are, because members announce documents
    /// before the newcomer's access list knows them, and samod resumes once access is granted.
    /// Only an answer that stays "unavailable" for [`UNAVAILABLE_GRACE`] counts as missing.
    async fn find_patiently(&self, doc: &str, deadline: Instant) -> bool {
        let Ok(doc_id) = DocumentId::from_str(doc) else {
            return false;
        };
        if self.cached(&doc_id).is_some() {
            return true;
        }
        let Ok((mut state, mut updates)) = self.inner.repo.search(doc_id.clone()) else {
            return false;
        };
        let mut unavailable_since: Option<Instant> = None;
        loop {
            match state {
                samod::SearchState::Found(handle) => {
                    self.lock_handles().insert(doc_id, handle);
                    return true;
                }
                samod::SearchState::Requesting(ref request)
                    if request.is_currently_unavailable() =>
                {
                    unavailable_since.get_or_insert_with(Instant::now);
                }
                _ => unavailable_since = None,
            }
            let give_up = unavailable_since
                .map_or(deadline, |since| (since + UNAVAILABLE_GRACE).min(deadline));
            let left = give_up.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, updates.next()).await {
                Ok(Some(next)) => state = next,
                Ok(None) | Err(_) => return false,
            }
        }
    }

    /// Member devices connected right now.
    pub fn connected_devices(&self) -> BTreeSet<String> {
        let (connections, _) = self.inner.repo.connected_peers();
        connections
            .into_iter()
            .filter_map(|c| match c.state {
                ConnectionState::Connected { their_peer_id } => Some(their_peer_id.to_string()),
                ConnectionState::Handshaking => None,
            })
            .collect()
    }

    /// [`Node::sync_until`] now + `timeout`.
    pub async fn sync_now(&self, timeout: Duration) -> Result<SyncReport, NodeError> {
        self.sync_until(Instant::now() + timeout).await
    }

    /// Syncs with whichever members are reachable, fetching documents listed but not yet here,
    /// until another member's device confirms holding on disk everything this device holds
    /// ([`crate::net::receipt`]). Ends by `deadline`; fails if no member could be reached, or
    /// (as soon as it is known) if something did not get through: every member was lost, or
    /// the deadline passed first.
    pub async fn sync_until(&self, deadline: Instant) -> Result<SyncReport, NodeError> {
        let ids = self.community_ids()?;
        if ids.is_empty() {
            return Err(NodeError::NothingToSync);
        }
        // A device its communities have all removed is refused by every member: waiting for one
        // would only end in "no member could be reached".
        let mut removed_from = None;
        for id in &ids {
            let community = self.community(id).await?;
            if community.member_for_device(self.device_id()).is_some() {
                removed_from = None;
                break;
            }
            removed_from.get_or_insert_with(|| community.name.clone());
        }
        if let Some(community) = removed_from {
            return Err(NodeError::RemovedFrom { community });
        }
        // Wait for the dialers to reach someone.
        while self.connected_devices().is_empty() {
            if Instant::now() >= deadline {
                let why = "no member's device could be reached in time".to_string();
                return Err(self.not_shared(why).await.unwrap_or_else(|| {
                    NodeError::Network(
                        "No member's device could be reached in time. Ask a member to open copse \
                         (or run `copse serve`), then try again"
                            .into(),
                    )
                }));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let devices: Vec<String> = self.connected_devices().into_iter().collect();
        let receipts = self.receipt_clients(&devices, deadline).await;
        let mut fetched = 0;
        let mut documents = 0;
        let exchange = async {
            for id in &ids {
                let before = self.known_documents(id).await?;
                self.settle(id, deadline, &receipts).await;
                let (present, _) = self
                    .fetch_indexed(id, deadline.saturating_duration_since(Instant::now()))
                    .await?;
                fetched += present.saturating_sub(before);
                self.settle(id, deadline, &receipts).await;
                documents += 1 + present;
            }
            Ok::<(), NodeError>(())
        };
        // Every member lost: nothing more can arrive, so stop waiting now.
        let all_lost = async {
            if receipts.is_empty() {
                std::future::pending::<()>().await;
            }
            futures::future::join_all(receipts.values().map(ReceiptClient::lost)).await;
        };
        tokio::select! {
            done = exchange => done?,
            _ = all_lost => {}
        }
        self.flush().await?;
        // Ask until some member holds everything, every member is lost, or the deadline passes.
        loop {
            let live: Vec<&ReceiptClient> = receipts.values().filter(|c| !c.is_lost()).collect();
            let unshared = self.collect_receipts(&live).await?;
            if unshared.is_empty() {
                break;
            }
            let lost = self.lost_names(&receipts).await;
            let why = if live.is_empty() && !lost.is_empty() {
                Some(format!("the connection to {lost} was lost during the sync"))
            } else if live.is_empty() {
                Some("no member's device could confirm having them".to_string())
            } else if Instant::now() >= deadline {
                Some("no member confirmed having them before the timeout".to_string())
            } else {
                None
            };
            if let Some(why) = why {
                return Err(NodeError::NotShared {
                    what: unshared.subject(),
                    why,
                });
            }
            let left = deadline.saturating_duration_since(Instant::now());
            tokio::time::sleep(RECEIPT_RETRY.min(left)).await;
        }
        for client in receipts.values() {
            client.close();
        }
        self.mark_healed().await;
        let peers: Vec<String> = self.connected_devices().into_iter().collect();
        // A sync is often shorter than the status watcher's look: note whom it reached, so an
        // invite made next can name them.
        for peer in &peers {
            if let Ok(id) = EndpointId::from_str(peer) {
                self.seen_now(id).await;
            }
        }
        Ok(SyncReport {
            peers,
            documents,
            fetched,
        })
    }

    /// The error for a sync that reached nobody, naming what is still not shared (`None` if
    /// everything is).
    async fn not_shared(&self, why: String) -> Option<NodeError> {
        let unshared = self.unshared().await.ok()?;
        (!unshared.is_empty()).then(|| NodeError::NotShared {
            what: unshared.subject(),
            why,
        })
    }

    /// "Ada's device", "Ada's and Bob's devices": the members whose receipt channel was lost.
    async fn lost_names(&self, receipts: &HashMap<String, ReceiptClient>) -> String {
        let lost: Vec<&String> = receipts
            .iter()
            .filter(|(_, c)| c.is_lost())
            .map(|(d, _)| d)
            .collect();
        if lost.is_empty() {
            return String::new();
        }
        let mut names = Vec::new();
        for id in self.community_ids().unwrap_or_default() {
            let Ok(community) = self.community(&id).await else {
                continue;
            };
            for member in community.members.values() {
                if member
                    .devices
                    .keys()
                    .any(|d| lost.contains(&&d.to_string()))
                {
                    names.push(format!("{}'s", member.name));
                }
            }
        }
        names.dedup();
        match names.len() {
            0 => "a member's device".to_string(),
            1 => format!("{} device", names[0]),
            _ => format!("{} devices", names.join(" and ")),
        }
    }

    /// How many of a community's notes and cases are open here already.
    async fn known_documents(&self, id: &CommunityId) -> Result<usize, NodeError> {
        let community = self.community(id).await?;
        let here = self.documents_here();
        let known = community
            .notes
            .keys()
            .map(|n| n.to_string())
            .chain(community.cases.keys().map(|c| c.to_string()))
            .filter(|d| here.contains(d))
            .count();
        Ok(known)
    }

    /// The documents open or stored here (ids as text).
    fn documents_here(&self) -> HashSet<String> {
        let stored = self.inner.storage.document_keys().unwrap_or_default();
        let open = super::lock(&self.inner.handles);
        stored
            .into_keys()
            .chain(open.keys().map(|d| d.to_string()))
            .collect()
    }

    /// Waits (until `deadline`) until the community's documents are in step with every
    /// connected member: they have our changes and we have theirs, or the document is quiet
    /// with them. Waiting on a member ends when its receipt channel is lost.
    async fn settle(
        &self,
        id: &CommunityId,
        deadline: Instant,
        receipts: &HashMap<String, ReceiptClient>,
    ) {
        let Ok(community) = self.community(id).await else {
            return;
        };
        let docs: Vec<DocumentId> = std::iter::once(id.to_string())
            .chain(community.notes.keys().map(|n| n.to_string()))
            .chain(community.cases.keys().map(|c| c.to_string()))
            .filter_map(|d| DocumentId::from_str(&d).ok())
            .collect();
        let (connections, _) = self.inner.repo.connected_peers();
        // A connection still shaking hands has no peer yet to be in step with, and would be
        // waited on for every quiet document in vain; the connected one to the same member is
        // enough.
        let peers: Vec<(ConnectionId, PeerId)> = connections
            .iter()
            .filter_map(|c| match &c.state {
                ConnectionState::Connected { their_peer_id } => Some((c.id, their_peer_id.clone())),
                ConnectionState::Handshaking => None,
            })
            .collect();
        // A document quiet with a peer was in step when they connected and has not changed
        // here since: nothing is exchanged for it, so there is nothing to wait for. The others
        // are opened, which is what makes samod announce them.
        let quiet = self.access().quiet();
        let mut busy: HashMap<ConnectionId, (PeerId, Vec<DocHandle>)> = HashMap::new();
        for doc in docs {
            let waiting: Vec<&(ConnectionId, PeerId)> = peers
                .iter()
                .filter(|(_, peer)| !quiet.is_quiet(peer.as_str(), &doc))
                .collect();
            if waiting.is_empty() {
                continue;
            }
            if let Ok(handle) = self.handle(&doc).await {
                for (conn, peer) in waiting {
                    busy.entry(*conn)
                        .or_insert_with(|| (peer.clone(), Vec::new()))
                        .1
                        .push(handle.clone());
                }
            }
        }
        let per_peer = busy.into_iter().map(|(conn, (peer, handles))| {
            let lost = receipts.get(peer.as_str()).cloned();
            async move {
                let waits = handles.iter().flat_map(|h| {
                    [
                        futures::future::Either::Left(h.they_have_our_changes(conn)),
                        futures::future::Either::Right(h.we_have_their_changes(conn)),
                    ]
                });
                let all = futures::future::join_all(waits);
                match lost {
                    Some(client) => {
                        tokio::select! {
                            _ = all => {}
                            _ = client.lost() => {}
                        }
                    }
                    None => {
                        all.await;
                    }
                }
            }
        });
        let left = deadline.saturating_duration_since(Instant::now());
        let _ = tokio::time::timeout(left, futures::future::join_all(per_peer)).await;
    }

    /// The community's members and their devices, with online state and last seen.
    pub async fn peers(&self, community: &CommunityId) -> Result<Vec<PeerStatus>, NodeError> {
        let c = self.community(community).await?;
        let online = self.connected_devices();
        let mut out = Vec::new();
        for (member, m) in &c.members {
            for (device, d) in &m.devices {
                let last_seen = self
                    .inner
                    .storage
                    .get_local(&super::network::seen_key(device))?
                    .and_then(|v| v.parse().ok())
                    .map(Timestamp);
                out.push(PeerStatus {
                    member: member.clone(),
                    name: m.name.clone(),
                    device: device.clone(),
                    label: d.label.clone(),
                    added_at: d.added_at,
                    this_device: device == self.device_id(),
                    online: online.contains(device.as_str()),
                    last_seen,
                });
            }
        }
        Ok(out)
    }
}

/// How often a sync asks again for receipts while a member still lacks something.
const RECEIPT_RETRY: Duration = Duration::from_millis(250);

/// How lately a member's device must have been seen for an invite to name it as one that may
/// admit: a device not seen for weeks is likely gone or moved.
const RECENTLY_SEEN_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// How long every member may keep answering "unavailable" before a document counts as missing.
const UNAVAILABLE_GRACE: Duration = Duration::from_secs(3);
