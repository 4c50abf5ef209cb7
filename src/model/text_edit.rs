//! Turning "the text is now X" into the smallest contiguous splice of Automerge text.
//!
//! An edit from a person (a keystroke, a paste, a replaced paragraph) changes one stretch of
//! text, so trimming the common prefix and suffix finds it in linear time. autosurgeon's
//! `Text::update` runs a full diff instead, whose cost grows with the product of the text's
//! length and the number of differences: a replaced 1 MB body would stall the document.
//!
//! [`merge`] rebases one person's edit onto a text that changed underneath it (an editor buffer
//! typed from an older copy of the note), so neither side's words are dropped.

use autosurgeon::Text;

/// One contiguous change: `deleted` bytes at byte offset `start` of the old text replaced by
/// `inserted`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Splice {
    pub start: usize,
    pub deleted: usize,
    pub inserted: String,
}

impl Splice {
    /// Where the byte offset `at` of the old text is in the new one. An offset inside the
    /// replaced stretch lands after the inserted text.
    pub fn map(&self, at: usize) -> usize {
        if at < self.start {
            at
        } else if at >= self.start + self.deleted {
            at - self.deleted + self.inserted.len()
        } else {
            self.start + self.inserted.len()
        }
    }

    fn end(&self) -> usize {
        self.start + self.deleted
    }
}

/// The one splice that turns `old` into `new`, or `None` when they are equal.
pub fn diff(old: &str, new: &str) -> Option<Splice> {
    if old == new {
        return None;
    }
    let prefix = common_prefix(old, new);
    let suffix = common_suffix(&old[prefix..], &new[prefix..]);
    Some(Splice {
        start: prefix,
        deleted: old.len() - prefix - suffix,
        inserted: new[prefix..new.len() - suffix].to_string(),
    })
}

/// Makes `text` read `new` with one splice of the part that differs. Text outside that part is
/// untouched, so what others typed there concurrently survives the merge.
pub fn splice_to(text: &mut Text, new: &str) {
    if let Some(splice) = diff(text.as_str(), new) {
        text.splice(splice.start, splice.deleted as isize, splice.inserted);
    }
}

/// The text with both `base → mine` and `base → theirs` applied.
///
/// My edit is moved to where its surroundings are in `theirs`. Where both changed the same
/// stretch, both insertions are kept (theirs first) and each side's deletions apply to what is
/// left, so no typed word is lost.
pub fn merge(base: &str, mine: &str, theirs: &str) -> String {
    let (Some(my), Some(their)) = (diff(base, mine), diff(base, theirs)) else {
        // One side did nothing: the other side's text is the answer.
        return if base == mine { theirs } else { mine }.to_string();
    };
    if my == their {
        return theirs.to_string();
    }
    // What my edit deletes that theirs did not already delete, in `theirs` offsets: up to two
    // stretches, one before their change and one after it.
    let mut deletions = Vec::new();
    if my.start < their.start {
        deletions.push(my.start..my.end().min(their.start));
    }
    if my.end() > their.end() {
        deletions.push(their.map(my.start.max(their.end()))..their.map(my.end()));
    }
    let insert_at = their.map(my.start);
    let mut merged = theirs.to_string();
    for range in deletions.into_iter().rev() {
        merged.replace_range(range, "");
    }
    // Every deletion starts at or after `insert_at`, so it still points where it did.
    merged.insert_str(insert_at, &my.inserted);
    merged
}

/// Bytes at the start shared by both, ending on a character boundary.
fn common_prefix(a: &str, b: &str) -> usize {
    let mut len = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    while !(a.is_char_boundary(len) && b.is_char_boundary(len)) {
        len -= 1;
    }
    len
}

