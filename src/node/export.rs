//! Exporting a community to a folder: the Markdown pages of
//! [`crate::model::markdown::export`] plus `community.json` with everything (comments, and each
//! note's and case's change times from its Automerge change log), so the knowledge stays the
//! community's whatever happens to copse.
//!
//! A folder is written only if it is empty, holds an earlier export (marked by
//! [`EXPORT_MARKER`]; its pages are replaced), or the caller forces it.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Value, json};

use super::progress::Progress;
use super::{Node, NodeError, guarded};
use crate::model::markdown::export::{self as pages, Links, Slugs};
use crate::model::{Case, Comment, CommentId, Community, CommunityId, Note, change};

/// The file that marks a folder as a copse export (so a later export may replace it).
pub const EXPORT_MARKER: &str = ".copse-export";

/// The folders of an export, each holding one page per item.
const PAGE_FOLDERS: [&str; 3] = ["notes", "cases", "gatherings"];
/// The files at the top of an export.
const TOP_FILES: [&str; 5] = [
    "README.md",
    "topics.md",
    "members.md",
    "community.json",
    EXPORT_MARKER,
];

/// What an export wrote.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ExportReport {
    pub folder: PathBuf,
    pub notes: usize,
    pub cases: usize,
    pub gatherings: usize,
    pub topics: usize,
    pub members: usize,
    /// Notes and cases listed in the community but not on this device (not synced yet).
    pub missing: usize,
}

/// When a document changed, from its change log.
#[derive(Clone, Debug, Serialize)]
struct ChangeTime {
    at: String,
    message: Option<String>,
}

impl Node {
    /// Writes the community to `folder` as Markdown plus `community.json`; `progress` counts the
    /// notes, cases and gatherings written.
    pub async fn export_markdown(
        &self,
        community: &CommunityId,
        folder: &Path,
        force: bool,
        progress: &Progress,
    ) -> Result<ExportReport, NodeError> {
        let now = self.now();
        let snapshot = self.community(community).await?;
        let prepared = folder.to_path_buf();
        tokio::task::spawn_blocking(move || prepare_folder(&prepared, force))
            .await
            .map_err(|e| NodeError::Panicked(e.to_string()))??;
        progress.start(snapshot.notes.len() + snapshot.cases.len() + snapshot.gatherings.len());
        let mut report = ExportReport {
            folder: folder.to_path_buf(),
            topics: snapshot.topics.len(),
            members: snapshot.members.len(),
            ..Default::default()
        };
        let mut links = Links {
            notes: Default::default(),
            cases: Vec::new(),
            gatherings: Vec::new(),
        };

        // Oldest first, so the earliest note keeps the plain slug when titles repeat.
        let mut notes: Vec<_> = snapshot.notes.iter().collect();
        notes.sort_by_key(|(id, e)| (e.created_at, id.as_str()));
        let mut slugs = Slugs::default();
        let mut notes_json = Vec::new();
        for (id, entry) in notes {
            match self.read_with_history::<Note>(id).await {
                Ok((note, changes)) => {
                    let path = format!("notes/{}.md", slugs.claim(&note.title));
                    let page = pages::note_page(id, &note, Some(entry), &snapshot);
                    write(folder, &path, page).await?;
                    notes_json.push(json!({
                        "id": id, "file": path, "title": note.title, "author": note.author,
                        "author_name": snapshot.display_name(&note.author),
                        "created_at": note.created_at.to_rfc3339(),
                        "updated_at": entry.updated_at.to_rfc3339(),
                        "body": note.body.as_str(),
                        "comments": comments_json(&note.comments, &snapshot),
                        "changes": changes,
                    }));
                    links.notes.insert(id.clone(), (path, note.title.clone()));
                    report.notes += 1;
                }
                Err(NodeError::NotFound { .. }) => report.missing += 1,
                Err(e) => return Err(e),
            }
            progress.advance();
        }

        let mut cases: Vec<_> = snapshot.cases.iter().collect();
        cases.sort_by_key(|(id, e)| (e.created_at, id.as_str()));
        let mut slugs = Slugs::default();
        let mut cases_json = Vec::new();
        for (id, entry) in cases {
            match self.read_with_history::<Case>(id).await {
                Ok((case, changes)) => {
                    let path = format!("cases/{}.md", slugs.claim(&case.title));
                    write(
                        folder,
                        &path,
                        pages::case_page(id.as_str(), &case, &snapshot),
                    )
                    .await?;
                    cases_json.push(case_json(
                        id.as_str(),
                        &path,
                        &case,
                        entry,
                        changes,
                        &snapshot,
                    ));
                    links.cases.push((path, case.title.clone()));
                    report.cases += 1;
                }
                Err(NodeError::NotFound { .. }) => report.missing += 1,
                Err(e) => return Err(e),
            }
            progress.advance();
        }

        let mut gatherings: Vec<_> = snapshot.gatherings.iter().collect();
        gatherings.sort_by_key(|(id, g)| (g.when, id.as_str()));
        let mut slugs = Slugs::default();
        let mut gatherings_json = Vec::new();
        for (id, gathering) in gatherings {
            let path = format!(
                "gatherings/{}.md",
                slugs.claim(&pages::gathering_stem(gathering))
            );
            write(
                folder,
                &path,
                pages::gathering_page(gathering, &snapshot, &links),
            )
            .await?;
            gatherings_json.push(json!({
                "id": id, "file": path, "title": gathering.title,
                "when": gathering.when.to_rfc3339(), "agenda": gathering.agenda,
                "roles": gathering.roles, "note": gathering.note,
            }));
            links.gatherings.push((path, gathering.title.clone()));
            report.gatherings += 1;
            progress.advance();
        }

        write(folder, "topics.md", pages::topics_page(&snapshot, &links)).await?;
        write(folder, "members.md", pages::members_page(&snapshot)).await?;
        write(folder, "README.md", pages::readme(&snapshot, &links)).await?;
        let everything = json!({
            "format": "copse-export/1",
            "exported_at": now.to_rfc3339(),
            "community": {
                "id": community, "name": snapshot.name,
                "purpose": snapshot.purpose.as_str(), "guidelines": snapshot.guidelines.as_str(),
                "created_at": snapshot.created_at.to_rfc3339(),
            },
            "members": members_json(&snapshot),
            "topics": topics_json(&snapshot),
            "gatherings": gatherings_json,
            "notes": notes_json,
            "cases": cases_json,
        });
        let text = serde_json::to_string_pretty(&everything).map_err(|e| NodeError::Io {
            path: "community.json".into(),
            error: e.to_string(),
        })?;
        write(folder, "community.json", text).await?;
        write(
            folder,
            EXPORT_MARKER,
            "This folder is a copse export; a later `copse export` may replace it.\n".into(),
        )
        .await?;
        Ok(report)
    }

