//! copse: a local-first, peer-to-peer home for communities of practice.
//!
//! The layers, each depending only on those below it:
//!
//! - [`model`]: the community, note and case documents and the rules of their operations.
//!   Pure: Automerge values in, Automerge values out; no IO, no tokio, no egui, no iroh.
//! - [`store`]: the data folder: durable SQLite storage under samod, the folder lock, the
//!   device key.
//! - [`net`]: peer-to-peer sync over iroh: the endpoint, the sync and join protocols, checks of
//!   every frame a peer sends.
//! - [`node`]: [`node::Node`] owns the samod repo and the store; the one API the UI and CLI use.
//! - [`clock`]: the time of day, injected so that no rule reads the system clock itself.
//! - [`ui`] and [`cli`]: the desktop window and the headless commands, both on `Node`.
//! - [`instance`]: the one copse process of a data folder as other processes see it: its
//!   local socket, background syncing and the login entry.
//! - [`untrusted`]: every reader of outside bytes behind one door each, for the fuzzer.

pub mod cli;
pub mod clock;
pub mod instance;
pub mod model;
pub mod net;
pub mod node;
pub mod store;
pub mod ui;
pub mod untrusted;
