//! Gatherings as an iCalendar file (RFC 5545, written with the `icalendar` crate) for members'
//! own calendar apps: a gathering is one event in UTC; a series is one event with an `RRULE`
//! (`FREQ=WEEKLY;INTERVAL=2`, `FREQ=MONTHLY;BYDAY=2TU`), its skipped days as `EXDATE` and its
//! end as `UNTIL`. A series in a named zone (`Europe/Berlin`) starts at its local time with
//! `TZID`, so calendars keep it at 18:00 across daylight-saving changes; one in a zone without
//! a name is written in UTC.
//!
//! Text out only: the caller writes the file.

use chrono::{DateTime, NaiveDateTime, Utc};
use icalendar::{Calendar, CalendarDateTime, Component, Event, EventLike, Property};

use crate::model::recurrence::Repeat;
use crate::model::{Gathering, GatheringId, Series, SeriesId, Timestamp, local_time};

/// How long a gathering lasts in the calendar: copse does not ask.
pub const LENGTH_MS: i64 = 2 * 60 * 60 * 1000;

/// What goes into a calendar file.
#[derive(Default)]
pub struct Entries<'a> {
    pub gatherings: Vec<(&'a GatheringId, &'a Gathering)>,
    pub series: Vec<(&'a SeriesId, &'a Series)>,
}

fn utc(at: Timestamp) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at.0).unwrap_or_default()
}

/// The calendar for `entries` of the community `name`, stamped at `now`.
pub fn ics(name: &str, entries: &Entries<'_>, now: Timestamp) -> String {
    let mut calendar = Calendar::new();
    calendar.name(name);
    for (id, g) in &entries.gatherings {
        calendar.push(
            Event::new()
                .uid(&format!("gathering-{id}@copse"))
                .timestamp(utc(now))
                .summary(&g.title)
                .starts(utc(g.when))
                .ends(utc(Timestamp(g.when.0 + LENGTH_MS)))
                .done(),
        );
    }
    for (id, s) in &entries.series {
        if let Some(event) = series_event(id, s, now) {
            calendar.push(event);
        }
    }
    calendar.done().to_string()
}

/// The `RRULE` value for a rule.
pub fn rrule(rule: Repeat) -> String {
    match rule {
        Repeat::Weekly { every } => format!("FREQ=WEEKLY;INTERVAL={every}"),
        Repeat::Monthly { nth, weekday } => {
            let day = match weekday {
                jiff::civil::Weekday::Monday => "MO",
                jiff::civil::Weekday::Tuesday => "TU",
                jiff::civil::Weekday::Wednesday => "WE",
                jiff::civil::Weekday::Thursday => "TH",
                jiff::civil::Weekday::Friday => "FR",
                jiff::civil::Weekday::Saturday => "SA",
                jiff::civil::Weekday::Sunday => "SU",
            };
            format!("FREQ=MONTHLY;BYDAY={nth}{day}")
        }
    }
}

