//! Search across a community: which notes, topics, cases and members match a query, in what
//! order, where the matched words are (for highlighting), and a short snippet around the first
//! match in a body.
//!
//! Pure: works on [`SearchDoc`]s prepared once from the hydrated structs (their text folded to
//! lower case without accents), so the node can keep them between queries and refresh only the
//! documents that changed. No IO, no index structure beyond the folded text: a scan of the
//! folded text of a large community (a few MB) takes a few milliseconds.
//!
//! Ranking: every term of the query must match somewhere in a document. Each term scores by
//! where it matched best — the title above any other field — and how: a whole word above a word
//! prefix above a substring. Case and accents are ignored ("creme" finds "Crème").

use serde::Serialize;
use serde::ser::SerializeStruct;

use crate::model::{
    Case, CaseId, Community, DocRef, Member, MemberId, Note, NoteId, Topic, TopicId,
};

/// What kind of thing a hit is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HitKind {
    Note,
    Topic,
    Case,
    Member,
}

impl HitKind {
    /// The kind as people read it.
    pub fn label(self) -> &'static str {
        match self {
            HitKind::Note => "Note",
            HitKind::Topic => "Topic",
            HitKind::Case => "Case",
            HitKind::Member => "Member",
        }
    }
}

/// What a hit is: a note or case ([`DocRef`]), a topic or a member. Serialised as
/// `{"kind": "note", "id": "…"}`, as hits always were.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    Doc(DocRef),
    Topic(TopicId),
    Member(MemberId),
}

impl Target {
    pub fn kind(&self) -> HitKind {
        match self {
            Target::Doc(DocRef::Note(_)) => HitKind::Note,
            Target::Doc(DocRef::Case(_)) => HitKind::Case,
            Target::Topic(_) => HitKind::Topic,
            Target::Member(_) => HitKind::Member,
        }
    }

    /// The id as text.
    pub fn id_str(&self) -> &str {
        match self {
            Target::Doc(doc) => doc.id_str(),
            Target::Topic(id) => id.as_str(),
            Target::Member(id) => id.as_str(),
        }
    }
}

impl Serialize for Target {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Target", 2)?;
        s.serialize_field("kind", &self.kind())?;
        s.serialize_field("id", self.id_str())?;
        s.end()
    }
}

/// How well one term matched a piece of text. Ordered: a better match is greater.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MatchClass {
    /// Inside a word ("arn" in "learning").
    Substring = 1,
    /// At the start of a word ("learn" in "learning").
    Prefix = 2,
    /// A whole word ("learning").
    Word = 3,
}

/// A byte range of matched text in a title or snippet (UTF-8, on character boundaries).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// One searchable field besides the title, its text as written and folded.
#[derive(Clone, Debug)]
pub struct SearchField {
    /// What the field is ("body", "description", "skills" …), shown beside a snippet.
    pub name: &'static str,
    pub text: String,
    folded: String,
}

/// A note, topic, case or member prepared for searching.
#[derive(Clone, Debug)]
pub struct SearchDoc {
    pub target: Target,
    pub title: String,
    folded_title: String,
    pub fields: Vec<SearchField>,
}

