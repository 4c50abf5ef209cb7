//! Links from a note's Markdown to its attached files, between copse and a folder of pages.
//!
//! Inside copse a picture is `![name](attachment:FILE_ID)`. An export copies the files to
//! `files/FILE_ID-name` beside the pages, so there the link becomes `../files/FILE_ID-name`,
//! which any Markdown viewer follows. An import does the reverse for any relative link to a
//! file in the imported folder: the file is attached and the link becomes `attachment:…`.
//!
//! Links are found by a plain scan for `](target)`: a target runs to the first `)`, space or
//! line break, as CommonMark reads an unbracketed destination.

use std::collections::BTreeMap;

use crate::model::FileId;
use crate::model::attachment::Attachment;

/// The scheme of a link to an attached file.
pub const ATTACHMENT_SCHEME: &str = "attachment:";

/// Where an export puts a file, relative to a page in `notes/` or `cases/`.
pub fn exported_path(id: &FileId, file: &Attachment) -> String {
    format!("../files/{id}-{}", file.name).replace(' ', "%20")
}

/// `body` with every `attachment:ID` link of a known file pointing at the exported copy.
pub fn for_export(body: &str, files: &BTreeMap<FileId, Attachment>) -> String {
    rewrite(body, |target| {
        let id = target.strip_prefix(ATTACHMENT_SCHEME)?;
        let (id, file) = files.iter().find(|(known, _)| known.as_str() == id)?;
        Some(exported_path(id, file))
    })
}

/// The targets of links that may name a file beside the page: relative, with no scheme, not a
/// fragment, not another page. Each once, in order.
pub fn local_targets(body: &str) -> Vec<String> {
    let mut found = Vec::new();
    rewrite(body, |target| {
        let local = !target.is_empty()
            && !target.contains(':')
            && !target.starts_with('#')
            && !target.starts_with('/')
            && !target.to_ascii_lowercase().ends_with(".md");
        if local && !found.iter().any(|t| t == target) {
            found.push(target.to_string());
        }
        None
    });
    found
}

/// `body` with each link target `from` replaced by `to`.
pub fn replace_target(body: &str, from: &str, to: &str) -> String {
    rewrite(body, |target| (target == from).then(|| to.to_string()))
}

/// `body` with every link target for which `change` answers replaced by its answer.
fn rewrite(body: &str, mut change: impl FnMut(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find("](") {
        let (before, after) = rest.split_at(at + 2);
        out.push_str(before);
        let end = after
            .find(|c: char| c == ')' || c.is_whitespace())
            .unwrap_or(after.len());
        let target = &after[..end];
        match change(target) {
            Some(new) => out.push_str(&new),
            None => out.push_str(target),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MemberId, Timestamp};

    fn file(name: &str) -> Attachment {
        Attachment {
            on: "note/n1".into(),
            name: name.into(),
            size: 3,
            media_type: "image/png".into(),
            hash: "00".into(),
            added_by: MemberId::from("ada".to_string()),
            added_at: Timestamp(1),
        }
    }

    #[test]
    fn an_export_points_attachment_links_at_the_copied_files_and_leaves_the_rest() {
        let files = BTreeMap::from([(FileId::from("f1".to_string()), file("white board.png"))]);
        let body = "Look: ![board](attachment:f1) and [web](https://example.org) and \
                    ![gone](attachment:f9).";
        assert_eq!(
            for_export(body, &files),
            "Look: ![board](../files/f1-white%20board.png) and [web](https://example.org) and \
             ![gone](attachment:f9)."
        );
    }

    #[test]
    fn an_import_finds_relative_file_links_once_and_rewrites_them() {
        let body = "![a](pics/a.png) [b](b.pdf \"title\") [a again](pics/a.png) [page](other.md) \
                    [web](https://x.org/a.png) [top](#top) [root](/etc/passwd) ![](attachment:f1)\n\
                    [unclosed](c.txt";
        assert_eq!(local_targets(body), ["pics/a.png", "b.pdf", "c.txt"]);
        assert_eq!(
            replace_target(body, "pics/a.png", "attachment:f2"),
            body.replace("pics/a.png", "attachment:f2")
        );
    }
}
