//! The node's part in the network: the iroh endpoint and router, the access list kept in step
//! with every community's roster and index, and a samod dialer for every member device.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use tokio::sync::watch;

use iroh::protocol::Router;
use iroh::{EndpointAddr, EndpointId};
use samod::{BackoffConfig, DialerHandle, DocumentId};

use super::membership::NodeAdmission;
use super::summary::NodeSummaries;
use super::{Inner, Node, NodeError, lock};
use crate::clock::Clock;
use crate::model::{Community, CommunityId, DeviceId, MemberRole};
use crate::net::access::{Access, CommunityAccess};
use crate::net::blobs::{FILES_ALPN, FilesProtocol};
use crate::net::dialer::{DeviceDialer, DialFailed};
use crate::net::endpoint::BoundEndpoint;
use crate::net::endpoint::NetConfig;
use crate::net::join_protocol::JoinProtocol;
use crate::net::receipt::ReceiptProtocol;
use crate::net::sync_protocol::SyncProtocol;
use crate::net::transport::{Link, Traffic};
use crate::net::validate::FrameLimits;
use crate::net::versions::{Gap, VERSIONS_ALPN, Versions, VersionsProtocol};
use crate::net::{JOIN_ALPN, RECEIPT_ALPN};
use crate::store::SqliteStorage;

/// A running network: present when the node was opened online.
pub(super) struct Network {
    pub(super) bound: BoundEndpoint,
    pub(super) router: Router,
    pub(super) dialers: Mutex<HashMap<String, DialerHandle<DialFailed>>>,
    /// Limits, traffic and summaries every sync connection shares.
    pub(super) link: Link,
    /// Watches connections; stopped at shutdown.
    pub(super) connections: tokio::task::JoinHandle<()>,
}

/// Binds the endpoint and starts accepting members' sync connections and join requests.
///
/// The port is kept in the data folder, so that addresses in invites handed out earlier still
/// reach this device after a restart.
// One call site (`Node::open`), each argument a different part of the node.
#[allow(clippy::too_many_arguments)]
pub(super) async fn start(
    repo: &samod::Repo,
    storage: &SqliteStorage,
    key: iroh::SecretKey,
    config: &NetConfig,
    access: &Access,
    files: Option<&super::files::Files>,
    node: Arc<OnceLock<Weak<Inner>>>,
    status: StatusFeed,
) -> Result<Network, NodeError> {
    let remembered = storage
        .get_local(PORT_KEY)?
        .and_then(|p| p.parse::<u16>().ok())
        .filter(|_| config.bind.port() == 0);
    let bound = match remembered {
        Some(port) => {
            let mut preferred = config.clone();
            preferred.bind.set_port(port);
            match crate::net::endpoint::bind(key.clone(), &preferred).await {
                Ok(bound) => Ok(bound),
                Err(e) => {
                    tracing::info!(port, error = %e, "the usual port is taken; listening on another");
                    crate::net::endpoint::bind(key, config).await
                }
            }
        }
        None => crate::net::endpoint::bind(key, config).await,
    }
    .map_err(|e| NodeError::Network(e.to_string()))?;
    if let Some(socket) = bound.endpoint.bound_sockets().first() {
        storage.set_local(PORT_KEY, &socket.port().to_string())?;
    }
    let link = Link {
        limits: FrameLimits::default(),
        traffic: Traffic::default(),
        expulsions: Default::default(),
        quiet: access.quiet().clone(),
        summaries: Arc::new(NodeSummaries { node: node.clone() }),
        versions: Versions::new(config.sync_version()),
    };
    let url =
        samod::Url::parse("iroh://incoming").map_err(|e| NodeError::Network(e.to_string()))?;
    let acceptor = repo.make_acceptor(url)?;
    // Sync first: a dialer that offers it and `copse/versions` gets sync when it is spoken.
    let router = Router::builder(bound.endpoint.clone())
        .accept(
            link.versions.sync_alpn(),
            SyncProtocol {
                acceptor,
                access: access.clone(),
                link: link.clone(),
            },
        )
        .accept(
            RECEIPT_ALPN,
            ReceiptProtocol {
                access: access.clone(),
                holdings: Arc::new(storage.clone()),
            },
        )
        .accept(
            JOIN_ALPN,
            JoinProtocol {
                admission: Arc::new(NodeAdmission { node }),
            },
        )
        .accept(
            VERSIONS_ALPN,
            VersionsProtocol {
                versions: link.versions.clone(),
                access: access.clone(),
            },
        );
    // Attached files, when this device has a file store (not on a full disk).
    let router = match files {
        Some(files) => {
            files.start_downloads(&bound.endpoint);
            router.accept(
                FILES_ALPN,
                FilesProtocol::new(files.blobs(), access.clone()),
            )
        }
        None => router,
    }
    .spawn();
    remember_addresses(storage, &bound);
    let connections = watch_connections(repo, storage, &bound.endpoint, &link.versions, status);
    Ok(Network {
        bound,
        router,
        dialers: Mutex::new(HashMap::new()),
        link,
        connections,
    })
}

