//! Peer-to-peer sync over iroh: the endpoint, samod's transport over QUIC streams, admission
//! with invites, the checks every frame from a peer passes before samod sees it, and the files
//! protocol (iroh-blobs) behind the same admission.
//!
//! Depends on [`crate::model`] (rosters, invites) and samod/iroh; never on the UI.

pub mod access;
pub mod blobs;
pub mod dialer;
pub mod endpoint;
pub mod expulsion;
pub mod join_protocol;
pub mod quiet;
pub mod receipt;
pub mod summary;
pub mod sync_protocol;
pub mod ticket;
pub mod transport;
pub mod validate;
pub mod versions;

/// samod sync between members' devices, in this copse's version ([`versions`]).
pub const SYNC_ALPN: &[u8] = b"copse/sync/1";
/// Which of our changes a member's device holds on disk (see [`receipt`]).
pub const RECEIPT_ALPN: &[u8] = b"copse/receipt/1";
/// Admission: redeeming an invite.
pub const JOIN_ALPN: &[u8] = b"copse/join/1";