fn series_event(id: &SeriesId, s: &Series, now: Timestamp) -> Option<Event> {
    let rule = s.rule()?;
    let zone = s.zone();
    // A zone the calendar apps know by name; a POSIX rule they would not.
    let tzid = jiff::tz::TimeZone::get(&s.zone)
        .ok()
        .map(|_| s.zone.clone());
    let local = |at: Timestamp| -> Option<NaiveDateTime> {
        let (day, hour, minute) = local_time::civil(at, &zone)?;
        chrono::NaiveDate::from_ymd_opt(
            i32::from(day.year()),
            u32::try_from(day.month()).ok()?,
            u32::try_from(day.day()).ok()?,
        )?
        .and_hms_opt(u32::try_from(hour).ok()?, u32::try_from(minute).ok()?, 0)
    };
    let at = |when: Timestamp| -> Option<CalendarDateTime> {
        Some(match &tzid {
            Some(tzid) => CalendarDateTime::WithTimezone {
                date_time: local(when)?,
                tzid: tzid.clone(),
            },
            None => CalendarDateTime::Utc(utc(when)),
        })
    };
    // Calendars count DTSTART as an occurrence: start at the first day the rule gives (a
    // series typed on a Wednesday "monthly on the 1st Monday" starts on the next 1st Monday).
    let start = crate::model::recurrence::slots(rule, s.first, &zone, s.first, 12)
        .iter()
        .find_map(|slot| slot.when())?;
    let mut rrule = rrule(rule);
    if let Some(end) = s.ended_at {
        // UNTIL is inclusive; the series has no occurrence at `end` itself.
        let last = utc(Timestamp(end.0 - 1000));
        rrule.push_str(&format!(";UNTIL={}", last.format("%Y%m%dT%H%M%SZ")));
    }
    let mut event = Event::new();
    event
        .uid(&format!("series-{id}@copse"))
        .timestamp(utc(now))
        .summary(&s.title)
        .starts(at(start)?)
        .ends(at(Timestamp(start.0 + LENGTH_MS))?)
        .add_property("RRULE", rrule);
    let (_, hour, minute) = local_time::civil(s.first, &zone)?;
    for day in s.skipped.keys() {
        let Ok(date) = day.parse::<jiff::civil::Date>() else {
            continue;
        };
        let Ok(when) = local_time::from_civil(date, hour, minute, &zone) else {
            continue;
        };
        let mut exdate = match (&tzid, local(when)) {
            (Some(tzid), Some(local)) => {
                let mut p = Property::new("EXDATE", local.format("%Y%m%dT%H%M%S").to_string());
                p.add_parameter("TZID", tzid);
                p
            }
            _ => Property::new("EXDATE", utc(when).format("%Y%m%dT%H%M%SZ").to_string()),
        };
        event.append_multi_property(exdate.done());
    }
    Some(event.done())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::MemberId;

    /// The events an independent parser (the `ical` crate) reads back: per event, its
    /// properties as `NAME[;PARAM=V]` → value.
    fn parsed(text: &str) -> Vec<BTreeMap<String, Vec<String>>> {
        let mut calendars = ical::IcalParser::new(text.as_bytes());
        let calendar = calendars.next().unwrap().unwrap();
        assert!(calendars.next().is_none(), "one calendar");
        calendar
            .events
            .into_iter()
            .map(|e| {
                let mut props: BTreeMap<String, Vec<String>> = BTreeMap::new();
                for p in e.properties {
                    let params: String = p
                        .params
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(k, v)| format!(";{k}={}", v.join(",")))
                        .collect();
                    props
                        .entry(format!("{}{params}", p.name))
                        .or_default()
                        .push(p.value.unwrap_or_default());
                }
                props
            })
            .collect()
    }

    fn series(zone: &str, first: Timestamp) -> Series {
        Series {
            title: "Reading circle".into(),
            first,
            zone: zone.into(),
            repeat: "monthly:2:tue".into(),
            skipped: BTreeMap::from([("2027-04-13".to_string(), MemberId::from("bo".to_string()))]),
            ended_at: None,
            planned_by: None,
            planned_at: None,
        }
    }

    /// A gathering and a series (with a skipped day) in Berlin time, read back by `ical`: the
    /// series keeps its local 18:00 with its zone named, its rule and its exception.
    #[test]
    fn a_gathering_and_a_series_round_trip_through_an_independent_parser() {
        let berlin = local_time::Zone::from_spec("Europe/Berlin").unwrap();
        let first = local_time::from_civil("2027-03-09".parse().unwrap(), 18, 0, &berlin).unwrap();
        let now = Timestamp(first.0 - 7 * 24 * 3_600_000);
        let g = Gathering::new("Kick-off, with a comma; and more", first);
        let gid = GatheringId::from("g1".to_string());
        let sid = SeriesId::from("s1".to_string());
        let s = series("Europe/Berlin", first);
        let text = ics(
            "Gardeners",
            &Entries {
                gatherings: vec![(&gid, &g)],
                series: vec![(&sid, &s)],
            },
            now,
        );
        let events = parsed(&text);
        assert_eq!(events.len(), 2, "{text}");
        let one = &events[0];
        assert_eq!(one["UID"], ["gathering-g1@copse"]);
        assert_eq!(one["DTSTART"], ["20270309T170000Z"]);
        assert_eq!(one["DTEND"], ["20270309T190000Z"]);
        // Escaped when written, read back as written.
        assert_eq!(one["SUMMARY"], ["Kick-off\\, with a comma\\; and more"]);
        let series = &events[1];
        assert_eq!(series["UID"], ["series-s1@copse"]);
        assert_eq!(series["DTSTART;TZID=Europe/Berlin"], ["20270309T180000"]);
        assert_eq!(series["RRULE"], ["FREQ=MONTHLY;BYDAY=2TU"]);
        assert_eq!(series["EXDATE;TZID=Europe/Berlin"], ["20270413T180000"]);
        assert!(
            !series
                .keys()
                .any(|k| k.starts_with("RRULE") && series[k][0].contains("UNTIL"))
        );
    }

    /// A series in a zone calendars cannot name is written in UTC; an ended one has UNTIL.
    #[test]
    fn an_unnamed_zone_is_written_in_utc_and_an_end_as_until() {
        let first = Timestamp(1_796_317_200_000); // 2026-12-03 17:00 UTC
        let mut s = series("CET-1CEST,M3.5.0,M10.5.0/3", first);
        s.repeat = "weekly:2".into();
        s.skipped.clear();
        s.ended_at = Some(Timestamp(first.0 + 30 * 24 * 3_600_000));
        let sid = SeriesId::from("s".to_string());
        let text = ics(
            "G",
            &Entries {
                gatherings: vec![],
                series: vec![(&sid, &s)],
            },
            first,
        );
        let events = parsed(&text);
        assert_eq!(events[0]["DTSTART"], ["20261203T170000Z"]);
        assert_eq!(
            events[0]["RRULE"],
            ["FREQ=WEEKLY;INTERVAL=2;UNTIL=20270102T165959Z"]
        );
    }
}
