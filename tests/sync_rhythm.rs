//! Two members on loopback: a thanks, an action tick and a role change made by one show on the
//! other's node.

use copse::model::{Role, Timestamp};
use copse::node::Node;

use crate::sync::{community_of, eventually, online};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thanks_ticks_and_role_changes_reach_the_other_member() {
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let a: Node = online(dirs[0].path()).await;
    let b: Node = online(dirs[1].path()).await;
    let id = community_of(&a, &[(&b, "Bo")]).await;
    let bo = b.me(&id).await.unwrap();

    // Ada writes a note, closes a case with an action for Bo, and plans a gathering.
    let note = a.add_note(&id, "Compost", "Air and water").await.unwrap();
    let case = a.open_case(&id, "Reviews", "Stuck").await.unwrap();
    a.advance_case(&id, &case).await.unwrap();
    a.advance_case(&id, &case).await.unwrap();
    a.close_case_with_owners(
        &id,
        &case,
        "Pilot".into(),
        vec![("Ask the lead".into(), bo.clone())],
    )
    .await
    .unwrap();
    // Four weeks ahead by Ada's clock.
    let when = Timestamp(a.now().0 + 28 * 24 * 60 * 60 * 1000);
    let gathering = a.plan_gathering(&id, when, None).await.unwrap();
    let planned = a.community(&id).await.unwrap().gatherings[&gathering].clone();
    // Ada is first by name and gets the first role; Bo the second.
    assert_eq!(planned.roles.presenter.as_ref(), Some(&bo));

    eventually("Bo has the note, the case and the gathering", || async {
        b.note(&id, &note).await.is_ok()
            && b.case(&id, &case)
                .await
                .is_ok_and(|c| !c.next_actions.is_empty())
            && b.community(&id)
                .await
                .is_ok_and(|c| c.gatherings.contains_key(&gathering))
    })
    .await;

    // Bo thanks the note, ticks off his action and takes over facilitating.
    assert!(b.thank_note(&id, &note).await.unwrap());
    let mine = b.actions(&id, Some(&bo), false).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert!(b.tick_action(&id, &case, &mine[0].id, true).await.unwrap());
    b.set_gathering_role(&id, &gathering, Role::Facilitator, Some(bo.clone()))
        .await
        .unwrap();

    eventually(
        "Ada sees the thanks, the tick and the new facilitator",
        || async {
            let thanked = a
                .note(&id, &note)
                .await
                .is_ok_and(|n| n.thanks.contains_key(&bo));
            let ticked = a
                .case(&id, &case)
                .await
                .is_ok_and(|c| c.next_actions.values().all(|x| x.done));
            let role = a
                .community(&id)
                .await
                .is_ok_and(|c| c.gatherings[&gathering].roles.facilitator.as_ref() == Some(&bo));
            thanked && ticked && role
        },
    )
    .await;
    assert!(a.actions(&id, Some(&bo), false).await.unwrap().is_empty());
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn what_another_member_changed_is_new_until_looked_at() {
    use copse::model::DocRef;
    use copse::model::NoteEdit;

    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let a: Node = online(dirs[0].path()).await;
    let b: Node = online(dirs[1].path()).await;
    let id = community_of(&a, &[(&b, "Bo")]).await;
    let note = a.add_note(&id, "Compost", "Air").await.unwrap();
    assert!(
        a.unread(&id).await.unwrap().is_empty(),
        "my own note is not news"
    );

    eventually("Bo has the note", || async {
        b.note(&id, &note).await.is_ok()
    })
    .await;
    let on_b = b.unread(&id).await.unwrap();
    assert_eq!(on_b.len(), 1, "Ada's note is new to Bo: {on_b:?}");
    assert_eq!(on_b[0].item.kind(), "note");
    b.edit_note(&id, &note, NoteEdit::Append(" and water".into()))
        .await
        .unwrap();

    eventually("Bo's edit is new to Ada", || async {
        a.unread(&id)
            .await
            .unwrap()
            .iter()
            .any(|u| u.item.id_str() == note.as_str() && u.title == "Compost")
    })
    .await;
    let entry = a.community(&id).await.unwrap().notes[&note].clone();
    a.mark_read(&id, &DocRef::Note(note.clone()), entry.updated_at)
        .unwrap();
    assert!(a.unread(&id).await.unwrap().is_empty());
    // Read marks are this device's, never synced.
    assert!(b.read_marks(&id).unwrap().is_empty());
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_phase_move_taken_back_reaches_the_other_member() {
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let a: Node = online(dirs[0].path()).await;
    let b: Node = online(dirs[1].path()).await;
    let id = community_of(&a, &[(&b, "Bo")]).await;
    let case = a.open_case(&id, "Reviews", "Stuck").await.unwrap();
    a.advance_case(&id, &case).await.unwrap();
    eventually("Bo sees Suggest", || async {
        b.case(&id, &case)
            .await
            .is_ok_and(|c| c.phase == copse::model::Phase::Suggest)
    })
    .await;
    assert_eq!(
        a.undo_advance_case(&id, &case).await.unwrap(),
        copse::model::Phase::Clarify
    );
    eventually("Bo sees Clarify again", || async {
        b.case(&id, &case)
            .await
            .is_ok_and(|c| c.phase == copse::model::Phase::Clarify && c.advanced.is_none())
    })
    .await;
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

/// The meeting on two members' nodes: the facilitator's timer, the groups and who is there
/// show on the other's, who computes the same time left from the stored timer; the other
/// writes a debrief the facilitator sees, and cannot run the timer.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_meeting_timer_groups_and_attendance_show_on_both_nodes() {
    use copse::model::community::NewTopic;
    use copse::model::meeting::TimerAction;
    use copse::model::{ModelError, Role};
    use copse::node::NodeError;

    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let a: Node = online(dirs[0].path()).await;
    let b: Node = online(dirs[1].path()).await;
    let id = community_of(&a, &[(&b, "Bo")]).await;
    let (ada, bo) = (a.me(&id).await.unwrap(), b.me(&id).await.unwrap());
    let topic = a
        .add_topic(
            &id,
            NewTopic {
                title: "Soil".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let gathering = a.plan_gathering(&id, a.now(), None).await.unwrap();
    a.set_gathering_agenda(&id, &gathering, vec![topic])
        .await
        .unwrap();
    a.set_gathering_role(&id, &gathering, Role::Facilitator, Some(ada.clone()))
        .await
        .unwrap();
    a.attend(&id, &gathering, vec![ada.clone(), bo.clone()], true)
        .await
        .unwrap();
    let pairs = a.make_groups(&id, &gathering, 2, "Pairs").await.unwrap();
    a.run_timer(&id, &gathering, TimerAction::Start)
        .await
        .unwrap();

    eventually(
        "Bo sees the running timer, the pair and who is there",
        || async {
            b.community(&id).await.is_ok_and(|c| {
                c.gatherings.get(&gathering).is_some_and(|g| {
                    g.meeting.timer.running
                        && g.groupings.contains_key(&pairs)
                        && g.attended.len() == 2
                })
            })
        },
    )
    .await;
    let (on_a, on_b) = (
        a.community(&id).await.unwrap(),
        b.community(&id).await.unwrap(),
    );
    let (ga, gb) = (&on_a.gatherings[&gathering], &on_b.gatherings[&gathering]);
    assert_eq!(ga.meeting, gb.meeting);
    assert_eq!(ga.groupings, gb.groupings);
    assert_eq!(ga.groupings[&pairs].groups[0].members.len(), 2);
    // Either member's clock, read at the same instant, gives the same time left.
    let later = Timestamp(a.now().0 + 3 * 60 * 1000);
    let (va, vb) = (on_a.now_view(ga, later), on_b.now_view(gb, later));
    assert_eq!(va.remaining_ms, vb.remaining_ms);
    assert!(
        va.remaining_ms <= 12 * 60 * 1000,
        "three minutes of fifteen gone"
    );
    assert_eq!(vb.step().unwrap().label, "Soil");

    // Bo is not the facilitator; he writes the pair's debrief.
    assert!(matches!(
        b.run_timer(&id, &gathering, TimerAction::Pause).await,
        Err(NodeError::Model(ModelError::NotTheFacilitator(_)))
    ));
    b.set_debrief(&id, &gathering, &pairs, 0, "Mulch keeps it moist")
        .await
        .unwrap();
    eventually("Ada sees Bo's debrief", || async {
        a.community(&id).await.is_ok_and(|c| {
            c.gatherings[&gathering].groupings[&pairs].groups[0].debrief == "Mulch keeps it moist"
        })
    })
    .await;
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

/// Where a test's announcements go: their texts, or a refusal like a desktop without a
/// notification service.
#[derive(Clone, Default)]
struct Recorder {
    shown: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    refuse: bool,
}

impl copse::node::Announce for Recorder {
    fn announce(
        &self,
        _community: &str,
        n: &copse::model::practice::notifications::Notification,
    ) -> Result<(), String> {
        if self.refuse {
            return Err("org.freedesktop.Notifications was not provided".into());
        }
        self.shown.lock().unwrap().push(n.text.clone());
        Ok(())
    }
}

/// Desktop notifications: Bo's question on Ada's case is announced to Ada once, her own doing
/// never; a desktop that cannot show them is noted, for the in-app list to say so.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_question_on_my_case_is_announced_once_and_a_silent_desktop_is_noted() {
    use copse::node::Announce;
    use std::sync::Arc;

    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let a: Node = online(dirs[0].path()).await;
    let b: Node = online(dirs[1].path()).await;
    let id = community_of(&a, &[(&b, "Bo")]).await;
    let recorder = Recorder::default();
    let sink: Arc<dyn Announce> = Arc::new(recorder.clone());
    assert!(
        a.announce_news(&sink).await.unwrap().is_empty(),
        "the first look announces nothing of the past"
    );

    let case = a.open_case(&id, "Reviews", "Stuck").await.unwrap();
    eventually("Bo has Ada's case", || async {
        b.case(&id, &case).await.is_ok()
    })
    .await;
    b.ask_question(&id, &case, "What did you try?".into())
        .await
        .unwrap();
    eventually("Ada's desktop shows Bo's question", || async {
        a.announce_news(&sink).await.unwrap();
        !recorder.shown.lock().unwrap().is_empty()
    })
    .await;
    let shown = recorder.shown.lock().unwrap().clone();
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(shown[0].contains("What did you try?"), "{shown:?}");
    assert!(
        a.announce_news(&sink).await.unwrap().is_empty(),
        "announced once"
    );
    assert_eq!(a.desktop_notifications_unavailable(), None);

    let silent: Arc<dyn Announce> = Arc::new(Recorder {
        refuse: true,
        ..Recorder::default()
    });
    b.ask_question(&id, &case, "Who decides?".into())
        .await
        .unwrap();
    eventually("a desktop that shows nothing is noted", || async {
        a.announce_news(&silent).await.unwrap();
        a.desktop_notifications_unavailable().is_some()
    })
    .await;
    let list = a.notifications(&id).await.unwrap();
    assert!(list.desktop_unavailable.is_some());
    assert_eq!(list.items.len(), 2, "the in-app list keeps both");
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

/// A series planned by one member reaches the other with the same next occurrences and the
/// roles the rotation suggests; a skip made on the other's node comes back, and ending it
/// leaves no occurrence on either.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_series_its_skipped_occurrence_and_its_end_reach_the_other_member() {
    use copse::model::series::OccurrenceState;

    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let a: Node = online(dirs[0].path()).await;
    let b: Node = online(dirs[1].path()).await;
    let id = community_of(&a, &[(&b, "Bo")]).await;
    // A week ahead by Ada's clock, then every 2 weeks.
    let first = Timestamp(a.now().0 + 7 * 24 * 60 * 60 * 1000);
    let series = a
        .plan_series(
            &id,
            first,
            "weekly:2".parse().unwrap(),
            Some("Circle".into()),
        )
        .await
        .unwrap();
    let upcoming = |c: &copse::model::Community, now: Timestamp| {
        c.upcoming_occurrences(now, 3)
            .into_iter()
            .filter(|o| o.series == series)
            .collect::<Vec<_>>()
    };
    let on_a = upcoming(&a.community(&id).await.unwrap(), a.now());
    assert_eq!(on_a.len(), 3);
    eventually("Bo has the series", || async {
        b.community(&id)
            .await
            .is_ok_and(|c| c.series.contains_key(&series))
    })
    .await;
    let on_b = upcoming(&b.community(&id).await.unwrap(), a.now());
    assert_eq!(on_a, on_b, "the same dates and roles on both");
    let community_b = b.community(&id).await.unwrap();
    assert!(
        on_b.iter()
            .all(|o| !o.roles_in_words(&community_b).is_empty()),
        "each occurrence has suggested roles"
    );

    assert!(b.skip_occurrence(&id, &on_b[1].id).await.unwrap());
    eventually("Ada sees the second one skipped", || async {
        a.community(&id).await.is_ok_and(|c| {
            upcoming(&c, a.now())
                .get(1)
                .is_some_and(|o| o.state == OccurrenceState::Skipped)
        })
    })
    .await;

    a.end_series(&id, &series).await.unwrap();
    eventually("Bo sees the series ended", || async {
        b.community(&id)
            .await
            .is_ok_and(|c| upcoming(&c, a.now()).is_empty())
    })
    .await;
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}
