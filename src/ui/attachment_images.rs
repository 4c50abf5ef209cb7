//! Images attached to a note, shown inline in its Markdown preview.
//!
//! The editor links an image as `![name](attachment:FILE_ID)` ([`link`]). Before the preview
//! renders, [`prepare`] keeps each such link whose picture is decoded, and puts the others in
//! words: still loading, not here yet, removed, or not an image copse can show. The decoded
//! pictures are served to egui under their `attachment:` address by [`InlineImages`], an image
//! loader installed once per window ([`images`]); the bytes come from the node's file store and
//! are decoded off the UI thread, with limits, so a garbage or huge file never stops the window.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use eframe::egui;
use egui::load::{ImageLoadResult, ImageLoader, ImagePoll, LoadError, SizeHint};

use super::bridge::{self, Command};
use crate::model::{Community, FileId};

/// The address scheme of an attached file in a note's text.
pub const SCHEME: &str = "attachment:";
/// How often a picture that was not here is looked for again.
const LOOK_AGAIN: Duration = Duration::from_secs(2);
/// The most a picture may take once decoded.
const MAX_DECODED_BYTES: u64 = 128 * 1024 * 1024;

/// The Markdown the editor inserts for an attached image.
pub fn link(id: &FileId, name: &str) -> String {
    format!("![{}]({SCHEME}{id})", escape(name))
}

/// Where one picture stands.
#[derive(Clone)]
enum Picture {
    /// Asked of the node, no answer yet.
    Asked,
    Ready(Arc<egui::ColorImage>),
    /// Its bytes are not on this device (asked at this moment).
    NotHere(Instant),
    /// Its bytes are not an image copse can show: why.
    Unreadable(String),
}

/// The window's decoded pictures, by `attachment:` address; also egui's loader for them.
#[derive(Default)]
pub struct InlineImages {
    pictures: Mutex<HashMap<String, Picture>>,
}

/// The window's [`InlineImages`], installed as an image loader on first use.
pub fn images(ctx: &egui::Context) -> Arc<InlineImages> {
    let key = egui::Id::unique("copse-inline-images");
    if let Some(found) = ctx.data(|d| d.get_temp::<Arc<InlineImages>>(key)) {
        return found;
    }
    let images = Arc::new(InlineImages::default());
    ctx.data_mut(|d| d.insert_temp(key, images.clone()));
    ctx.add_image_loader(images.clone());
    images
}

impl InlineImages {
    fn get(&self, uri: &str) -> Option<Picture> {
        self.pictures.lock().ok()?.get(uri).cloned()
    }

    fn set(&self, uri: String, picture: Picture) {
        if let Ok(mut p) = self.pictures.lock() {
            p.insert(uri, picture);
        }
    }

    /// Asks the node for the picture of `id` (content `hash`), decoded off the UI thread.
    fn ask(self: &Arc<Self>, uri: String, hash: String, commands: &mut Vec<Command>) {
        self.set(uri.clone(), Picture::Asked);
        let images = self.clone();
        commands.push(bridge::action(
            "show an attached image",
            move |node, _| async move {
                let picture = match node.file_bytes(&hash).await {
                    Ok(bytes) => tokio::task::spawn_blocking(move || decode(&bytes))
                        .await
                        .unwrap_or_else(|_| Picture::Unreadable("it could not be read".into())),
                    Err(_) => Picture::NotHere(Instant::now()),
                };
                images.set(uri, picture);
                Ok(())
            },
        ));
    }
}

/// Decodes a picture, within limits: PNG is what copse reads.
fn decode(bytes: &[u8]) -> Picture {
    let mut reader =
        match image::ImageReader::new(std::io::Cursor::new(bytes)).with_guessed_format() {
            Ok(reader) => reader,
            Err(e) => return Picture::Unreadable(e.to_string()),
        };
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    reader.limits(limits);
    match reader.decode() {
        Ok(decoded) => {
            let rgba = decoded.to_rgba8();
            let size = [rgba.width() as usize, rgba.height() as usize];
            Picture::Ready(Arc::new(egui::ColorImage::from_rgba_unmultiplied(
                size,
                rgba.as_raw(),
            )))
        }
        Err(image::ImageError::Unsupported(_)) => {
            Picture::Unreadable("not a PNG picture, the kind copse shows".to_string())
        }
        Err(image::ImageError::Limits(_)) => {
            Picture::Unreadable("too large to show here; open it instead".to_string())
        }
        Err(_) => Picture::Unreadable("the file is damaged or not a picture".to_string()),
    }
}

