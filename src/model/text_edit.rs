//! Turning "the text is now X" into the smallest contiguous splice of Automerge text.
//!
//! An edit from a person (a keystroke, a paste, a replaced paragraph) changes one stretch of
//! text, so trimming the common prefix and suffix finds it in linear time. autosurgeon's
//! `Text::update` runs a full diff instead, whose cost grows with the product of the text's
//! length and the number of differences: a replaced 1 MB body would stall the document.

use autosurgeon::Text;

/// Makes `text` read `new` with one splice of the part that differs. Text outside that part is
/// untouched, so what others typed there concurrently survives the merge.
pub fn splice_to(text: &mut Text, new: &str) {
    let old = text.as_str();
    if old == new {
        return;
    }
    let prefix = common_prefix(old, new);
    let suffix = common_suffix(&old[prefix..], &new[prefix..]);
    let deleted = old.len() - prefix - suffix;
    let inserted = new[prefix..new.len() - suffix].to_string();
    text.splice(prefix, deleted as isize, inserted);
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

    proptest! {
        #[test]
        fn any_edit_lands_exactly(old in "[a-cé🌱你 ]{0,24}", new in "[a-cé🌱你 ]{0,24}") {
            prop_assert_eq!(edited(&old, &new), new);
        }
    }
}
