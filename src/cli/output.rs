//! How the CLI prints: a few readable lines for people, or one JSON value with `--json`.
//!
//! Output is collected and printed only after the command's writes are on disk, so nothing
//! claims success early.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Display;
use std::io::Write;
use std::path::Path;

use serde_json::{Value, json};

use crate::model::practice::search::{SearchResults, Span};
use crate::model::practice::unread::Unread;
use crate::model::thanks::thanked_by;
use crate::model::{Case, CaseId, Community, Item, Note, NoteId, Phase, plain};
use crate::node::{CommunitySummary, ExportReport, HistoryEntry, ImportReport, WhoAmI};

pub struct Output {
    json: bool,
    pending: RefCell<Vec<String>>,
}

impl Output {
    pub fn new(json: bool) -> Output {
        Output {
            json,
            pending: RefCell::new(Vec::new()),
        }
    }

    /// Prints what the command produced. A closed pipe (`copse … | head`) just ends the output.
    pub fn flush(&self) {
        let mut stdout = std::io::stdout().lock();
        for line in self.pending.borrow_mut().drain(..) {
            if writeln!(stdout, "{line}").is_err() {
                return;
            }
        }
    }

    pub fn emit(&self, human: impl FnOnce() -> String, machine: impl FnOnce() -> Value) {
        let text = if self.json {
            machine().to_string()
        } else {
            human()
        };
        self.pending.borrow_mut().push(text);
    }

    /// A new item's id.
    pub fn id(&self, id: &impl Display, human: &str) {
        self.emit(|| human.to_string(), || json!({ "id": id.to_string() }));
    }

    /// An action done to an item.
    pub fn done(&self, id: &impl Display, message: &str) {
        self.emit(
            || message.to_string(),
            || json!({ "id": id.to_string(), "result": message }),
        );
    }

    pub fn phase(&self, id: &CaseId, phase: Phase) {
        self.emit(
            || format!("the case is now in the {phase} phase: {}", phase.guidance()),
            || json!({ "id": id, "phase": phase }),
        );
    }

