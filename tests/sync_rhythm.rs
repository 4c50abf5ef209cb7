//! Two members on loopback: a thanks, an action tick and a role change made by one show on the
//! other's node.

use copse::model::{Role, gathering};
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
    let when = gathering::parse_when("2030-03-01T18:00").unwrap();
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
