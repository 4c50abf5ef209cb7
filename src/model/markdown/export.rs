//! A community as plain Markdown pages: the README, one page per note, case and gathering, and
//! the topics and members as lists, linked to each other by relative links that render on a
//! code-hosting site. Also the file names (slugs) those pages get.
//!
//! Pure rendering of hydrated structs; writing the files is [`crate::node`]'s export.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;

use crate::model::{
    Case, Community, DocEntry, Gathering, Member, Note, NoteId, Phase, Timestamp, local_time,
    markdown::{file_links, front_matter},
    practice::search,
};

/// The longest slug, in bytes (before any "-2" added to keep slugs unique).
const MAX_SLUG: usize = 60;

/// A file name from a title: lower-case ASCII letters, digits and dashes only, so no title can
/// name a path outside the export ("../../etc" becomes "etc"); never empty.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in search::fold(title).chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= MAX_SLUG {
            break;
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "untitled".to_string()
    } else {
        out.to_string()
    }
}

/// Hands out slugs, unique within one folder ("notes", "notes-2" …), ignoring case.
#[derive(Default)]
pub struct Slugs {
    used: HashSet<String>,
}

impl Slugs {
    pub fn claim(&mut self, title: &str) -> String {
        let base = slug(title);
        let mut candidate = base.clone();
        let mut n = 2;
        // Reserved names of some file systems, and the folder's own README.
        while self.used.contains(&candidate) || is_reserved(&candidate) {
            candidate = format!("{base}-{n}");
            n += 1;
        }
        self.used.insert(candidate.clone());
        candidate
    }
}

fn is_reserved(slug: &str) -> bool {
    matches!(
        slug,
        "readme" | "con" | "prn" | "aux" | "nul" | "com1" | "com2" | "lpt1" | "lpt2"
    )
}

/// Link text for a title: brackets escaped so the link stays a link.
fn link_text(title: &str) -> String {
    title
        .replace('\\', "\\\\")
        .replace('[', "\\[")
        .replace(']', "\\]")
}

fn date(at: Timestamp) -> String {
    at.to_rfc3339().chars().take(10).collect()
}

