//! Gatherings, next actions and thanks from the command line, as a script would use them.

use crate::util::{Folder, far_from_today, ids};

/// A planned topic endorsed by the only member (Ada), or not endorsed.
fn planned_topic(f: &Folder, title: &str, endorse: bool) -> String {
    let id = f.ok(&["topic", "add", "--title", title]);
    f.ok(&["topic", "status", &id, "planned"]);
    if endorse {
        f.ok(&["topic", "endorse", &id]);
    }
    id
}

#[test]
fn planning_a_gathering_proposes_agenda_and_roles_and_writes_its_note() {
    planning_proposes_agenda_and_roles(Folder::with_community());
}

/// The clock, not the calendar of the day the test runs, decides what is upcoming.
#[test]
fn planning_and_listing_gatherings_holds_in_2020_and_in_2030() {
    for start in far_from_today() {
        planning_proposes_agenda_and_roles(Folder::at(start).with_a_community());
    }
}

/// Plans three gatherings (tomorrow evening, in five weeks, and over a year ago) and checks
/// the agenda, the roles, the meeting note and the upcoming/past split.
fn planning_proposes_agenda_and_roles(f: Folder) {
    let tomorrow = f.day(1, "18:00");
    let tomorrow_day = &tomorrow[..10];
    // A date alone, as a member may type it.
    let in_five_weeks = f.day(35, "00:00")[..10].to_string();
    let long_ago = f.day(-400, "00:00")[..10].to_string();
    let older = planned_topic(&f, "Soil health", false);
    let liked = planned_topic(&f, "Seed swap", true);
    let newer = planned_topic(&f, "Water", false);
    planned_topic(&f, "Pests", false);
    f.ok(&["topic", "add", "--title", "Only proposed"]);

    let planned = f.json(&["gathering", "plan", "--when", &tomorrow]);
    assert_eq!(planned["title"], format!("Gathering {tomorrow_day}"));
    assert_eq!(planned["when"], format!("{tomorrow}:00Z"));
    // Most endorsed first, then the oldest planned topics; three at most.
    let agenda: Vec<&str> = planned["agenda"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(agenda, [liked.as_str(), older.as_str(), newer.as_str()]);
    // Each pick says why it is there.
    assert_eq!(planned["agenda_why"][0]["topic"], liked.as_str());
    assert_eq!(planned["agenda_why"][0]["why"], "planned");
    assert_eq!(planned["agenda_why"][0]["endorsements"], 1);
    assert_eq!(planned["agenda_why"].as_array().unwrap().len(), 3);
    // Ada is the only member, so every role falls to her.
    for role in ["facilitator", "presenter", "note_taker"] {
        assert_eq!(planned["roles"][role]["name"], "Ada", "{role}");
    }
    let note = planned["note"].as_str().unwrap().to_string();
    let shown = f.json(&["note", "show", &note]);
    assert_eq!(shown["title"], format!("Gathering {tomorrow_day}"));
    let body = shown["body"].as_str().unwrap();
    assert!(
        body.contains("1. Seed swap\n2. Soil health\n3. Water"),
        "{body}"
    );
    let topics = f.json(&["topic", "list"]);
    let linked = topics
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["notes"][0] == note.as_str())
        .count();
    assert_eq!(
        linked, 3,
        "the meeting note is linked from each agenda topic"
    );

    // Not available for roles: the next suggestion leaves the roles open.
    f.ok(&["member", "available", "off"]);
    let later = f.json(&[
        "gathering",
        "plan",
        "--when",
        &in_five_weeks,
        "--title",
        "New year",
    ]);
    assert_eq!(later["title"], "New year");
    assert!(later["roles"]["facilitator"].is_null());
    let later_id = later["id"].as_str().unwrap().to_string();
    // Anyone may change the suggestion; members are named by id or name.
    assert_eq!(
        f.ok(&["gathering", "set-role", &later_id, "note-taker", "ada"]),
        "Note-taker: Ada"
    );
    let err = f.fails(&["gathering", "set-role", &later_id, "chair", "Ada"]);
    assert!(err.contains("'chair' is not a role"), "{err}");
    let err = f.fails(&["gathering", "set-role", &later_id, "presenter", "Zed"]);
    assert!(err.contains("Zed is not a member"), "{err}");

    let old = f.json(&["gathering", "plan", "--when", &long_ago]);
    let list = f.json(&["gathering", "list"]);
    assert_eq!(
        ids(&list["upcoming"]),
        [planned["id"].as_str().unwrap(), later_id.as_str()],
        "soonest first"
    );
    assert_eq!(ids(&list["past"]), [old["id"].as_str().unwrap()]);
    assert_eq!(list["upcoming"][1]["roles"]["note_taker"]["name"], "Ada");

    let human = f.ok(&["gathering", "list"]);
    assert!(
        human.contains("Upcoming:") && human.contains("Past:"),
        "{human}"
    );
    assert!(
        human.contains("agenda: Seed swap; Soil health; Water"),
        "{human}"
    );

    let err = f.fails(&["gathering", "plan", "--when", "next tuesday"]);
    assert!(err.contains("is not a date"), "{err}");
}

