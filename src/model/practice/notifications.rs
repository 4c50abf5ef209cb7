//! What a member would want to hear between meetings, computed from the documents as they are:
//! a question on my case, an answer to my question, a suggestion on my case once Suggest is
//! open, a role given to me at a gathering someone else planned, a gathering (or an occurrence
//! of a series) starting within the hour, and a new note in a topic I endorsed. Never for one's
//! own actions. Pure functions: the node hands in the community, the cases and this device's
//! settings (which kinds are off); nothing here depends on UI events.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::model::series::OccurrenceState;
use crate::model::{Case, CaseId, Community, Item, MemberId, ModelError, Phase, Timestamp};

/// How far ahead "starts soon" looks.
pub const SOON_MS: i64 = 60 * 60 * 1000;

/// The kinds of notification, each of which can be turned off on a device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    QuestionOnMyCase,
    AnswerToMyQuestion,
    SuggestionOnMyCase,
    RoleGiven,
    GatheringSoon,
    NewInEndorsedTopic,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::QuestionOnMyCase,
        Kind::AnswerToMyQuestion,
        Kind::SuggestionOnMyCase,
        Kind::RoleGiven,
        Kind::GatheringSoon,
        Kind::NewInEndorsedTopic,
    ];

    /// The kind for people, as a settings checkbox reads.
    pub fn label(self) -> &'static str {
        match self {
            Kind::QuestionOnMyCase => "A question on my case",
            Kind::AnswerToMyQuestion => "An answer to my question",
            Kind::SuggestionOnMyCase => "A suggestion on my case",
            Kind::RoleGiven => "I was given a role",
            Kind::GatheringSoon => "A gathering starts within the hour",
            Kind::NewInEndorsedTopic => "A new note in a topic I endorsed",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::QuestionOnMyCase => "question-on-my-case",
            Kind::AnswerToMyQuestion => "answer-to-my-question",
            Kind::SuggestionOnMyCase => "suggestion-on-my-case",
            Kind::RoleGiven => "role-given",
            Kind::GatheringSoon => "gathering-soon",
            Kind::NewInEndorsedTopic => "new-in-endorsed-topic",
        })
    }
}

impl FromStr for Kind {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Kind, ModelError> {
        Kind::ALL
            .into_iter()
            .find(|k| k.to_string() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| ModelError::InvalidNotificationKind(s.trim().chars().take(40).collect()))
    }
}

/// One thing to hear about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Notification {
    pub kind: Kind,
    pub at: Timestamp,
    /// Who did it (none for a gathering starting).
    pub by: Option<MemberId>,
    /// What it is about, in the words a list shows.
    pub text: String,
    /// Where to go to see it.
    pub item: Item,
}

