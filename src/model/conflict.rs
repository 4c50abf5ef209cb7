//! Conflicts: places where two members changed the same sentence or field differently while
//! apart, found at the merge points of a document's change graph, so that a merge neither of
//! them wrote is shown for review instead of passing in silence.
//!
//! [`scan`] takes a document and the heads seen at the last scan. Every change since with two
//! or more dependencies is a merge point, and so are today's heads when there are several. For
//! each one it walks back from the two sides to their common base (newest first, by `max_op`,
//! which rises along every dependency), at most [`MAX_WALK`] changes per scan, and reads four
//! past states with `text_at`/`get_at`: the base, each side, and what the merge made. Nothing
//! is read from the current state, because the next edit of a document re-puts every field and
//! would hide a scalar conflict for good.
//!
//! **No false alarms.** A place is flagged only when
//! - both sides changed the same sentence (text is cut after `.`, `!`, `?` and at line ends;
//!   different sentences or paragraphs merge cleanly) or the same field, to different results;
//! - the sides were apart: the newest change on one side is at least [`APART_MS`] after the
//!   oldest on the other (the change timestamps). Connected devices exchange a change within a
//!   second, so an edit made minutes after one on the other side already depends on it; live
//!   typing in the same sentence makes sides of a second or two and is never flagged.
//!
//! The accepted miss: two members offline in the same sentence within the same five minutes.
//!
//! A [`Conflict`]'s id is a hash of the field, the two sides' heads and the base text of the
//! place, so every device that holds the merge computes the same id, and a settlement recorded
//! in the document under that id ([`settled_ids`], the `settled` map) closes it everywhere.
//! Must not depend on IO, tokio, samod, iroh or egui.

use std::collections::{BinaryHeap, HashMap, HashSet};

use automerge::{
    Automerge, ChangeHash, ObjId as ExId, ObjType, PatchAction, Prop, ROOT, ReadDoc, ScalarValue,
    Value,
};
use autosurgeon::Text;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use similar::{Algorithm, DiffOp, DiffTag};

use crate::model::history::{REVISION_GAP_MS, parse_message};
use crate::model::{Case, DeviceId, ModelError, Note, Phase, Timestamp};

/// The least time between the two sides' changes for them to count as made apart.
pub const APART_MS: i64 = REVISION_GAP_MS;

/// The most changes one scan walks back through. A longer history since the last scan (a
/// hostile or very long offline one) is skipped and counted, never walked to the end.
pub const MAX_WALK: usize = 20_000;

/// The most merge points one scan looks at.
pub const MAX_MERGES: usize = 64;

/// Text fields compared sentence by sentence (a note's body; a case's situation and outcome).
pub const TEXT_FIELDS: [&str; 3] = ["body", "situation", "outcome"];

/// Fields compared as one value (a note's or case's title, a case's phase).
pub const SCALAR_FIELDS: [&str; 2] = ["title", "phase"];

/// The community document's fields compared as text (its purpose and guidelines); its name is
/// compared as one value, like each topic's [`TOPIC_FIELDS`] (at `topics/<id>/<field>`).
pub const COMMUNITY_TEXT_FIELDS: [&str; 2] = ["purpose", "guidelines"];

/// A topic's fields compared as one value.
pub const TOPIC_FIELDS: [&str; 3] = ["title", "description", "status"];

/// The document's map of settled conflicts: conflict id → what was kept.
pub const SETTLED: &str = "settled";

/// One place two members changed differently while apart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// The same on every device that holds the merge.
    pub id: String,
    /// The document field (`body`, `title` …), or its path in the document for a topic's
    /// (`topics/<id>/status`); see [`field_label`] and [`topic_of`].
    pub field: String,
    /// The place before either side changed it.
    pub base: String,
    /// The two sides, the earlier first (by the time of each side's last change; at equal
    /// times, in the order of their heads' hashes).
    pub sides: [Side; 2],
    /// What the merge made of the place: what the document read right after.
    pub merged: String,
}

/// One side's version of a place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Side {
    pub text: String,
    /// The device whose change last wrote this side, when its message says.
    pub device: Option<DeviceId>,
    /// When that change was made (the device's clock).
    pub at: Timestamp,
}

