//! Importing a folder of Markdown files as notes: each `.md` file becomes one note, titled by
//! its front matter, its first heading or its file name (see
//! [`crate::model::markdown::front_matter::read_note`]). Other files, files over 1 MiB and files that are
//! not UTF-8 text are skipped and reported, never half-imported.
//!
//! A folder that is a copse export brings in its `notes/` only: its other pages (README,
//! topics, cases …) are views of the community, not notes. Files in the folder that a note
//! links to (relative links, as an export writes them) are attached to that note, and its
//! links point at the attachments.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::export::EXPORT_MARKER;
use super::progress::Progress;
use super::{Node, NodeError};
use crate::model::markdown::{file_links, front_matter};
use crate::model::{CommunityId, DocRef, NoteEdit, NoteId, limits, plain};

/// The largest file imported.
pub const MAX_IMPORT_BYTES: u64 = limits::MAX_BODY_BYTES as u64;
/// How deep into sub-folders an import looks, and how many entries it considers at most.
const MAX_DEPTH: usize = 16;
const MAX_ENTRIES: usize = 100_000;

/// What an import did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ImportReport {
    pub imported: Vec<ImportedNote>,
    /// Files that were not Markdown (counted, not listed: a folder may hold many).
    pub not_markdown: usize,
    /// Markdown files left out, each with why.
    pub skipped: Vec<SkippedFile>,
    /// The folder was a copse export, so only its notes were read.
    pub copse_export: bool,
    /// Files in the folder that notes link to, attached to those notes.
    pub files_attached: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct ImportedNote {
    pub id: NoteId,
    pub title: String,
    pub file: PathBuf,
}

#[derive(Clone, Debug, Serialize)]
pub struct SkippedFile {
    pub file: PathBuf,
    pub reason: String,
}

impl Node {
    /// Adds every Markdown file under `folder` as a note of `community`.
    pub async fn import_markdown(
        &self,
        community: &CommunityId,
        folder: &Path,
        progress: &Progress,
    ) -> Result<ImportReport, NodeError> {
        self.me(community).await?;
        let root = folder.to_path_buf();
        let (files, not_markdown, copse_export) =
            tokio::task::spawn_blocking(move || markdown_files(&root))
                .await
                .map_err(|e| NodeError::Panicked(e.to_string()))??;
        let mut report = ImportReport {
            not_markdown,
            copse_export,
            ..Default::default()
        };
        progress.start(files.len());
        for file in files {
            match read_file(&file).await {
                Ok(text) => {
                    let stem = file
                        .file_stem()
                        .map(|s| s.to_string_lossy().to_string())
                        .unwrap_or_default();
                    let note = front_matter::read_note(&stem, &text);
                    let title = front_matter::fit_title(&note.title, &stem);
                    match self.add_note(community, &title, &note.body).await {
                        Ok(id) => {
                            self.attach_linked_files(
                                community,
                                &id,
                                &note.body,
                                &file,
                                folder,
                                &mut report,
                            )
                            .await?;
                            report.imported.push(ImportedNote { id, title, file })
                        }
                        Err(NodeError::Model(e)) => report.skipped.push(SkippedFile {
                            file,
                            reason: e.to_string(),
                        }),
                        Err(e) => return Err(e),
                    }
                }
                Err(reason) => report.skipped.push(SkippedFile { file, reason }),
            }
            progress.advance();
        }
        Ok(report)
    }
}

impl Node {
    /// Attaches the files inside `root` that the imported note `id` (read from `page`) links
    /// to, and points its links at them. A file that cannot be attached (too big, unreadable)
    /// is reported and its link left as it was.
    async fn attach_linked_files(
        &self,
        community: &CommunityId,
        id: &NoteId,
        body: &str,
        page: &Path,
        root: &Path,
        report: &mut ImportReport,
    ) -> Result<(), NodeError> {
        let Ok(root) = root.canonicalize() else {
            return Ok(());
        };
        let here = page.parent().unwrap_or(&root).to_path_buf();
        let mut text = body.to_string();
        for target in file_links::local_targets(body) {
            let Ok(linked) = here.join(target.replace("%20", " ")).canonicalize() else {
                continue;
            };
            // Only files inside the imported folder: a link cannot reach out of it.
            if !linked.starts_with(&root) || !linked.is_file() {
                continue;
            }
            let on = DocRef::Note(id.clone());
            match self.attach_file(community, &on, &linked).await {
                Ok(file) => {
                    // An export names its copies `FILE_ID-name`: the name is the part after.
                    if let Some(name) = report
                        .copse_export
                        .then(|| exported_name(&linked))
                        .flatten()
                    {
                        self.rename_file(community, &file, &name).await?;
                    }
                    let to = format!("{}{file}", file_links::ATTACHMENT_SCHEME);
                    text = file_links::replace_target(&text, &target, &to);
                    report.files_attached += 1;
                }
                Err(NodeError::Model(e)) => report.skipped.push(SkippedFile {
                    file: linked,
                    reason: format!("not attached: {e}"),
                }),
                Err(e) => return Err(e),
            }
        }
        if text != body {
            self.edit_note(community, id, NoteEdit::Replace(text))
                .await?;
        }
        Ok(())
    }
}

/// The name an export gave `path` after its file id (32 hex digits and a dash), if it has one.
fn exported_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let (id, rest) = name.split_at_checked(33)?;
    let is_id = id.ends_with('-') && id[..32].bytes().all(|b| b.is_ascii_hexdigit());
    (is_id && !rest.is_empty()).then(|| rest.to_string())
}

/// The file's text, or why it is skipped.
async fn read_file(file: &Path) -> Result<String, String> {
    let meta = tokio::fs::metadata(file).await.map_err(|e| e.to_string())?;
    if meta.len() > MAX_IMPORT_BYTES {
        return Err(format!(
            "{} is over the {} limit of a note",
            plain::size(usize::try_from(meta.len()).unwrap_or(usize::MAX)),
            plain::size(limits::MAX_BODY_BYTES)
        ));
    }
    let bytes = tokio::fs::read(file).await.map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())
}

/// The Markdown files under `root` in a stable order, how many other files there were, and
/// whether `root` is a copse export (then only its `notes/` are read). Symbolic links are not
/// followed, so an import stays inside the folder it was given.
fn markdown_files(root: &Path) -> Result<(Vec<PathBuf>, usize, bool), NodeError> {
    let meta = std::fs::metadata(root).map_err(|e| NodeError::Io {
        path: root.display().to_string(),
        error: e.to_string(),
    })?;
    if !meta.is_dir() {
        return Err(NodeError::Io {
            path: root.display().to_string(),
            error: "not a folder".into(),
        });
    }
    let copse_export = root.join(EXPORT_MARKER).is_file();
    let start = if copse_export {
        root.join("notes")
    } else {
        root.to_path_buf()
    };
    let mut files = Vec::new();
    let mut others = 0;
    let mut seen = 0;
    let mut folders = vec![(start, 0)];
    while let Some((dir, depth)) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            seen += 1;
            if seen > MAX_ENTRIES {
                break;
            }
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            if kind.is_dir() && !hidden && depth < MAX_DEPTH && !copse_export {
                folders.push((path, depth + 1));
            } else if kind.is_file() && !hidden {
                let is_markdown = path.extension().is_some_and(|e| {
                    e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown")
                });
                if is_markdown {
                    files.push(path);
                } else {
                    others += 1;
                }
            }
        }
    }
    files.sort();
    Ok((files, others, copse_export))
}