/// Every notification for `me`, newest first, leaving out the kinds in `off`.
pub fn notifications(
    community: &Community,
    cases: &[(CaseId, &Case)],
    me: &MemberId,
    now: Timestamp,
    off: &BTreeSet<Kind>,
) -> Vec<Notification> {
    let name = |m: &MemberId| community.display_name(m);
    let mut out = Vec::new();
    for (id, case) in cases {
        let item = Item::Case(id.clone());
        if community.is_deleted(&item) {
            continue;
        }
        for q in case.questions.values() {
            if &case.presenter == me && &q.author != me {
                out.push(Notification {
                    kind: Kind::QuestionOnMyCase,
                    at: q.asked_at,
                    by: Some(q.author.clone()),
                    text: format!(
                        "{} asked on \"{}\": {}",
                        name(&q.author),
                        case.title,
                        q.text
                    ),
                    item: item.clone(),
                });
            }
            if let (true, Some(answer), Some(at)) = (&q.author == me, &q.answer, q.answered_at)
                && &case.presenter != me
            {
                out.push(Notification {
                    kind: Kind::AnswerToMyQuestion,
                    at,
                    by: Some(case.presenter.clone()),
                    text: format!(
                        "{} answered your question on \"{}\": {answer}",
                        name(&case.presenter),
                        case.title
                    ),
                    item: item.clone(),
                });
            }
        }
        let suggest_open = !matches!(case.phase, Phase::Clarify);
        if &case.presenter == me && suggest_open {
            for s in case.suggestions.values().filter(|s| &s.author != me) {
                out.push(Notification {
                    kind: Kind::SuggestionOnMyCase,
                    at: s.at,
                    by: Some(s.author.clone()),
                    text: format!(
                        "{} suggested on \"{}\": {}",
                        name(&s.author),
                        case.title,
                        s.text
                    ),
                    item: item.clone(),
                });
            }
        }
    }
    let today =
        crate::model::local_time::start_of_day(now, &crate::model::local_time::viewer_zone());
    for (id, g) in &community.gatherings {
        let item = Item::Gathering(id.clone());
        if !community.shows(&item, false) || g.when < today {
            continue;
        }
        if let (Some(by), Some(at)) = (&g.planned_by, g.planned_at)
            && by != me
        {
            for role in community.roles() {
                if g.roles.get(&role) == Some(me) {
                    out.push(Notification {
                        kind: Kind::RoleGiven,
                        at,
                        by: Some(by.clone()),
                        text: format!("{} at {} ({}): {}", role.label(), g.title, g.when, name(by)),
                        item: item.clone(),
                    });
                }
            }
        }
        if g.when > now && g.when.0 - now.0 <= SOON_MS {
            out.push(Notification {
                kind: Kind::GatheringSoon,
                at: Timestamp(g.when.0 - SOON_MS),
                by: None,
                text: format!("{} starts at {}", g.title, g.when),
                item,
            });
        }
    }
    for o in community.upcoming_occurrences(now, 2) {
        if let (OccurrenceState::Planned, Some(when)) = (o.state, o.when)
            && when > now
            && when.0 - now.0 <= SOON_MS
        {
            out.push(Notification {
                kind: Kind::GatheringSoon,
                at: Timestamp(when.0 - SOON_MS),
                by: None,
                text: format!("{} starts at {when}", o.title),
                // A series' occurrence has no page of its own: the gatherings view lists it.
                item: Item::Gathering(crate::model::GatheringId::from(o.id.clone())),
            });
        }
    }
    for (topic_id, topic) in &community.topics {
        let Some(endorsed_at) = topic.endorsements.get(me) else {
            continue;
        };
        if !community.shows(&Item::Topic(topic_id.clone()), false) {
            continue;
        }
        for (note, linked_at) in &topic.notes {
            let item = Item::Note(note.clone());
            let Some(entry) = community.notes.get(note) else {
                continue;
            };
            if &entry.author == me || linked_at < endorsed_at || community.is_deleted(&item) {
                continue;
            }
            out.push(Notification {
                kind: Kind::NewInEndorsedTopic,
                at: *linked_at,
                by: Some(entry.author.clone()),
                text: format!(
                    "{} wrote \"{}\" in {}",
                    name(&entry.author),
                    entry.title,
                    topic.title
                ),
                item,
            });
        }
    }
    out.retain(|n| !off.contains(&n.kind));
    out.sort_by(|a, b| b.at.cmp(&a.at).then(a.text.cmp(&b.text)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::community::NewTopic;
    use crate::model::{
        DocEntry, Gathering, GatheringId, Member, NoteId, QuestionId, Roles, Suggestion,
        SuggestionId, TopicId,
    };

    const HOUR: i64 = 3_600_000;

    fn id(s: &str) -> MemberId {
        MemberId::from(s.to_string())
    }

    /// Ada and Bo; "now" is an arbitrary moment, every time relative to it.
    fn community(now: Timestamp) -> Community {
        let start = Timestamp(now.0 - 100 * 24 * HOUR);
        let mut c = Community::new(
            "G",
            "",
            &id("ada"),
            Member::new("Ada", "a", start).unwrap(),
            start,
        )
        .unwrap();
        c.add_member(id("bo"), Member::new("Bo", "b", start).unwrap());
        c
    }

    fn kinds(list: &[Notification]) -> Vec<Kind> {
        list.iter().map(|n| n.kind).collect()
    }

    /// Bo's case: Ada's question reaches Bo (not Ada), Bo's answer reaches Ada (not Bo); a
    /// suggestion reaches Bo only once Suggest is open.
    #[test]
    fn a_case_tells_the_presenter_and_the_asker_and_never_oneself() {
        let now = Timestamp(1_900_000_000_000);
        let c = community(now);
        let mut case = Case::new(
            "Stalled reviews",
            "Nobody reviews.",
            &id("bo"),
            Timestamp(now.0 - 5 * HOUR),
        )
        .unwrap();
        let q = case
            .ask_question(
                QuestionId::from("q".to_string()),
                &id("ada"),
                "Since when?",
                Timestamp(now.0 - 4 * HOUR),
            )
            .unwrap();
        case.answer_question(&q, &id("bo"), "A month", Timestamp(now.0 - 3 * HOUR))
            .unwrap();
        // A suggestion stored while Clarify is still open (a peer's early write) stays quiet.
        case.suggestions.insert(
            SuggestionId::from("s".to_string()),
            Suggestion {
                author: id("ada"),
                text: "Pair up".into(),
                at: Timestamp(now.0 - 2 * HOUR),
                thanks: Default::default(),
            },
        );
        let cid = CaseId::from("c".to_string());
        let none = BTreeSet::new();
        let for_bo = notifications(&c, &[(cid.clone(), &case)], &id("bo"), now, &none);
        assert_eq!(kinds(&for_bo), [Kind::QuestionOnMyCase]);
        assert_eq!(for_bo[0].by, Some(id("ada")));
        let for_ada = notifications(&c, &[(cid.clone(), &case)], &id("ada"), now, &none);
        assert_eq!(kinds(&for_ada), [Kind::AnswerToMyQuestion]);
        assert!(for_ada[0].text.contains("A month"), "{}", for_ada[0].text);

        case.phase = Phase::Suggest;
        let for_bo = notifications(&c, &[(cid.clone(), &case)], &id("bo"), now, &none);
        assert_eq!(
            kinds(&for_bo),
            [Kind::SuggestionOnMyCase, Kind::QuestionOnMyCase],
            "newest first"
        );
        let off = BTreeSet::from([Kind::SuggestionOnMyCase]);
        assert_eq!(
            kinds(&notifications(&c, &[(cid, &case)], &id("bo"), now, &off)),
            [Kind::QuestionOnMyCase]
        );
    }

    /// A role given by someone else is news; one's own planning is not. A gathering within
    /// the hour is news for everyone; one in two hours not yet.
    #[test]
    fn roles_given_by_others_and_gatherings_within_the_hour() {
        let now = Timestamp(1_900_000_000_000);
        let mut c = community(now);
        let gathering = |when: i64, by: &str, facilitator: &str| Gathering {
            roles: Roles {
                facilitator: Some(id(facilitator)),
                ..Roles::default()
            },
            planned_by: Some(id(by)),
            planned_at: Some(Timestamp(now.0 - HOUR)),
            ..Gathering::new(format!("G{when}"), Timestamp(now.0 + when))
        };
        c.gatherings.insert(
            GatheringId::from("soon".to_string()),
            gathering(30 * 60_000, "bo", "ada"),
        );
        c.gatherings.insert(
            GatheringId::from("later".to_string()),
            gathering(2 * HOUR, "ada", "ada"),
        );
        let none = BTreeSet::new();
        let for_ada = notifications(&c, &[], &id("ada"), now, &none);
        let mut got = kinds(&for_ada);
        got.sort();
        assert_eq!(got, [Kind::RoleGiven, Kind::GatheringSoon]);
        let for_bo = notifications(&c, &[], &id("bo"), now, &none);
        assert_eq!(kinds(&for_bo), [Kind::GatheringSoon]);
    }

    /// A note linked to a topic after I endorsed it, by someone else, is news.
    #[test]
    fn a_new_note_in_a_topic_i_endorsed() {
        let now = Timestamp(1_900_000_000_000);
        let mut c = community(now);
        let t = TopicId::from("t".to_string());
        let new = NewTopic {
            title: "Soil".into(),
            ..Default::default()
        };
        c.add_topic(t.clone(), &id("bo"), &new, Timestamp(now.0 - 10 * HOUR))
            .unwrap();
        c.endorse_topic(&t, &id("ada"), Timestamp(now.0 - 9 * HOUR))
            .unwrap();
        for (key, author) in [("by-bo", "bo"), ("by-ada", "ada")] {
            let note = NoteId::from(key.to_string());
            c.index(
                note.clone().into(),
                DocEntry::new(key, id(author), Timestamp(now.0 - 2 * HOUR)),
            );
            c.link_note(&t, &note, &id(author), Timestamp(now.0 - 2 * HOUR))
                .unwrap();
        }
        let none = BTreeSet::new();
        let for_ada = notifications(&c, &[], &id("ada"), now, &none);
        assert_eq!(kinds(&for_ada), [Kind::NewInEndorsedTopic]);
        assert_eq!(
            for_ada[0].item,
            Item::Note(NoteId::from("by-bo".to_string()))
        );
        // Bo never endorsed it.
        assert!(notifications(&c, &[], &id("bo"), now, &none).is_empty());
    }

    #[test]
    fn kinds_read_as_they_print() {
        for kind in Kind::ALL {
            assert_eq!(kind.to_string().parse::<Kind>().unwrap(), kind);
        }
        assert!("everything".parse::<Kind>().is_err());
    }
}