/// What a scan found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scan {
    pub conflicts: Vec<Conflict>,
    /// Merge points left unread because their history was longer than the scan may walk.
    pub skipped: usize,
}

/// Words for a field, for "… changed the title".
pub fn field_label(field: &str) -> String {
    if let Some((_, topic_field)) = topic_of(field) {
        return format!("the topic's {topic_field}");
    }
    match field {
        "body" => "the text",
        "title" => "the title",
        "phase" => "the phase",
        "situation" => "the situation",
        "outcome" => "the outcome",
        "name" => "the community's name",
        "purpose" => "the purpose",
        "guidelines" => "the guidelines",
        other => other,
    }
    .to_string()
}

/// The topic and its field, for a field path `topics/<id>/<field>`.
pub fn topic_of(field: &str) -> Option<(&str, &str)> {
    let rest = field.strip_prefix("topics/")?;
    let (topic, field) = rest.rsplit_once('/')?;
    (!topic.is_empty() && TOPIC_FIELDS.contains(&field)).then_some((topic, field))
}

/// Finds the conflicts in every merge made since `seen` (the heads at the last scan; empty for
/// the whole history).
pub fn scan(doc: &Automerge, seen: &[ChangeHash]) -> Scan {
    scan_within(doc, seen, MAX_WALK)
}

/// [`scan`], walking at most `max_walk` changes.
pub fn scan_within(doc: &Automerge, seen: &[ChangeHash], max_walk: usize) -> Scan {
    let mut merges: Vec<Vec<ChangeHash>> = doc
        .get_changes_meta(seen)
        .into_iter()
        .filter(|c| c.deps.len() >= 2)
        .map(|c| c.deps)
        .collect();
    let heads = doc.get_heads();
    if heads.len() >= 2 {
        merges.push(heads);
    }
    let mut out = Scan::default();
    let mut budget = max_walk;
    let mut ids = HashSet::new();
    for deps in merges.iter().take(MAX_MERGES) {
        for (i, h1) in deps.iter().enumerate() {
            for h2 in &deps[i + 1..] {
                let (h1, h2) = if h1 <= h2 { (*h1, *h2) } else { (*h2, *h1) };
                let Some(sides) = walk(doc, h1, h2, &mut budget) else {
                    out.skipped += 1;
                    continue;
                };
                if !sides.apart() {
                    continue;
                }
                for conflict in compare(doc, &sides) {
                    if ids.insert(conflict.id.clone()) {
                        out.conflicts.push(conflict);
                    }
                }
            }
        }
    }
    out.skipped += merges.len().saturating_sub(MAX_MERGES);
    out
}

/// The ids of the conflicts settled in the document.
pub fn settled_ids(doc: &Automerge) -> HashSet<String> {
    match doc.get(ROOT, SETTLED) {
        Ok(Some((Value::Object(ObjType::Map), map))) => doc.keys(&map).collect(),
        _ => HashSet::new(),
    }
}

/// Whether the document still reads as the merge made the place: false once someone edited
/// it, which closes the conflict.
pub fn still_open(doc: &Automerge, conflict: &Conflict) -> bool {
    if TEXT_FIELDS.contains(&conflict.field.as_str()) {
        match text_of(doc, &conflict.field, None) {
            Some(now) => now.contains(&conflict.merged),
            None => false,
        }
    } else {
        scalar_at(doc, &conflict.field, None).map(|(value, _)| value)
            == Some(conflict.merged.clone())
    }
}

/// What a member keeps of a conflict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Keep {
    /// The first side's version.
    First,
    /// The second side's version.
    Second,
    /// The first side's version, then the second's (text only).
    Both,
    /// What the merge made, as it is now.
    Current,
    /// A text the member wrote for the place (the chooser's *Edit*).
    Edited(String),
}

impl Keep {
    /// How the settlement is recorded in the document.
    pub fn as_str(&self) -> &'static str {
        match self {
            Keep::First => "1",
            Keep::Second => "2",
            Keep::Both => "both",
            Keep::Current => "current",
            Keep::Edited(_) => "edited",
        }
    }
}

