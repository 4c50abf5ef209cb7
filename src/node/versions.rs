//! Who must update, when a member's device speaks no sync protocol version this copse speaks
//! ([`crate::net::versions`]): for `copse sync`, `copse peers` and tests.

use std::collections::BTreeMap;

use super::{Node, NodeError};
use crate::model::CommunityId;
use crate::net::versions::{Gap, notices};

impl Node {
    /// The devices found so far that share no sync version with this one (none offline).
    pub fn version_gaps(&self) -> BTreeMap<String, Gap> {
        self.inner
            .network
            .as_ref()
            .map(|n| n.link.versions.gaps())
            .unwrap_or_default()
    }

    /// One sentence per such device of `community`, e.g. "Bo's device runs an older copse;
    /// ask Bo to update".
    pub async fn version_notices(&self, community: &CommunityId) -> Result<Vec<String>, NodeError> {
        let gaps = self.version_gaps();
        if gaps.is_empty() {
            return Ok(Vec::new());
        }
        Ok(notices(&*self.community(community).await?, &gaps))
    }
}
