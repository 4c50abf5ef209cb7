//! The practices of a community of practice, computed from its documents: who is active
//! ([`pulse`]), what to find ([`search`]), the learning objectives members share
//! ([`objectives`]), who can help with what ([`skills`]), who takes which role next
//! ([`rotation`]) and what is new to this device ([`unread`]).
//!
//! The rule of this folder: functions of documents only. Nothing here changes a document or
//! reads the clock; the caller passes in the documents and "now".

pub mod notifications;
pub mod objectives;
pub mod pulse;
pub mod rotation;
pub mod search;
pub mod skills;
pub mod unread;