/// The place's text after keeping `keep`; `None` for [`Keep::Current`] (nothing to change).
pub fn kept(conflict: &Conflict, keep: &Keep) -> Option<String> {
    let [one, two] = &conflict.sides;
    match keep {
        Keep::First => Some(one.text.clone()),
        Keep::Second => Some(two.text.clone()),
        Keep::Both => {
            let first = one.text.trim_end();
            let gap = &one.text[first.len()..];
            let gap = if gap.is_empty() { " " } else { gap };
            Some(format!("{first}{gap}{}", two.text))
        }
        Keep::Current => None,
        Keep::Edited(text) => Some(text.clone()),
    }
}

/// Settles a conflict of a note: the place reads as kept, and the settlement is recorded, in
/// the one change the caller makes.
pub fn settle_note(note: &mut Note, conflict: &Conflict, keep: Keep) -> Result<(), ModelError> {
    match conflict.field.as_str() {
        "body" => settle_text(&mut note.body, conflict, &keep)?,
        "title" => {
            if let Some(title) = scalar_kept(conflict, &keep)? {
                note.rename(&title)?;
            }
        }
        other => return Err(no_such_field(other)),
    }
    note.settled
        .insert(conflict.id.clone(), keep.as_str().to_string());
    Ok(())
}

/// Settles a conflict of a case, as [`settle_note`] does.
pub fn settle_case(case: &mut Case, conflict: &Conflict, keep: Keep) -> Result<(), ModelError> {
    match conflict.field.as_str() {
        "situation" => settle_text(&mut case.situation, conflict, &keep)?,
        "outcome" => settle_text(&mut case.outcome, conflict, &keep)?,
        "title" => {
            if let Some(title) = scalar_kept(conflict, &keep)? {
                case.rename(&title)?;
            }
        }
        "phase" => {
            if let Some(phase) = scalar_kept(conflict, &keep)? {
                case.phase = match phase.as_str() {
                    "Clarify" => Phase::Clarify,
                    "Suggest" => Phase::Suggest,
                    "Reflect" => Phase::Reflect,
                    "Closed" => Phase::Closed,
                    other => {
                        return Err(ModelError::CannotSettle(format!(
                            "'{other}' is not a phase this version of copse knows; keep the case as it is"
                        )));
                    }
                };
            }
        }
        other => return Err(no_such_field(other)),
    }
    case.settled
        .insert(conflict.id.clone(), keep.as_str().to_string());
    Ok(())
}

/// Settles a conflict of the community document (its name, purpose or guidelines, or a topic's
/// title, description or status) within the caller's transaction: the place reads as kept, and
/// the settlement is recorded in the document's `settled` map.
pub fn settle_community(
    tx: &mut automerge::transaction::Transaction<'_>,
    conflict: &Conflict,
    keep: Keep,
) -> Result<(), ModelError> {
    use automerge::transaction::Transactable;
    let failed = |e: automerge::AutomergeError| ModelError::CannotSettle(e.to_string());
    let field = conflict.field.as_str();
    let known =
        COMMUNITY_TEXT_FIELDS.contains(&field) || field == "name" || topic_of(field).is_some();
    if !known {
        return Err(no_such_field(field));
    }
    let (holder, key) = holder(tx, field, None).ok_or_else(|| {
        ModelError::CannotSettle(
            "this place is no longer in the community (was the topic deleted?); nothing to settle"
                .to_string(),
        )
    })?;
    if COMMUNITY_TEXT_FIELDS.contains(&field) {
        if let Some(new) = kept(conflict, &keep) {
            let Ok(Some((Value::Object(ObjType::Text), text))) = tx.get(&holder, key.as_str())
            else {
                return Err(no_such_field(field));
            };
            let now = tx.text(&text).map_err(failed)?;
            let Some(start) = now.find(&conflict.merged) else {
                return Err(edited_since());
            };
            let mut whole = now.clone();
            whole.replace_range(start..start + conflict.merged.len(), &new);
            tx.update_text(&text, whole).map_err(failed)?;
        }
    } else if let Some(value) = scalar_kept(conflict, &keep)? {
        tx.put(&holder, key.as_str(), value).map_err(failed)?;
    }
    let settled = match tx.get(ROOT, SETTLED) {
        Ok(Some((Value::Object(ObjType::Map), map))) => map,
        _ => tx.put_object(ROOT, SETTLED, ObjType::Map).map_err(failed)?,
    };
    tx.put(&settled, conflict.id.as_str(), keep.as_str())
        .map_err(failed)?;
    Ok(())
}

