//! Files attached to notes and cases: what the community document keeps of them.
//!
//! The document holds only a reference per file (its name, size, media type, who added it and
//! when, and the BLAKE3 hash of its bytes); the bytes live in each device's blob store and
//! travel between members' devices by that hash (`net::blobs`, `node::files`). One map in the
//! community document serves notes and cases alike (keyed by [`FileId`], pointing at a
//! [`DocRef`]), so the network can tell which hashes a community refers to without opening
//! every note. A gathering's files go on its meeting note.
//!
//! Removing a reference never deletes bytes here: a device keeps what it has.

use autosurgeon::{Hydrate, Reconcile};
use serde::Serialize;

use crate::model::{Community, DocRef, FileId, MemberId, ModelError, Timestamp, plain};

/// The largest file a member may attach: 100 MiB, so one file cannot fill every member's disk.
pub const MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;
/// The longest file name, in bytes (what most file systems allow).
pub const MAX_NAME_BYTES: usize = 255;

/// One attached file.
#[derive(Clone, Debug, PartialEq, Reconcile, Hydrate, Serialize)]
pub struct Attachment {
    /// What it is attached to: `note/<id>` or `case/<id>` ([`DocRef`]'s text form).
    pub on: String,
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// Guessed from the name's extension when attached (`application/octet-stream` if unknown).
    pub media_type: String,
    /// The BLAKE3 hash of the bytes, in hex: what devices fetch the bytes by.
    pub hash: String,
    pub added_by: MemberId,
    pub added_at: Timestamp,
}

impl Attachment {
    /// A new reference to `size` bytes hashing to `hash`, named `name`, on `on`.
    pub fn new(
        on: &DocRef,
        name: &str,
        size: u64,
        hash: &str,
        by: &MemberId,
        now: Timestamp,
    ) -> Result<Attachment, ModelError> {
        let name = file_name(name)?;
        check_size(&name, size)?;
        Ok(Attachment {
            on: on.to_string(),
            media_type: media_type_of(&name).to_string(),
            name,
            size,
            hash: hash.to_string(),
            added_by: by.clone(),
            added_at: now,
        })
    }

    /// The note or case it is attached to, if the reference reads as one.
    pub fn target(&self) -> Option<DocRef> {
        self.on.parse().ok()
    }

    /// Whether it shows inline as an image.
    pub fn is_image(&self) -> bool {
        self.media_type.starts_with("image/")
    }
}

/// A file's name as a member gave it, checked: one name, no folders.
pub fn file_name(raw: &str) -> Result<String, ModelError> {
    let name = raw.trim();
    let refuse = |reason| ModelError::BadFileName {
        given: raw.chars().take(80).collect(),
        reason,
    };
    if name.is_empty() {
        return Err(refuse("a file needs a name"));
    }
    if name.contains(['/', '\\']) {
        return Err(refuse("a name cannot contain / or \\ (no folders)"));
    }
    if name == "." || name == ".." {
        return Err(refuse("a name cannot be . or .."));
    }
    if name.chars().any(char::is_control) {
        return Err(refuse("a name cannot contain control characters"));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(refuse("a name can be at most 255 bytes long"));
    }
    Ok(name.to_string())
}

/// Refuses an empty file or one over [`MAX_FILE_BYTES`].
pub fn check_size(name: &str, size: u64) -> Result<(), ModelError> {
    if size == 0 {
        return Err(ModelError::BadFileName {
            given: name.to_string(),
            reason: "the file is empty (0 bytes); there is nothing to share",
        });
    }
    if size > MAX_FILE_BYTES {
        return Err(ModelError::FileTooLarge {
            name: name.to_string(),
            size,
            max: MAX_FILE_BYTES,
        });
    }
    Ok(())
}

/// The media type a name's extension suggests.
pub fn media_type_of(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "md" => "text/markdown",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "json" => "application/json",
        "zip" => "application/zip",
        "odt" => "application/vnd.oasis.opendocument.text",
        "ods" => "application/vnd.oasis.opendocument.spreadsheet",
        "odp" => "application/vnd.oasis.opendocument.presentation",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _ => "application/octet-stream",
    }
}

/// A file's size in plain words ("1.2 MB"), as every size in copse reads ([`plain::size`]).
pub fn size_in_words(bytes: u64) -> String {
    plain::size(usize::try_from(bytes).unwrap_or(usize::MAX))
}

impl Community {
    /// Attaches a file to a note or case the community lists.
    pub fn attach_file(&mut self, id: FileId, file: Attachment) -> Result<FileId, ModelError> {
        match file.target() {
            Some(DocRef::Note(note)) if self.notes.contains_key(&note) => {}
            Some(DocRef::Case(case)) if self.cases.contains_key(&case) => {}
            Some(DocRef::Note(note)) => return Err(ModelError::NoSuchNote(note.to_string())),
            Some(DocRef::Case(case)) => return Err(ModelError::NoSuchCase(case.to_string())),
            None => return Err(ModelError::NoSuchNote(file.on.clone())),
        }
        self.files.insert(id.clone(), file);
        Ok(id)
    }

