//! The skills directory: "who can help with X?", a fuzzy search over what members offer
//! ("ask me about"), with each helper's other skills and how to reach them.
//!
//! Pure functions over the community snapshot; no IO. Every word of the question must find a
//! word in a skill: equal, the start of it ("facil" finds "Facilitation"), the same stem
//! ("facilitating" finds "Facilitation"), or close despite a typo ("facilitaiton").

use serde::Serialize;

use crate::model::practice::objectives::stem;
use crate::model::{Community, MemberId, Timestamp};

/// A typo still matches at or above this Jaro-Winkler score between a question word and a
/// skill word ("facilitaiton" / "facilitation" 0.98; "garden" / "gardening" is a prefix anyway).
const TYPO: f64 = 0.88;

/// A member who can help, with what matched and how to reach them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Helper {
    pub member: MemberId,
    /// Their display name: how to find them in the community (directory, gatherings, comments).
    pub name: String,
    /// The skills that match the question, best first (empty when there was no question).
    pub matching: Vec<String>,
    /// Their other skills.
    pub other_skills: Vec<String>,
    pub joined_at: Timestamp,
    /// How many devices they sync from: 0 means they cannot currently receive anything.
    pub devices: usize,
    /// How well the best skill matched, from 0 to 1 (1 when there was no question).
    pub score: f64,
}

/// How well one question word matches one skill word, 0 when it does not.
fn word_score(question: &str, skill: &str) -> f64 {
    if question == skill {
        return 1.0;
    }
    if skill.starts_with(question) {
        // A longer prefix is a surer match; "f" alone is not worth much.
        return 0.8 + 0.15 * (question.chars().count() as f64 / skill.chars().count() as f64);
    }
    if question.chars().count() >= 4 && stem(question) == stem(skill) {
        return 0.9;
    }
    let similarity = strsim::jaro_winkler(question, skill);
    if question.chars().count() >= 4 && similarity >= TYPO {
        return similarity * 0.85;
    }
    0.0
}

fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect()
}

/// How well a skill answers the question: the mean of each question word's best match, or 0 if
/// any question word matches nothing.
pub fn skill_score(question: &str, skill: &str) -> f64 {
    let asked = words(question);
    let offered = words(skill);
    if asked.is_empty() {
        return 0.0;
    }
    let mut total = 0.0;
    for word in &asked {
        let best = offered
            .iter()
            .map(|s| word_score(word, s))
            .fold(0.0, f64::max);
        if best == 0.0 {
            return 0.0;
        }
        total += best;
    }
    total / asked.len() as f64
}

/// Members whose skills answer `question`, best match first (ties: by name). An empty question
/// lists everyone who offers a skill, by name.
pub fn who_can_help(community: &Community, question: &str) -> Vec<Helper> {
    let blank = words(question).is_empty();
    let mut helpers: Vec<Helper> = community
        .members
        .iter()
        .filter(|(_, m)| !m.skills.is_empty())
        .filter_map(|(id, m)| {
            let mut scored: Vec<(f64, &String)> = if blank {
                Vec::new()
            } else {
                m.skills
                    .iter()
                    .map(|s| (skill_score(question, s), s))
                    .filter(|(score, _)| *score > 0.0)
                    .collect()
            };
            if !blank && scored.is_empty() {
                return None;
            }
            scored.sort_by(|a, b| b.0.total_cmp(&a.0));
            let matching: Vec<String> = scored.iter().map(|(_, s)| (*s).clone()).collect();
            Some(Helper {
                member: id.clone(),
                name: m.name.clone(),
                other_skills: m
                    .skills
                    .iter()
                    .filter(|s| !matching.contains(s))
                    .cloned()
                    .collect(),
                score: scored.first().map_or(1.0, |(score, _)| *score),
                matching,
                joined_at: m.joined_at,
                devices: m.devices.len(),
            })
        })
        .collect();
    helpers.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
            .then_with(|| a.member.cmp(&b.member))
    });
    helpers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Member, ProfileUpdate};

    fn community(members: &[(&str, &[&str])]) -> Community {
        let first = MemberId::from(members[0].0.to_lowercase());
        let mut c = Community::new(
            "Gardeners",
            "",
            &first,
            Member::new(members[0].0, "d0", Timestamp(1)).unwrap(),
            Timestamp(1),
        )
        .unwrap();
        for (i, (name, _)) in members.iter().enumerate().skip(1) {
            c.add_member(
                MemberId::from(name.to_lowercase()),
                Member::new(name, format!("d{i}"), Timestamp(2)).unwrap(),
            );
        }
        for (name, skills) in members {
            let update = ProfileUpdate {
                skills: Some(skills.iter().map(|s| s.to_string()).collect()),
                ..Default::default()
            };
            c.update_profile(&MemberId::from(name.to_lowercase()), &update)
                .unwrap();
        }
        c
    }

    fn names(helpers: &[Helper]) -> Vec<&str> {
        helpers.iter().map(|h| h.name.as_str()).collect()
    }

    fn sample() -> Community {
        community(&[
            ("Ada", &["Facilitation", "Composting"]),
            ("Bo", &["Workshop facilitation", "Beekeeping"]),
            ("Cy", &["Data visualisation"]),
            ("Di", &[]),
        ])
    }

    #[test]
    fn a_word_prefix_finds_the_skill_with_the_other_skills_beside_it() {
        let found = who_can_help(&sample(), "facil");
        assert_eq!(names(&found), vec!["Ada", "Bo"]);
        assert_eq!(found[0].matching, vec!["Facilitation"]);
        assert_eq!(found[0].other_skills, vec!["Composting"]);
        assert_eq!(found[1].other_skills, vec!["Beekeeping"]);
        assert_eq!(found[0].devices, 1);
    }

    #[test]
    fn typos_and_other_word_forms_still_find_the_helper() {
        assert_eq!(
            names(&who_can_help(&sample(), "facilitaiton")),
            vec!["Ada", "Bo"]
        );
        assert_eq!(
            names(&who_can_help(&sample(), "facilitating")),
            vec!["Ada", "Bo"]
        );
        assert_eq!(names(&who_can_help(&sample(), "visualization")), vec!["Cy"]);
        assert_eq!(names(&who_can_help(&sample(), "data")), vec!["Cy"]);
        assert_eq!(
            names(&who_can_help(&sample(), "knitting")),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn the_closer_skill_ranks_first_and_every_word_must_match() {
        // Both words match only Bo's "Workshop facilitation".
        assert_eq!(
            names(&who_can_help(&sample(), "workshop facil")),
            vec!["Bo"]
        );
        // "facilitation" is a whole word of both skills; Ada's one-word skill ties with Bo's,
        // so the tie goes by name.
        assert_eq!(
            names(&who_can_help(&sample(), "Facilitation")),
            vec!["Ada", "Bo"]
        );
        // A prefix covering more of the word scores higher than a short one.
        assert!(skill_score("compost", "Composting") > skill_score("com", "Composting"));
    }

    #[test]
    fn an_empty_question_lists_everyone_with_skills() {
        let all = who_can_help(&sample(), "  ");
        assert_eq!(names(&all), vec!["Ada", "Bo", "Cy"], "Di offers nothing");
        assert!(all[0].matching.is_empty());
        assert_eq!(all[0].other_skills, vec!["Facilitation", "Composting"]);
    }
}
