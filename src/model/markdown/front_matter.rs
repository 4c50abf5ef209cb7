//! YAML front matter on Markdown files: writing the few `key: "value"` lines an export puts at
//! the top of a page, and reading a Markdown file back as a note (its title and body).
//!
//! Only the subset copse writes and common tools produce is read: `key: value` lines with plain,
//! single- or double-quoted values. No YAML library: a hostile file can do no more than give a
//! note an odd title.

use crate::model::limits;

/// The line that opens and closes front matter.
const FENCE: &str = "---";

/// Marks where an exported note's body ends and what the export added (comments, links)
/// begins, so an import leaves that out. An HTML comment: invisible where Markdown is rendered.
pub const AFTER_BODY_MARKER: &str = "<!-- copse:after-body -->";

/// Front matter for these keys and values, each value double-quoted, ending with a blank line.
pub fn write(pairs: &[(&str, &str)]) -> String {
    let mut out = String::from("---\n");
    for (key, value) in pairs {
        out.push_str(key);
        out.push_str(": ");
        out.push_str(&quote(value));
        out.push('\n');
    }
    out.push_str("---\n\n");
    out
}

/// A YAML double-quoted string: safe for any text, one line.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Splits a file into its front matter's `key: value` pairs and the text after it. Without
/// front matter (or with one that is never closed) the whole text is the rest.
pub fn split(text: &str) -> (Vec<(String, String)>, &str) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(after_open) = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
    else {
        return (Vec::new(), text);
    };
    let mut pairs = Vec::new();
    let mut offset = 0;
    for line in after_open.split_inclusive('\n') {
        offset += line.len();
        let trimmed = line.trim_end_matches(['\n', '\r']);
        if trimmed == FENCE || trimmed == "..." {
            return (pairs, &after_open[offset..]);
        }
        if let Some((key, value)) = trimmed.split_once(':')
            && !key.starts_with([' ', '\t', '#', '-'])
        {
            pairs.push((key.trim().to_string(), unquote(value.trim())));
        }
    }
    (Vec::new(), text)
}

/// A scalar's value: double-quoted (with escapes), single-quoted, or plain.
fn unquote(value: &str) -> String {
    if let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('u') => {
                    let hex: String = chars.by_ref().take(4).collect();
                    if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                        out.push(c);
                    }
                }
                Some(other) => out.push(other),
                None => {}
            }
        }
        out
    } else if let Some(inner) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        inner.replace("''", "'")
    } else {
        // A plain scalar may end with a comment.
        value
            .split_once(" #")
            .map_or(value, |(v, _)| v)
            .trim()
            .to_string()
    }
}

/// A Markdown file read as a note.
#[derive(Clone, Debug, PartialEq)]
pub struct MarkdownNote {
    pub title: String,
    pub body: String,
}

/// Reads a Markdown file as a note: the title from the front matter's `title`, else the first
/// `# heading` (which then leaves the body), else `file_stem`; the body without the front
/// matter, and without what a copse export added after the body (comments, links).
pub fn read_note(file_stem: &str, text: &str) -> MarkdownNote {
    let (pairs, rest) = split(text);
    let mut body = rest.trim_start_matches(['\n', '\r']);
    if let Some(at) = body.find(AFTER_BODY_MARKER) {
        body = &body[..at];
    }
    let from_front_matter = pairs
        .into_iter()
        .find(|(k, v)| k.eq_ignore_ascii_case("title") && !v.trim().is_empty())
        .map(|(_, v)| v);
    let (title, body) = match from_front_matter {
        Some(title) => (title, body.to_string()),
        None => match first_heading(body) {
            Some((title, without)) => (title, without),
            None => (file_stem.to_string(), body.to_string()),
        },
    };
    MarkdownNote {
        title: title.trim().to_string(),
        body: body.trim_end().to_string(),
    }
}

/// The first line's `# heading`, and the text without that line. Only a heading on the first
/// non-blank line counts: a heading further down is part of the body.
fn first_heading(body: &str) -> Option<(String, String)> {
    let line = body.lines().next()?;
    let title = line.strip_prefix("# ")?.trim().trim_end_matches('#').trim();
    if title.is_empty() {
        return None;
    }
    let rest = body[line.len()..].trim_start_matches(['\n', '\r']);
    Some((title.to_string(), rest.to_string()))
}

/// A title within the limits: one line, cut to the longest allowed on a character boundary;
/// the file name when nothing is left.
pub fn fit_title(title: &str, stem: &str) -> String {
    let one_line: String = title
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut title = one_line.trim().to_string();
    if title.is_empty() {
        title = stem.trim().to_string();
    }
    if title.is_empty() {
        title = "Imported note".to_string();
    }
    if title.len() > limits::MAX_TITLE_BYTES {
        let mut cut = limits::MAX_TITLE_BYTES;
        while !title.is_char_boundary(cut) {
            cut -= 1;
        }
        title.truncate(cut);
    }
    title
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_front_matter_reads_back_whatever_the_title() {
        for title in [
            "Plain",
            "Colon: and \"quotes\" and \\ backslash",
            "---",
            "# not a heading",
            "Grüße 🌱 'single'",
            "line\nbreak",
        ] {
            let file = format!("{}Body text\n", write(&[("title", title), ("id", "x")]));
            let (pairs, rest) = split(&file);
            assert_eq!(pairs[0], ("title".to_string(), title.to_string()), "{file}");
            assert_eq!(rest, "\nBody text\n");
            assert_eq!(read_note("file", &file).title, title);
        }
    }

    #[test]
    fn title_comes_from_front_matter_then_heading_then_file_name() {
        let front = "---\ntitle: 'It''s mine'\ntags: [a, b]\n---\n# Heading\n\nBody";
        assert_eq!(
            read_note("f", front),
            MarkdownNote {
                title: "It's mine".into(),
                body: "# Heading\n\nBody".into()
            }
        );
        let heading = "# Compost basics\n\nAir and water.\n";
        assert_eq!(
            read_note("f", heading),
            MarkdownNote {
                title: "Compost basics".into(),
                body: "Air and water.".into()
            }
        );
        let neither = "Just text.\n\n# A later heading\n";
        assert_eq!(read_note("seed-swap", neither).title, "seed-swap");
        assert_eq!(read_note("seed-swap", neither).body, neither.trim_end());
    }

    #[test]
    fn broken_front_matter_is_body_and_comments_are_left_out() {
        let unclosed = "---\ntitle: x\nno end";
        assert_eq!(read_note("f", unclosed).title, "f");
        assert_eq!(read_note("f", unclosed).body, unclosed);
        let exported = format!(
            "{}The body.\n\n{AFTER_BODY_MARKER}\n## Comments\n\n- Ada: nice\n",
            write(&[("title", "T")])
        );
        assert_eq!(read_note("f", &exported).body, "The body.");
        let crlf = "---\r\ntitle: \"Windows\"\r\n---\r\nBody\r\n";
        assert_eq!(read_note("f", crlf).title, "Windows");
        assert_eq!(read_note("f", crlf).body, "Body");
    }

    #[test]
    fn long_or_empty_titles_are_fitted() {
        assert_eq!(fit_title("  a\nb ", "f"), "a b");
        assert_eq!(fit_title("   ", "file"), "file");
        assert_eq!(fit_title("", ""), "Imported note");
        let long = fit_title(&"é".repeat(400), "f");
        assert!(long.len() <= limits::MAX_TITLE_BYTES && long.starts_with('é'));
    }
}