    /// Gives a file a new name.
    pub fn rename_file(&mut self, id: &FileId, name: &str) -> Result<(), ModelError> {
        let name = file_name(name)?;
        let file = self
            .files
            .get_mut(id)
            .ok_or_else(|| ModelError::NoSuchFile(id.to_string()))?;
        file.media_type = media_type_of(&name).to_string();
        file.name = name;
        Ok(())
    }

    /// Takes a file off its note or case for every member. The bytes stay on devices that have
    /// them (another reference may share them).
    pub fn remove_file(&mut self, id: &FileId) -> Result<Attachment, ModelError> {
        self.files
            .remove(id)
            .ok_or_else(|| ModelError::NoSuchFile(id.to_string()))
    }

    /// The space the community's files take on a device that has them all: each distinct
    /// content (by hash) counted once.
    pub fn files_size(&self) -> u64 {
        let mut seen = std::collections::HashSet::new();
        self.files
            .values()
            .filter(|f| seen.insert(f.hash.as_str()))
            .map(|f| f.size)
            .sum()
    }

    /// The files attached to `on`, oldest first.
    pub fn files_on(&self, on: &DocRef) -> Vec<(FileId, Attachment)> {
        let on = on.to_string();
        let mut files: Vec<_> = self
            .files
            .iter()
            .filter(|(_, f)| f.on == on)
            .map(|(id, f)| (id.clone(), f.clone()))
            .collect();
        files.sort_by(|a, b| (a.1.added_at, &a.0).cmp(&(b.1.added_at, &b.0)));
        files
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DocEntry, Member, NoteId};

    fn community_with(members: &[&str]) -> Community {
        let founder = MemberId::from(members[0].to_string());
        let profile = Member::new(members[0], members[0], Timestamp(1)).unwrap();
        Community::new("Gardeners", "", &founder, profile, Timestamp(1)).unwrap()
    }

    fn note_in(c: &mut Community) -> DocRef {
        let id = NoteId::from("n1".to_string());
        let ada = MemberId::from("ada".to_string());
        c.notes
            .insert(id.clone(), DocEntry::new("Soil", ada, Timestamp(1)));
        DocRef::Note(id)
    }

    #[test]
    fn names_with_folders_empty_files_and_oversized_files_are_refused() {
        let ada = MemberId::from("ada".to_string());
        let on = DocRef::Note(NoteId::from("n1".to_string()));
        for bad in [
            "../etc/passwd",
            "a/b.pdf",
            "a\\b.pdf",
            "",
            "  ",
            "..",
            "a\nb",
        ] {
            let err = Attachment::new(&on, bad, 10, "h", &ada, Timestamp(1)).unwrap_err();
            assert!(matches!(err, ModelError::BadFileName { .. }), "{bad:?}");
        }
        let empty = Attachment::new(&on, "a.pdf", 0, "h", &ada, Timestamp(1)).unwrap_err();
        assert!(empty.to_string().contains("empty"), "{empty}");
        let huge = Attachment::new(&on, "a.pdf", MAX_FILE_BYTES + 1, "h", &ada, Timestamp(1));
        assert!(matches!(huge, Err(ModelError::FileTooLarge { .. })));
        let ok = Attachment::new(&on, " slides.PDF ", 10, "h", &ada, Timestamp(1)).unwrap();
        assert_eq!(ok.name, "slides.PDF");
        assert_eq!(ok.media_type, "application/pdf");
    }

    #[test]
    fn attach_rename_and_remove_on_a_listed_note_only() {
        let mut c = community_with(&["ada"]);
        let ada = MemberId::from("ada".to_string());
        let on = note_in(&mut c);
        let file = Attachment::new(&on, "board.png", 2_000, "abc", &ada, Timestamp(5)).unwrap();
        let id = c.attach_file(FileId::from("f1".to_string()), file).unwrap();
        assert_eq!(c.files_on(&on).len(), 1);
        assert!(c.files_on(&on)[0].1.is_image());
        c.rename_file(&id, "slides.pdf").unwrap();
        assert_eq!(c.files[&id].media_type, "application/pdf");
        assert!(c.rename_file(&id, "x/y").is_err());
        let again = Attachment::new(&on, "copy.pdf", 2_000, "abc", &ada, Timestamp(6)).unwrap();
        c.attach_file(FileId::from("f2".to_string()), again)
            .unwrap();
        let other = Attachment::new(&on, "notes.txt", 300, "def", &ada, Timestamp(7)).unwrap();
        c.attach_file(FileId::from("f3".to_string()), other)
            .unwrap();
        assert_eq!(
            c.files_size(),
            2_300,
            "the same bytes twice take their space once"
        );
        c.remove_file(&FileId::from("f2".to_string())).unwrap();
        c.remove_file(&FileId::from("f3".to_string())).unwrap();
        c.remove_file(&id).unwrap();
        assert!(c.files_on(&on).is_empty());
        assert_eq!(c.files_size(), 0);
        assert!(matches!(c.remove_file(&id), Err(ModelError::NoSuchFile(_))));
        let elsewhere = DocRef::Note(NoteId::from("gone".to_string()));
        let orphan = Attachment::new(&elsewhere, "a.txt", 1, "h", &ada, Timestamp(6)).unwrap();
        assert!(c.attach_file(FileId::new_random(), orphan).is_err());
    }
}