/// Text as a block quote, so a Markdown heading inside it cannot break the page's outline.
fn quoted(text: &str) -> String {
    text.trim()
        .lines()
        .map(|l| {
            if l.is_empty() {
                ">".to_string()
            } else {
                format!("> {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The pages of the export, by folder-relative path (`notes/<slug>.md` …).
pub struct Links {
    pub notes: BTreeMap<NoteId, (String, String)>,
    pub cases: Vec<(String, String)>,
    pub gatherings: Vec<(String, String)>,
}

/// "Repeating gatherings": each series with its rule, its first meeting in the organiser's
/// zone, the days skipped and when it ended ("" when there are none).
fn series_section(community: &Community) -> String {
    if community.series.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "## Repeating gatherings

",
    );
    let mut all: Vec<_> = community.series.values().collect();
    all.sort_by_key(|s| (s.first, s.title.clone()));
    for series in all {
        let zone = series.zone();
        let _ = write!(
            out,
            "- **{}**: {}, from {}",
            link_text(&series.title),
            series.describe(),
            local_time::date_time(series.first, &zone)
        );
        if !series.skipped.is_empty() {
            let days: Vec<&str> = series.skipped.keys().map(String::as_str).collect();
            let _ = write!(out, " · skipped {}", days.join(", "));
        }
        if let Some(ended) = series.ended_at {
            let _ = write!(out, " · ended {}", local_time::date_time(ended, &zone));
        }
        out.push('\n');
    }
    out.push('\n');
    out
}

/// README.md: the community's name, purpose, guidelines and links to every page.
pub fn readme(community: &Community, links: &Links) -> String {
    let mut out = format!("# {}\n\n", community.name);
    let purpose = community.purpose.as_str().trim();
    if !purpose.is_empty() {
        let _ = write!(out, "## Purpose\n\n{purpose}\n\n");
    }
    let guidelines = community.guidelines.as_str().trim();
    if !guidelines.is_empty() {
        let _ = write!(out, "## Guidelines\n\n{guidelines}\n\n");
    }
    let _ = write!(
        out,
        "- [Members](members.md) ({})\n- [Topics](topics.md) ({})\n\n",
        community.members.len(),
        community.topics.len()
    );
    let mut notes: Vec<_> = links.notes.values().collect();
    notes.sort_by_key(|(_, title)| title.to_lowercase());
    for (heading, pages) in [
        ("Notes", notes.into_iter().cloned().collect::<Vec<_>>()),
        ("Cases", links.cases.clone()),
        ("Gatherings", links.gatherings.clone()),
    ] {
        if pages.is_empty() {
            continue;
        }
        let _ = writeln!(out, "## {heading}\n");
        for (path, title) in pages {
            let _ = writeln!(out, "- [{}]({path})", link_text(&title));
        }
        out.push('\n');
    }
    out.push_str(&series_section(community));
    let _ = writeln!(
        out,
        "Exported from copse. `community.json` holds everything, including comments and dates."
    );
    out
}

/// A note's page: front matter (title, author, dates, id), the body, then its comments.
pub fn note_page(
    id: &NoteId,
    note: &Note,
    entry: Option<&DocEntry>,
    community: &Community,
) -> String {
    let author = community.display_name(&note.author);
    let created = note.created_at.to_rfc3339();
    let updated = entry.map_or_else(|| created.clone(), |e| e.updated_at.to_rfc3339());
    let mut out = front_matter::write(&[
        ("title", &note.title),
        ("author", &author),
        ("created", &created),
        ("updated", &updated),
        ("id", id.as_str()),
    ]);
    // Pictures point at the copies in files/, which a Markdown viewer can follow.
    out.push_str(file_links::for_export(note.body.as_str(), &community.files).trim_end());
    let _ = writeln!(out, "\n\n{}", front_matter::AFTER_BODY_MARKER);
    let mut comments: Vec<_> = note.comments.values().collect();
    comments.sort_by_key(|c| c.at);
    if !comments.is_empty() {
        out.push_str("## Comments\n\n");
        for c in comments {
            comment_item(&mut out, community, &c.author, c.at, &c.text);
        }
    }
    let _ = write!(out, "\n[Back to the community](../README.md)\n");
    out
}

fn comment_item(
    out: &mut String,
    community: &Community,
    author: &crate::model::MemberId,
    at: Timestamp,
    text: &str,
) {
    let _ = writeln!(
        out,
        "- **{}** ({}): {}",
        community.display_name(author),
        at.to_rfc3339(),
        text.trim().replace('\n', "\n  ")
    );
}

/// A case's page: phase, situation, questions with answers, suggestions, outcome, next actions
/// and comments.
pub fn case_page(id: &str, case: &Case, community: &Community) -> String {
    let presenter = community.display_name(&case.presenter);
    let phase = case.phase.to_string();
    let opened = case.opened_at.to_rfc3339();
    let mut out = front_matter::write(&[
        ("title", &case.title),
        ("presenter", &presenter),
        ("phase", &phase),
        ("opened", &opened),
        ("id", id),
    ]);
    let _ = write!(
        out,
        "# {}\n\nPresented by {presenter} · phase: {phase}\n\n## Situation\n\n{}\n\n",
        case.title,
        quoted(case.situation.as_str())
    );
    let mut questions: Vec<_> = case.questions.values().collect();
    questions.sort_by_key(|q| q.asked_at);
    if !questions.is_empty() {
        out.push_str("## Questions\n\n");
        for q in questions {
            let _ = writeln!(
                out,
                "- **{}**: {}",
                community.display_name(&q.author),
                q.text.trim()
            );
            if let Some(answer) = &q.answer {
                let _ = writeln!(
                    out,
                    "  - *Answer*: {}",
                    answer.trim().replace('\n', "\n    ")
                );
            }
        }
        out.push('\n');
    }
    let mut suggestions: Vec<_> = case.suggestions.values().collect();
    suggestions.sort_by_key(|s| s.at);
    if !suggestions.is_empty() {
        out.push_str("## Suggestions\n\n");
        for s in suggestions {
            let _ = writeln!(
                out,
                "- **{}**: {}",
                community.display_name(&s.author),
                s.text.trim()
            );
        }
        out.push('\n');
    }
    if case.phase == Phase::Closed || !case.outcome.as_str().trim().is_empty() {
        let _ = write!(out, "## Outcome\n\n{}\n\n", quoted(case.outcome.as_str()));
    }
    if !case.next_actions.is_empty() {
        out.push_str("## Next actions\n\n");
        for a in case.next_actions.values() {
            let owner = a
                .owner
                .as_ref()
                .map(|o| format!(" ({})", community.display_name(o)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "- [{}] {}{owner}",
                if a.done { "x" } else { " " },
                a.text
            );
        }
        out.push('\n');
    }
    let mut comments: Vec<_> = case.comments.values().collect();
    comments.sort_by_key(|c| c.at);
    if !comments.is_empty() {
        out.push_str("## Comments\n\n");
        for c in comments {
            comment_item(&mut out, community, &c.author, c.at, &c.text);
        }
        out.push('\n');
    }
    out.push_str("[Back to the community](../README.md)\n");
    out
}

/// The file name of a gathering's page, without ".md": its date, then its title.
pub fn gathering_stem(gathering: &Gathering) -> String {
    format!("{}-{}", date(gathering.when), slug(&gathering.title))
}

/// A gathering's page: when, roles, agenda and a link to its note.
pub fn gathering_page(gathering: &Gathering, community: &Community, links: &Links) -> String {
    let when = gathering.when.to_rfc3339();
    let mut out = front_matter::write(&[("title", &gathering.title), ("when", &when)]);
    let _ = write!(out, "# {}\n\n{}\n\n", gathering.title, gathering.when);
    for role in community.roles() {
        if let Some(who) = gathering.roles.get(&role) {
            let _ = writeln!(out, "- {}: {}", role.label(), community.display_name(who));
        }
    }
    let agenda = community.agenda_of(gathering);
    if !agenda.is_empty() {
        out.push_str("\n## Agenda\n\n");
        for (i, topic) in agenda.into_iter().enumerate() {
            let title = community
                .topics
                .get(topic)
                .map_or("(a topic no longer listed)", |t| t.title.as_str());
            let _ = writeln!(out, "{}. [{}](../topics.md)", i + 1, link_text(title));
        }
    }
    if let Some((path, title)) = gathering.note.as_ref().and_then(|n| links.notes.get(n)) {
        let _ = write!(out, "\nMeeting note: [{}](../{path})\n", link_text(title));
    }
    out.push_str("\n[Back to the community](../README.md)\n");
    out
}

/// topics.md: every topic with its status, endorsements, description and linked notes;
/// sub-topics indented under their parent.
pub fn topics_page(community: &Community, links: &Links) -> String {
    let mut out = format!("# Topics of {}\n\n", community.name);
    if community.topics.is_empty() {
        out.push_str("No topics yet.\n");
    }
    let ordered = community.topics_by_endorsement();
    let roots = ordered.iter().filter(|(_, t)| {
        t.parent
            .as_ref()
            .is_none_or(|p| !community.topics.contains_key(p))
    });
    // Depth-first, bounded by the number of topics so a parent loop cannot spin.
    let mut stack: Vec<(usize, &crate::model::TopicId)> =
        roots.rev().map(|(id, _)| (0, *id)).collect();
    let mut seen = HashSet::new();
    while let Some((depth, id)) = stack.pop() {
        if !seen.insert(id) || seen.len() > community.topics.len() {
            continue;
        }
        let Some(topic) = community.topics.get(id) else {
            continue;
        };
        let indent = "  ".repeat(depth);
        let _ = writeln!(
            out,
            "{indent}- **{}** ({}, {} endorsement{})",
            topic.title,
            topic.status,
            topic.endorsement_count(),
            if topic.endorsement_count() == 1 {
                ""
            } else {
                "s"
            }
        );
        if !topic.description.trim().is_empty() {
            let _ = writeln!(
                out,
                "{indent}  {}",
                topic.description.trim().replace('\n', " ")
            );
        }
        for note in topic.notes.keys() {
            if let Some((path, title)) = links.notes.get(note) {
                let _ = writeln!(out, "{indent}  - [{}]({path})", link_text(title));
            }
        }
        let children = ordered
            .iter()
            .filter(|(_, t)| t.parent.as_ref() == Some(id))
            .rev();
        stack.extend(children.map(|(child, _)| (depth + 1, *child)));
    }
    out.push_str("\n[Back to the community](README.md)\n");
    out
}

/// members.md: every member with their role and what they can help with and want to learn;
/// the community devices; the governance record (removals, role changes, revoked invites).
pub fn members_page(community: &Community) -> String {
    let mut out = format!("# Members of {}\n\n", community.name);
    let mut members: Vec<(&crate::model::MemberId, &Member)> = community.members.iter().collect();
    members.sort_by_key(|(_, m)| m.name.to_lowercase());
    for (id, m) in members {
        let role = community
            .role_of(id)
            .unwrap_or(crate::model::MemberRole::Member);
        let _ = writeln!(
            out,
            "- **{}**, {role} (joined {})",
            m.name,
            date(m.joined_at)
        );
        if !m.skills.is_empty() {
            let _ = writeln!(out, "  - Ask me about: {}", m.skills.join(", "));
        }
        if !m.objectives.is_empty() {
            let _ = writeln!(out, "  - Learning: {}", m.objectives.join(", "));
        }
    }
    if !community.community_devices.is_empty() {
        out.push_str("\n## Community devices\n\n");
        for d in community.community_devices.values() {
            let _ = writeln!(
                out,
                "- **{}**, always on (enrolled by {} on {})",
                d.label,
                community.display_name(&d.added_by),
                date(d.added_at)
            );
        }
    }
    let records = community.records_newest_first();
    if !records.is_empty() {
        out.push_str("\n## Record\n\n");
        let zone = crate::model::local_time::viewer_zone();
        for (_, record) in records {
            let _ = writeln!(out, "- {}", record.sentence(&zone));
        }
    }
    out.push_str("\n[Back to the community](README.md)\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MemberId;

    #[test]
    fn hostile_titles_make_safe_unique_file_names() {
        let mut slugs = Slugs::default();
        assert_eq!(slugs.claim("../../etc/passwd"), "etc-passwd");
        assert_eq!(slugs.claim("..\\..\\Windows"), "windows");
        assert_eq!(slugs.claim("/"), "untitled");
        assert_eq!(slugs.claim("   "), "untitled-2");
        assert_eq!(slugs.claim("Crème brûlée!"), "creme-brulee");
        assert_eq!(slugs.claim("CRÈME BRÛLÉE"), "creme-brulee-2");
        assert_eq!(slugs.claim("README"), "readme-2");
        assert_eq!(slugs.claim("con"), "con-2");
        assert_eq!(slugs.claim("你好"), "untitled-3");
        let long = slugs.claim(&"a".repeat(500));
        assert_eq!(long.len(), MAX_SLUG);
        for s in slugs.used {
            assert!(
                s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            );
        }
    }

    #[test]
    fn a_note_page_has_front_matter_body_comments_and_a_way_back() {
        let ada = MemberId::from("ada".to_string());
        let community = Community::new(
            "Gardeners",
            "Grow food",
            &ada,
            Member::new("Ada", "dev", Timestamp(0)).unwrap(),
            Timestamp(0),
        )
        .unwrap();
        let mut note = Note::new(
            "Soil: \"notes\"",
            "Compost needs air.\n",
            &ada,
            Timestamp(0),
        )
        .unwrap();
        note.add_comment(
            crate::model::CommentId::from("c".to_string()),
            &ada,
            "Agreed",
            Timestamp(60_000),
        )
        .unwrap();
        let page = note_page(&NoteId::from("n1".to_string()), &note, None, &community);
        assert!(
            page.starts_with("---\ntitle: \"Soil: \\\"notes\\\"\"\nauthor: \"Ada\"\n"),
            "{page}"
        );
        assert!(
            page.contains("id: \"n1\"\n---\n\nCompost needs air.\n"),
            "{page}"
        );
        assert!(
            page.contains("- **Ada** (1970-01-01T00:01:00Z): Agreed"),
            "{page}"
        );
        assert!(page.ends_with("[Back to the community](../README.md)\n"));
        let back = front_matter::read_note("x", &page);
        assert_eq!(back.title, "Soil: \"notes\"");
        assert!(back.body.starts_with("Compost needs air."));
        assert!(
            !back.body.contains("Agreed"),
            "comments are not part of the body"
        );

        let links = Links {
            notes: BTreeMap::from([(
                NoteId::from("n1".to_string()),
                (
                    "notes/soil-notes.md".to_string(),
                    "Soil [draft]".to_string(),
                ),
            )]),
            cases: Vec::new(),
            gatherings: Vec::new(),
        };
        let readme = readme(&community, &links);
        assert!(readme.starts_with("# Gardeners\n\n## Purpose\n\nGrow food\n"));
        assert!(
            readme.contains("- [Soil \\[draft\\]](notes/soil-notes.md)"),
            "{readme}"
        );
        assert!(readme.contains("[Members](members.md)") && readme.contains("[Topics](topics.md)"));
    }

    #[test]
    fn the_readme_lists_repeating_gatherings_in_the_organisers_zone_with_their_skips() {
        use crate::model::series::Series;
        let mut community = crate::model::fixtures::gardeners();
        let berlin = local_time::Zone::from_spec("Europe/Berlin").unwrap();
        // A fixed day given to a pure function, never compared with today.
        let first = local_time::from_civil("2027-03-09".parse().unwrap(), 18, 0, &berlin).unwrap();
        let series = Series {
            title: "Reading circle".into(),
            first,
            zone: "Europe/Berlin".into(),
            repeat: "weekly:2".into(),
            skipped: BTreeMap::from([(
                "2027-03-23".to_string(),
                crate::model::fixtures::id("ada"),
            )]),
            ended_at: None,
            planned_by: None,
            planned_at: None,
        };
        let ada = crate::model::fixtures::id("ada");
        community
            .add_series(crate::model::SeriesId::from("s1".to_string()), &ada, series)
            .unwrap();
        let links = Links {
            notes: BTreeMap::new(),
            cases: Vec::new(),
            gatherings: Vec::new(),
        };
        let readme = readme(&community, &links);
        assert!(
            readme.contains(
                "## Repeating gatherings\n\n- **Reading circle**: every 2 weeks, from \
                 2027-03-09 18:00 CET · skipped 2027-03-23\n"
            ),
            "{readme}"
        );
    }
}
