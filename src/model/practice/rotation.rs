//! The rotation's suggestion for a new gathering: an agenda from the topics the group planned
//! and most wants, and who might take each role, favouring those who have not held it lately.
//!
//! Pure functions of the community as it is; the caller stores whatever members decide, and
//! anyone may change the suggestion afterwards.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::model::{
    Community, Item, MemberId, Role, Roles, Timestamp, TopicId, TopicStatus, plain,
};

/// How many topics a proposed agenda holds.
pub const AGENDA_LENGTH: usize = 3;

/// What the rotation proposes for a gathering on a given date.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Plan {
    pub agenda: Vec<AgendaPick>,
    pub roles: Roles,
}

impl Plan {
    /// The agenda's topics, in order.
    pub fn topics(&self) -> Vec<TopicId> {
        self.agenda.iter().map(|p| p.topic.clone()).collect()
    }
}

/// Why a topic is on the proposed agenda.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Why {
    /// The group set it to *Planned*.
    Planned,
    /// Still proposed, but members endorsed it.
    Endorsed,
}

/// A topic on the proposed agenda, and why it is there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AgendaPick {
    pub topic: TopicId,
    pub why: Why,
    pub endorsements: usize,
}

impl AgendaPick {
    /// Why, in words: "planned" or "proposed, endorsed by 3 members".
    pub fn reason(&self) -> String {
        match self.why {
            Why::Planned => "planned".into(),
            Why::Endorsed => format!(
                "proposed, endorsed by {}",
                plain::count(self.endorsements, "member", "members")
            ),
        }
    }
}

/// The agenda and roles suggested for a gathering at `when`.
pub fn suggest(community: &Community, when: Timestamp) -> Plan {
    Plan {
        agenda: propose_agenda(community),
        roles: suggest_roles(community, when),
    }
}

/// At most [`AGENDA_LENGTH`] topics: the *planned* ones first, then the *proposed* ones the
/// group endorsed, each most endorsed first; ties go to the topic proposed first (then the id,
/// so every replica proposes the same). Archived topics, proposed ones nobody endorsed and
/// discussed ones are left out.
pub fn propose_agenda(community: &Community) -> Vec<AgendaPick> {
    let mut picks: Vec<_> = community
        .topics
        .iter()
        .filter(|(id, _)| community.shows(&Item::Topic((*id).clone()), false))
        .filter_map(|(id, t)| {
            let why = match t.status {
                TopicStatus::Planned => Why::Planned,
                TopicStatus::Proposed if t.endorsement_count() > 0 => Why::Endorsed,
                _ => return None,
            };
            Some((why, id, t))
        })
        .collect();
    picks.sort_by(|(wa, ia, a), (wb, ib, b)| {
        (*wa == Why::Endorsed)
            .cmp(&(*wb == Why::Endorsed))
            .then(b.endorsement_count().cmp(&a.endorsement_count()))
            .then(a.proposed_at.cmp(&b.proposed_at))
            .then(ia.cmp(ib))
    });
    picks
        .into_iter()
        .take(AGENDA_LENGTH)
        .map(|(why, id, t)| AgendaPick {
            topic: id.clone(),
            why,
            endorsements: t.endorsement_count(),
        })
        .collect()
}

/// For each role, the available member who held it least recently among the gatherings before
/// `when` (never is best; ties by name, then who joined first). Nobody gets two roles while
/// another available member has none; members who said they are not available are skipped.
pub fn suggest_roles(community: &Community, when: Timestamp) -> Roles {
    let mut roles = Roles::default();
    let mut taken: BTreeSet<MemberId> = BTreeSet::new();
    for role in community.roles() {
        let ranked = ranked_for(community, &role, when);
        let pick = ranked
            .iter()
            .find(|m| !taken.contains(*m))
            .or_else(|| ranked.first())
            .cloned();
        if let Some(member) = &pick {
            taken.insert(member.clone());
        }
        roles.set(&role, pick);
    }
    roles
}