fn edited_since() -> ModelError {
    ModelError::CannotSettle(
        "this place was edited since the conflict was found, so it is settled already; \
         read it again and edit it if it needs more"
            .to_string(),
    )
}

fn no_such_field(field: &str) -> ModelError {
    ModelError::CannotSettle(format!(
        "this version of copse cannot settle a conflict in '{field}'; keep it as it is"
    ))
}

fn scalar_kept(conflict: &Conflict, keep: &Keep) -> Result<Option<String>, ModelError> {
    let one_of_a_few = conflict.field == "phase" || conflict.field.ends_with("/status");
    if one_of_a_few && matches!(keep, Keep::Edited(_)) {
        return Err(ModelError::CannotSettle(format!(
            "{} is one of a few set values: keep one of the two, or keep it as it is",
            field_label(&conflict.field)
        )));
    }
    if *keep == Keep::Both {
        return Err(ModelError::CannotSettle(format!(
            "{} holds one value: keep one of the two, or keep it as it is",
            field_label(&conflict.field)
        )));
    }
    Ok(kept(conflict, keep))
}

/// Replaces what the merge made of the place with the kept text, in one splice.
fn settle_text(text: &mut Text, conflict: &Conflict, keep: &Keep) -> Result<(), ModelError> {
    let Some(new) = kept(conflict, keep) else {
        return Ok(());
    };
    let Some(start) = text.as_str().find(&conflict.merged) else {
        return Err(edited_since());
    };
    text.splice(start, conflict.merged.len() as isize, new);
    Ok(())
}

/// One change of the walk: what the gate and the authors need.
#[derive(Clone, Debug)]
struct Meta {
    max_op: u64,
    at: i64,
    device: Option<DeviceId>,
}

/// The two sides of a merge: the changes only one side had, and the heads of their common base.
#[derive(Debug)]
struct Sides {
    heads: [ChangeHash; 2],
    only: [Vec<Meta>; 2],
    base: Vec<ChangeHash>,
}

impl Sides {
    /// Whether the two sides' changes are at least [`APART_MS`] apart.
    fn apart(&self) -> bool {
        let span = |metas: &[Meta]| {
            let first = metas.iter().map(|m| m.at).min()?;
            let last = metas.iter().map(|m| m.at).max()?;
            Some((first, last))
        };
        let (Some((first1, last1)), Some((first2, last2))) =
            (span(&self.only[0]), span(&self.only[1]))
        else {
            return false;
        };
        (last2 - first1).max(last1 - first2) >= APART_MS
    }

    /// The side's newest change (highest `max_op`).
    fn newest(&self, side: usize) -> Option<&Meta> {
        self.only[side].iter().max_by_key(|m| m.max_op)
    }
}