impl SearchDoc {
    /// Prepares a document; empty fields are left out.
    pub fn new(target: Target, title: &str, fields: Vec<(&'static str, String)>) -> SearchDoc {
        SearchDoc {
            target,
            title: title.to_string(),
            folded_title: fold(title),
            fields: fields
                .into_iter()
                .filter(|(_, text)| !text.trim().is_empty())
                .map(|(name, text)| SearchField {
                    name,
                    folded: fold(&text),
                    text,
                })
                .collect(),
        }
    }

    /// A note: its title and body.
    pub fn note(id: &NoteId, note: &Note) -> SearchDoc {
        SearchDoc::new(
            Target::Doc(DocRef::Note(id.clone())),
            &note.title,
            vec![("body", note.body.as_str().to_string())],
        )
    }

    /// A case: its title, situation, questions with their answers, suggestions and outcome.
    pub fn case(id: &CaseId, case: &Case) -> SearchDoc {
        let mut fields = vec![("situation", case.situation.as_str().to_string())];
        let mut questions: Vec<_> = case.questions.values().collect();
        questions.sort_by_key(|q| q.asked_at);
        for q in questions {
            fields.push(("question", q.text.clone()));
            if let Some(answer) = &q.answer {
                fields.push(("answer", answer.clone()));
            }
        }
        let mut suggestions: Vec<_> = case.suggestions.values().collect();
        suggestions.sort_by_key(|s| s.at);
        fields.extend(
            suggestions
                .into_iter()
                .map(|s| ("suggestion", s.text.clone())),
        );
        fields.push(("outcome", case.outcome.as_str().to_string()));
        SearchDoc::new(Target::Doc(DocRef::Case(id.clone())), &case.title, fields)
    }

    /// A topic: its title and description.
    pub fn topic(id: &TopicId, topic: &Topic) -> SearchDoc {
        SearchDoc::new(
            Target::Topic(id.clone()),
            &topic.title,
            vec![("description", topic.description.clone())],
        )
    }

    /// A member: their name, skills and learning objectives.
    pub fn member(id: &MemberId, member: &Member) -> SearchDoc {
        SearchDoc::new(
            Target::Member(id.clone()),
            &member.name,
            vec![
                ("skills", member.skills.join("; ")),
                ("objectives", member.objectives.join("; ")),
            ],
        )
    }

    /// The topics and members of a community document.
    pub fn community_docs(community: &Community) -> Vec<SearchDoc> {
        let topics = community
            .topics
            .iter()
            .map(|(id, t)| SearchDoc::topic(id, t));
        let members = community
            .members
            .iter()
            .map(|(id, m)| SearchDoc::member(id, m));
        topics.chain(members).collect()
    }
}

/// A short piece of a field around its first match.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Snippet {
    pub field: &'static str,
    pub text: String,
    pub matches: Vec<Span>,
}

/// One result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Hit {
    /// What was found (in JSON, its `kind` and `id`).
    #[serde(flatten)]
    pub target: Target,
    pub title: String,
    pub title_matches: Vec<Span>,
    pub snippet: Option<Snippet>,
    pub score: u32,
}

/// The answer to a query: the best `hits`, and how many documents matched in all.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SearchResults {
    pub query: String,
    pub total: usize,
    pub hits: Vec<Hit>,
}

/// The most terms a query is split into; the rest are ignored.
pub const MAX_TERMS: usize = 8;

/// Characters of context kept before the first match in a snippet.
const SNIPPET_BEFORE: usize = 40;
/// Characters a snippet holds at most (before the ellipses).
const SNIPPET_CHARS: usize = 160;

/// Searches `docs` for `query` and returns the best `limit` hits, best first.
pub fn search<'a>(
    docs: impl IntoIterator<Item = &'a SearchDoc>,
    query: &str,
    limit: usize,
) -> SearchResults {
    let terms = terms(query);
    let mut results = SearchResults {
        query: query.to_string(),
        ..Default::default()
    };
    if terms.is_empty() {
        return results;
    }
    let mut scored: Vec<(u32, &SearchDoc)> = docs
        .into_iter()
        .filter_map(|doc| score(doc, &terms).map(|s| (s, doc)))
        .collect();
    results.total = scored.len();
    scored.sort_by(|(sa, a), (sb, b)| {
        sb.cmp(sa)
            .then(a.target.kind().cmp(&b.target.kind()))
            .then_with(|| a.folded_title.cmp(&b.folded_title))
            .then_with(|| a.target.id_str().cmp(b.target.id_str()))
    });
    results.hits = scored
        .into_iter()
        .take(limit)
        .map(|(score, doc)| Hit {
            target: doc.target.clone(),
            title: doc.title.clone(),
            title_matches: highlight(&doc.title, &terms),
            snippet: snippet(doc, &terms),
            score,
        })
        .collect();
    results
}

/// The folded, de-duplicated terms of a query; punctuation at either end of a term is dropped.
pub fn terms(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for raw in fold(query).split_whitespace() {
        let trimmed = raw.trim_matches(|c: char| !c.is_alphanumeric());
        // A term of punctuation only ("--") is searched as typed.
        let term = if trimmed.is_empty() { raw } else { trimmed };
        if !out.iter().any(|t| t == term) {
            out.push(term.to_string());
        }
        if out.len() == MAX_TERMS {
            break;
        }
    }
    out
}

