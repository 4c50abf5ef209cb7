//! Integration tests, one binary: the real `copse` executable on temporary data folders.

mod cli;
mod cli_sync;
mod crash;
mod gui;
mod gui_cases;
mod gui_members;
mod gui_search_export;
mod gui_topics;
mod lan;
mod node;
mod search_export;
mod sync;
mod util;
mod window;
