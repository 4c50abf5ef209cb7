//! Exporting a community to a folder: the Markdown pages of
//! [`crate::model::markdown::export`] plus `community.json` with everything (comments, and each
//! note's and case's change times from its Automerge change log), so the knowledge stays the
//! community's whatever happens to copse.
//!
//! A folder is written only if it is empty, holds an earlier export (marked by
//! [`EXPORT_MARKER`]; its pages are replaced), or the caller forces it.

mod record;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::progress::Progress;
use super::{Node, NodeError, guarded};
use crate::model::community::Indexed;
use crate::model::markdown::export::{self as pages, Links, Slugs};
use crate::model::{Case, Community, CommunityId, DocEntry, DocRef, Note, change};
use record::{
    CaseRecord, ChangeTime, CommunityRecord, ExportFile, FORMAT, GatheringRecord, MemberRecord,
    NoteRecord, TopicRecord,
};

/// The file that marks a folder as a copse export (so a later export may replace it).
pub const EXPORT_MARKER: &str = ".copse-export";

/// The folders of an export, each holding one page per item.
const PAGE_FOLDERS: [&str; 3] = ["notes", "cases", "gatherings"];
/// The files at the top of an export.
const TOP_FILES: [&str; 6] = [
    "README.md",
    "files.md",
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
    /// Attached files copied into `files/`, and those whose bytes are not here yet.
    pub files: usize,
    pub files_missing: usize,
}

/// A note or case as it was exported: its page's path, the document, its index entry and its
/// change times.
struct Exported<'a, T: Indexed> {
    id: T::Id,
    file: String,
    doc: T,
    entry: &'a DocEntry,
    changes: Vec<ChangeTime>,
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
        let exported_at = self.now();
        let snapshot = self.community(community).await?;
        let prepared = folder.to_path_buf();
        tokio::task::spawn_blocking(move || prepare_folder(&prepared, force))
            .await
            .map_err(|e| NodeError::Panicked(e.to_string()))??;
        progress.start(snapshot.notes.len() + snapshot.cases.len() + snapshot.gatherings.len());
        let c = &*snapshot;
        let mut missing = 0;
        let notes = self
            .export_docs::<Note>(
                folder,
                "notes",
                &c.notes,
                &mut missing,
                progress,
                |id, n, e| pages::note_page(id, n, Some(e), c),
            )
            .await?;
        let cases = self
            .export_docs::<Case>(
                folder,
                "cases",
                &c.cases,
                &mut missing,
                progress,
                |id, k, _| pages::case_page(id.as_str(), k, c),
            )
            .await?;
        let mut links = Links {
            notes: notes
                .iter()
                .map(|n| (n.id.clone(), (n.file.clone(), n.doc.title.clone())))
                .collect(),
            cases: cases
                .iter()
                .map(|k| (k.file.clone(), k.doc.title.clone()))
                .collect(),
            gatherings: Vec::new(),
        };
        let gatherings = export_gatherings(folder, c, &mut links, progress).await?;
        write(folder, "topics.md", pages::topics_page(c, &links)).await?;
        write(folder, "members.md", pages::members_page(c)).await?;
        write(folder, "README.md", pages::readme(c, &links)).await?;
        let (files, files_missing) = self.export_files(c, folder).await?;
        let report = ExportReport {
            files,
            files_missing,
            folder: folder.to_path_buf(),
            notes: notes.len(),
            cases: cases.len(),
            gatherings: gatherings.len(),
            topics: c.topics.len(),
            members: c.members.len(),
            missing,
        };
        let file = ExportFile {
            format: FORMAT,
            exported_at: exported_at.to_rfc3339(),
            community: CommunityRecord::of(community, c),
            members: MemberRecord::all(c),
            topics: TopicRecord::all(c),
            gatherings,
            notes: notes
                .into_iter()
                .map(|n| NoteRecord::of(&n.id, &n.file, &n.doc, n.entry, n.changes, c))
                .collect(),
            cases: cases
                .into_iter()
                .map(|k| CaseRecord::of(&k.id, &k.file, &k.doc, k.entry, k.changes, c))
                .collect(),
        };
        let text = serde_json::to_string_pretty(&file).map_err(|e| NodeError::Io {
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

    /// Writes a page for each listed note or case that is on this device, oldest first (so the
    /// earliest keeps the plain slug when titles repeat), into `dir`; counts the others as
    /// `missing`.
    async fn export_docs<'a, T>(
        &self,
        folder: &Path,
        dir: &str,
        listed: &'a BTreeMap<T::Id, DocEntry>,
        missing: &mut usize,
        progress: &Progress,
        page: impl Fn(&T::Id, &T, &DocEntry) -> String,
    ) -> Result<Vec<Exported<'a, T>>, NodeError>
    where
        T: Indexed + autosurgeon::Hydrate + Send + 'static,
        T::Id: Ord,
    {
        let mut order: Vec<(DocRef, &T::Id, &DocEntry)> = listed
            .iter()
            .map(|(id, entry)| (id.clone().into(), id, entry))
            .collect();
        order.sort_by(|a, b| (a.2.created_at, a.0.id_str()).cmp(&(b.2.created_at, b.0.id_str())));
        let mut slugs = Slugs::default();
        let mut exported = Vec::with_capacity(order.len());
        for (doc_ref, id, entry) in order {
            match self.read_with_history::<T>(&doc_ref).await {
                Ok((doc, changes)) => {
                    let file = format!("{dir}/{}.md", slugs.claim(doc.title()));
                    write(folder, &file, page(id, &doc, entry)).await?;
                    exported.push(Exported {
                        id: id.clone(),
                        file,
                        doc,
                        entry,
                        changes,
                    });
                }
                Err(NodeError::NotFound { .. }) => *missing += 1,
                Err(e) => return Err(e),
            }
            progress.advance();
        }
        Ok(exported)
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

/// Writes a page for each gathering, in date order, and returns their records.
async fn export_gatherings(
    folder: &Path,
    c: &Community,
    links: &mut Links,
    progress: &Progress,
) -> Result<Vec<GatheringRecord>, NodeError> {
    let mut gatherings: Vec<_> = c.gatherings.iter().collect();
    gatherings.sort_by_key(|(id, g)| (g.when, id.as_str()));
    let mut slugs = Slugs::default();
    let mut records = Vec::with_capacity(gatherings.len());
    for (id, gathering) in gatherings {
        let stem = slugs.claim(&pages::gathering_stem(gathering));
        let file = format!("gatherings/{stem}.md");
        write(folder, &file, pages::gathering_page(gathering, c, links)).await?;
        records.push(GatheringRecord::of(id, &file, gathering));
        links.gatherings.push((file, gathering.title.clone()));
        progress.advance();
    }
    Ok(records)
}