#[test]
fn next_actions_are_listed_per_member_and_ticked_off() {
    let f = Folder::with_community();
    assert_eq!(f.ok(&["actions"]), "no open actions");
    let case = f.ok(&["case", "open", "--title", "Reviews", "--situation", "Stuck"]);
    f.ok(&["case", "advance", &case]);
    f.ok(&["case", "advance", &case]);
    f.ok(&[
        "case",
        "close",
        &case,
        "--outcome",
        "Pilot with one team",
        "--action",
        "Ask the lead",
        "--action-for",
        "Ada",
        "Write it up",
    ]);
    let open = f.json(&["actions", "--mine"]);
    assert_eq!(open.as_array().unwrap().len(), 2);
    assert!(
        open.as_array()
            .unwrap()
            .iter()
            .all(|a| a["owner_name"] == "Ada")
    );
    let ask = open
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["text"] == "Ask the lead")
        .unwrap();
    let ask_id = ask["id"].as_str().unwrap().to_string();
    assert_eq!(ask["case"], case.as_str());

    assert_eq!(f.ok(&["actions", "done", &case, &ask_id]), "done");
    assert_eq!(
        f.ok(&["actions", "done", &case, &ask_id]),
        "this action was already done"
    );
    let open = f.json(&["actions", "--member", "ada"]);
    assert_eq!(open.as_array().unwrap().len(), 1);
    assert_eq!(open[0]["text"], "Write it up");
    let all = f.json(&["actions", "--all"]);
    assert_eq!(all.as_array().unwrap().len(), 2);
    let human = f.ok(&["actions"]);
    assert!(human.starts_with("Ada:\n  [ ] Write it up"), "{human}");

    let err = f.fails(&["actions", "--member", "Zed"]);
    assert!(err.contains("Zed is not a member"), "{err}");
    let err = f.fails(&[
        "case",
        "close",
        &case,
        "--outcome",
        "x",
        "--action-for",
        "Zed",
        "y",
    ]);
    assert!(err.contains("Zed is not a member"), "{err}");
}

#[test]
fn thanking_your_own_note_is_refused_with_a_reason() {
    let f = Folder::with_community();
    let note = f.ok(&["note", "add", "--title", "Compost"]);
    let err = f.fails(&["thank", "note", &note]);
    assert!(
        err.contains("cannot thank yourself for your own note"),
        "{err}"
    );
    assert_eq!(
        f.json(&["note", "show", &note])["thanks"],
        serde_json::json!([])
    );
}

