//! What changed between two versions of a text, word by word: the one computation behind the
//! history panel's highlighted comparison. Pure: the window only colours the spans.
//!
//! Words are compared as Unicode word boundaries split them (`similar`'s unicode words), and the
//! whitespace between them belongs to the text too, so the spans put together give back either
//! version exactly: the kept and inserted spans make the newer text, the kept and deleted ones
//! the older.

use std::time::Duration;

use serde::Serialize;
use similar::{Algorithm, ChangeTag, TextDiff};

/// How long a comparison may take before `similar` settles for a coarser (still correct)
/// answer: a megabyte note against a very different one must not hang the history panel.
const DIFF_BUDGET: Duration = Duration::from_millis(500);

/// Whether a span is in both versions, only in the newer one, or only in the older one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Kept,
    Inserted,
    Deleted,
}

/// A run of text with one [`Change`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Span {
    pub change: Change,
    pub text: String,
}

/// The spans that turn `old` into `new`, in reading order; runs of one kind are joined, and a
/// deletion comes before the insertion that replaces it.
pub fn word_diff(old: &str, new: &str) -> Vec<Span> {
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .timeout(DIFF_BUDGET)
        .diff_unicode_words(old, new);
    let mut spans: Vec<Span> = Vec::new();
    for op in diff.ops() {
        for change in diff.iter_changes(op) {
            let kind = match change.tag() {
                ChangeTag::Equal => Change::Kept,
                ChangeTag::Insert => Change::Inserted,
                ChangeTag::Delete => Change::Deleted,
            };
            match spans.last_mut() {
                Some(last) if last.change == kind => last.text.push_str(change.value()),
                _ => spans.push(Span {
                    change: kind,
                    text: change.value().to_string(),
                }),
            }
        }
    }
    spans
}

/// Whether the two versions differ at all.
pub fn changed(spans: &[Span]) -> bool {
    spans.iter().any(|s| s.change != Change::Kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rebuilt(spans: &[Span], skip: Change) -> String {
        spans
            .iter()
            .filter(|s| s.change != skip)
            .map(|s| s.text.as_str())
            .collect()
    }

    fn marked(spans: &[Span]) -> String {
        spans
            .iter()
            .map(|s| match s.change {
                Change::Kept => s.text.clone(),
                Change::Inserted => format!("[+{}]", s.text),
                Change::Deleted => format!("[-{}]", s.text),
            })
            .collect()
    }

    #[test]
    fn a_replaced_word_shows_as_deleted_then_inserted_and_the_rest_is_kept() {
        let spans = word_diff(
            "We compost leaves in autumn.",
            "We compost grass in autumn.",
        );
        assert_eq!(marked(&spans), "We compost [-leaves][+grass] in autumn.");
        assert!(changed(&spans));
    }

    #[test]
    fn added_and_removed_sentences_and_lines_are_whole_runs() {
        let old = "Soil\n\nKeep it covered.\nWater weekly.";
        let new = "Soil\n\nKeep it covered with straw.\nWater weekly.\nTurn the heap.";
        let spans = word_diff(old, new);
        assert_eq!(
            marked(&spans),
            "Soil\n\nKeep it covered[+ with straw].\nWater weekly.[+\nTurn the heap.]"
        );
        // Either version is rebuilt exactly from its spans.
        assert_eq!(rebuilt(&spans, Change::Deleted), new);
        assert_eq!(rebuilt(&spans, Change::Inserted), old);
    }

    #[test]
    fn equal_texts_have_no_change_and_empty_sides_are_one_run() {
        let same = word_diff("Nothing moved here.", "Nothing moved here.");
        assert!(!changed(&same));
        assert_eq!(
            word_diff("", "All new"),
            vec![Span {
                change: Change::Inserted,
                text: "All new".into()
            }]
        );
        assert_eq!(
            word_diff("All gone", ""),
            vec![Span {
                change: Change::Deleted,
                text: "All gone".into()
            }]
        );
        assert!(word_diff("", "").is_empty());
    }

    #[test]
    fn words_in_any_script_are_compared_whole() {
        let spans = word_diff("Grüße aus Köln", "Grüße aus Zürich");
        assert_eq!(marked(&spans), "Grüße aus [-Köln][+Zürich]");
    }
}