/// A document's score, or `None` if some term matches nowhere in it.
fn score(doc: &SearchDoc, terms: &[String]) -> Option<u32> {
    let mut total = 0;
    for term in terms {
        let in_title = best_match(&doc.folded_title, term).map(|class| 10 + class as u32);
        let term_score = match in_title {
            Some(s) => s,
            None => doc
                .fields
                .iter()
                .filter_map(|f| best_match(&f.folded, term))
                .max()
                .map(|class| class as u32)?,
        };
        total += term_score;
    }
    Some(total)
}

/// The best way `term` occurs in `folded`, if it does.
pub fn best_match(folded: &str, term: &str) -> Option<MatchClass> {
    let mut best = None;
    for (at, _) in folded.match_indices(term) {
        let starts_word = folded[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        if !starts_word {
            best = best.max(Some(MatchClass::Substring));
            continue;
        }
        let ends_word = folded[at + term.len()..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric());
        if ends_word {
            return Some(MatchClass::Word);
        }
        best = best.max(Some(MatchClass::Prefix));
    }
    best
}

/// Where the terms occur in `text` (as written), merged and in order.
pub fn highlight(text: &str, terms: &[String]) -> Vec<Span> {
    let (folded, starts) = fold_with_map(text);
    let mut spans: Vec<Span> = Vec::new();
    for term in terms {
        for (at, _) in folded.match_indices(term.as_str()) {
            let start = starts[at];
            let end = original_end(&starts, at + term.len(), text.len());
            if end > start {
                spans.push(Span { start, end });
            }
        }
    }
    spans.sort_by_key(|s| (s.start, s.end));
    let mut merged: Vec<Span> = Vec::new();
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    merged
}

/// The snippet around the earliest match in the first field (in order) that matches.
fn snippet(doc: &SearchDoc, terms: &[String]) -> Option<Snippet> {
    doc.fields.iter().find_map(|field| {
        let first = terms
            .iter()
            .filter_map(|t| field.folded.find(t.as_str()))
            .min()?;
        let at = original_offset(&field.text, first);
        let text = window(&field.text, at);
        Some(Snippet {
            field: field.name,
            matches: highlight(&text, terms),
            text,
        })
    })
}

/// A window of `text` around byte `at`, on word boundaries where possible, with white space
/// collapsed to single spaces and "…" where text was cut.
fn window(text: &str, at: usize) -> String {
    let before: Vec<(usize, char)> = text[..at]
        .char_indices()
        .rev()
        .take(SNIPPET_BEFORE)
        .collect();
    let mut start = before.last().map(|(i, _)| *i).unwrap_or(at);
    if start > 0 {
        // Begin after a space inside the window, so no word is cut in half.
        if let Some(space) = text[start..at].find(char::is_whitespace) {
            start += space;
        }
    }
    let mut end = text[start..]
        .char_indices()
        .nth(SNIPPET_CHARS)
        .map(|(i, _)| start + i)
        .unwrap_or(text.len());
    if end < text.len()
        && let Some(space) = text[at..end].rfind(char::is_whitespace)
    {
        end = at + space;
    }
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.push_str(
        &text[start..end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    );
    if end < text.len() {
        out.push('…');
    }
    out
}

/// The byte offset in `text` of the character that produced folded byte `folded_at`.
fn original_offset(text: &str, folded_at: usize) -> usize {
    let mut folded_len = 0;
    let mut buf = String::new();
    for (i, c) in text.char_indices() {
        buf.clear();
        fold_char(c, &mut buf);
        folded_len += buf.len();
        if folded_len > folded_at {
            return i;
        }
    }
    text.len()
}

/// The original end offset for a folded end offset: the end of the character it falls in.
fn original_end(starts: &[usize], folded_end: usize, text_len: usize) -> usize {
    let Some(&prev) = folded_end.checked_sub(1).and_then(|i| starts.get(i)) else {
        return 0;
    };
    starts[folded_end..]
        .iter()
        .copied()
        .find(|&s| s != prev)
        .unwrap_or(text_len)
}

/// Lower case without accents: what queries and texts are compared as.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        fold_char(c, &mut out);
    }
    out
}