/// Regression: every time was shown and typed in UTC. A date is typed, and times are shown, in
/// the viewer's zone (TZ, here Moscow's rule: UTC+3 all year) with the zone named; JSON stays
/// UTC.
#[test]
fn gathering_times_are_typed_and_shown_in_the_viewers_time_zone() {
    let f = Folder::with_community();
    let tz = |args: &[&str], json: bool| {
        let mut all = if json { vec!["--json"] } else { vec![] };
        all.extend_from_slice(args);
        let out = f.command(&all).env("TZ", "MSK-3").output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    // A proposed topic the group endorsed goes on the agenda, saying so.
    let mulch = f.ok(&["topic", "add", "--title", "Mulch"]);
    f.ok(&["topic", "endorse", &mulch]);
    let evening = f.day(7, "18:00").replace('T', " ");
    let day = &evening[..10];
    let planned: serde_json::Value =
        serde_json::from_str(&tz(&["gathering", "plan", "--when", &evening], true)).unwrap();
    assert_eq!(
        planned["when"],
        format!("{day}T15:00:00Z"),
        "18:00 in Moscow"
    );
    assert_eq!(planned["agenda"][0]["id"], mulch.as_str());
    assert_eq!(planned["agenda_why"][0]["why"], "endorsed");
    let listed = tz(&["gathering", "list"], false);
    assert!(listed.contains(&format!("{day} 18:00 MSK")), "{listed}");
    // The same gathering seen from a machine set to UTC.
    let listed = f.ok(&["gathering", "list"]);
    assert!(listed.contains(&format!("{day} 15:00 UTC")), "{listed}");
    // A refusal names the forms the help names.
    let err = f.fails(&["gathering", "plan", "--when", "next tuesday"]);
    assert!(
        err.contains("use YYYY-MM-DD or YYYY-MM-DD HH:MM, in your local time"),
        "{err}"
    );
}

/// A series every two weeks from tomorrow: its next occurrences with roles, one skipped, a bad
/// rule refused with the forms it takes, and ending it leaves nothing ahead.
#[test]
fn a_series_lists_its_next_occurrences_skips_one_and_ends() {
    let f = Folder::with_community();
    let tomorrow = f.day(1, "18:00");
    let refusal = f.fails(&[
        "gathering",
        "plan",
        "--when",
        &tomorrow,
        "--repeat",
        "daily",
    ]);
    assert!(refusal.contains("monthly:NTH:WEEKDAY"), "{refusal}");

    let planned = f.json(&[
        "gathering",
        "plan",
        "--when",
        &tomorrow,
        "--repeat",
        "weekly:2",
        "--title",
        "Circle",
    ]);
    assert_eq!(planned["repeat"], "weekly:2");
    assert_eq!(planned["zone"], "UTC0", "the organiser's zone is kept");
    let series = planned["id"].as_str().unwrap().to_string();

    let list = f.json(&["gathering", "list", "--ahead", "3"]);
    let occurrences = list["occurrences"].as_array().unwrap();
    let days: Vec<&str> = occurrences
        .iter()
        .map(|o| o["day"].as_str().unwrap())
        .collect();
    assert_eq!(
        days,
        [
            &f.day(1, "")[..10],
            &f.day(15, "")[..10],
            &f.day(29, "")[..10]
        ]
    );
    assert_eq!(occurrences[0]["when"], format!("{tomorrow}:00Z"));
    assert_eq!(occurrences[0]["roles"]["facilitator"]["name"], "Ada");
    assert!(occurrences.iter().all(|o| o["state"] == "planned"));

    let second = occurrences[1]["id"].as_str().unwrap().to_string();
    assert_eq!(second, format!("{series}@{}", &f.day(15, "")[..10]));
    f.ok(&["gathering", "skip", &second]);
    let list = f.json(&["gathering", "list", "--ahead", "3"]);
    assert_eq!(list["occurrences"][1]["state"], "skipped");
    assert_eq!(list["occurrences"][2]["state"], "planned");
    let text = f.ok(&["gathering", "list"]);
    assert!(text.contains("(skipped)"), "{text}");
    let wrong_day = format!("{series}@{}", &f.day(16, "")[..10]);
    assert!(
        f.fails(&["gathering", "skip", &wrong_day])
            .contains("not an occurrence")
    );

    f.ok(&["gathering", "end", &series]);
    let list = f.json(&["gathering", "list"]);
    assert_eq!(list["occurrences"].as_array().unwrap().len(), 0);
}

/// A role the community adds is listed after the built-in ones, filled by the rotation when a
/// gathering is planned, and given like any other; an unknown role is refused.
#[test]
fn a_custom_role_is_added_listed_and_filled_by_rotation() {
    let f = Folder::with_community();
    f.ok(&["role", "add", "Host"]);
    assert!(
        f.fails(&["role", "add", "host"])
            .contains("already has a role")
    );
    let roles = f.json(&["role", "list"]);
    let names: Vec<&str> = roles
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Facilitator", "Presenter", "Note-taker", "Host"]);
    assert_eq!(roles[3]["built_in"], false);

    let planned = f.json(&["gathering", "plan", "--when", &f.day(1, "18:00")]);
    assert_eq!(planned["roles"]["custom"]["Host"]["name"], "Ada");
    let id = planned["id"].as_str().unwrap().to_string();
    f.ok(&["gathering", "set-role", &id, "host", "nobody"]);
    let list = f.json(&["gathering", "list"]);
    assert_eq!(
        list["upcoming"][0]["roles"]["custom"]["Host"],
        serde_json::Value::Null
    );
    assert!(
        f.fails(&["gathering", "set-role", &id, "Baker", "Ada"])
            .contains("not a role here")
    );
}

/// `gathering ics` writes every upcoming gathering and series, or just the one named.
#[test]
fn gatherings_and_series_are_written_as_an_icalendar_file() {
    let f = Folder::with_community();
    let one = f.json(&["gathering", "plan", "--when", &f.day(2, "18:00")]);
    let series = f.json(&[
        "gathering",
        "plan",
        "--when",
        &f.day(3, "19:30"),
        "--repeat",
        "monthly:1:mon",
    ]);
    let file = f.path().join("all.ics");
    let wrote = f.json(&["gathering", "ics", "--out", file.to_str().unwrap()]);
    assert_eq!(wrote["events"], 2);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("BEGIN:VCALENDAR"), "{text}");
    assert!(text.contains(&format!(
        "UID:gathering-{}@copse",
        one["id"].as_str().unwrap()
    )));
    assert!(text.contains("RRULE:FREQ=MONTHLY;BYDAY=1MO"), "{text}");

    let only = f.path().join("series.ics");
    let series_id = series["id"].as_str().unwrap();
    f.ok(&[
        "gathering",
        "ics",
        series_id,
        "--out",
        only.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&only).unwrap();
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 1);
    assert!(
        f.fails(&["gathering", "ics", "nope", "--out", only.to_str().unwrap()])
            .contains("no gathering")
    );
}