    /// A document as `T`, with when each of its changes was made.
    async fn read_with_history<T>(
        &self,
        doc: &impl super::DocKey,
    ) -> Result<(T, Vec<ChangeTime>), NodeError>
    where
        T: autosurgeon::Hydrate + Send + 'static,
    {
        let handle = self.handle(doc).await?;
        let read = handle
            .with_document_async(|doc| {
                guarded(|| change::read::<T>(doc)).map(|r| {
                    r.map(|value| {
                        let changes = doc
                            .get_changes(&[])
                            .iter()
                            .map(|c| ChangeTime {
                                at: crate::model::Timestamp(c.timestamp()).to_rfc3339(),
                                message: c.message().map(str::to_string),
                            })
                            .collect();
                        (value, changes)
                    })
                })
            })
            .await?;
        super::contained(read)
    }
}

/// Makes `folder` ready: created if missing; an earlier export's pages removed; anything else
/// refused unless `force`.
fn prepare_folder(folder: &Path, force: bool) -> Result<(), NodeError> {
    let io = |path: &Path, e: std::io::Error| NodeError::Io {
        path: path.display().to_string(),
        error: e.to_string(),
    };
    std::fs::create_dir_all(folder).map_err(|e| io(folder, e))?;
    let mut entries = std::fs::read_dir(folder).map_err(|e| io(folder, e))?;
    let empty = entries.next().is_none();
    if !empty {
        if folder.join(EXPORT_MARKER).is_file() {
            remove_earlier_export(folder).map_err(|e| io(folder, e))?;
        } else if !force {
            return Err(NodeError::FolderNotEmpty {
                folder: folder.display().to_string(),
            });
        }
    }
    for sub in PAGE_FOLDERS {
        let path = folder.join(sub);
        std::fs::create_dir_all(&path).map_err(|e| io(&path, e))?;
    }
    Ok(())
}

