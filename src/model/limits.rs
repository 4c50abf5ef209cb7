//! Size limits on what members type, and the checks that apply them.
//!
//! Limits keep one paste from making a document too slow to sync or render for everyone:
//! Automerge stores text per character, so a 10 MB body would weigh on every peer.

use crate::model::ModelError;

/// Titles and names: one line.
pub const MAX_TITLE_BYTES: usize = 300;
/// Comments, questions, answers, suggestions, descriptions, skills.
pub const MAX_SHORT_TEXT_BYTES: usize = 64 * 1024;
/// A note's body or a case's situation.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A one-line title: trimmed, line breaks folded to spaces, not empty, not too long.
pub fn title(what: &'static str, raw: &str) -> Result<String, ModelError> {
    let folded: String = raw
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let folded = folded.trim().to_string();
    if folded.is_empty() {
        return Err(ModelError::Empty { what });
    }
    within(what, folded, MAX_TITLE_BYTES)
}

/// Free text that must say something (a comment, a question …), trimmed.
pub fn required_text(what: &'static str, raw: &str, max: usize) -> Result<String, ModelError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(ModelError::Empty { what });
    }
    within(what, trimmed.to_string(), max)
}

/// Free text that may be empty, kept as typed.
pub fn optional_text(what: &'static str, raw: &str, max: usize) -> Result<String, ModelError> {
    within(what, raw.to_string(), max)
}

fn within(what: &'static str, text: String, max: usize) -> Result<String, ModelError> {
    if text.len() > max {
        Err(ModelError::TooLong {
            what,
            len: text.len(),
            max,
        })
    } else {
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_one_trimmed_line() {
        assert_eq!(title("title", "  Hello\nworld  ").unwrap(), "Hello world");
        assert_eq!(
            title("title", " \n\t "),
            Err(ModelError::Empty { what: "title" })
        );
        assert!(matches!(
            title("title", &"é".repeat(MAX_TITLE_BYTES)),
            Err(ModelError::TooLong { .. })
        ));
    }

    #[test]
    fn ten_megabyte_body_is_refused_with_its_size() {
        let big = "x".repeat(10 * 1024 * 1024);
        let err = optional_text("note body", &big, MAX_BODY_BYTES).unwrap_err();
        assert!(
            err.to_string()
                .contains("note body is too long (10 MB; the limit is 1 MB)"),
            "{err}"
        );
    }
}