/// Where the connection watcher reports, and the clock it tells the time by.
pub(super) struct StatusFeed {
    pub sender: watch::Sender<SyncStatus>,
    pub clock: Clock,
}

/// Local key of the port this device listens on.
const PORT_KEY: &str = "net/port";

/// Local key of when `device` was last connected (Unix ms by the node's clock).
pub(super) fn seen_key(device: &impl std::fmt::Display) -> String {
    format!("seen/{device}")
}

/// What the status bar shows about the network.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct SyncStatus {
    /// Whether this node takes part in the network at all.
    pub online: bool,
    /// Member devices connected now.
    pub connected: BTreeSet<String>,
    /// When a member last sent us anything (Unix ms), if ever this session.
    pub last_synced: Option<crate::model::Timestamp>,
    /// Whether a member sent something in the last couple of seconds: sync is under way.
    pub syncing: bool,
    /// Documents reopened from disk after a crash in Automerge: they sync again only after a
    /// restart.
    pub reopened: usize,
    /// Documents (notes, cases, community documents) holding changes that no other member's
    /// device has confirmed holding on disk ("Not yet shared: 3"); `None` until first counted.
    /// Kept up to date every few seconds while online ([`Node::unshared`] has the detail).
    pub unshared: Option<usize>,
    /// Member devices that speak no sync protocol version this copse speaks, and which side
    /// is behind ([`Node::version_notices`] puts it in words).
    pub version_gaps: std::collections::BTreeMap<String, Gap>,
    /// Files arriving now, by hash (see [`Node::fetch_missing_files`]).
    pub receiving: std::collections::BTreeMap<String, super::Receiving>,
    /// Why files could not be received on this device (a full disk), until one arrives.
    pub file_trouble: Option<String>,
}

/// Messages this recent mean sync is under way.
const SYNCING_WINDOW_MS: i64 = 2_000;

/// Keeps `status` in step with samod's connections, and notes when and where each member
/// device was last connected.
///
/// It looks once a second rather than subscribing: samod sends every subscriber a full copy of
/// every document's sync state on each message, which made joining a large community several
/// times slower. Storage is written only when a device connects or leaves.
fn watch_connections(
    repo: &samod::Repo,
    storage: &SqliteStorage,
    endpoint: &iroh::Endpoint,
    versions: &Versions,
    StatusFeed {
        sender: status,
        clock,
    }: StatusFeed,
) -> tokio::task::JoinHandle<()> {
    let (repo, storage, endpoint) = (repo.clone(), storage.clone(), endpoint.clone());
    let versions = versions.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut previous: BTreeSet<String> = BTreeSet::new();
        loop {
            tick.tick().await;
            let (connections, _) = repo.connected_peers();
            let connected: BTreeSet<String> = connections
                .iter()
                .filter_map(|c| match &c.state {
                    samod::ConnectionState::Connected { their_peer_id } => {
                        Some(their_peer_id.to_string())
                    }
                    samod::ConnectionState::Handshaking => None,
                })
                .collect();
            let received = connections
                .iter()
                .filter_map(|c| {
                    c.last_received
                        .map(|t| clock.from_system(t.timestamp_millis()))
                })
                .max();
            let now = clock.now();
            let syncing = received.is_some_and(|at| now.0 - at.0 < SYNCING_WINDOW_MS);
            let gaps = versions.gaps();
            status.send_if_modified(|s| {
                let last = received.or(s.last_synced);
                let changed = s.connected != connected
                    || s.last_synced != last
                    || s.syncing != syncing
                    || s.version_gaps != gaps;
                s.connected = connected.clone();
                s.last_synced = last;
                s.syncing = syncing;
                s.version_gaps = gaps;
                changed
            });
            // Arrivals and departures are "seen" now; arrivals also tell us where they are.
            for device in connected.symmetric_difference(&previous) {
                if let Err(e) = storage.set_local(&seen_key(device), &now.0.to_string()) {
                    tracing::debug!(error = %e, "could not note when a member was seen");
                }
            }
            for device in connected.difference(&previous) {
                let Ok(id) = EndpointId::from_str(device) else {
                    continue;
                };
                if let Some(info) = endpoint.remote_info(id).await {
                    let addr = EndpointAddr::new(id).with_addrs(info.into_addrs().map(Into::into));
                    save_address(&storage, &addr);
                }
            }
            previous = connected;
        }
    })
}

