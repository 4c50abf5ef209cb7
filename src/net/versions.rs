//! Sync protocol versions: members running copse versions that do not share a sync protocol
//! are each told who needs to update, instead of failing to sync in silence.
//!
//! Sync runs on `copse/sync/N`. Every copse also answers [`VERSIONS_ALPN`], whose name and
//! hello never change, registered after its sync protocol. A dialer offers both: a device that
//! speaks its sync version picks that (the router prefers what was registered first); one that
//! does not picks `copse/versions`, and the two tell each other the versions they speak
//! ([`Hello`]). Each side then records a [`Gap`] for the other device, which the status bar,
//! `copse sync` and `copse peers` put in words ([`Gap::notice`]).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use iroh::endpoint::Connection;
use iroh::protocol::{AcceptError, ProtocolHandler};

use super::access::Access;
use crate::model::Community;

/// The sync protocol version this copse speaks.
pub const SYNC_VERSION: u32 = 1;

/// Where devices that share no sync version tell each other the ones they speak.
pub const VERSIONS_ALPN: &[u8] = b"copse/versions";

/// Longest hello read from a peer.
const MAX_HELLO: usize = 1024;

/// The ALPN of sync protocol `version`.
pub fn sync_alpn(version: u32) -> Vec<u8> {
    format!("copse/sync/{version}").into_bytes()
}

/// What each side of `copse/versions` sends: the sync versions it speaks.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Hello {
    pub sync: Vec<u32>,
}

/// How a peer device's copse differs from this one, when they share no sync version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Gap {
    /// The peer runs a newer copse: this member must update.
    Newer,
    /// The peer runs an older copse: its member must update.
    Older,
}

impl Gap {
    /// Which side is behind, from the versions each speaks (`None` if they share one).
    pub fn between(ours: u32, theirs: &[u32]) -> Option<Gap> {
        if theirs.contains(&ours) {
            return None;
        }
        match theirs.iter().max() {
            Some(&newest) if newest > ours => Some(Gap::Newer),
            _ => Some(Gap::Older),
        }
    }

    /// What to tell the member, `name` being the other device's member.
    pub fn notice(self, name: &str) -> String {
        match self {
            Gap::Newer => {
                format!("{name}'s device runs a newer copse; update copse to sync with it")
            }
            Gap::Older => format!("{name}'s device runs an older copse; ask {name} to update"),
        }
    }
}

/// One sentence per member device of `community` in `gaps`, naming its member.
pub fn notices(community: &Community, gaps: &BTreeMap<String, Gap>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (id, member) in &community.members {
        for device in member.devices.keys() {
            if let Some(gap) = gaps.get(&device.to_string()) {
                let notice = gap.notice(&community.display_name(id));
                if !out.contains(&notice) {
                    out.push(notice);
                }
            }
        }
    }
    out
}

/// The sync version this node speaks and the gaps found so far, by device id. Shared by every
/// sync connection of one node ([`super::transport::Link`]).
#[derive(Clone, Debug)]
pub struct Versions {
    pub speaks: u32,
    gaps: Arc<Mutex<BTreeMap<String, Gap>>>,
}

impl Versions {
    pub fn new(speaks: u32) -> Versions {
        Versions {
            speaks,
            gaps: Arc::default(),
        }
    }

    /// The ALPN this node syncs on.
    pub fn sync_alpn(&self) -> Vec<u8> {
        sync_alpn(self.speaks)
    }

    fn hello(&self) -> Vec<u8> {
        serde_json::to_vec(&Hello {
            sync: vec![self.speaks],
        })
        .unwrap_or_default()
    }

    /// Records what the peer's hello says about `device`; returns the gap, if any.
    fn heard(&self, device: &str, hello: &[u8]) -> Option<Gap> {
        let theirs = serde_json::from_slice::<Hello>(hello)
            .map(|h| h.sync)
            .unwrap_or_default();
        let gap = Gap::between(self.speaks, &theirs);
        self.set(device, gap);
        gap
    }

    /// A sync connection with `device` works: whatever gap there was, it is gone.
    pub fn synced(&self, device: &str) {
        self.set(device, None);
    }

    fn set(&self, device: &str, gap: Option<Gap>) {
        let mut gaps = self.gaps.lock().unwrap_or_else(|e| e.into_inner());
        match gap {
            Some(gap) => gaps.insert(device.to_string(), gap),
            None => gaps.remove(device),
        };
    }

    /// Every device this node shares no sync version with.
    pub fn gaps(&self) -> BTreeMap<String, Gap> {
        self.gaps.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The dialer's side, on a connection that settled on [`VERSIONS_ALPN`]: sends our hello,
    /// reads theirs.
    pub async fn ask(&self, conn: &Connection) -> Result<Option<Gap>, String> {
        let (mut send, mut recv) = conn.open_bi().await.map_err(|e| e.to_string())?;
        send.write_all(&self.hello())
            .await
            .map_err(|e| e.to_string())?;
        send.finish().map_err(|e| e.to_string())?;
        let theirs = recv
            .read_to_end(MAX_HELLO)
            .await
            .map_err(|e| e.to_string())?;
        conn.close(0u32.into(), b"versions told");
        Ok(self.heard(&conn.remote_id().to_string(), &theirs))
    }
}

/// The `copse/versions` handler: answers members' devices with the versions this node speaks.
#[derive(Clone, Debug)]
pub struct VersionsProtocol {
    pub versions: Versions,
    pub access: Access,
}

impl ProtocolHandler for VersionsProtocol {
    async fn accept(&self, conn: Connection) -> Result<(), AcceptError> {
        let remote = conn.remote_id().to_string();
        if !self.access.knows(&remote) {
            conn.close(super::sync_protocol::NOT_A_MEMBER.into(), b"not a member");
            return Ok(());
        }
        let (mut send, mut recv) = conn.accept_bi().await?;
        let theirs = recv
            .read_to_end(MAX_HELLO)
            .await
            .map_err(AcceptError::from_err)?;
        let gap = self.versions.heard(&remote, &theirs);
        tracing::info!(peer = %remote, ?gap, "a member's device speaks another sync version");
        send.write_all(&self.versions.hello())
            .await
            .map_err(AcceptError::from_err)?;
        send.finish().map_err(AcceptError::from_err)?;
        conn.closed().await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whoever_speaks_only_newer_versions_is_ahead() {
        assert_eq!(Gap::between(1, &[1]), None);
        assert_eq!(Gap::between(1, &[1, 2]), None);
        assert_eq!(Gap::between(1, &[2]), Some(Gap::Newer));
        assert_eq!(Gap::between(2, &[1]), Some(Gap::Older));
        // A hello that could not be read counts as an older copse: it is the one to update.
        assert_eq!(Gap::between(1, &[]), Some(Gap::Older));
    }
}