/// Available members, best candidate for `role` first.
pub fn ranked_for(community: &Community, role: &Role, when: Timestamp) -> Vec<MemberId> {
    let mut candidates: Vec<_> = community
        .members
        .iter()
        // Readers change nothing, so they hold no role (the gathering would refuse them).
        .filter(|(id, m)| {
            m.available_for_roles()
                && community.role_of(id) != Some(crate::model::MemberRole::Reader)
        })
        .map(|(id, m)| {
            let held = last_held(community, id, role, when);
            (held, m.name.to_lowercase(), m.joined_at, id)
        })
        .collect();
    // `None` (never held) sorts before any date.
    candidates.sort();
    candidates.into_iter().map(|(.., id)| id.clone()).collect()
}

/// When `member` last held `role` at a gathering before `when`.
pub fn last_held(
    community: &Community,
    member: &MemberId,
    role: &Role,
    when: Timestamp,
) -> Option<Timestamp> {
    community
        .gatherings
        .values()
        .filter(|g| g.when < when && g.roles.get(role) == Some(member))
        .map(|g| g.when)
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::community::NewTopic;
    use crate::model::{Gathering, GatheringId, Member};

    fn id(s: &str) -> MemberId {
        MemberId::from(s.to_string())
    }

    /// Members named after their ids, joined in the order given.
    fn community(names: &[&str]) -> Community {
        let mut c = Community::new(
            "Facilitators",
            "",
            &id(names[0]),
            Member::new(names[0], names[0], Timestamp(1)).unwrap(),
            Timestamp(1),
        )
        .unwrap();
        for (n, name) in names.iter().enumerate().skip(1) {
            c.add_member(
                id(name),
                Member::new(name, name, Timestamp(1 + n as i64)).unwrap(),
            );
        }
        c
    }

    fn held(c: &mut Community, when: i64, f: Option<&str>, p: Option<&str>, n: Option<&str>) {
        c.gatherings.insert(
            GatheringId::from(format!("g{when}")),
            Gathering {
                roles: Roles {
                    facilitator: f.map(id),
                    presenter: p.map(id),
                    note_taker: n.map(id),
                    ..Roles::default()
                },
                ..Gathering::new(format!("Gathering {when}"), Timestamp(when))
            },
        );
    }

    fn names(roles: &Roles) -> [Option<&str>; 3] {
        Role::BUILT_IN.map(|r| roles.get(&r).map(|m| m.as_str()))
    }

    #[test]
    fn with_no_history_roles_go_alphabetically_one_each() {
        let c = community(&["cy", "ada", "bo", "dee"]);
        assert_eq!(
            names(&suggest_roles(&c, Timestamp(100))),
            [Some("ada"), Some("bo"), Some("cy")]
        );
    }

    #[test]
    fn the_one_who_held_a_role_least_recently_gets_it() {
        let mut c = community(&["ada", "bo", "cy", "dee"]);
        // Facilitators so far: ada (10), bo (20), cy (30); dee never.
        // Presenters: dee (10), cy (20), ada (30); bo never.
        // Note-takers: bo (10), ada (20), dee (30); cy never.
        held(&mut c, 10, Some("ada"), Some("dee"), Some("bo"));
        held(&mut c, 20, Some("bo"), Some("cy"), Some("ada"));
        held(&mut c, 30, Some("cy"), Some("ada"), Some("dee"));
        assert_eq!(
            names(&suggest_roles(&c, Timestamp(40))),
            [Some("dee"), Some("bo"), Some("cy")]
        );
        // Once everyone has held every role, the longest ago wins.
        held(&mut c, 35, Some("dee"), Some("bo"), Some("cy"));
        // Facilitator: ada 10, bo 20, cy 30, dee 35. Presenter: dee 10, cy 20, ada 30, bo 35.
        // Note-taker: bo 10, ada 20, dee 30, cy 35.
        assert_eq!(
            names(&suggest_roles(&c, Timestamp(40))),
            [Some("ada"), Some("dee"), Some("bo")]
        );
    }

    #[test]
    fn nobody_gets_two_roles_while_others_are_free() {
        let mut c = community(&["ada", "bo", "cy"]);
        held(&mut c, 10, Some("bo"), Some("cy"), Some("ada"));
        // Presenter would be ada (never presented) but she facilitates: bo, the next best.
        // Note-taker would be bo (never), already presenting: cy.
        assert_eq!(
            names(&suggest_roles(&c, Timestamp(20))),
            [Some("ada"), Some("bo"), Some("cy")]
        );
    }

    /// A role the community added rotates like the built-in ones: to whoever held it least
    /// recently, and to someone without a role while anyone is free.
    #[test]
    fn a_custom_role_rotates_like_the_built_in_ones() {
        let mut c = community(&["ada", "bo", "cy", "dee"]);
        let host = c.add_custom_role(&id("ada"), "Host", Timestamp(1)).unwrap();
        // Before anyone hosted: the one member left without a role.
        let first = suggest_roles(&c, Timestamp(10));
        assert_eq!(names(&first), [Some("ada"), Some("bo"), Some("cy")]);
        assert_eq!(first.get(&host), Some(&id("dee")));
        let held_with_host = |c: &mut Community, when: i64, roles: Roles| {
            c.gatherings.insert(
                GatheringId::from(format!("g{when}")),
                Gathering {
                    roles,
                    ..Gathering::new(String::new(), Timestamp(when))
                },
            );
        };
        held_with_host(&mut c, 10, first);
        // Dee hosted at 10; everyone else never did, so the host passes on, and nobody
        // hosts twice in a row.
        let second = suggest_roles(&c, Timestamp(20));
        assert_ne!(second.get(&host), Some(&id("dee")));
        assert!(second.get(&host).is_some());
        let holders: BTreeSet<_> = second.holders().collect();
        assert_eq!(holders.len(), 4, "four members, four roles, one each");
    }

    #[test]
    fn gatherings_after_the_new_date_do_not_count() {
        let mut c = community(&["ada", "bo"]);
        held(&mut c, 10, Some("bo"), None, None);
        held(&mut c, 50, Some("ada"), None, None);
        // For a gathering at 40, only the one at 10 is history: ada never facilitated.
        assert_eq!(
            suggest_roles(&c, Timestamp(40)).facilitator,
            Some(id("ada"))
        );
        assert_eq!(suggest_roles(&c, Timestamp(60)).facilitator, Some(id("bo")));
    }

    /// Regression: with a reader on the roster, planning a gathering failed ("readers see
    /// everything but change nothing") because the rotation gave the reader a role.
    #[test]
    fn readers_are_given_no_role() {
        let mut c = community(&["Ada", "Bo", "Rita"]);
        let rita = c.find_member("Rita").unwrap();
        c.members.get_mut(&rita).unwrap().role = Some(crate::model::MemberRole::Reader);
        let plan = suggest(&c, Timestamp(1_000));
        assert!(plan.roles.holders().all(|h| h != &rita), "{:?}", plan.roles);
    }

    #[test]
    fn unavailable_members_are_skipped() {
        let mut c = community(&["ada", "bo", "cy", "dee"]);
        c.set_available_for_roles(&id("ada"), false).unwrap();
        c.set_available_for_roles(&id("cy"), false).unwrap();
        let roles = suggest_roles(&c, Timestamp(10));
        // Two available members for three roles: one of them has to take a second role.
        assert_eq!(names(&roles), [Some("bo"), Some("dee"), Some("bo")]);
        c.set_available_for_roles(&id("bo"), false).unwrap();
        c.set_available_for_roles(&id("dee"), false).unwrap();
        assert_eq!(suggest_roles(&c, Timestamp(10)), Roles::default());
    }

    #[test]
    fn ties_go_by_name_then_who_joined_first() {
        let mut c = community(&["zed", "amy"]);
        // Two members both named "Sam", joined at 5 and 3.
        c.add_member(
            id("sam-late"),
            Member::new("Sam", "s1", Timestamp(5)).unwrap(),
        );
        c.add_member(
            id("sam-early"),
            Member::new("Sam", "s2", Timestamp(3)).unwrap(),
        );
        assert_eq!(
            ranked_for(&c, &Role::Presenter, Timestamp(10)),
            [id("amy"), id("sam-early"), id("sam-late"), id("zed")]
        );
    }

    fn topic(c: &mut Community, key: &str, at: i64, status: TopicStatus, endorsers: &[&str]) {
        let t = TopicId::from(key.to_string());
        let new = NewTopic {
            title: key.into(),
            ..Default::default()
        };
        c.add_topic(t.clone(), &id("ada"), &new, Timestamp(at))
            .unwrap();
        c.set_topic_status(&t, &id("ada"), status).unwrap();
        for e in endorsers {
            c.endorse_topic(&t, &id(e), Timestamp(at)).unwrap();
        }
    }

    #[test]
    fn agenda_is_the_three_most_endorsed_planned_topics_oldest_first_on_ties() {
        let mut c = community(&["ada", "bo", "cy"]);
        topic(
            &mut c,
            "popular-but-proposed",
            1,
            TopicStatus::Proposed,
            &["ada", "bo", "cy"],
        );
        topic(
            &mut c,
            "done",
            2,
            TopicStatus::Discussed,
            &["ada", "bo", "cy"],
        );
        topic(&mut c, "two-new", 9, TopicStatus::Planned, &["ada", "bo"]);
        topic(&mut c, "two-old", 3, TopicStatus::Planned, &["bo", "cy"]);
        topic(&mut c, "one", 4, TopicStatus::Planned, &["cy"]);
        topic(
            &mut c,
            "three",
            8,
            TopicStatus::Planned,
            &["ada", "bo", "cy"],
        );
        topic(&mut c, "none", 5, TopicStatus::Planned, &[]);
        let agenda: Vec<String> = propose_agenda(&c)
            .iter()
            .map(|p| p.topic.to_string())
            .collect();
        assert_eq!(agenda, ["three", "two-old", "two-new"]);
        assert!(propose_agenda(&community(&["ada"])).is_empty());
    }

    /// Regression: with nothing set to *Planned*, the agenda was empty although the group had
    /// just endorsed topics. Planned ones still come first, and each says why it is there.
    #[test]
    fn endorsed_proposed_topics_fill_the_agenda_after_planned_ones_saying_which_is_which() {
        let mut c = community(&["ada", "bo", "cy"]);
        topic(&mut c, "liked", 1, TopicStatus::Proposed, &["ada", "bo"]);
        topic(
            &mut c,
            "loved",
            2,
            TopicStatus::Proposed,
            &["ada", "bo", "cy"],
        );
        topic(&mut c, "nobody", 3, TopicStatus::Proposed, &[]);
        topic(
            &mut c,
            "done",
            4,
            TopicStatus::Discussed,
            &["ada", "bo", "cy"],
        );
        let shown = |c: &Community| -> Vec<String> {
            propose_agenda(c)
                .iter()
                .map(|p| format!("{} ({})", p.topic, p.reason()))
                .collect()
        };
        assert_eq!(
            shown(&c),
            [
                "loved (proposed, endorsed by 3 members)",
                "liked (proposed, endorsed by 2 members)"
            ]
        );
        topic(&mut c, "set", 5, TopicStatus::Planned, &["cy"]);
        assert_eq!(
            shown(&c),
            [
                "set (planned)",
                "loved (proposed, endorsed by 3 members)",
                "liked (proposed, endorsed by 2 members)"
            ]
        );
        // An archived topic is not proposed.
        c.archive(
            &Item::Topic(TopicId::from("loved".to_string())),
            &id("ada"),
            Timestamp(9),
        )
        .unwrap();
        assert_eq!(
            shown(&c),
            ["set (planned)", "liked (proposed, endorsed by 2 members)"]
        );
    }
}
