//! Property test: replicas that apply random operations and merge in random orders end
//! identical, and keep every addition any of them made (no lost topic, endorsement, comment or
//! question).

use std::collections::BTreeSet;

use automerge::Automerge;
use proptest::prelude::*;

use crate::model::community::NewTopic;
use crate::model::{
    Case, Comment, CommentId, Community, Member, MemberId, Note, NoteEdit, QuestionId, Timestamp,
    TopicId, change,
};

const REPLICAS: usize = 3;

#[derive(Clone, Debug)]
enum Op {
    AddTopic {
        replica: usize,
    },
    Endorse {
        replica: usize,
        topic: usize,
    },
    CommentNote {
        replica: usize,
    },
    TypeInNote {
        replica: usize,
        at: usize,
        text: String,
    },
    AskQuestion {
        replica: usize,
    },
    Merge {
        from: usize,
        to: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let r = 0..REPLICAS;
    prop_oneof![
        r.clone().prop_map(|replica| Op::AddTopic { replica }),
        (r.clone(), 0..8usize).prop_map(|(replica, topic)| Op::Endorse { replica, topic }),
        r.clone().prop_map(|replica| Op::CommentNote { replica }),
        (r.clone(), 0..64usize, "[a-zé🌱 ]{1,4}").prop_map(|(replica, at, text)| Op::TypeInNote {
            replica,
            at,
            text
        }),
        r.clone().prop_map(|replica| Op::AskQuestion { replica }),
        (r.clone(), r).prop_map(|(from, to)| Op::Merge { from, to }),
    ]
}

fn member(i: usize) -> MemberId {
    MemberId::from(format!("m{i}"))
}

/// One member's device: its copies of the community, a note and a case.
struct Replica {
    community: Automerge,
    note: Automerge,
    case: Automerge,
}

impl Replica {
    fn merge_from(&mut self, other: &mut Replica) {
        self.community.merge(&mut other.community).unwrap();
        self.note.merge(&mut other.note).unwrap();
        self.case.merge(&mut other.case).unwrap();
    }
}

/// What the replicas added, which must all survive the merges.
#[derive(Default)]
struct Expected {
    topics: BTreeSet<TopicId>,
    endorsements: BTreeSet<(TopicId, MemberId)>,
    comments: BTreeSet<CommentId>,
    questions: BTreeSet<QuestionId>,
}

fn replicas() -> Vec<Replica> {
    let t = Timestamp(1);
    let mut community = Community::new(
        "Gardeners",
        "grow",
        &member(0),
        Member::new("m0", "m0", t).unwrap(),
        t,
    )
    .unwrap();
    for i in 1..REPLICAS {
        community.add_member(
            member(i),
            Member::new(&format!("m{i}"), format!("m{i}"), t).unwrap(),
        );
    }
    let community = change::create(&community, "create", t).unwrap();
    let note = change::create(
        &Note::new("Plan", "seed text", &member(0), t).unwrap(),
        "add note",
        t,
    )
    .unwrap();
    // Member 0 presents; the others ask.
    let case = change::create(
        &Case::new("Stuck", "help", &member(0), t).unwrap(),
        "open case",
        t,
    )
    .unwrap();
    (0..REPLICAS)
        .map(|_| Replica {
            community: community.fork(),
            note: note.fork(),
            case: case.fork(),
        })
        .collect()
}

fn apply(replicas: &mut [Replica], expected: &mut Expected, step: usize, op: Op) {
    let now = Timestamp(10 + step as i64);
    match op {
        Op::AddTopic { replica } => {
            let id = TopicId::from(format!("t{replica}-{step}"));
            let new = NewTopic {
                title: format!("topic {step}"),
                ..Default::default()
            };
            let who = member(replica);
            let added = change::update(
                &mut replicas[replica].community,
                "topic",
                now,
                |c: &mut Community| c.add_topic(id.clone(), &who, &new, now),
            )
            .unwrap();
            expected.topics.insert(added);
        }
        Op::Endorse { replica, topic } => {
            let who = member(replica);
            let known: Community = change::read(&replicas[replica].community).unwrap();
            let Some(id) = known.topics.keys().nth(topic).cloned() else {
                return;
            };
            change::update(
                &mut replicas[replica].community,
                "endorse",
                now,
                |c: &mut Community| c.endorse_topic(&id, &who, now),
            )
            .unwrap();
            expected.endorsements.insert((id, who));
        }
        Op::CommentNote { replica } => {
            let id = CommentId::from(format!("c{replica}-{step}"));
            let who = member(replica);
            change::update(
                &mut replicas[replica].note,
                "comment",
                now,
                |n: &mut Note| n.add_comment(id.clone(), &who, "nice", now),
            )
            .unwrap();
            expected.comments.insert(id);
        }
        Op::TypeInNote { replica, at, text } => {
            change::update(&mut replicas[replica].note, "type", now, |n: &mut Note| {
                let body = n.body.as_str().to_string();
                let mut at = at.min(body.len());
                while !body.is_char_boundary(at) {
                    at -= 1;
                }
                let mut new = body.clone();
                new.insert_str(at, &text);
                n.edit_body(&NoteEdit::Replace(new))
            })
            .unwrap();
        }
        Op::AskQuestion { replica } => {
            if replica == 0 {
                return; // the presenter does not ask
            }
            let id = QuestionId::from(format!("q{replica}-{step}"));
            let who = member(replica);
            change::update(&mut replicas[replica].case, "ask", now, |c: &mut Case| {
                c.ask_question(id.clone(), &who, "why?", now)
            })
            .unwrap();
            expected.questions.insert(id);
        }
        Op::Merge { from, to } => {
            if from != to {
                let (a, b) = if from < to {
                    let (left, right) = replicas.split_at_mut(to);
                    (&mut left[from], &mut right[0])
                } else {
                    let (left, right) = replicas.split_at_mut(from);
                    (&mut right[0], &mut left[to])
                };
                b.merge_from(a);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn replicas_converge_and_lose_nothing(ops in proptest::collection::vec(op(), 1..40), order in Just(()).prop_perturb(|_, mut rng| {
        let mut order: Vec<usize> = (0..REPLICAS).collect();
        for i in (1..order.len()).rev() { order.swap(i, rng.random_range(0..=i)); }
        order
    })) {
        let mut replicas = replicas();
        let mut expected = Expected::default();
        for (step, op) in ops.into_iter().enumerate() {
            apply(&mut replicas, &mut expected, step, op);
        }
        // Everyone hears from everyone, in a random order.
        for _ in 0..2 {
            for &to in &order {
                for from in 0..REPLICAS {
                    apply(&mut replicas, &mut expected, 0, Op::Merge { from, to });
                }
            }
        }
        let first = &replicas[0];
        for other in &replicas[1..] {
            prop_assert_eq!(change::heads(&first.community), change::heads(&other.community));
            prop_assert_eq!(change::heads(&first.note), change::heads(&other.note));
            prop_assert_eq!(change::heads(&first.case), change::heads(&other.case));
            let a: Note = change::read(&first.note).unwrap();
            let b: Note = change::read(&other.note).unwrap();
            prop_assert_eq!(a.body.as_str(), b.body.as_str());
        }
        let community: Community = change::read(&first.community).unwrap();
        let topics: BTreeSet<TopicId> = community.topics.keys().cloned().collect();
        prop_assert!(expected.topics.is_subset(&topics), "lost topics: {:?}", expected.topics.difference(&topics).collect::<Vec<_>>());
        for (topic, who) in &expected.endorsements {
            prop_assert!(community.topics[topic].endorsed_by(who), "lost endorsement of {} by {}", topic, who);
        }
        let note: Note = change::read(&first.note).unwrap();
        let comments: BTreeSet<CommentId> = note.comments.keys().cloned().collect();
        prop_assert_eq!(&expected.comments, &comments);
        prop_assert!(note.comments.values().all(|c: &Comment| c.text == "nice"));
        let case: Case = change::read(&first.case).unwrap();
        let questions: BTreeSet<QuestionId> = case.questions.keys().cloned().collect();
        prop_assert_eq!(&expected.questions, &questions);
    }
}
