use std::collections::BTreeSet;

use automerge::Automerge;
use proptest::prelude::*;

use super::*;
use crate::model::history::message;
use crate::model::{MemberId, Note, NoteEdit, change};

const MIN: i64 = 60 * 1000;
const T0: i64 = 1_700_000_000_000;

fn note(body: &str) -> Automerge {
    let ann = MemberId::from("ann".to_string());
    let note = Note::new("Agreements", body, &ann, Timestamp(T0)).unwrap();
    change::create(&note, &message("add note", &dev("ann")), Timestamp(T0)).unwrap()
}

fn dev(name: &str) -> DeviceId {
    DeviceId::from(format!("{name}-laptop"))
}

fn write(doc: &mut Automerge, who: &str, at: i64, body: &str) {
    change::update(
        doc,
        &message("edit note", &dev(who)),
        Timestamp(at),
        |n: &mut Note| n.edit_body(&NoteEdit::Replace(body.into())),
    )
    .unwrap();
}

fn rename(doc: &mut Automerge, who: &str, at: i64, title: &str) {
    change::update(
        doc,
        &message("rename note", &dev(who)),
        Timestamp(at),
        |n: &mut Note| n.rename(title),
    )
    .unwrap();
}

/// Ann's copy after she receives Bob's changes: the conflicts her node finds then.
fn sync_into(ann: &mut Automerge, bob: &mut Automerge) -> Scan {
    let seen = ann.get_heads();
    ann.merge(bob).unwrap();
    scan(ann, &seen)
}

fn body(doc: &Automerge) -> String {
    change::read::<Note>(doc).unwrap().body.as_str().to_string()
}

#[test]
fn two_rewrites_of_one_sentence_while_apart_are_one_conflict_with_both_and_the_merge() {
    let mut ann = note("We start on time.");
    let mut bob = ann.fork();
    write(&mut ann, "ann", T0 + MIN, "We start on time, always.");
    write(
        &mut bob,
        "bob",
        T0 + 11 * MIN,
        "We start five minutes late.",
    );

    let found = sync_into(&mut ann, &mut bob);

    assert_eq!(body(&ann), "We start five minutes late, always.");
    assert_eq!(found.skipped, 0);
    assert_eq!(found.conflicts.len(), 1, "{found:?}");
    let c = &found.conflicts[0];
    assert_eq!(c.field, "body");
    assert_eq!(c.base, "We start on time.");
    assert_eq!(c.merged, "We start five minutes late, always.");
    let mut sides: Vec<_> = c
        .sides
        .iter()
        .map(|s| (s.device.clone(), s.text.as_str(), s.at))
        .collect();
    sides.sort_by_key(|s| s.2);
    assert_eq!(
        sides,
        vec![
            (
                Some(dev("ann")),
                "We start on time, always.",
                Timestamp(T0 + MIN)
            ),
            (
                Some(dev("bob")),
                "We start five minutes late.",
                Timestamp(T0 + 11 * MIN)
            ),
        ]
    );
    assert!(still_open(&ann, c));

    // Bob, receiving Ann's changes, finds the same conflict under the same id.
    let mut bob_after = bob.fork();
    let seen = bob_after.get_heads();
    bob_after.merge(&mut ann.clone()).unwrap();
    assert_eq!(scan(&bob_after, &seen).conflicts, found.conflicts);
}

