//! What the model's unit tests share: the Gardeners, a community Ada (member and device "ada")
//! founded at time 1, and Bo (device "bo"), who joined at time 2.

use crate::model::{Community, Member, MemberId, Timestamp};

pub fn id(s: &str) -> MemberId {
    MemberId::from(s.to_string())
}

/// The Gardeners with only their founder, Ada.
pub fn gardeners() -> Community {
    Community::new(
        "Gardeners",
        "",
        &id("ada"),
        Member::new("Ada", "ada", Timestamp(1)).unwrap(),
        Timestamp(1),
    )
    .unwrap()
}

/// The Gardeners: Ada, and Bo who joined at time 2.
pub fn gardeners_with_bo() -> Community {
    let mut c = gardeners();
    c.add_member(id("bo"), Member::new("Bo", "bo", Timestamp(2)).unwrap());
    c
}
