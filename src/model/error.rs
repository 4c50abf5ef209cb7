//! Why the model refused an operation, in words a member can act on.

use crate::model::Phase;

/// A refused operation or an unreadable document.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum ModelError {
    #[error("{what} must not be empty")]
    Empty { what: &'static str },
    #[error(
        "{what} is too long ({}; the limit is {})",
        super::plain::size(*len),
        super::plain::size(*max)
    )]
    TooLong {
        what: &'static str,
        len: usize,
        max: usize,
    },
    #[error("'{given}' is not a valid {kind}")]
    InvalidId { kind: &'static str, given: String },
    #[error("{0} is not a member of this community")]
    NotAMember(String),
    #[error("no topic with id {0}")]
    NoSuchTopic(String),
    #[error("no gathering with id {0}")]
    NoSuchGathering(String),
    #[error("no question with id {0} in this case")]
    NoSuchQuestion(String),
    #[error("no note with id {0} in this community")]
    NoSuchNote(String),
    #[error("no case with id {0} in this community")]
    NoSuchCase(String),
    #[error("no comment with id {0} here")]
    NoSuchComment(String),
    #[error("only the comment's author can delete it")]
    NotCommentAuthor,
    #[error("this {what} ({id}) was not deleted, so there is nothing to restore")]
    NotDeleted { what: &'static str, id: String },
    #[error("'{0}' is not a version in this document's history (see its history for versions)")]
    NoSuchVersion(String),
    #[error("{0}")]
    CannotSettle(String),
    #[error("no shared learning objective matches '{0}' (give its number or its wording)")]
    NoSuchObjectiveGroup(String),
    #[error("a topic cannot be its own parent or the parent of one of its ancestors")]
    ParentCycle,
    #[error("{action} is not possible while the case is in the {phase} phase: {hint}")]
    WrongPhase {
        action: &'static str,
        phase: Phase,
        hint: &'static str,
    },
    #[error("the case cannot go back to the {to} phase: {reason}")]
    CannotUndoAdvance { to: Phase, reason: &'static str },
    #[error("only the presenter of a case can {action}")]
    NotPresenter { action: &'static str },
    #[error("the presenter cannot {action}: {hint}")]
    PresenterCannot {
        action: &'static str,
        hint: &'static str,
    },
    #[error("that device is not one of yours in this community (see `copse device list`)")]
    NotYourDevice,
    #[error(
        "this is the device you are using: remove it from another of your devices, or leave \
         the community"
    )]
    ThisDevice,
    /// No invite of this community matches the secret. Deliberately says nothing about whether
    /// such an invite ever existed.
    #[error("this invite is not valid for this community")]
    InviteInvalid,
    #[error("this invite has expired; ask a member for a new one")]
    InviteExpired,
    #[error("this invite was withdrawn; ask a member for a new one")]
    InviteRevoked,
    #[error(
        "this invite has already been used as many times as it allows; ask a member for a new one"
    )]
    InviteSpent,
    #[error("no invite with id {0} in this community")]
    NoSuchInvite(String),
    #[error("an invite with this id or secret already exists")]
    DuplicateInvite,
    #[error("{0}")]
    InviteLimit(&'static str),
    #[error("only a steward can {action}; ask {stewards}")]
    StewardsOnly {
        action: &'static str,
        stewards: String,
    },
    #[error(
        "the last steward cannot leave or step down: make another member a steward first \
         (`copse member role MEMBER_ID steward`)"
    )]
    LastSteward,
    #[error("readers see everything but change nothing; a steward can make you a member")]
    ReadersWriteNothing,
    #[error("only a steward can make an invite for a steward or enroll an always-on device")]
    StewardInvite,
    #[error("no community device with id {0} (see `copse device list`)")]
    NoSuchCommunityDevice(String),
    #[error("the last member cannot leave or be removed: a community needs at least one member")]
    LastMember,
    #[error("no suggestion with id {0} in this case")]
    NoSuchSuggestion(String),
    #[error("no next action with id {0} in this case")]
    NoSuchAction(String),
    #[error("only the action's owner or the case's presenter can tick it off")]
    NotActionOwner,
    #[error("you cannot thank yourself for your own {what}; thanks are for what others gave")]
    ThankingYourself { what: &'static str },
    #[error("this question has no answer yet, so there is nothing to thank for")]
    NotAnswered,
    #[error("'{0}' is not a date: use {hint}", hint = crate::model::gathering::DATE_HINT)]
    InvalidDate(String),
    #[error("'{0}' is not a repeat rule: use {hint}", hint = crate::model::recurrence::REPEAT_HINT)]
    InvalidRepeat(String),
    #[error("no series of gatherings with id {0}: `copse gathering list` shows them")]
    NoSuchSeries(String),
    #[error(
        "'{0}' is not an occurrence of a series: use the id `copse gathering list` shows (SERIES@YYYY-MM-DD)"
    )]
    NoSuchOccurrence(String),
    #[error(
        "'{0}' is not a role here: use facilitator, presenter, note-taker or one the community added (`copse role list`)"
    )]
    InvalidRole(String),
    #[error("'{0}' is not a kind of notification: `copse --json notifications` lists them")]
    InvalidNotificationKind(String),
    #[error("the community already has a role called '{0}'")]
    RoleExists(String),
    #[error("several members are called '{0}': use the member's id instead")]
    AmbiguousMember(String),
    #[error("the document could not be read: {0}")]
    Unreadable(String),
    #[error("the document could not be written: {0}")]
    Unwritable(String),
    #[error(
        "Updated by a newer copse; update to edit it (it is in format {found}, this copse edits \
         up to format {})",
        crate::model::format::FORMAT
    )]
    NewerFormat { found: u64 },
    #[error("no file with id {0} in this community (see `copse files`)")]
    NoSuchFile(String),
    #[error(
        "{name} is too large to attach ({}): a file can be at most {} so members' disks do not \
         fill up; share a smaller copy, or a link to it",
        super::plain::size(*size as usize),
        super::plain::size(*max as usize)
    )]
    FileTooLarge { name: String, size: u64, max: u64 },
    #[error("'{given}' cannot be a file's name: {reason}")]
    BadFileName { given: String, reason: &'static str },
    #[error("groups of {0} cannot be made: choose a size from 2 to 5")]
    InvalidGroupSize(usize),
    #[error(
        "no one to group at this gathering: record who is there first (`copse gathering attend`)"
    )]
    NobodyToGroup,
    #[error("no group {index} in grouping {grouping}: `copse --json gathering list` lists them")]
    NoSuchGroup { grouping: String, index: usize },
    #[error(
        "only the facilitator ({0}) runs the meeting's timer: ask them, or give yourself the role \
         (`copse gathering set-role ID facilitator ME`)"
    )]
    NotTheFacilitator(String),
    #[error("the meeting has nothing after {0}: it is the last item")]
    LastStep(String),
    #[error("a timebox must be from 1 to 240 minutes, not {0}")]
    InvalidTimebox(u32),
}

impl From<autosurgeon::HydrateError> for ModelError {
    fn from(e: autosurgeon::HydrateError) -> Self {
        ModelError::Unreadable(e.to_string())
    }
}

impl From<autosurgeon::ReconcileError> for ModelError {
    fn from(e: autosurgeon::ReconcileError) -> Self {
        ModelError::Unwritable(e.to_string())
    }
}