#[test]
fn settling_is_one_change_that_writes_the_kept_version_and_records_it() {
    let mut ann = note("Intro.\nWe start on time.\nBring tea.");
    let mut bob = ann.fork();
    write(
        &mut ann,
        "ann",
        T0 + MIN,
        "Intro.\nWe start on time, always.\nBring tea.",
    );
    write(
        &mut bob,
        "bob",
        T0 + 11 * MIN,
        "Intro.\nWe start five minutes late.\nBring tea.",
    );
    let c = sync_into(&mut ann, &mut bob).conflicts.remove(0);
    let first = c
        .sides
        .iter()
        .position(|s| s.device == Some(dev("ann")))
        .unwrap();
    let keep_ann = if first == 0 {
        Keep::First
    } else {
        Keep::Second
    };
    for (keep, reads) in [
        (keep_ann, "Intro.\nWe start on time, always.\nBring tea."),
        (
            Keep::Current,
            "Intro.\nWe start five minutes late, always.\nBring tea.",
        ),
    ] {
        let mut doc = ann.clone();
        let before = doc.get_heads();
        change::update(
            &mut doc,
            "settle",
            Timestamp(T0 + 20 * MIN),
            |n: &mut Note| settle_note(n, &c, keep),
        )
        .unwrap();
        assert_eq!(doc.get_changes(&before).len(), 1);
        assert_eq!(body(&doc), reads);
        assert!(settled_ids(&doc).contains(&c.id));
    }
    let mut both = ann.clone();
    change::update(
        &mut both,
        "settle",
        Timestamp(T0 + 20 * MIN),
        |n: &mut Note| settle_note(n, &c, Keep::Both),
    )
    .unwrap();
    assert!(body(&both).contains("We start on time, always."));
    assert!(body(&both).contains("We start five minutes late."));
    // Once the place was edited, settling refuses and says why.
    write(
        &mut ann,
        "ann",
        T0 + 30 * MIN,
        "Intro.\nWe start at nine.\nBring tea.",
    );
    let refused = change::update(
        &mut ann,
        "settle",
        Timestamp(T0 + 31 * MIN),
        |n: &mut Note| settle_note(n, &c, Keep::First),
    );
    assert!(matches!(
        refused,
        Err(crate::model::ModelError::CannotSettle(_))
    ));
}

#[test]
fn a_later_edit_of_the_place_closes_it_and_an_edit_elsewhere_does_not() {
    let mut ann = note("We start on time.\nWe end at nine.");
    let mut bob = ann.fork();
    write(
        &mut ann,
        "ann",
        T0 + MIN,
        "We start on time, always.\nWe end at nine.",
    );
    write(
        &mut bob,
        "bob",
        T0 + 20 * MIN,
        "We start late.\nWe end at nine.",
    );
    let c = sync_into(&mut ann, &mut bob).conflicts.remove(0);
    write(
        &mut ann,
        "ann",
        T0 + 30 * MIN,
        "We start late, always.\nWe end at ten.",
    );
    assert!(still_open(&ann, &c));
    write(
        &mut ann,
        "ann",
        T0 + 31 * MIN,
        "We start at 9:05.\nWe end at ten.",
    );
    assert!(!still_open(&ann, &c));
}

/// Edits that must never be flagged, each made on two replicas apart for an hour.
#[test]
fn edits_that_merge_cleanly_are_not_conflicts() {
    let base = "Intro line.\n\nWe start on time. We end at nine.\n\nBring tea.";
    let cases = [
        (
            "different paragraphs",
            "Intro line, short.\n\nWe start on time. We end at nine.\n\nBring tea.",
            "Intro line.\n\nWe start on time. We end at nine.\n\nBring tea and cake.",
        ),
        (
            "different sentences of one line",
            "Intro line.\n\nWe start on time, always. We end at nine.\n\nBring tea.",
            "Intro line.\n\nWe start on time. We end at ten.\n\nBring tea.",
        ),
        (
            "the same rewrite on both sides",
            "Intro line.\n\nWe start late. We end at nine.\n\nBring tea.",
            "Intro line.\n\nWe start late. We end at nine.\n\nBring tea.",
        ),
        (
            "two new lines at the same place",
            "Intro line.\nAnn was here.\n\nWe start on time. We end at nine.\n\nBring tea.",
            "Intro line.\nBob was here.\n\nWe start on time. We end at nine.\n\nBring tea.",
        ),
        (
            "one side only",
            "Intro line.\n\nWe start on time. We end at nine.\n\nBring tea.",
            "Intro.\n\nWe start at ten.\n\nBring coffee.",
        ),
    ];
    for (what, a, b) in cases {
        let mut ann = note(base);
        let mut bob = ann.fork();
        write(&mut ann, "ann", T0 + MIN, a);
        write(&mut bob, "bob", T0 + 61 * MIN, b);
        let found = sync_into(&mut ann, &mut bob);
        assert_eq!(found.conflicts, vec![], "{what}");
    }
}