impl ImageLoader for InlineImages {
    fn id(&self) -> &str {
        "copse::inline_images"
    }

    fn load(&self, _: &egui::Context, uri: &str, _: SizeHint) -> ImageLoadResult {
        if !uri.starts_with(SCHEME) {
            return Err(LoadError::NotSupported);
        }
        match self.get(uri) {
            Some(Picture::Ready(image)) => Ok(ImagePoll::Ready { image }),
            Some(Picture::Unreadable(why)) => Err(LoadError::Loading(why)),
            Some(Picture::NotHere(_)) => Err(LoadError::Loading("not here yet".to_string())),
            Some(Picture::Asked) | None => Ok(ImagePoll::Pending { size: None }),
        }
    }

    fn forget(&self, uri: &str) {
        if let Ok(mut p) = self.pictures.lock() {
            p.remove(uri);
        }
    }

    fn forget_all(&self) {
        if let Ok(mut p) = self.pictures.lock() {
            p.clear();
        }
    }

    fn byte_size(&self) -> usize {
        self.pictures
            .lock()
            .map(|p| {
                p.values()
                    .map(|picture| match picture {
                        Picture::Ready(image) => image.pixels.len() * 4,
                        _ => 0,
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
}

/// The note's text as the preview shows it: each `attachment:` image whose picture is ready
/// stays a link; the others become their name and where they stand, in words. Asks the node
/// for pictures it has not asked for (again for those that were not here a moment ago).
pub fn prepare(
    text: &str,
    community: &Community,
    images: &Arc<InlineImages>,
    commands: &mut Vec<Command>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(found) = next_image(rest) {
        out.push_str(&rest[..found.start]);
        let uri = format!("{SCHEME}{}", found.id);
        let id = FileId::from(found.id.to_string());
        let Some(file) = community.files.get(&id) else {
            out.push_str(&in_words(found.alt, "no longer attached"));
            rest = &rest[found.end..];
            continue;
        };
        let name = if found.alt.trim().is_empty() {
            file.name.as_str()
        } else {
            found.alt
        };
        match images.get(&uri) {
            Some(Picture::Ready(_)) => out.push_str(&rest[found.start..found.end]),
            Some(Picture::Unreadable(why)) => {
                out.push_str(&in_words(name, &format!("cannot be shown: {why}")))
            }
            Some(Picture::NotHere(at)) => {
                if at.elapsed() >= LOOK_AGAIN {
                    images.ask(uri, file.hash.clone(), commands);
                }
                out.push_str(&in_words(name, "not here yet"));
            }
            Some(Picture::Asked) => {
                out.push_str(&in_words(name, "loading…"));
            }
            None => {
                images.ask(uri, file.hash.clone(), commands);
                out.push_str(&in_words(name, "loading…"));
            }
        }
        rest = &rest[found.end..];
    }
    out.push_str(rest);
    out
}

/// Whether [`prepare`] left any picture waiting (loading or not here): the caller repaints
/// now and then until it arrives.
pub fn any_waiting(text: &str, images: &InlineImages) -> bool {
    let mut rest = text;
    while let Some(found) = next_image(rest) {
        let uri = format!("{SCHEME}{}", found.id);
        if matches!(
            images.get(&uri),
            None | Some(Picture::Asked) | Some(Picture::NotHere(_))
        ) {
            return true;
        }
        rest = &rest[found.end..];
    }
    false
}

/// One `![alt](attachment:ID)` in a text, by byte offsets.
struct Found<'a> {
    start: usize,
    end: usize,
    alt: &'a str,
    id: &'a str,
}

fn next_image(text: &str) -> Option<Found<'_>> {
    let mut from = 0;
    // Bounded by the text's length: every turn moves past one "![".
    while let Some(at) = text[from..].find("![") {
        let start = from + at;
        let after = &text[start + 2..];
        let close = after.find("](")?;
        let alt = &after[..close];
        let target = &after[close + 2..];
        if !alt.contains('\n')
            && let Some(id_part) = target.strip_prefix(SCHEME)
            && let Some(end) = id_part.find(')')
        {
            let id = &id_part[..end];
            if !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                let end = start + 2 + close + 2 + SCHEME.len() + end + 1;
                return Some(Found {
                    start,
                    end,
                    alt,
                    id,
                });
            }
        }
        from = start + 2;
    }
    None
}

/// A picture that is not shown, in words: "*board.png — not here yet*".
fn in_words(name: &str, state: &str) -> String {
    format!("*{} — {state}*", escape(name))
}

/// `text` with Markdown's own characters escaped, to read as written.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '[' | ']' | '(' | ')' | '`' | '!' | '<' | '>'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Attachment, DocRef, Member, MemberId, NoteId, Timestamp};

    fn community_with_image() -> (Community, FileId) {
        let ada = MemberId::from("ada".to_string());
        let profile = Member::new("ada", "Ada", Timestamp(1)).unwrap();
        let mut c = Community::new("Gardeners", "", &ada, profile, Timestamp(1)).unwrap();
        let note = NoteId::from("n1".to_string());
        c.notes.insert(
            note.clone(),
            crate::model::DocEntry::new("Soil", ada.clone(), Timestamp(1)),
        );
        let on = DocRef::Note(note);
        let file = Attachment::new(&on, "board.png", 10, "abc", &ada, Timestamp(2)).unwrap();
        let id = c.attach_file(FileId::from("f1".to_string()), file).unwrap();
        (c, id)
    }

    #[test]
    fn a_picture_shows_once_ready_and_is_in_words_until_then() {
        let (c, id) = community_with_image();
        let images = Arc::new(InlineImages::default());
        let text = format!(
            "Look:\n\n{}\n\nand [a link](https://x.org)",
            link(&id, "board.png")
        );
        let mut commands = Vec::new();

        let first = prepare(&text, &c, &images, &mut commands);
        assert!(first.contains("board.png — loading…"), "{first}");
        assert_eq!(commands.len(), 1, "the node is asked once");
        assert!(any_waiting(&text, &images));
        prepare(&text, &c, &images, &mut commands);
        assert_eq!(commands.len(), 1, "not asked again while waiting");

        let uri = format!("{SCHEME}{id}");
        images.set(uri.clone(), Picture::NotHere(Instant::now()));
        let missing = prepare(&text, &c, &images, &mut commands);
        assert!(missing.contains("board.png — not here yet"), "{missing}");
        assert!(!missing.contains("](attachment:"), "no image left to load");

        images.set(
            uri.clone(),
            Picture::Unreadable("the file is damaged".into()),
        );
        let broken = prepare(&text, &c, &images, &mut commands);
        assert!(
            broken.contains("cannot be shown: the file is damaged"),
            "{broken}"
        );
        assert!(!any_waiting(&text, &images));

        let pixel = egui::ColorImage::new([1, 1], vec![egui::Color32::RED]);
        images.set(uri.clone(), Picture::Ready(Arc::new(pixel)));
        assert_eq!(prepare(&text, &c, &images, &mut commands), text);
        assert!(matches!(
            images.load(&egui::Context::default(), &uri, SizeHint::default()),
            Ok(ImagePoll::Ready { .. })
        ));
    }

    #[test]
    fn an_image_of_no_file_and_garbage_bytes_are_said_in_words_and_links_stay_text() {
        let (c, _) = community_with_image();
        let images = Arc::new(InlineImages::default());
        let mut commands = Vec::new();
        let shown = prepare("![old](attachment:gone)", &c, &images, &mut commands);
        assert_eq!(shown, "*old — no longer attached*");
        assert!(commands.is_empty());
        for plain in [
            "![x](https://a.org/x.png)",
            "![a",
            "![a](attachment:)",
            "![](attachment:a b)",
        ] {
            assert_eq!(prepare(plain, &c, &images, &mut commands), plain);
        }
        assert!(matches!(
            decode(b"not a picture at all"),
            Picture::Unreadable(_)
        ));
        let mut png = Vec::new();
        image::RgbaImage::new(3, 2)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        match decode(&png) {
            Picture::Ready(image) => assert_eq!(image.size, [3, 2]),
            _ => panic!("a PNG decodes"),
        }
        png.truncate(png.len() / 2);
        assert!(matches!(decode(&png), Picture::Unreadable(_)));
    }
}