/// Bytes at the end shared by both, starting on a character boundary.
fn common_suffix(a: &str, b: &str) -> usize {
    let mut len = a
        .bytes()
        .rev()
        .zip(b.bytes().rev())
        .take_while(|(x, y)| x == y)
        .count();
    while !(a.is_char_boundary(a.len() - len) && b.is_char_boundary(b.len() - len)) {
        len -= 1;
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn edited(old: &str, new: &str) -> String {
        let mut text = Text::with_value(old);
        splice_to(&mut text, new);
        text.as_str().to_string()
    }

    #[test]
    fn multibyte_boundaries_are_respected() {
        assert_eq!(edited("Grüße", "Grüne"), "Grüne");
        assert_eq!(edited("ab🌱cd", "ab🌿cd"), "ab🌿cd");
        assert_eq!(edited("你好", "你们好"), "你们好");
        assert_eq!(edited("aaa", "aa"), "aa");
        assert_eq!(edited("", "new"), "new");
        assert_eq!(edited("old", ""), "");
    }

    #[test]
    fn merge_keeps_edits_in_different_places() {
        assert_eq!(
            merge("hello world", "hello big world", "hello world!"),
            "hello big world!"
        );
        assert_eq!(
            merge("hello world", "hello world!", "hello big world"),
            "hello big world!"
        );
        assert_eq!(merge("abc", "abc", "abXc"), "abXc");
        assert_eq!(merge("abc", "aYbc", "abc"), "aYbc");
        assert_eq!(merge("same", "same!", "same!"), "same!");
    }

    #[test]
    fn merge_of_overlapping_edits_loses_no_typed_word() {
        // Both typed at the same spot: both words stay, theirs first.
        assert_eq!(merge("a  b", "a mine b", "a theirs b"), "a theirsmine b");
        // I deleted a stretch they typed inside: their words survive, the rest is gone.
        assert_eq!(
            merge("one xyz three", "one three", "one xyNEWz three"),
            "one NEWthree"
        );
        // They deleted the word I was editing: my typing survives.
        assert_eq!(
            merge("keep this word", "keep this wordy", "keep word"),
            "keep wordy"
        );
        // Multibyte text on both sides.
        assert_eq!(
            merge("Grüße 🌱", "Liebe Grüße 🌱", "Grüße 🌱 你好"),
            "Liebe Grüße 🌱 你好"
        );
    }

    #[test]
    fn splice_maps_offsets_past_the_change() {
        let s = diff("hello world", "hello big world").unwrap();
        assert_eq!((s.map(2), s.map(6), s.map(11)), (2, 10, 15));
    }

    proptest! {
        /// Edits at two separate stretches of a text both land, whichever side typed which.
        #[test]
        fn merge_of_separate_edits_keeps_both(
            text in "[a-c🌱 ]{2,24}",
            cut in 0usize..100,
            mine in "[x🌿]{0,4}",
            theirs in "[y你]{0,4}",
        ) {
            let chars: Vec<char> = text.chars().collect();
            let at = 1 + cut % (chars.len() - 1);
            let left: String = chars[..at].iter().collect();
            let right: String = chars[at..].iter().collect();
            // I append to the left half's start, they append to the right half's end.
            let my_text = format!("{mine}{left}{right}");
            let their_text = format!("{left}{right}{theirs}");
            let expected = format!("{mine}{left}{right}{theirs}");
            prop_assert_eq!(merge(&text, &my_text, &their_text), expected.clone());
            prop_assert_eq!(merge(&text, &their_text, &my_text), expected);
        }

        /// Any three texts merge without panicking on a character boundary, and what I typed
        /// (the inserted stretch of my one splice) is in the result.
        #[test]
        fn any_three_texts_merge_and_keep_my_insertion(
            base in "[ab🌱你é ]{0,16}",
            mine in "[ab🌱你é ]{0,16}",
            theirs in "[ab🌱你é ]{0,16}",
        ) {
            let merged = merge(&base, &mine, &theirs);
            if let Some(my) = diff(&base, &mine) {
                prop_assert!(merged.contains(&my.inserted), "{merged:?} lacks {:?}", my.inserted);
            }
        }

        /// With no concurrent change, merging is just my edit.
        #[test]
        fn merge_with_nothing_concurrent_is_mine(base in "[a-c🌱 ]{0,16}", mine in "[a-c🌱 ]{0,16}") {
            prop_assert_eq!(merge(&base, &mine, &base), mine.clone());
            prop_assert_eq!(merge(&base, &base, &mine), mine);
        }
    }

    proptest! {
        #[test]
        fn any_edit_lands_exactly(old in "[a-cé🌱你 ]{0,24}", new in "[a-cé🌱你 ]{0,24}") {
            prop_assert_eq!(edited(&old, &new), new);
        }
    }
}