/// [`fold`], with the byte offset in `text` of the character behind each folded byte.
fn fold_with_map(text: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let mut starts = Vec::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        let before = out.len();
        fold_char(c, &mut out);
        starts.extend(std::iter::repeat_n(i, out.len() - before));
    }
    (out, starts)
}

/// Appends `c` folded: lower case, and Latin letters without their accents.
fn fold_char(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    for lower in c.to_lowercase() {
        match strip_accent(lower) {
            Some(plain) => out.push_str(plain),
            None => out.push(lower),
        }
    }
}

/// The common accented Latin letters (lower case) without their accents.
fn strip_accent(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' => "c",
        'ď' | 'đ' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ł' | 'ľ' | 'ĺ' | 'ļ' => "l",
        'ñ' | 'ń' | 'ň' | 'ņ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'ŕ' | 'ř' | 'ŗ' => "r",
        'ś' | 'š' | 'ş' | 'ș' | 'ŝ' => "s",
        'ť' | 'ţ' | 'ț' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        // The combining dot that lower-casing "İ" leaves behind.
        '\u{307}' => "",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(id: &str, title: &str, body: &str) -> SearchDoc {
        SearchDoc::new(
            Target::Doc(DocRef::Note(NoteId::from(id.to_string()))),
            title,
            vec![("body", body.to_string())],
        )
    }

    fn ids(results: &SearchResults) -> Vec<&str> {
        results.hits.iter().map(|h| h.target.id_str()).collect()
    }

    fn marked(text: &str, spans: &[Span]) -> String {
        let mut out = String::new();
        let mut at = 0;
        for s in spans {
            out.push_str(&text[at..s.start]);
            out.push('[');
            out.push_str(&text[s.start..s.end]);
            out.push(']');
            at = s.end;
        }
        out.push_str(&text[at..]);
        out
    }

    #[test]
    fn title_matches_rank_above_body_matches() {
        let docs = [
            note("body", "Weekly notes", "We talked about compost and worms."),
            note("title", "Compost", "Nothing else."),
        ];
        let results = search(&docs, "compost", 10);
        assert_eq!(ids(&results), ["title", "body"]);
        assert_eq!(results.total, 2);
    }

    #[test]
    fn whole_words_rank_above_prefixes_above_substrings() {
        let docs = [
            note("substring", "Relearning", ""),
            note("prefix", "Learning circles", ""),
            note("word", "How we learn", ""),
        ];
        assert_eq!(
            ids(&search(&docs, "learn", 10)),
            ["word", "prefix", "substring"]
        );
        assert_eq!(
            best_match("relearning", "learn"),
            Some(MatchClass::Substring)
        );
        assert_eq!(best_match("learning", "learn"), Some(MatchClass::Prefix));
        assert_eq!(best_match("we learn.", "learn"), Some(MatchClass::Word));
        assert_eq!(best_match("we learn.", "teach"), None);
    }

    #[test]
    fn every_term_must_match_somewhere() {
        let docs = [
            note("both", "Soil", "Compost needs air."),
            note("one", "Soil", "Sand drains fast."),
            note("none", "Seeds", "Swap them in spring."),
        ];
        assert_eq!(ids(&search(&docs, "soil compost", 10)), ["both"]);
        assert_eq!(ids(&search(&docs, "SOIL", 10)), ["both", "one"]);
        assert!(search(&docs, "soil zebra", 10).hits.is_empty());
        assert!(
            search(&docs, "   ", 10).hits.is_empty(),
            "an empty query finds nothing"
        );
    }

    #[test]
    fn case_and_accents_are_ignored_and_highlights_point_at_the_original_text() {
        let docs = [note("n", "Crème brûlée", "Straße und CRÈME")];
        let results = search(&docs, "creme", 10);
        assert_eq!(ids(&results), ["n"]);
        let hit = &results.hits[0];
        assert_eq!(marked(&hit.title, &hit.title_matches), "[Crème] brûlée");
        let results = search(&docs, "strasse crème", 10);
        let snippet = results.hits[0].snippet.as_ref().unwrap();
        assert_eq!(snippet.field, "body");
        assert_eq!(
            marked(&snippet.text, &snippet.matches),
            "[Straße] und [CRÈME]"
        );
    }

    #[test]
    fn snippet_is_a_short_window_around_the_first_body_match() {
        let filler = "lorem ipsum dolor sit amet ".repeat(20);
        let body = format!("{filler}\n\nthe  COMPOST heap\nneeds air. {filler}");
        let docs = [note("n", "Garden", &body)];
        let results = search(&docs, "compost", 10);
        let snippet = results.hits[0].snippet.as_ref().unwrap();
        assert!(snippet.text.starts_with('…') && snippet.text.ends_with('…'));
        assert!(snippet.text.chars().count() <= SNIPPET_CHARS + 2);
        assert!(
            snippet.text.contains("the COMPOST heap needs air."),
            "{}",
            snippet.text
        );
        assert_eq!(snippet.matches.len(), 1);
        let m = snippet.matches[0];
        assert_eq!(&snippet.text[m.start..m.end], "COMPOST");
        // Only a title match: no snippet to show.
        assert!(search(&docs, "garden", 10).hits[0].snippet.is_none());
    }

    #[test]
    fn overlapping_terms_highlight_once_and_limit_keeps_the_total() {
        let docs: Vec<_> = (0..30)
            .map(|i| note(&format!("n{i:02}"), &format!("Compost {i}"), ""))
            .collect();
        let results = search(&docs, "comp compost", 5);
        assert_eq!(results.hits.len(), 5);
        assert_eq!(results.total, 30);
        let hit = &results.hits[0];
        assert_eq!(marked(&hit.title, &hit.title_matches), "[Compost] 0");
    }

    #[test]
    fn members_are_found_by_skill_and_cases_by_answers() {
        use crate::model::{Member, MemberId, Phase, QuestionId, Timestamp};
        let ada = MemberId::from("ada".to_string());
        let mut community = Community::new(
            "Gardeners",
            "",
            &ada,
            Member::new("Ada", "dev", Timestamp(1)).unwrap(),
            Timestamp(1),
        )
        .unwrap();
        community
            .update_profile(
                &ada,
                &crate::model::ProfileUpdate {
                    skills: Some(vec!["Facilitation".into()]),
                    ..Default::default()
                },
            )
            .unwrap();
        let docs = SearchDoc::community_docs(&community);
        let results = search(&docs, "facilitat", 10);
        assert_eq!(results.hits.len(), 1);
        assert_eq!(results.hits[0].target.kind(), HitKind::Member);
        assert_eq!(results.hits[0].snippet.as_ref().unwrap().field, "skills");

        let grace = MemberId::from("grace".to_string());
        let mut case = Case::new("Stuck pilot", "The pilot stalled.", &ada, Timestamp(1)).unwrap();
        let q = QuestionId::from("q".to_string());
        case.ask_question(q.clone(), &grace, "Who decides?", Timestamp(2))
            .unwrap();
        case.answer_question(&q, &ada, "The steering group", Timestamp(3))
            .unwrap();
        assert_eq!(case.phase, Phase::Clarify);
        let doc = SearchDoc::case(&CaseId::from("c".to_string()), &case);
        let results = search([&doc], "steering", 10);
        assert_eq!(results.hits[0].snippet.as_ref().unwrap().field, "answer");
    }

    #[test]
    fn terms_are_folded_trimmed_and_unique() {
        assert_eq!(terms("  Über, über! c++ -- "), ["uber", "c", "--"]);
        assert_eq!(terms(&"a ".repeat(20)).len(), 1);
        assert_eq!(
            terms(&(0..20).map(|i| format!("t{i} ")).collect::<String>()).len(),
            MAX_TERMS
        );
    }

    /// `copse search --json` prints each hit's kind and id as it did before hits held a
    /// [`Target`].
    #[test]
    fn a_hit_serialises_with_kind_and_id() {
        let docs = [
            note("n1", "Compost", "air"),
            SearchDoc::new(
                Target::Member(MemberId::from("m1".to_string())),
                "Compost Carla",
                vec![],
            ),
        ];
        let json = serde_json::to_value(search(&docs, "compost", 10)).unwrap();
        let kinds: Vec<_> = json["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h["kind"].clone(), h["id"].clone()))
            .collect();
        assert_eq!(
            kinds,
            [
                (serde_json::json!("note"), serde_json::json!("n1")),
                (serde_json::json!("member"), serde_json::json!("m1"))
            ]
        );
    }
}
