//! A member of the community: a person, who may use several devices.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use serde::Serialize;

use crate::model::{DeviceId, MemberRole, ModelError, Timestamp, limits};

/// A person on the roster, with a role: a steward, a member who writes, or a reader.
#[derive(Clone, Debug, PartialEq, Reconcile, Hydrate, Serialize)]
pub struct Member {
    pub name: String,
    /// What the member can help with ("ask me about").
    #[autosurgeon(missing = "Default::default")]
    pub skills: Vec<String>,
    /// What the member wants to learn.
    #[autosurgeon(missing = "Default::default")]
    pub objectives: Vec<String>,
    pub joined_at: Timestamp,
    /// The member's devices, keyed by iroh endpoint id. A device on this list is admitted to
    /// sync; removing the member removes all their devices.
    #[autosurgeon(missing = "Default::default")]
    pub devices: BTreeMap<DeviceId, Device>,
    /// The member asked not to be suggested for gathering roles. Stored negated so that a
    /// member written before this existed (field missing) counts as available.
    #[autosurgeon(missing = "Default::default")]
    pub not_available_for_roles: bool,
    /// `None` for a member written before roles existed: see [`crate::model::member_role`].
    #[autosurgeon(missing = "Default::default")]
    pub role: Option<MemberRole>,
}

/// One device of a member.
#[derive(Clone, Debug, PartialEq, Reconcile, Hydrate, Serialize)]
pub struct Device {
    pub added_at: Timestamp,
    /// What the member calls it ("Desktop", "Old laptop"); `None` for a member's first device.
    #[autosurgeon(missing = "Default::default")]
    pub label: Option<String>,
}

/// What a member's device is called: its label, or for the first device (which has none) what
/// it is from here.
pub fn device_name(label: Option<&str>, this_device: bool) -> String {
    match (label, this_device) {
        (Some(label), _) => label.to_string(),
        (None, true) => "This device".to_string(),
        (None, false) => "First device".to_string(),
    }
}

/// A change to one's own profile; `None` leaves that part as it is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProfileUpdate {
    pub name: Option<String>,
    pub skills: Option<Vec<String>>,
    pub objectives: Option<Vec<String>>,
}

impl Member {
    /// A new member with one device (its endpoint id, typed or as text).
    pub fn new(name: &str, device: impl AsRef<str>, at: Timestamp) -> Result<Member, ModelError> {
        Ok(Member {
            name: limits::title("a display name", name)?,
            skills: Vec::new(),
            objectives: Vec::new(),
            joined_at: at,
            devices: BTreeMap::from([(
                DeviceId::from(device.as_ref().to_string()),
                Device {
                    added_at: at,
                    label: None,
                },
            )]),
            not_available_for_roles: false,
            role: Some(MemberRole::Member),
        })
    }

    /// Whether rotation may suggest this member for a gathering role.
    pub fn available_for_roles(&self) -> bool {
        !self.not_available_for_roles
    }

    /// Applies a profile update after checking every part of it, so a refusal changes nothing.
    pub fn apply(&mut self, update: &ProfileUpdate) -> Result<(), ModelError> {
        let name = update
            .name
            .as_deref()
            .map(|n| limits::title("a display name", n))
            .transpose()?;
        let skills = update
            .skills
            .as_deref()
            .map(|s| clean_list("a skill", s))
            .transpose()?;
        let objectives = update
            .objectives
            .as_deref()
            .map(|o| clean_list("a learning objective", o))
            .transpose()?;
        if let Some(name) = name {
            self.name = name;
        }
        if let Some(skills) = skills {
            self.skills = skills;
        }
        if let Some(objectives) = objectives {
            self.objectives = objectives;
        }
        Ok(())
    }
}

/// Trimmed, non-empty, without duplicates (ignoring case), in the order given.
fn clean_list(what: &'static str, items: &[String]) -> Result<Vec<String>, ModelError> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        let item = limits::title(what, item)?;
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&item)) {
            out.push(item);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_update_cleans_lists_and_is_all_or_nothing() {
        let mut m = Member::new("Ada", "dev1", Timestamp(1)).unwrap();
        m.apply(&ProfileUpdate {
            skills: Some(vec![" Rust ".into(), "rust".into(), "Facilitation".into()]),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(m.skills, vec!["Rust", "Facilitation"]);

        let before = m.clone();
        let refused = m.apply(&ProfileUpdate {
            name: Some("Grace".into()),
            objectives: Some(vec!["  ".into()]),
            ..Default::default()
        });
        assert!(refused.is_err());
        assert_eq!(m, before, "a refused update must change nothing");
    }
}
