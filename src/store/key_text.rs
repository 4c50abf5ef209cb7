//! How a samod [`StorageKey`] is kept as SQLite text, and which text a key prefix covers.
//!
//! Components are joined with "/", which samod guarantees never occurs inside a component.
//! Prefixes are component-wise: `a/b` covers `a/b` and `a/b/c` but not `a/bc`. Since '0' is the
//! byte right after '/', the keys strictly under `P` are exactly the text range `[P/, P0)` in
//! SQLite's byte-wise order, which the primary key index answers directly.

use samod::storage::StorageKey;

/// The text form of `key`.
pub(crate) fn to_text(key: &StorageKey) -> String {
    key.into_iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("/")
}

/// The key a stored text names, or `None` if no `StorageKey` can have that text (an empty
/// component, for instance) — such a row was not written by us.
pub(crate) fn from_text(text: &str) -> Option<StorageKey> {
    if text.is_empty() {
        return StorageKey::from_parts(Vec::<&str>::new()).ok();
    }
    StorageKey::from_parts(text.split('/')).ok()
}

/// The document a key belongs to: its first component (samod keys are `<doc id>/...`).
pub(crate) fn document_of(key: &StorageKey) -> &str {
    key.into_iter().next().map(String::as_str).unwrap_or("")
}

/// The text keys a non-empty prefix covers: `exact`, and everything in `[lower, upper)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PrefixRange {
    pub(crate) exact: String,
    pub(crate) lower: String,
    pub(crate) upper: String,
}

/// Whether samod names this chunk by its content (`<doc>/incremental/<change hash>` or
/// `<doc>/snapshot/<hash of heads>`), so that the same key always means the same changes.
pub(crate) fn is_content_addressed(key: &StorageKey) -> bool {
    let mut parts = key.into_iter();
    matches!(
        (
            parts.next(),
            parts.next().map(String::as_str),
            parts.next(),
            parts.next()
        ),
        (Some(_), Some("incremental" | "snapshot"), Some(_), None)
    )
}

/// `None` for the empty prefix, which covers every key.
pub(crate) fn prefix_range(prefix: &StorageKey) -> Option<PrefixRange> {
    let exact = to_text(prefix);
    if exact.is_empty() {
        return None;
    }
    Some(PrefixRange {
        lower: format!("{exact}/"),
        upper: format!("{exact}0"),
        exact,
    })
}

#[cfg(test)]
mod tests {

    #[test]
    fn only_samod_chunk_keys_are_content_addressed() {
        let key = |parts: &[&str]| StorageKey::from_parts(parts.iter().copied()).unwrap();
        assert!(is_content_addressed(&key(&["doc", "incremental", "abc"])));
        assert!(is_content_addressed(&key(&["doc", "snapshot", "abc"])));
        assert!(!is_content_addressed(&key(&["storage-adapter-id"])));
        assert!(!is_content_addressed(&key(&["doc", "other", "abc"])));
        assert!(!is_content_addressed(&key(&[
            "doc", "snapshot", "abc", "more"
        ])));
    }
    use super::*;

    fn key(parts: &[&str]) -> StorageKey {
        StorageKey::from_parts(parts).unwrap()
    }

    #[test]
    fn text_round_trips() {
        for parts in [
            &["storage-adapter-id"][..],
            &["doc", "incremental", "abc"],
            &["Grüße", "日本", "🦀"],
        ] {
            let k = key(parts);
            assert_eq!(from_text(&to_text(&k)), Some(k));
        }
        assert_eq!(to_text(&key(&["a", "b"])), "a/b");
        assert_eq!(from_text("a//b"), None);
        assert_eq!(from_text("a/"), None);
    }

    #[test]
    fn prefix_range_is_component_wise() {
        let range = prefix_range(&key(&["a", "b"])).unwrap();
        let covered = |text: &str| {
            text == range.exact || (text >= range.lower.as_str() && text < range.upper.as_str())
        };
        assert!(covered("a/b"));
        assert!(covered("a/b/c"));
        assert!(covered("a/b/c/d"));
        assert!(!covered("a/bc"));
        assert!(!covered("a/b-c"));
        assert!(!covered("a/b.c"));
        assert!(!covered("a/b0"));
        assert!(!covered("a"));
        assert!(prefix_range(&key(&[])).is_none());
    }

    #[test]
    fn document_is_the_first_component() {
        assert_eq!(document_of(&key(&["doc", "snapshot", "h"])), "doc");
        assert_eq!(document_of(&key(&[])), "");
    }
}
