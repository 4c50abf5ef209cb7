//! Peer-to-peer sync over iroh. Empty until the sync issue lands; the device identity
//! (the iroh secret key) already lives in [`crate::store`].
