//! Integration tests, one binary: the real `copse` executable on temporary data folders.

// A failing unwrap is how a test reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod backup;
mod cli;
mod cli_lifecycle;
mod cli_practices;
mod cli_rhythm;
mod cli_roles;
mod cli_sync;
mod crash;
mod damage;
mod devices;
mod disk_faults;
mod formats;
mod gui;
mod gui_backups;
mod gui_cases;
mod gui_gatherings;
mod gui_home;
mod gui_lifecycle;
mod gui_members;
mod gui_notes;
mod gui_practices;
mod gui_roles;
mod gui_search_export;
mod gui_topics;
mod gui_trust;
mod impair;
mod lan;
mod last_change;
mod node;
mod panic_containment;
mod relay;
mod review;
mod roles;
mod search_export;
mod sync;
mod sync_rhythm;
mod sync_truth;
mod sync_versions;
mod util;
mod window;
