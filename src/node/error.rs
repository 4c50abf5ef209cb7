//! Errors from the node, each a sentence a member can act on.

use crate::model::ModelError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Backup(#[from] crate::store::BackupError),
    #[error("'{given}' is not a valid {what} id")]
    InvalidId { what: &'static str, given: String },
    #[error("no {what} with id {id} in this data folder")]
    NotFound { what: &'static str, id: String },
    #[error(
        "the {what} {id} is listed in the community but is not on this device (it was never \
         fetched, or its stored data was damaged). A member's device still has it: `copse sync` \
         fetches it"
    )]
    NotOnThisDevice { what: &'static str, id: String },
    #[error(
        "the {what} {id} is damaged in this data folder: its stored data was set aside in \
         copse.db's quarantine table (nothing was deleted). {}",
        if *what == "community" {
            "Restore copse.db from a backup, or join again with an invite from a member"
        } else {
            "A member still has it: `copse sync` fetches it again"
        }
    )]
    Damaged { what: &'static str, id: String },
    #[error("there is no community yet: create one with `copse init --name NAME`")]
    NoCommunity,
    #[error(
        "this data folder holds {count} communities; choose one with --community ID (see `copse communities`)"
    )]
    AmbiguousCommunity { count: usize },
    #[error(
        "there is no community to sync yet: create one with `copse init --name NAME`, or join one \
         with `copse join INVITE`"
    )]
    NothingToSync,
    #[error("this device was removed from {community}; members no longer share changes with it")]
    RemovedFrom { community: String },
    #[error(
        "{what} not on any other member's device yet: {why}. They are kept on this device; run \
         `copse sync` again while a member is online"
    )]
    NotShared { what: String, why: String },
    /// A network problem, said as a sentence with the next step.
    #[error("{0}")]
    Network(String),
    #[error(
        "the data folder {dir} is open in another copse process ({holder}), so this command can \
         only read it. Make the change in the window, or stop `copse serve` and try again"
    )]
    ReadOnly { dir: String, holder: String },
    #[error(
        "the disk holding {dir} is full: copse can show what is stored there, but cannot save \
         changes. Free some space (empty the trash, move large files elsewhere), then try again"
    )]
    DiskFull { dir: String },
    #[error("the node has stopped")]
    Stopped,
    #[error(
        "{} to the data folder failed ({last_error}); recent changes may not be saved",
        crate::model::plain::count(*failed as usize, "write", "writes")
    )]
    WritesFailed { failed: u64, last_error: String },
    #[error(
        "a change to document {doc} was not confirmed on disk within {secs}s; it may not be saved yet"
    )]
    NotConfirmed { doc: String, secs: u64 },
    #[error(
        "{folder} is not empty and holds no earlier copse export; choose an empty folder, or pass --force to write into it anyway"
    )]
    FolderNotEmpty { folder: String },
    #[error("{path}: {error}")]
    Io { path: String, error: String },
    #[error(
        "document {doc} stopped after a member's message crashed it and was reopened from disk; try again"
    )]
    Reopened { doc: String },
    /// Attached files: their store, or bytes not here yet, said as a sentence.
    #[error("{0}")]
    Files(String),
    #[error("internal error while changing a document (the document was left unchanged): {0}")]
    Panicked(String),
}

impl From<samod::Stopped> for NodeError {
    fn from(_: samod::Stopped) -> Self {
        NodeError::Stopped
    }
}