/// Local key prefix of members' last known addresses.
const ADDRESS_PREFIX: &str = "addr/";

/// Loads the members' last known addresses into the endpoint's address book, so a restarted
/// node can reach them with no relay or local discovery.
fn remember_addresses(storage: &SqliteStorage, bound: &BoundEndpoint) {
    let known = match storage.local_with_prefix(ADDRESS_PREFIX) {
        Ok(known) => known,
        Err(e) => {
            tracing::warn!(error = %e, "could not read members' last known addresses");
            return;
        }
    };
    for (_, json) in known {
        match serde_json::from_str::<EndpointAddr>(&json) {
            Ok(addr) => bound.addresses.add_endpoint_info(addr),
            Err(e) => tracing::debug!(error = %e, "skipping an unreadable remembered address"),
        }
    }
}

/// Keeps a device's address for next time.
pub(super) fn save_address(storage: &SqliteStorage, addr: &EndpointAddr) {
    let saved = serde_json::to_string(addr)
        .map_err(|e| e.to_string())
        .and_then(|json| {
            storage
                .set_local(&format!("{ADDRESS_PREFIX}{}", addr.id), &json)
                .map_err(|e| e.to_string())
        });
    if let Err(e) = saved {
        tracing::debug!(error = %e, "could not remember a member's address");
    }
}

impl Node {
    /// Notes that `device` is connected now and where it is, as the status watcher does for
    /// every connection: for one that may end before the watcher looks (a joiner just admitted).
    pub(super) async fn seen_now(&self, device: EndpointId) {
        let key = seen_key(&device);
        if let Err(e) = self
            .inner
            .storage
            .set_local(&key, &self.now().0.to_string())
        {
            tracing::debug!(error = %e, "could not note when a device was seen");
        }
        if let Some(network) = &self.inner.network
            && let Some(info) = network.bound.endpoint.remote_info(device).await
        {
            let addr = EndpointAddr::new(device).with_addrs(info.into_addrs().map(Into::into));
            save_address(&self.inner.storage, &addr);
        }
    }

    /// Where a member's device can be reached: where the endpoint reaches it now if it is
    /// connected, else its last remembered address.
    pub(super) async fn device_address(&self, device: &DeviceId) -> Option<EndpointAddr> {
        let id = EndpointId::from_str(device.as_str()).ok()?;
        if let Some(network) = &self.inner.network
            && let Some(info) = network.bound.endpoint.remote_info(id).await
        {
            let addr = EndpointAddr::new(id).with_addrs(info.into_addrs().map(Into::into));
            if !addr.addrs.is_empty() {
                return Some(addr);
            }
        }
        let json = self
            .inner
            .storage
            .get_local(&format!("{ADDRESS_PREFIX}{device}"))
            .ok()??;
        serde_json::from_str(&json).ok()
    }

    /// Who may sync what right now, from the rosters.
    pub fn access(&self) -> &Access {
        &self.inner.access
    }

    /// The network as the status bar shows it: connected members, last synced.
    pub fn sync_status(&self) -> watch::Receiver<SyncStatus> {
        self.inner.sync_status.subscribe()
    }

    /// Bytes of sync frames (sent, received) since the node opened; zeros when offline.
    pub fn traffic(&self) -> (u64, u64) {
        self.inner
            .network
            .as_ref()
            .map(|n| n.link.traffic.totals())
            .unwrap_or((0, 0))
    }

