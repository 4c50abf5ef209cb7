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