/// Removes the files an export writes, so pages of deleted or renamed items do not linger.
/// Only `.md` files directly inside the page folders and the known top files: nothing a
/// member put there themselves.
fn remove_earlier_export(folder: &Path) -> std::io::Result<()> {
    for name in TOP_FILES {
        let path = folder.join(name);
        if path.symlink_metadata().is_ok_and(|m| m.is_file()) {
            std::fs::remove_file(path)?;
        }
    }
    for sub in PAGE_FOLDERS {
        let dir = folder.join(sub);
        if !dir.symlink_metadata().is_ok_and(|m| m.is_dir()) {
            continue;
        }
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let is_page = entry.path().extension().is_some_and(|e| e == "md");
            if is_page && entry.file_type()?.is_file() {
                std::fs::remove_file(entry.path())?;
            }
        }
    }
    Ok(())
}

async fn write(folder: &Path, relative: &str, text: String) -> Result<(), NodeError> {
    let path = folder.join(relative);
    tokio::fs::write(&path, text)
        .await
        .map_err(|e| NodeError::Io {
            path: path.display().to_string(),
            error: e.to_string(),
        })
}

fn comments_json(
    comments: &std::collections::BTreeMap<CommentId, Comment>,
    community: &Community,
) -> Vec<Value> {
    let mut list: Vec<_> = comments.iter().collect();
    list.sort_by_key(|(_, c)| c.at);
    list.into_iter()
        .map(|(id, c)| {
            json!({
                "id": id, "author": c.author, "author_name": community.display_name(&c.author),
                "text": c.text, "at": c.at.to_rfc3339(),
            })
        })
        .collect()
}

fn case_json(
    id: &str,
    path: &str,
    case: &Case,
    entry: &crate::model::DocEntry,
    changes: Vec<ChangeTime>,
    community: &Community,
) -> Value {
    json!({
        "id": id, "file": path, "title": case.title, "presenter": case.presenter,
        "presenter_name": community.display_name(&case.presenter),
        "phase": case.phase, "situation": case.situation.as_str(),
        "opened_at": case.opened_at.to_rfc3339(),
        "updated_at": entry.updated_at.to_rfc3339(),
        "closed_at": case.closed_at.map(|t| t.to_rfc3339()),
        "questions": case.questions.iter().map(|(qid, q)| json!({
            "id": qid, "author": q.author, "text": q.text, "asked_at": q.asked_at.to_rfc3339(),
            "answer": q.answer, "answered_at": q.answered_at.map(|t| t.to_rfc3339()),
        })).collect::<Vec<_>>(),
        "suggestions": case.suggestions.iter().map(|(sid, s)| json!({
            "id": sid, "author": s.author, "text": s.text, "at": s.at.to_rfc3339(),
        })).collect::<Vec<_>>(),
        "outcome": case.outcome.as_str(),
        "next_actions": case.next_actions.iter().map(|(aid, a)| json!({
            "id": aid, "text": a.text, "owner": a.owner, "done": a.done,
        })).collect::<Vec<_>>(),
        "comments": comments_json(&case.comments, community),
        "changes": changes,
    })
}

fn members_json(community: &Community) -> Vec<Value> {
    community
        .members
        .iter()
        .map(|(id, m)| {
            json!({
                "id": id, "name": m.name, "skills": m.skills, "objectives": m.objectives,
                "joined_at": m.joined_at.to_rfc3339(),
            })
        })
        .collect()
}

fn topics_json(community: &Community) -> Vec<Value> {
    community
        .topics
        .iter()
        .map(|(id, t)| {
            json!({
                "id": id, "title": t.title, "description": t.description, "status": t.status,
                "proposer": t.proposer, "proposed_at": t.proposed_at.to_rfc3339(),
                "parent": t.parent,
                "endorsements": t.endorsements.iter()
                    .map(|(m, at)| json!({ "member": m, "at": at.to_rfc3339() }))
                    .collect::<Vec<_>>(),
                "notes": t.notes.keys().collect::<Vec<_>>(),
            })
        })
        .collect()
}