    /// Whether this node listens and syncs.
    pub fn is_online(&self) -> bool {
        self.inner.network.is_some()
    }

    /// This device's address for others to dial, when online.
    pub fn address(&self) -> Option<EndpointAddr> {
        self.inner
            .network
            .as_ref()
            .map(|net| crate::net::endpoint::own_address(&net.bound))
    }

    /// Teaches the endpoint where a device can be reached (from an invite), and keeps it.
    pub fn learn_address(&self, addr: EndpointAddr) {
        if let Some(net) = &self.inner.network {
            save_address(&self.inner.storage, &addr);
            net.bound.addresses.add_endpoint_info(addr);
        }
    }

    /// Recomputes one community's access entry from its roster and index, and dials any
    /// member device not yet dialed.
    pub(crate) async fn refresh_access(&self, id: &CommunityId) -> Result<(), NodeError> {
        let (_, community) = self.stored_community(id).await?;
        let Ok(doc) = DocumentId::from_str(id.as_str()) else {
            return Err(NodeError::InvalidId {
                what: "community",
                given: id.to_string(),
            });
        };
        self.access()
            .set_community(doc.clone(), access_of(&doc, &community));
        self.dial_members();
        self.fetch_missing_files().await;
        Ok(())
    }

    /// Starts a dialer for every member device in the access list that has none.
    pub(super) fn dial_members(&self) {
        let Some(net) = &self.inner.network else {
            return;
        };
        let devices: BTreeSet<String> = self.access().current().devices();
        let mut dialers = lock(&net.dialers);
        for device in devices {
            if device == self.device_id().as_str() || dialers.contains_key(&device) {
                continue;
            }
            let Ok(id) = EndpointId::from_str(&device) else {
                tracing::warn!(%device, "a roster lists a device id that is not an endpoint id");
                continue;
            };
            let dialer = DeviceDialer {
                endpoint: net.bound.endpoint.clone(),
                device: id,
                link: net.link.clone(),
                access: self.access().clone(),
            };
            match self
                .inner
                .repo
                .dial(BackoffConfig::default(), Arc::new(dialer))
            {
                Ok(handle) => {
                    dialers.insert(device, handle);
                }
                Err(e) => tracing::warn!(%device, error = ?e, "could not start dialing a member"),
            }
        }
        // A device no longer on any roster is no longer dialed.
        let wanted: HashSet<String> = self.access().current().devices().into_iter().collect();
        dialers.retain(|device, handle| {
            let keep = wanted.contains(device);
            if !keep {
                handle.close();
            }
            keep
        });
    }

    /// Keeps the access list in step with a community for as long as the node runs.
    pub(crate) async fn follow_community(&self, id: CommunityId) -> Result<(), NodeError> {
        self.refresh_access(&id).await?;
        // The stored document: the roster, not when notes last changed.
        let mut live = self.watch::<Community>(&id).await?;
        let node = self.clone();
        self.track(tokio::spawn(async move {
            while live.changed().await.is_ok() {
                if let Err(e) = node.refresh_access(&id).await {
                    tracing::warn!(community = %id, error = %e, "could not update who may sync");
                }
            }
        }));
        Ok(())
    }
}

/// Who may sync which documents of one community.
pub(crate) fn access_of(doc: &DocumentId, community: &Community) -> CommunityAccess {
    let mut documents: HashSet<DocumentId> = HashSet::from([doc.clone()]);
    let indexed = community
        .notes
        .keys()
        .map(|n| n.as_str())
        .chain(community.cases.keys().map(|c| c.as_str()));
    documents.extend(indexed.filter_map(|id| DocumentId::from_str(id).ok()));
    let devices = community
        .authorized_devices()
        .iter()
        .map(DeviceId::to_string)
        .collect();
    let files = community.files.values().map(|f| f.hash.clone()).collect();
    let readers = community
        .members
        .iter()
        .filter(|(id, _)| community.role_of(id) == Some(MemberRole::Reader))
        .flat_map(|(_, m)| m.devices.keys().map(DeviceId::to_string))
        .collect();
    CommunityAccess {
        devices,
        readers,
        documents,
        files,
    }
}