/// A gathering half an hour away shows in the in-app list, unread until seen; turning the
/// kind off on this device hides it.
#[test]
fn notifications_list_a_gathering_about_to_start_and_each_kind_can_be_turned_off() {
    let f = Folder::at(far_from_today()[1]).with_a_community();
    assert_eq!(f.json(&["notifications"])["unread"], 0);
    // 2030-01-01 00:30 UTC: half an hour after the folder's clock.
    f.ok(&["gathering", "plan", "--when", &f.day(0, "00:30")]);
    let list = f.json(&["notifications"]);
    assert_eq!(list["unread"], 1);
    assert_eq!(list["items"][0]["kind"], "gathering-soon");
    assert_eq!(list["items"][0]["unread"], true);
    f.ok(&["notifications", "--seen"]);
    let list = f.json(&["notifications"]);
    assert_eq!(
        (list["unread"].clone(), list["items"][0]["unread"].clone()),
        (0.into(), false.into())
    );
    let list = f.json(&["notifications", "--off", "gathering-soon"]);
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    assert_eq!(list["off"][0], "gathering-soon");
    assert!(
        f.fails(&["notifications", "--off", "everything"])
            .contains("not a kind")
    );
}

/// A meeting from the command line: who is there, groups, and the shared timer that stands
/// still while paused and moves on to the next item.
#[test]
fn a_meeting_records_attendance_makes_groups_and_runs_its_timer() {
    // At noon, far from midnight, so "today" stays the same day for the whole test.
    let noon = far_from_today()[1] + chrono::Duration::hours(12);
    let f = Folder::at(noon).with_a_community();
    let soil = planned_topic(&f, "Soil health", true);
    let seeds = planned_topic(&f, "Seed swap", false);
    let today = f.day(0, "23:59");
    let g = f.json(&["gathering", "plan", "--when", &today]);
    let id = g["id"].as_str().unwrap().to_string();
    f.ok(&["gathering", "agenda", &id, &soil, &seeds]);

    // Attendance: me by default, recorded once.
    let there = f.json(&["gathering", "attend", &id]);
    assert_eq!(there["attended"][0]["name"], "Ada");
    assert_eq!(there["changed"].as_array().unwrap().len(), 1);
    let again = f.json(&["gathering", "attend", &id, "Ada"]);
    assert!(again["changed"].as_array().unwrap().is_empty());
    assert!(
        f.fails(&["gathering", "attend", &id, "Zed"])
            .contains("Zed")
    );
    let listed = f.json(&["gathering", "list"]);
    assert_eq!(listed["upcoming"][0]["attended"][0]["name"], "Ada");

    // Groups: alone, Ada is one group of one; sizes outside 2–5 are refused.
    let groups = f.json(&[
        "gathering",
        "groups",
        &id,
        "--size",
        "2",
        "--activity",
        "Pairs",
    ]);
    assert_eq!(groups["activity"], "Pairs");
    assert_eq!(groups["groups"][0]["members"][0]["name"], "Ada");
    assert!(
        f.fails(&["gathering", "groups", &id, "--size", "7"])
            .contains("from 2 to 5")
    );
    let grouping = groups["id"].as_str().unwrap();
    f.ok(&[
        "gathering",
        "debrief",
        &id,
        grouping,
        "1",
        "Compost needs air",
    ]);

    // The meeting now: the agenda's steps, 15 minutes each, not yet started.
    let now = f.json(&["gathering", "now", &id]);
    assert_eq!(now["steps"][0]["label"], "Soil health");
    assert_eq!(now["steps"][1]["minutes"], 15);
    assert_eq!(now["remaining"], "15:00");
    assert_eq!(now["running"], false);
    assert_eq!(
        now["groupings"][0]["groups"][0]["debrief"],
        "Compost needs air"
    );
    // Without an id: today's gathering.
    assert_eq!(f.json(&["gathering", "now"])["id"], id.as_str());

    f.ok(&["gathering", "timebox", &id, &format!("topic:{seeds}"), "20"]);
    let started = f.json(&["gathering", "timer", &id, "start"]);
    assert_eq!(started["running"], true);
    let paused = f.json(&["gathering", "timer", &id, "pause"]);
    assert_eq!(paused["running"], false);
    // Paused, the time left stands still from one command to the next.
    let later = f.json(&["gathering", "now", &id]);
    assert_eq!(later["remaining_ms"], paused["remaining_ms"]);
    let next = f.json(&["gathering", "timer", &id, "next"]);
    assert_eq!(next["current"], 1);
    assert_eq!(next["remaining"], "20:00");
    let last = f.fails(&["gathering", "timer", &id, "next"]);
    assert!(last.contains("last item"), "{last}");
}
