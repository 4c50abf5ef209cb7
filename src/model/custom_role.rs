//! The rotating roles a community adds to facilitator, presenter and note-taker ("Host",
//! "Chooses the next reading"): kept in the community document by a lower-case key so that two
//! members adding "host" and "Host" at once end up with one role; rotation fills them like the
//! built-in ones ([`Community::roles`]).

use autosurgeon::{Hydrate, Reconcile};
use serde::Serialize;

use crate::model::{Community, MemberId, ModelError, Role, Timestamp, limits};

/// A role the community added.
#[derive(Clone, Debug, PartialEq, Reconcile, Hydrate, Serialize)]
pub struct CustomRole {
    /// Its name as first typed ("Host").
    pub name: String,
    pub added_by: MemberId,
    pub added_at: Timestamp,
}

impl Community {
    /// Every rotating role: the built-in ones, then the community's own in the order added.
    pub fn roles(&self) -> Vec<Role> {
        let mut own: Vec<&CustomRole> = self.custom_roles.values().collect();
        own.sort_by(|a, b| a.added_at.cmp(&b.added_at).then(a.name.cmp(&b.name)));
        Role::BUILT_IN
            .into_iter()
            .chain(own.into_iter().map(|r| Role::Custom(r.name.clone())))
            .collect()
    }

    /// Refuses a custom role the community does not have.
    pub fn require_role(&self, role: &Role) -> Result<(), ModelError> {
        match role {
            Role::Custom(name) if !self.custom_roles.contains_key(&Role::key(name)) => {
                Err(ModelError::InvalidRole(name.chars().take(40).collect()))
            }
            _ => Ok(()),
        }
    }

    /// Adds a rotating role. A name the community already has (built in or added, whatever
    /// its case) is refused.
    pub fn add_custom_role(
        &mut self,
        by: &MemberId,
        name: &str,
        at: Timestamp,
    ) -> Result<Role, ModelError> {
        self.require_member(by)?;
        let name = limits::title("a role's name", name)?;
        let role: Role = name.parse()?;
        let key = Role::key(&name);
        if !matches!(role, Role::Custom(_)) || self.custom_roles.contains_key(&key) {
            return Err(ModelError::RoleExists(name));
        }
        self.custom_roles.insert(
            key,
            CustomRole {
                name: name.clone(),
                added_by: by.clone(),
                added_at: at,
            },
        );
        Ok(Role::Custom(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Member;

    fn id(s: &str) -> MemberId {
        MemberId::from(s.to_string())
    }

    #[test]
    fn a_role_is_added_once_whatever_its_case_and_listed_after_the_built_in_ones() {
        let mut c = Community::new(
            "G",
            "",
            &id("ada"),
            Member::new("Ada", "d", Timestamp(0)).unwrap(),
            Timestamp(0),
        )
        .unwrap();
        c.add_custom_role(&id("ada"), "Host", Timestamp(2)).unwrap();
        c.add_custom_role(&id("ada"), "Chooses the reading", Timestamp(3))
            .unwrap();
        assert_eq!(
            c.add_custom_role(&id("ada"), " host ", Timestamp(4)),
            Err(ModelError::RoleExists("host".into()))
        );
        assert!(
            c.add_custom_role(&id("ada"), "Note taker", Timestamp(4))
                .is_err()
        );
        assert!(
            c.add_custom_role(&id("eve"), "Baker", Timestamp(4))
                .is_err()
        );
        let labels: Vec<String> = c.roles().iter().map(|r| r.label().to_string()).collect();
        assert_eq!(
            labels,
            [
                "Facilitator",
                "Presenter",
                "Note-taker",
                "Host",
                "Chooses the reading"
            ]
        );
        assert!(c.require_role(&"HOST".parse().unwrap()).is_ok());
        assert!(matches!(
            c.require_role(&"Baker".parse().unwrap()),
            Err(ModelError::InvalidRole(_))
        ));
    }
}