/// Walks back from `h1` and `h2` to their common base, newest first. `None` when the budget
/// runs out first.
fn walk(doc: &Automerge, h1: ChangeHash, h2: ChangeHash, budget: &mut usize) -> Option<Sides> {
    const ONE: u8 = 1;
    const TWO: u8 = 2;
    const BOTH: u8 = 3;
    let mut marks: HashMap<ChangeHash, u8> = HashMap::new();
    let mut heap: BinaryHeap<(u64, ChangeHash)> = BinaryHeap::new();
    // Entries in the heap reached by one side only: the walk ends when none is left.
    let mut single = 0usize;
    for (hash, mark) in [(h1, ONE), (h2, TWO)] {
        let meta = doc.get_change_meta_by_hash(&hash)?;
        marks.insert(hash, mark);
        heap.push((meta.max_op, hash));
        single += 1;
    }
    let mut only: [Vec<Meta>; 2] = [Vec::new(), Vec::new()];
    let mut base = Vec::new();
    while single > 0 {
        let (_, hash) = heap.pop()?;
        *budget = budget.checked_sub(1)?;
        let mark = marks.get(&hash).copied().unwrap_or(BOTH);
        let meta = doc.get_change_meta_by_hash(&hash)?;
        match mark {
            BOTH => base.push(hash),
            side => {
                single -= 1;
                let (_, device) = parse_message(meta.message.as_deref().unwrap_or(""));
                only[usize::from(side - 1)].push(Meta {
                    max_op: meta.max_op,
                    at: meta.timestamp,
                    device: device.map(|d| DeviceId::from(d.to_string())),
                });
            }
        }
        for dep in &meta.deps {
            match marks.get_mut(dep) {
                Some(old) => {
                    let was = *old;
                    *old |= mark;
                    if was != BOTH && *old == BOTH {
                        single = single.saturating_sub(1);
                    }
                }
                None => {
                    let dep_meta = doc.get_change_meta_by_hash(dep)?;
                    marks.insert(*dep, mark);
                    heap.push((dep_meta.max_op, *dep));
                    if mark != BOTH {
                        single += 1;
                    }
                }
            }
        }
    }
    base.extend(heap.into_iter().map(|(_, h)| h));
    Some(Sides {
        heads: [h1, h2],
        only,
        base,
    })
}

/// The conflicts of one merge whose sides were apart.
fn compare(doc: &Automerge, sides: &Sides) -> Vec<Conflict> {
    let [h1, h2] = sides.heads;
    let (one, two, both) = (vec![h1], vec![h2], vec![h1, h2]);
    let mut out = Vec::new();
    let (texts, scalars) = reviewable_fields(doc, sides);
    for field in texts {
        let field = field.as_str();
        let (Some(base), Some(a), Some(b), Some(m)) = (
            text_of(doc, field, Some(&sides.base)),
            text_of(doc, field, Some(&one)),
            text_of(doc, field, Some(&two)),
            text_of(doc, field, Some(&both)),
        ) else {
            continue;
        };
        for place in places(&base, &a, &b, &m) {
            let side = |i: usize, text: String| Side {
                text,
                device: sides.newest(i).and_then(|m| m.device.clone()),
                at: Timestamp(sides.newest(i).map_or(0, |m| m.at)),
            };
            out.push(Conflict {
                id: conflict_id(field, &sides.heads, &place.base),
                field: field.to_string(),
                base: place.base,
                sides: [side(0, place.a), side(1, place.b)],
                merged: place.merged,
            });
        }
    }
    for field in &scalars {
        let field = field.as_str();
        let base = scalar_at(doc, field, Some(&sides.base)).map(|(v, _)| v);
        let (Some((a, a_by)), Some((b, b_by)), Some((m, _))) = (
            scalar_at(doc, field, Some(&one)),
            scalar_at(doc, field, Some(&two)),
            scalar_at(doc, field, Some(&both)),
        ) else {
            continue;
        };
        if base.as_ref() == Some(&a) || base.as_ref() == Some(&b) || a == b {
            continue;
        }
        let base = base.unwrap_or_default();
        out.push(Conflict {
            id: conflict_id(field, &sides.heads, &base),
            field: field.to_string(),
            base,
            sides: [a_by.side(a), b_by.side(b)],
            merged: m,
        });
    }
    // Earlier side first, the same on every device: "Ann wrote …" before "Bob wrote …" when
    // Ann's change came first, and `1`/`2` name the same side everywhere.
    for conflict in &mut out {
        if conflict.sides[1].at < conflict.sides[0].at {
            conflict.sides.swap(0, 1);
        }
    }
    out
}