#[test]
fn live_typing_in_one_sentence_is_not_a_conflict() {
    let mut ann = note("We start on time.");
    let mut bob = ann.fork();
    let seen = ann.get_heads();
    // Ten minutes of both typing in the same sentence, syncing within half a second.
    let mut t = T0 + MIN;
    for i in 0..25 {
        let a = format!("{} a{i}", body(&ann).trim_end_matches('.'));
        write(&mut ann, "ann", t, &format!("{a}."));
        let b = format!("B{i} {}", body(&bob));
        write(&mut bob, "bob", t + 400, &b);
        ann.merge(&mut bob).unwrap();
        bob.merge(&mut ann).unwrap();
        t += 24_000;
    }
    assert!(t - T0 >= 10 * MIN);
    assert_eq!(scan(&ann, &seen), Scan::default());
}

#[test]
fn a_title_conflict_is_found_after_a_later_edit_collapsed_it() {
    let mut ann = note("Body.");
    let mut bob = ann.fork();
    rename(&mut ann, "ann", T0 + MIN, "Our agreements");
    rename(&mut bob, "bob", T0 + 30 * MIN, "House rules");
    let seen = ann.get_heads();
    ann.merge(&mut bob).unwrap();
    // A comment re-puts every field, which deletes the losing title for good.
    change::update(
        &mut ann,
        "comment",
        Timestamp(T0 + 40 * MIN),
        |n: &mut Note| {
            n.add_comment(
                crate::model::CommentId::new_random(),
                &MemberId::from("ann".to_string()),
                "ok",
                Timestamp(T0 + 40 * MIN),
            )
            .map(|_| ())
        },
    )
    .unwrap();
    assert_eq!(ann.get_all(ROOT, "title").unwrap().len(), 1);

    let found = scan(&ann, &seen);
    assert_eq!(found.conflicts.len(), 1, "{found:?}");
    let c = &found.conflicts[0];
    assert_eq!((c.field.as_str(), c.base.as_str()), ("title", "Agreements"));
    let mut sides: Vec<_> = c
        .sides
        .iter()
        .map(|s| (s.text.as_str(), s.device.clone()))
        .collect();
    sides.sort();
    assert_eq!(
        sides,
        vec![
            ("House rules", Some(dev("bob"))),
            ("Our agreements", Some(dev("ann")))
        ]
    );
    assert!(still_open(&ann, c));
}

#[test]
fn the_same_new_title_on_both_sides_is_not_a_conflict() {
    let mut ann = note("Body.");
    let mut bob = ann.fork();
    rename(&mut ann, "ann", T0 + MIN, "House rules");
    rename(&mut bob, "bob", T0 + 30 * MIN, "House rules");
    assert_eq!(sync_into(&mut ann, &mut bob), Scan::default());
}

#[test]
fn a_third_member_holding_both_sides_and_the_merge_finds_the_same_id() {
    let mut ann = note("We start on time.");
    let mut bob = ann.fork();
    let mut cleo = ann.fork();
    let seen = cleo.get_heads();
    write(&mut ann, "ann", T0 + MIN, "We start on time, always.");
    write(
        &mut bob,
        "bob",
        T0 + 11 * MIN,
        "We start five minutes late.",
    );
    let at_ann = sync_into(&mut ann, &mut bob);
    // Ann's next edit makes the merge a change of its own; Cleo gets it all in one batch.
    write(
        &mut ann,
        "ann",
        T0 + 12 * MIN,
        "Intro.\nWe start five minutes late, always.",
    );
    cleo.merge(&mut ann).unwrap();
    let at_cleo = scan(&cleo, &seen);
    assert_eq!(at_cleo.conflicts, at_ann.conflicts);
}

