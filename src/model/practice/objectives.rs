//! Shared learning objectives: grouping the objectives members wrote in their own words into
//! groups that mean the same thing, ranked by how many members hold them.
//!
//! Pure functions over the roster; no IO. Wording is normalised (lower case, no punctuation, no
//! stop words, a crude stem per word) and two objectives are similar when most words of the
//! shorter one have a close match (equal stems, a shared prefix, or a Jaro-Winkler score) in the
//! other. Groups are built by complete linkage — a wording joins a group only when it is similar
//! to *every* wording already in it — so "facilitation" and "facilitating workshops" end up
//! together, and a chain of loosely related wordings cannot pull unrelated ones in.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::community::NewTopic;
use crate::model::{Community, Member, MemberId, ModelError, Timestamp, TopicId, limits};

/// Words that say nothing about *what* someone wants to learn.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "an",
    "and",
    "as",
    "at",
    "be",
    "become",
    "being",
    "better",
    "by",
    "for",
    "from",
    "get",
    "getting",
    "good",
    "great",
    "how",
    "i",
    "improve",
    "improving",
    "in",
    "into",
    "is",
    "it",
    "learn",
    "learning",
    "less",
    "more",
    "my",
    "of",
    "on",
    "or",
    "our",
    "some",
    "the",
    "their",
    "to",
    "understand",
    "understanding",
    "using",
    "want",
    "way",
    "ways",
    "with",
    "your",
];

/// Suffixes stripped by [`stem`], longest first so "ations" wins over "s".
const SUFFIXES: &[&str] = &[
    "isations", "izations", "isation", "ization", "ational", "ations", "ation", "ators", "ising",
    "izing", "ating", "ities", "ments", "ment", "ness", "ings", "ator", "ated", "ates", "ions",
    "ing", "ion", "ity", "ise", "ize", "ate", "ers", "ies", "er", "ed", "es", "ly", "al", "s",
];

/// The shortest stem a suffix may leave: "sing" must not become "s".
const MIN_STEM: usize = 3;

/// Two word stems count as the same word at or above this Jaro-Winkler score (typos, spelling
/// variants: "facilitaton" / "facilit" scores 0.93, "data" / "date" only 0.88).
const SAME_WORD: f64 = 0.9;

/// A crude stem: the word without its longest known suffix, if enough of it is left.
/// "facilitating", "facilitation", "facilitate" and "facilitator" all become "facilit".
pub fn stem(word: &str) -> String {
    let word = word.to_lowercase();
    for suffix in SUFFIXES {
        if let Some(base) = word.strip_suffix(suffix)
            && base.chars().count() >= MIN_STEM
        {
            return base.to_string();
        }
    }
    word
}

/// An objective's meaningful words as stems: lower case, punctuation and stop words dropped.
/// An objective made only of stop words keeps its words, so it still groups with its twins.
pub fn normalise(objective: &str) -> Vec<String> {
    let words: Vec<String> = objective
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect();
    let meaningful: Vec<String> = words
        .iter()
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .map(|w| stem(w))
        .collect();
    if meaningful.is_empty() {
        words.iter().map(|w| stem(w)).collect()
    } else {
        meaningful
    }
}

/// Whether two stems are the same word, allowing a typo or a longer form.
fn same_word(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    // "visual" / "visualis": one is the start of the other, and long enough to mean something.
    if short.chars().count() >= 4 && long.starts_with(short) {
        return true;
    }
    strsim::jaro_winkler(a, b) >= SAME_WORD
}

/// Whether two normalised objectives mean the same thing: at least two thirds of the words of
/// the shorter one (all of them, for one or two words) have a match in the other.
pub fn similar(a: &[String], b: &[String]) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let matched = short
        .iter()
        .filter(|w| long.iter().any(|o| same_word(w, o)))
        .count();
    matched * 3 >= short.len() * 2 && matched > 0 && (short.len() > 2 || matched == short.len())
}

/// Objectives that mean the same thing, and who holds them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ObjectiveGroup {
    /// The most common wording (ties: the shorter, then alphabetical).
    pub label: String,
    /// Every wording in the group, the most common first.
    pub wordings: Vec<String>,
    /// The members holding an objective of this group, with the first wording each wrote.
    pub holders: BTreeMap<MemberId, String>,
}