/// The fields to compare at a merge: a note's or case's [`TEXT_FIELDS`] and [`SCALAR_FIELDS`];
/// the community's [`COMMUNITY_TEXT_FIELDS`], its name, and the [`TOPIC_FIELDS`] of each topic
/// both sides wrote (found by diffing the topics from the base to each side, so the cost follows
/// what the sides changed, not how many topics there are).
fn reviewable_fields(doc: &Automerge, sides: &Sides) -> (Vec<String>, Vec<String>) {
    let owned = |fields: &[&str]| fields.iter().map(|f| f.to_string()).collect::<Vec<_>>();
    let Some(topics) = community_topics(doc) else {
        return (owned(&TEXT_FIELDS), owned(&SCALAR_FIELDS));
    };
    let written = |head: ChangeHash| -> HashSet<String> {
        let Ok(patches) = doc.diff_obj(&topics, &sides.base, &[head], true) else {
            return HashSet::new();
        };
        patches
            .into_iter()
            .filter_map(|patch| match (patch.action, patch.path.as_slice()) {
                (
                    PatchAction::PutMap { key, .. },
                    [(_, Prop::Map(part)), (_, Prop::Map(topic))],
                ) if part == "topics" && TOPIC_FIELDS.contains(&key.as_str()) => {
                    Some(format!("topics/{topic}/{key}"))
                }
                _ => None,
            })
            .collect()
    };
    let [h1, h2] = sides.heads;
    let both = written(h1);
    let mut scalars: Vec<String> = written(h2).intersection(&both).cloned().collect();
    scalars.sort();
    scalars.insert(0, "name".to_string());
    (owned(&COMMUNITY_TEXT_FIELDS), scalars)
}

/// The topics map of a community document; `None` for a note or case.
fn community_topics(doc: &Automerge) -> Option<ExId> {
    let is_community = matches!(
        doc.get(ROOT, "members"),
        Ok(Some((Value::Object(ObjType::Map), _)))
    );
    match doc.get(ROOT, "topics") {
        Ok(Some((Value::Object(ObjType::Map), topics))) if is_community => Some(topics),
        _ => None,
    }
}

/// The map holding a field and the field's own key: the root and the field, or for a path
/// `a/b/key` the map at `a/b` (at `heads`; today's when `None`).
fn holder(doc: &impl ReadDoc, field: &str, heads: Option<&[ChangeHash]>) -> Option<(ExId, String)> {
    let mut obj = ROOT;
    let mut parts = field.split('/').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            return Some((obj, part.to_string()));
        }
        let got = match heads {
            Some(heads) => doc.get_at(&obj, part, heads),
            None => doc.get(&obj, part),
        };
        let Ok(Some((Value::Object(ObjType::Map), child))) = got else {
            return None;
        };
        obj = child;
    }
    None
}