#[test]
fn a_history_longer_than_the_walk_is_skipped_and_counted() {
    let mut ann = note("We start on time.");
    let mut bob = ann.fork();
    for i in 0..30 {
        write(&mut ann, "ann", T0 + i, &format!("We start at {i}."));
        write(
            &mut bob,
            "bob",
            T0 + 60 * MIN + i,
            &format!("We start after {i}."),
        );
    }
    let seen = ann.get_heads();
    ann.merge(&mut bob).unwrap();
    let short = scan_within(&ann, &seen, 10);
    assert_eq!((short.conflicts.len(), short.skipped), (0, 1));
    assert_eq!(scan(&ann, &seen).conflicts.len(), 1);
}

#[test]
fn sentences_and_lines_keep_what_ends_them() {
    assert_eq!(
        segments("One. Two!  Three?\nFour\n\nFive"),
        vec!["One. ", "Two! ", " Three?\n", "Four\n", "\n", "Five"]
    );
    assert_eq!(segments(""), Vec::<&str>::new());
    assert_eq!(segments("3.5 apples. é"), vec!["3.5 apples. ", "é"]);
}

// ---- property: the flags are exactly the lines both sides rewrote ------------------------

const LINES: usize = 8;

fn base_text() -> String {
    (0..LINES)
        .map(|i| format!("Line {i} says this.\n"))
        .collect()
}