    pub fn communities(&self, list: &[CommunitySummary]) {
        self.emit(
            || {
                if list.is_empty() {
                    return "no communities yet: create one with `copse init --name NAME`".into();
                }
                list.iter()
                    .map(|c| {
                        format!(
                            "{}  {}  ({} members, {} notes, {} topics, {} cases)",
                            c.id, c.name, c.members, c.notes, c.topics, c.cases
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            },
            || json!(list),
        );
    }

    pub fn whoami(&self, device: &str, data_dir: &Path, list: &[WhoAmI]) {
        self.emit(
            || {
                let mut lines = vec![
                    format!("device {device}"),
                    format!("data folder {}", data_dir.display()),
                ];
                for w in list {
                    let name = w.name.as_deref().unwrap_or("(not on the roster)");
                    lines.push(format!("in {}: {name} (member {})", w.community, w.member));
                }
                lines.join("\n")
            },
            || json!({ "device": device, "data_dir": data_dir, "communities": list }),
        );
    }

    /// The notes that are not archived, or with `archived` only the archived ones; those in
    /// `damaged` (chunks set aside) are marked.
    pub fn notes(&self, community: &Community, archived: bool, damaged: &HashMap<String, u64>) {
        let mut notes: Vec<_> = community
            .notes
            .iter()
            .filter(|(id, _)| community.listed_as(&Item::Note((*id).clone()), archived))
            .collect();
        notes.sort_by_key(|(_, e)| std::cmp::Reverse(e.updated_at));
        self.emit(
            || {
                if notes.is_empty() && archived {
                    return "no archived notes".into();
                }
                if notes.is_empty() {
                    return "no notes yet: add one with `copse note add --title TITLE`".into();
                }
                notes
                    .iter()
                    .map(|(id, e)| format!("{id}  {}  by {}, updated {}{}", e.title, community.display_name(&e.author), e.updated_at, damage_mark(damaged, id.as_str())))
                    .collect::<Vec<_>>()
                    .join("\n")
            },
            || {
                json!(notes.iter().map(|(id, e)| json!({
                    "id": id, "title": e.title, "author": e.author,
                    "created_at": e.created_at.to_rfc3339(), "updated_at": e.updated_at.to_rfc3339(),
                    "archived": archived, "damaged": damaged.contains_key(id.as_str()),
                })).collect::<Vec<_>>())
            },
        );
    }

    pub fn note(&self, id: &NoteId, note: &Note, community: &Community) {
        let mut comments: Vec<_> = note.comments.iter().collect();
        comments.sort_by_key(|(_, c)| c.at);
        self.emit(
            || {
                let mut text = format!("# {}\nby {}, {}\n\n{}\n", note.title, community.display_name(&note.author), note.created_at, note.body.as_str());
                if let Some(thanks) = thanked_by(community, &note.thanks) {
                    text.push_str(&format!("\n{thanks}\n"));
                }
                for (_, c) in &comments {
                    text.push_str(&format!("\n— {} ({}): {}", community.display_name(&c.author), c.at, c.text));
                }
                text
            },
            || json!({
                "id": id, "title": note.title, "body": note.body.as_str(), "author": note.author,
                "created_at": note.created_at.to_rfc3339(),
                "thanks": note.thanks.keys().collect::<Vec<_>>(),
                "comments": comments.iter().map(|(cid, c)| json!({
                    "id": cid, "author": c.author, "text": c.text, "at": c.at.to_rfc3339(),
                })).collect::<Vec<_>>(),
            }),
        );
    }

    /// What others changed since this device last looked.
    pub fn unread(&self, items: &[Unread], community: &Community) {
        self.emit(
            || {
                if items.is_empty() {
                    return "nothing new since you last looked".into();
                }
                items
                    .iter()
                    .map(|u| {
                        format!(
                            "{}  {}  {}  changed by {} {}",
                            u.item.id_str(),
                            u.item.kind(),
                            u.title,
                            community.display_name(&u.by),
                            u.updated_at
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            },
            || {
                json!(items.iter().map(|u| json!({
                "id": u.item.id_str(), "kind": u.item.kind(), "title": u.title, "by": u.by,
                "by_name": community.display_name(&u.by), "updated_at": u.updated_at.to_rfc3339(),
            })).collect::<Vec<_>>())
            },
        );
    }

    /// A document's history, oldest first; each line ends with its version.
    pub fn history(&self, entries: &[HistoryEntry]) {
        self.emit(
            || {
                entries
                    .iter()
                    .map(|e| {
                        let r = &e.revision;
                        let changes = if r.changes == 1 {
                            String::new()
                        } else {
                            format!(" ({} changes)", r.changes)
                        };
                        format!("{}  {}  {}{changes}  version {}", r.last_at, e.by, r.what, r.version)
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            },
            || json!(entries.iter().map(|e| json!({
                "version": e.revision.version, "what": e.revision.what, "by": e.by,
                "member": e.member, "device": e.revision.device, "changes": e.revision.changes,
                "first_at": e.revision.first_at.to_rfc3339(), "last_at": e.revision.last_at.to_rfc3339(),
            })).collect::<Vec<_>>()),
        );
    }

    pub fn search(&self, results: &SearchResults) {
        self.emit(
            || {
                if results.hits.is_empty() {
                    return format!("nothing matches \"{}\"", results.query);
                }
                let mut lines = Vec::new();
                for hit in &results.hits {
                    lines.push(format!(
                        "{:<6} {}  {}",
                        hit.target.kind().label(),
                        emphasised(&hit.title, &hit.title_matches),
                        hit.target.id_str()
                    ));
                    if let Some(snippet) = &hit.snippet {
                        lines.push(format!(
                            "       {}: {}",
                            snippet.field,
                            emphasised(&snippet.text, &snippet.matches)
                        ));
                    }
                }
                if results.total > results.hits.len() {
                    lines.push(format!(
                        "({} of {} matches shown; use --limit for more)",
                        results.hits.len(),
                        results.total
                    ));
                }
                lines.join("\n")
            },
            || json!(results),
        );
    }

    pub fn exported(&self, report: &ExportReport) {
        self.emit(
            || {
                let mut text = format!(
                    "exported {} notes, {} cases, {} gatherings, {} topics and {} members to {}",
                    report.notes,
                    report.cases,
                    report.gatherings,
                    report.topics,
                    report.members,
                    report.folder.display()
                );
                if report.missing > 0 {
                    text.push_str(&format!(
                        "\n{} notes or cases are listed but not on this device yet (sync first)",
                        report.missing
                    ));
                }
                if report.files + report.files_missing > 0 {
                    text.push_str(&format!(
                        "\n{} copied into files/ (listed in files.md)",
                        plain::count(report.files, "attached file", "attached files")
                    ));
                }
                if report.files_missing > 0 {
                    text.push_str(&format!(
                        "; {} not on this device yet (sync first)",
                        plain::count(report.files_missing, "file is", "files are")
                    ));
                }
                text
            },
            || json!(report),
        );
    }

    pub fn imported(&self, report: &ImportReport) {
        self.emit(
            || {
                let mut lines = vec![format!(
                    "imported {} notes{}{}",
                    report.imported.len(),
                    match report.files_attached {
                        0 => String::new(),
                        1 => " and attached 1 file they link to".to_string(),
                        n => format!(" and attached {n} files they link to"),
                    },
                    if report.copse_export {
                        " (a copse export: from its notes/ folder)"
                    } else {
                        ""
                    }
                )];
                for skipped in &report.skipped {
                    lines.push(format!(
                        "skipped {}: {}",
                        skipped.file.display(),
                        skipped.reason
                    ));
                }
                if report.not_markdown > 0 {
                    lines.push(format!(
                        "left out {} files that are not Markdown (.md)",
                        report.not_markdown
                    ));
                }
                lines.join("\n")
            },
            || json!(report),
        );
    }

    /// The topics that are not archived, or with `archived` only the archived ones.
    pub fn topics(&self, community: &Community, archived: bool) {
        let mut topics = community.topics_by_endorsement();
        topics.retain(|(id, _)| community.listed_as(&Item::Topic((*id).clone()), archived));
        self.emit(
            || {
                if topics.is_empty() && archived {
                    return "no archived topics".into();
                }
                if topics.is_empty() {
                    return "no topics yet: propose one with `copse topic add --title TITLE`"
                        .into();
                }
                topics
                    .iter()
                    .map(|(id, t)| {
                        let parent = t
                            .parent
                            .as_ref()
                            .and_then(|p| community.topics.get(p))
                            .map(|p| format!(" (under \"{}\")", p.title))
                            .unwrap_or_default();
                        format!(
                            "{id}  [{}] {}{parent}  {}",
                            t.status,
                            t.title,
                            plain::count(t.endorsement_count(), "endorsement", "endorsements")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            },
            || {
                json!(topics.iter().map(|(id, t)| json!({
                    "id": id, "title": t.title, "description": t.description, "status": t.status,
                    "archived": archived,
                    "proposer": t.proposer, "parent": t.parent,
                    "endorsements": t.endorsements.keys().collect::<Vec<_>>(),
                    "notes": t.notes.keys().collect::<Vec<_>>(),
                    "from_objectives": t.from_objectives.keys().map(|m| json!({
                        "id": m, "name": community.display_name(m),
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>())
            },
        );
    }

    /// The cases that are not archived, or with `archived` only the archived ones.
    /// Like [`Output::notes`], for cases.
    pub fn cases(&self, community: &Community, archived: bool, damaged: &HashMap<String, u64>) {
        let mut cases: Vec<_> = community
            .cases
            .iter()
            .filter(|(id, _)| community.listed_as(&Item::Case((*id).clone()), archived))
            .collect();
        cases.sort_by_key(|(_, e)| std::cmp::Reverse(e.updated_at));
        self.emit(
            || {
                if cases.is_empty() && archived {
                    return "no archived cases".into();
                }
                if cases.is_empty() {
                    return "no cases yet: bring one with `copse case open --title T --situation TEXT`".into();
                }
                cases
                    .iter()
                    .map(|(id, e)| format!("{id}  {}  presented by {}, updated {}{}", e.title, community.display_name(&e.author), e.updated_at, damage_mark(damaged, id.as_str())))
                    .collect::<Vec<_>>()
                    .join("\n")
            },
            || {
                json!(cases.iter().map(|(id, e)| json!({
                    "id": id, "title": e.title, "presenter": e.author,
                    "created_at": e.created_at.to_rfc3339(), "updated_at": e.updated_at.to_rfc3339(),
                    "archived": archived, "damaged": damaged.contains_key(id.as_str()),
                })).collect::<Vec<_>>())
            },
        );
    }

    pub fn case(&self, id: &CaseId, case: &Case, community: &Community) {
        let name = |m| community.display_name(m);
        let mut questions: Vec<_> = case.questions.iter().collect();
        questions.sort_by_key(|(_, q)| q.asked_at);
        let mut suggestions: Vec<_> = case.suggestions.iter().collect();
        suggestions.sort_by_key(|(_, s)| s.at);
        self.emit(
            || {
                let mut t = format!(
                    "# {}\npresented by {} — phase: {}\n{}\n\n{}\n",
                    case.title,
                    name(&case.presenter),
                    case.phase,
                    case.phase.guidance(),
                    case.situation.as_str()
                );
                if !questions.is_empty() {
                    t.push_str("\nQuestions:\n");
                }
                for (qid, q) in &questions {
                    t.push_str(&format!("- {qid} {}: {}\n", name(&q.author), q.text));
                    if let Some(a) = &q.answer {
                        t.push_str(&format!("    answer: {a}\n"));
                    }
                    if let Some(thanks) = thanked_by(community, &q.thanks) {
                        t.push_str(&format!("    {thanks}\n"));
                    }
                }
                if !suggestions.is_empty() {
                    t.push_str("\nSuggestions:\n");
                }
                for (sid, s) in &suggestions {
                    t.push_str(&format!("- {sid} {}: {}\n", name(&s.author), s.text));
                    if let Some(thanks) = thanked_by(community, &s.thanks) {
                        t.push_str(&format!("    {thanks}\n"));
                    }
                }
                if case.phase == Phase::Closed {
                    t.push_str(&format!("\nOutcome: {}\n", case.outcome.as_str()));
                    for (aid, a) in &case.next_actions {
                        let owner = a
                            .owner
                            .as_ref()
                            .map(|o| format!(" — {}", name(o)))
                            .unwrap_or_default();
                        t.push_str(&format!(
                            "- [{}] {}{owner}  ({aid})\n",
                            if a.done { "x" } else { " " },
                            a.text
                        ));
                    }
                }
                t
            },
            || {
                json!({
                    "id": id, "title": case.title, "presenter": case.presenter, "phase": case.phase,
                    "situation": case.situation.as_str(), "opened_at": case.opened_at.to_rfc3339(),
                    "questions": questions.iter().map(|(qid, q)| json!({
                        "id": qid, "author": q.author, "text": q.text, "answer": q.answer,
                        "thanks": q.thanks.keys().collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                    "suggestions": suggestions.iter().map(|(sid, s)| json!({
                        "id": sid, "author": s.author, "text": s.text,
                        "thanks": s.thanks.keys().collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                    "outcome": case.outcome.as_str(),
                    "next_actions": case.next_actions.iter().map(|(aid, a)| json!({
                        "id": aid, "text": a.text, "owner": a.owner, "done": a.done,
                    })).collect::<Vec<_>>(),
                    "comments": case.comments.iter().map(|(cid, c)| json!({
                        "id": cid, "author": c.author, "text": c.text, "at": c.at.to_rfc3339(),
                    })).collect::<Vec<_>>(),
                })
            },
        );
    }
}

/// `text` with each matched span wrapped in `*`, as Markdown emphasis reads in a terminal.
fn emphasised(text: &str, spans: &[Span]) -> String {
    let mut out = String::with_capacity(text.len() + 2 * spans.len());
    let mut at = 0;
    for span in spans {
        let (Some(before), Some(matched)) =
            (text.get(at..span.start), text.get(span.start..span.end))
        else {
            continue;
        };
        out.push_str(before);
        out.push('*');
        out.push_str(matched);
        out.push('*');
        at = span.end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    out
}

/// "  [damaged: …]" after a listed item whose stored chunks were set aside; "" otherwise.
/// Warns (on stderr, with or without `--json`) about listed items this device does not hold:
/// `what` is the kind, as "note"/"notes".
pub fn warn_absent(count: usize, one: &str, many: &str) {
    if count > 0 {
        let is = if count == 1 { "is" } else { "are" };
        eprintln!(
            "warning: {} listed here {is} not on this device (never fetched, or its stored data \
             was damaged): `copse sync` fetches {} from a member",
            plain::count(count, one, many),
            if count == 1 { "it" } else { "them" }
        );
    }
}

fn damage_mark(damaged: &HashMap<String, u64>, id: &str) -> &'static str {
    if damaged.contains_key(id) {
        "  [damaged: part of it was set aside in copse.db; `copse sync` fetches it again]"
    } else {
        ""
    }
}