fn conflict_id(field: &str, heads: &[ChangeHash; 2], base: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(field.as_bytes());
    hash.update(heads[0].0);
    hash.update(heads[1].0);
    hash.update(base.as_bytes());
    hash.finalize()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A text field at `heads` (today's when `None`); `None` when the document has no such text.
fn text_of(doc: &Automerge, field: &str, heads: Option<&[ChangeHash]>) -> Option<String> {
    let (holder, key) = holder(doc, field, heads)?;
    let (Value::Object(ObjType::Text), obj) = doc.get(&holder, key).ok()?? else {
        return None;
    };
    match heads {
        Some(heads) => Some(doc.text_at(&obj, heads).unwrap_or_default()),
        None => doc.text(&obj).ok(),
    }
}

/// Who wrote a scalar value.
struct Writer {
    device: Option<DeviceId>,
    at: Timestamp,
}

impl Writer {
    fn side(self, text: String) -> Side {
        Side {
            text,
            device: self.device,
            at: self.at,
        }
    }
}

/// A scalar field at `heads` (today's when `None`) as text, with who wrote it.
fn scalar_at(
    doc: &Automerge,
    field: &str,
    heads: Option<&[ChangeHash]>,
) -> Option<(String, Writer)> {
    let (holder, key) = holder(doc, field, heads)?;
    let (value, id) = match heads {
        Some(heads) => doc.get_at(&holder, key, heads).ok()??,
        None => doc.get(&holder, key).ok()??,
    };
    let text = match value {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(s) => s.to_string(),
            other => other.to_string(),
        },
        Value::Object(_) => return None,
    };
    let meta = doc
        .hash_for_opid(&id)
        .and_then(|h| doc.get_change_meta_by_hash(&h));
    let writer = Writer {
        device: meta.as_ref().and_then(|m| {
            parse_message(m.message.as_deref().unwrap_or(""))
                .1
                .map(|d| DeviceId::from(d.to_string()))
        }),
        at: Timestamp(meta.map_or(0, |m| m.timestamp)),
    };
    Some((text, writer))
}

/// One place in a text both sides changed.
#[derive(Debug, PartialEq, Eq)]
struct Place {
    base: String,
    a: String,
    b: String,
    merged: String,
}

/// The text cut into sentences and lines, each keeping what ends it.
fn segments(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut after_stop = false;
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        if c == '\n' || (after_stop && c == ' ') {
            out.push(&text[start..end]);
            start = end;
            after_stop = false;
            continue;
        }
        after_stop = matches!(c, '.' | '!' | '?');
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// The sentence-level changes from `old` to `new`, as diff operations on segments.
fn diff(old: &[&str], new: &[&str]) -> Vec<DiffOp> {
    // Myers cuts the common ends first, so the cost follows the changed middle; the deadline
    // stops a pathological one early (it then reports a coarser change, never a wrong one).
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(200);
    similar::capture_diff_slices_deadline(Algorithm::Myers, old, new, Some(deadline))
}

/// Where base segment boundary `p` is in the new text, before anything inserted at `p`.
fn map(ops: &[DiffOp], p: usize, new_len: usize) -> usize {
    for op in ops {
        let (tag, old, new) = op.as_tag_tuple();
        if old.start >= p {
            return new.start;
        }
        if p < old.end {
            return match tag {
                DiffTag::Equal => new.start + (p - old.start),
                _ => new.end,
            };
        }
    }
    new_len
}

/// The base ranges a diff changed (deleted or replaced; pure insertions keep every side's text).
fn changed(ops: &[DiffOp]) -> Vec<std::ops::Range<usize>> {
    ops.iter()
        .filter(|op| op.tag() != DiffTag::Equal)
        .map(DiffOp::old_range)
        .filter(|r| !r.is_empty())
        .collect()
}

/// The places both `base → a` and `base → b` changed, to different results, with what the
/// merge `m` made of each.
fn places(base: &str, a: &str, b: &str, m: &str) -> Vec<Place> {
    if a == base || b == base || a == b {
        return Vec::new();
    }
    let (base_s, a_s, b_s, m_s) = (segments(base), segments(a), segments(b), segments(m));
    let (a_ops, b_ops, m_ops) = (
        diff(&base_s, &a_s),
        diff(&base_s, &b_s),
        diff(&base_s, &m_s),
    );
    let (a_changed, b_changed) = (changed(&a_ops), changed(&b_ops));
    let overlaps =
        |x: &std::ops::Range<usize>, y: &std::ops::Range<usize>| x.start < y.end && y.start < x.end;
    let mut regions: Vec<std::ops::Range<usize>> = Vec::new();
    for x in &a_changed {
        for y in &b_changed {
            if overlaps(x, y) {
                regions.push(x.start.min(y.start)..x.end.max(y.end));
            }
        }
    }
    // Grow each region over every change that reaches into it, then join overlapping ones.
    let all: Vec<_> = a_changed.iter().chain(&b_changed).cloned().collect();
    for region in &mut regions {
        loop {
            let grown = all
                .iter()
                .filter(|r| overlaps(r, region))
                .fold(region.clone(), |acc, r| {
                    acc.start.min(r.start)..acc.end.max(r.end)
                });
            if grown == *region {
                break;
            }
            *region = grown;
        }
    }
    regions.sort_by_key(|r| (r.start, r.end));
    regions.dedup_by(|next, prev| {
        if next.start < prev.end {
            prev.end = prev.end.max(next.end);
            true
        } else {
            false
        }
    });
    let slice = |segs: &[&str], ops: &[DiffOp], r: &std::ops::Range<usize>| -> String {
        let (start, end) = (map(ops, r.start, segs.len()), map(ops, r.end, segs.len()));
        segs.get(start..end.max(start)).unwrap_or(&[]).concat()
    };
    regions
        .iter()
        .map(|r| Place {
            base: base_s[r.clone()].concat(),
            a: slice(&a_s, &a_ops, r),
            b: slice(&b_s, &b_ops, r),
            merged: slice(&m_s, &m_ops, r),
        })
        .filter(|p| p.a != p.b)
        .collect()
}

#[cfg(test)]
mod tests;