/// Rewrites the chosen lines of `text`, marking each with `who`.
fn rewrite(text: &str, lines: &BTreeSet<usize>, who: &str) -> String {
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            if lines.contains(&i) {
                format!("Line {i} was changed by {who}.\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn flags_cover_exactly_the_lines_both_sides_rewrote_apart(
        a_lines in proptest::collection::btree_set(0..LINES, 0..5),
        b_lines in proptest::collection::btree_set(0..LINES, 0..5),
        gap_min in 5i64..600,
        live in any::<bool>(),
    ) {
        let base = base_text();
        let mut ann = note(&base);
        let mut bob = ann.fork();
        let b_at = if live { T0 + MIN + 800 } else { T0 + MIN + gap_min * MIN };
        write(&mut ann, "ann", T0 + MIN, &rewrite(&base, &a_lines, "Ann"));
        write(&mut bob, "bob", b_at, &rewrite(&base, &b_lines, "Bob"));
        let found = sync_into(&mut ann, &mut bob);

        let both: BTreeSet<usize> = a_lines.intersection(&b_lines).copied().collect();
        if live || both.is_empty() {
            prop_assert_eq!(found.conflicts, vec![]);
        } else {
            // Every line both rewrote is in a flagged place, and every flagged place holds one.
            let flagged_lines = |c: &Conflict| -> BTreeSet<usize> {
                base.lines()
                    .enumerate()
                    .filter(|(_, l)| c.base.contains(*l))
                    .map(|(i, _)| i)
                    .collect()
            };
            let mut covered = BTreeSet::new();
            for c in &found.conflicts {
                let lines = flagged_lines(c);
                prop_assert!(!lines.is_disjoint(&both), "{:?} flags none of {:?}", c, both);
                prop_assert!(lines.is_subset(&a_lines.union(&b_lines).copied().collect()));
                prop_assert_ne!(&c.sides[0].text, &c.sides[1].text);
                covered.extend(lines);
            }
            prop_assert!(both.is_subset(&covered), "{:?} not all in {:?}", both, found);
        }
    }
}

#[test]
fn a_case_phase_moved_two_ways_while_apart_is_flagged_and_settled_to_one() {
    use crate::model::{Case, Phase};
    let ann_id = MemberId::from("ann".to_string());
    let case = Case::new("Stuck", "Nobody reviews.", &ann_id, Timestamp(T0)).unwrap();
    let mut ann = change::create(&case, &message("open case", &dev("ann")), Timestamp(T0)).unwrap();
    let mut bob = ann.fork();
    let set = |doc: &mut Automerge, who: &str, at: i64, phase: Phase| {
        change::update(
            doc,
            &message("advance", &dev(who)),
            Timestamp(at),
            |c: &mut Case| {
                c.phase = phase;
                Ok(())
            },
        )
        .unwrap();
    };
    set(&mut ann, "ann", T0 + MIN, Phase::Suggest);
    set(&mut bob, "bob", T0 + 20 * MIN, Phase::Reflect);
    let found = sync_into(&mut ann, &mut bob);
    assert_eq!(found.conflicts.len(), 1, "{found:?}");
    let c = &found.conflicts[0];
    assert_eq!((c.field.as_str(), c.base.as_str()), ("phase", "Clarify"));
    let ann_side = c
        .sides
        .iter()
        .position(|s| s.device == Some(dev("ann")))
        .unwrap();
    assert_eq!(c.sides[ann_side].text, "Suggest");
    let keep = if ann_side == 0 {
        Keep::First
    } else {
        Keep::Second
    };
    change::update(
        &mut ann,
        "settle",
        Timestamp(T0 + 30 * MIN),
        |k: &mut Case| settle_case(k, c, keep),
    )
    .unwrap();
    assert_eq!(change::read::<Case>(&ann).unwrap().phase, Phase::Suggest);
    assert!(settled_ids(&ann).contains(&c.id));
    assert!(matches!(
        change::update(
            &mut ann,
            "settle",
            Timestamp(T0 + 31 * MIN),
            |k: &mut Case| { settle_case(k, c, Keep::Both) }
        ),
        Err(crate::model::ModelError::CannotSettle(_))
    ));
}

/// A community whose founder Ann proposed one topic, "Onboarding".
fn community_with_topic() -> (Automerge, crate::model::TopicId) {
    use crate::model::community::NewTopic;
    use crate::model::{Community, Member, TopicId};
    let ann = MemberId::from("ann".to_string());
    let mut c = Community::new(
        "Gardeners",
        "We grow food together.",
        &ann,
        Member::new("Ann", "ann-laptop", Timestamp(T0)).unwrap(),
        Timestamp(T0),
    )
    .unwrap();
    let topic = TopicId::from("onboarding".to_string());
    let new = NewTopic {
        title: "Onboarding".into(),
        description: "How newcomers find their feet.".into(),
        parent: None,
    };
    c.add_topic(topic.clone(), &ann, &new, Timestamp(T0))
        .unwrap();
    let doc = change::create(&c, &message("create community", &dev("ann")), Timestamp(T0));
    (doc.unwrap(), topic)
}

fn change_community(
    doc: &mut Automerge,
    who: &str,
    at: i64,
    f: impl FnOnce(&mut crate::model::Community),
) {
    change::update(
        doc,
        &message("edit community", &dev(who)),
        Timestamp(at),
        |c: &mut crate::model::Community| {
            f(c);
            Ok(())
        },
    )
    .unwrap();
}

#[test]
fn a_topic_status_set_two_ways_while_apart_is_flagged_by_its_path_and_settled() {
    use crate::model::TopicStatus;
    let (mut ann, topic) = community_with_topic();
    let mut bob = ann.fork();
    let ann_id = MemberId::from("ann".to_string());
    let status = |doc: &mut Automerge, who: &str, at: i64, s: TopicStatus| {
        let me = ann_id.clone();
        let t = topic.clone();
        change_community(doc, who, at, move |c| {
            c.set_topic_status(&t, &me, s).unwrap()
        });
    };
    status(&mut ann, "ann", T0 + MIN, TopicStatus::Planned);
    status(&mut bob, "bob", T0 + 11 * MIN, TopicStatus::Discussed);
    // Elsewhere in the same merge: Bob endorses nothing, Ann renames nothing; the name stays.
    let found = sync_into(&mut ann, &mut bob);
    assert_eq!(found.conflicts.len(), 1, "{found:?}");
    let c = &found.conflicts[0];
    assert_eq!(c.field, format!("topics/{topic}/status"));
    assert_eq!(topic_of(&c.field), Some((topic.as_str(), "status")));
    assert_eq!(field_label(&c.field), "the topic's status");
    assert_eq!(
        (c.sides[0].text.as_str(), c.sides[1].text.as_str()),
        ("Planned", "Discussed")
    );
    assert!(still_open(&ann, c));

    // An edit of a status is refused: it is one of a few set values.
    let refused = change::transact(&mut ann, "settle", Timestamp(T0 + 20 * MIN), |tx| {
        settle_community(tx, c, Keep::Edited("Maybe".into()))
    });
    assert!(matches!(refused, Err(ModelError::CannotSettle(_))));
    change::transact(&mut ann, "settle", Timestamp(T0 + 20 * MIN), |tx| {
        settle_community(tx, c, Keep::First)
    })
    .unwrap();
    let now = change::read::<crate::model::Community>(&ann).unwrap();
    assert_eq!(now.topics[&topic].status, TopicStatus::Planned);
    assert!(settled_ids(&ann).contains(&c.id));
}

#[test]
fn the_purpose_rewritten_two_ways_while_apart_is_flagged_and_an_edit_settles_it() {
    let (mut ann, _) = community_with_topic();
    let mut bob = ann.fork();
    let ann_id = MemberId::from("ann".to_string());
    let me = ann_id.clone();
    change_community(&mut ann, "ann", T0 + MIN, move |c| {
        c.set_purpose(&me, "We grow food together, all year.")
            .unwrap()
    });
    let me = ann_id.clone();
    change_community(&mut bob, "bob", T0 + 12 * MIN, move |c| {
        c.set_purpose(&me, "We grow flowers together.").unwrap()
    });
    let found = sync_into(&mut ann, &mut bob);
    assert_eq!(found.conflicts.len(), 1, "{found:?}");
    let c = &found.conflicts[0];
    assert_eq!(c.field, "purpose");
    change::transact(&mut ann, "settle", Timestamp(T0 + 20 * MIN), |tx| {
        settle_community(
            tx,
            c,
            Keep::Edited("We grow food and flowers together.".into()),
        )
    })
    .unwrap();
    let now = change::read::<crate::model::Community>(&ann).unwrap();
    assert_eq!(now.purpose.as_str(), "We grow food and flowers together.");
    assert!(settled_ids(&ann).contains(&c.id));
    assert!(!still_open(&ann, c));
}

#[test]
fn topics_each_side_changed_alone_are_not_conflicts() {
    use crate::model::TopicStatus;
    let (mut ann, topic) = community_with_topic();
    let mut bob = ann.fork();
    let me = MemberId::from("ann".to_string());
    let t = topic.clone();
    change_community(&mut ann, "ann", T0 + MIN, move |c| {
        c.set_topic_status(&t, &me, TopicStatus::Planned).unwrap()
    });
    let me = MemberId::from("ann".to_string());
    change_community(&mut bob, "bob", T0 + 12 * MIN, move |c| {
        c.set_purpose(&me, "We grow flowers together.").unwrap()
    });
    assert_eq!(sync_into(&mut ann, &mut bob).conflicts, vec![]);
}

#[test]
fn a_note_edited_by_hand_in_the_chooser_reads_as_written_and_is_settled() {
    let mut ann = note("We start on time.");
    let mut bob = ann.fork();
    write(&mut ann, "ann", T0 + MIN, "We start on time, always.");
    write(
        &mut bob,
        "bob",
        T0 + 11 * MIN,
        "We start five minutes late.",
    );
    let found = sync_into(&mut ann, &mut bob);
    let c = found.conflicts[0].clone();
    change::update(
        &mut ann,
        &message("settle a conflict", &dev("ann")),
        Timestamp(T0 + 20 * MIN),
        |n: &mut Note| settle_note(n, &c, Keep::Edited("We start at ten past.".into())),
    )
    .unwrap();
    assert_eq!(body(&ann), "We start at ten past.");
    assert!(settled_ids(&ann).contains(&c.id));
}