impl ObjectiveGroup {
    /// How many distinct members hold this objective.
    pub fn holder_count(&self) -> usize {
        self.holders.len()
    }
}

/// One distinct normalised objective while grouping.
struct Form {
    stems: Vec<String>,
    /// Original wording (compared ignoring case, kept as first written) → how many wrote it.
    wordings: BTreeMap<String, (String, usize)>,
    holders: BTreeMap<MemberId, String>,
}

/// Groups the roster's objectives, ranked by the number of members holding them (ties: by
/// label, alphabetically, ignoring case). Deterministic for a given roster.
pub fn group_objectives(members: &BTreeMap<MemberId, Member>) -> Vec<ObjectiveGroup> {
    // Wordings that normalise to the same stems are one form already.
    let mut forms: BTreeMap<Vec<String>, Form> = BTreeMap::new();
    for (id, member) in members {
        for objective in &member.objectives {
            let wording = objective.trim();
            let stems = normalise(wording);
            if stems.is_empty() {
                continue;
            }
            let form = forms.entry(stems.clone()).or_insert_with(|| Form {
                stems,
                wordings: BTreeMap::new(),
                holders: BTreeMap::new(),
            });
            form.wordings
                .entry(wording.to_lowercase())
                .or_insert_with(|| (wording.to_string(), 0))
                .1 += 1;
            form.holders
                .entry(id.clone())
                .or_insert_with(|| wording.to_string());
        }
    }
    // Widely held and short forms seed groups first, so a group forms around its general
    // wording ("facilitation") rather than around a specific one.
    let mut forms: Vec<Form> = forms.into_values().collect();
    forms.sort_by(|a, b| {
        b.holders
            .len()
            .cmp(&a.holders.len())
            .then(a.stems.len().cmp(&b.stems.len()))
            .then(a.stems.cmp(&b.stems))
    });
    let mut clusters: Vec<Vec<Form>> = Vec::new();
    for form in forms {
        let home = clusters
            .iter_mut()
            .find(|cluster| cluster.iter().all(|f| similar(&f.stems, &form.stems)));
        match home {
            Some(cluster) => cluster.push(form),
            None => clusters.push(vec![form]),
        }
    }
    let mut groups: Vec<ObjectiveGroup> = clusters.into_iter().map(into_group).collect();
    groups.sort_by(|a, b| {
        b.holder_count()
            .cmp(&a.holder_count())
            .then_with(|| a.label.to_lowercase().cmp(&b.label.to_lowercase()))
            .then_with(|| a.label.cmp(&b.label))
    });
    groups
}

fn into_group(cluster: Vec<Form>) -> ObjectiveGroup {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut holders: BTreeMap<MemberId, String> = BTreeMap::new();
    for form in cluster {
        for (wording, n) in form.wordings.into_values() {
            *counts.entry(wording).or_default() += n;
        }
        for (member, wording) in form.holders {
            holders.entry(member).or_insert(wording);
        }
    }
    let mut wordings: Vec<(String, usize)> = counts.into_iter().collect();
    wordings.sort_by(|(a, na), (b, nb)| {
        nb.cmp(na)
            .then(a.len().cmp(&b.len()))
            .then_with(|| a.to_lowercase().cmp(&b.to_lowercase()))
            .then_with(|| a.cmp(b))
    });
    let wordings: Vec<String> = wordings.into_iter().map(|(w, _)| w).collect();
    ObjectiveGroup {
        label: wordings.first().cloned().unwrap_or_default(),
        wordings,
        holders,
    }
}

/// Finds a group by its rank as listed (1 is the first) or by its label or one of its wordings
/// (ignoring case).
pub fn find_group<'a>(groups: &'a [ObjectiveGroup], key: &str) -> Option<&'a ObjectiveGroup> {
    let key = key.trim();
    if let Ok(rank) = key.parse::<usize>()
        && rank >= 1
        && let Some(group) = groups.get(rank - 1)
    {
        return Some(group);
    }
    groups
        .iter()
        .find(|g| g.label.eq_ignore_ascii_case(key))
        .or_else(|| {
            groups
                .iter()
                .find(|g| g.wordings.iter().any(|w| w.eq_ignore_ascii_case(key)))
        })
}

impl Community {
    /// The roster's shared learning objectives, ranked (see [`group_objectives`]).
    pub fn shared_objectives(&self) -> Vec<ObjectiveGroup> {
        group_objectives(&self.members)
    }

    /// Turns the shared objective `key` names (its rank or wording, as [`find_group`] reads it)
    /// into a proposed topic titled with its label, crediting the members who hold it. The
    /// group is found in the roster as it is inside this change, so the credit is current.
    pub fn add_topic_from_objectives(
        &mut self,
        id: TopicId,
        by: &MemberId,
        key: &str,
        now: Timestamp,
    ) -> Result<TopicId, ModelError> {
        let groups = self.shared_objectives();
        let group = find_group(&groups, key)
            .ok_or_else(|| ModelError::NoSuchObjectiveGroup(key.chars().take(80).collect()))?;
        let new = NewTopic {
            title: group.label.clone(),
            description: describe(group),
            parent: None,
        };
        let id = self.add_topic(id, by, &new, now)?;
        if let Some(topic) = self.topics.get_mut(&id) {
            topic.from_objectives = group.holders.clone();
        }
        Ok(id)
    }
}

/// A new topic's description: the wordings members used, on one line, as many as fit.
fn describe(group: &ObjectiveGroup) -> String {
    let mut text = String::from("A shared learning objective, in the members' words: ");
    for (i, wording) in group.wordings.iter().enumerate() {
        let part = if i == 0 {
            wording.clone()
        } else {
            format!(" · {wording}")
        };
        if text.len() + part.len() > limits::MAX_SHORT_TEXT_BYTES {
            break;
        }
        text.push_str(&part);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Timestamp;

    fn roster(members: &[(&str, &[&str])]) -> BTreeMap<MemberId, Member> {
        members
            .iter()
            .map(|(name, objectives)| {
                let mut m = Member::new(name, name, Timestamp(0)).unwrap();
                m.objectives = objectives.iter().map(|o| o.to_string()).collect();
                (MemberId::from(name.to_lowercase()), m)
            })
            .collect()
    }

    fn holders(group: &ObjectiveGroup) -> Vec<&str> {
        group.holders.keys().map(|m| m.as_str()).collect()
    }

    #[test]
    fn stems_of_one_word_family_are_equal() {
        for word in ["facilitating", "facilitation", "facilitate", "Facilitator"] {
            assert_eq!(stem(word), "facilit", "{word}");
        }
        assert_eq!(stem("visualisation"), stem("visualization"));
        assert_eq!(stem("workshops"), "workshop");
        assert_eq!(stem("sing"), "sing", "a stem keeps at least three letters");
        assert_eq!(
            normalise("Learning how to FACILITATE better!"),
            vec!["facilit"]
        );
        assert_eq!(normalise("how to learn"), vec!["how", "to", "learn"]);
    }

    #[test]
    fn facilitation_groups_together_and_data_visualisation_stays_apart() {
        let members = roster(&[
            ("Ada", &["Facilitation", "Data visualisation"]),
            ("Bo", &["facilitating workshops"]),
            ("Cy", &["How to facilitate better"]),
            ("Di", &["data visualization", "Grafting fruit trees"]),
            ("Ed", &["facilitation"]),
        ]);
        let groups = group_objectives(&members);
        assert_eq!(groups.len(), 3, "{groups:#?}");

        assert_eq!(groups[0].label, "Facilitation", "written so by two members");
        assert_eq!(holders(&groups[0]), vec!["ada", "bo", "cy", "ed"]);
        assert_eq!(
            groups[0].wordings.len(),
            3,
            "Facilitation and facilitation are one wording"
        );
        assert!(
            groups[0]
                .wordings
                .contains(&"facilitating workshops".to_string())
        );

        assert_eq!(holders(&groups[1]), vec!["ada", "di"]);
        assert!(groups[1].label.to_lowercase().starts_with("data visuali"));

        assert_eq!(groups[2].label, "Grafting fruit trees");
        assert_eq!(holders(&groups[2]), vec!["di"]);
    }

    #[test]
    fn typos_group_but_different_subjects_do_not_chain() {
        let members = roster(&[
            ("Ada", &["facilitation"]),
            ("Bo", &["facilitaton"]),
            ("Cy", &["running workshops"]),
            ("Di", &["workshops"]),
        ]);
        let groups = group_objectives(&members);
        let facilitation = groups.iter().find(|g| g.holders.len() == 2).unwrap();
        assert_eq!(holders(facilitation), vec!["ada", "bo"]);
        // "workshops" fits both "running workshops" and (through "facilitating workshops", were
        // it there) facilitation; it must not drag facilitation and workshops together.
        assert!(groups.iter().all(
            |g| !(g.holders.contains_key(&MemberId::from("ada".to_string()))
                && g.holders.contains_key(&MemberId::from("di".to_string())))
        ));
    }

    #[test]
    fn ranking_counts_distinct_members_and_breaks_ties_alphabetically() {
        let members = roster(&[
            // One member writing the same objective twice counts once.
            ("Ada", &["Composting", "composting at home"]),
            ("Bo", &["Pruning"]),
            ("Cy", &["pruning"]),
            ("Di", &["Beekeeping"]),
        ]);
        let groups = group_objectives(&members);
        let summary: Vec<(&str, usize)> = groups
            .iter()
            .map(|g| (g.label.as_str(), g.holder_count()))
            .collect();
        assert_eq!(
            summary,
            vec![("Pruning", 2), ("Beekeeping", 1), ("Composting", 1)]
        );
    }

    #[test]
    fn a_group_becomes_a_topic_crediting_its_holders() {
        let mut members = roster(&[
            ("Ada", &["Facilitation"]),
            ("Bo", &["facilitating workshops"]),
            ("Cy", &["Beekeeping"]),
        ]);
        let ada = MemberId::from("ada".to_string());
        let mut c = Community::new(
            "Gardeners",
            "",
            &ada,
            members.remove(&ada).unwrap(),
            Timestamp(1),
        )
        .unwrap();
        for (id, m) in members {
            c.add_member(id, m);
        }
        let topic = c
            .add_topic_from_objectives(TopicId::new_random(), &ada, "facilitation", Timestamp(5))
            .unwrap();
        let topic = &c.topics[&topic];
        assert_eq!(topic.title, "Facilitation");
        assert_eq!(
            topic
                .from_objectives
                .keys()
                .map(|m| m.as_str())
                .collect::<Vec<_>>(),
            vec!["ada", "bo"]
        );
        assert_eq!(
            topic.from_objectives[&MemberId::from("bo".to_string())],
            "facilitating workshops"
        );
        assert!(
            topic
                .description
                .ends_with("Facilitation · facilitating workshops")
        );
        assert_eq!(
            c.add_topic_from_objectives(TopicId::new_random(), &ada, "knitting", Timestamp(6)),
            Err(ModelError::NoSuchObjectiveGroup("knitting".into()))
        );
        // The credit survives a round trip through a document, and older topics read without it.
        let doc = crate::model::change::create(&c, "c", Timestamp(7)).unwrap();
        let back: Community = crate::model::change::read(&doc).unwrap();
        assert_eq!(
            back.topics.values().next().unwrap().from_objectives.len(),
            2
        );
    }

    #[test]
    fn groups_are_found_by_rank_label_or_wording() {
        let members = roster(&[
            ("Ada", &["Facilitation"]),
            ("Bo", &["facilitating workshops"]),
            ("Cy", &["Beekeeping"]),
        ]);
        let groups = group_objectives(&members);
        assert_eq!(find_group(&groups, "1").unwrap().label, "Facilitation");
        assert_eq!(find_group(&groups, "2").unwrap().label, "Beekeeping");
        assert_eq!(
            find_group(&groups, "beekeeping").unwrap().label,
            "Beekeeping"
        );
        assert_eq!(
            find_group(&groups, "Facilitating Workshops").unwrap().label,
            "Facilitation"
        );
        assert!(find_group(&groups, "3").is_none());
        assert!(find_group(&groups, "0").is_none());
        assert!(find_group(&groups, "knitting").is_none());
    }
}
