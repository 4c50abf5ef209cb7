//! When a series of gatherings meets: the repeat rule (`weekly[:N]`, `monthly:NTH:WEEKDAY`)
//! and the dates it gives, computed in the organiser's time zone so that a gathering at 18:00
//! stays at 18:00 local time across daylight-saving changes (the UTC instant moves instead).
//!
//! Pure date arithmetic on jiff's civil dates: no clock, no documents. The series itself (its
//! skipped days, its end) is [`crate::model::series`].

use std::fmt;
use std::str::FromStr;

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};

use crate::model::{ModelError, Timestamp, local_time};

/// The forms a repeat rule takes: the one wording for hints and errors alike.
pub const REPEAT_HINT: &str =
    "weekly, weekly:N (every N weeks) or monthly:NTH:WEEKDAY (e.g. monthly:2:tue)";

/// The most occurrences any listing computes, whatever it asks for: loops stay bounded.
pub const MAX_OCCURRENCES: usize = 200;

/// How a series repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repeat {
    /// Every `every` weeks (1..=52) on the first occurrence's weekday.
    Weekly { every: u8 },
    /// On the `nth` (1..=5) `weekday` of each month; a month without a 5th one is skipped.
    Monthly { nth: u8, weekday: Weekday },
}

const WEEKDAYS: [(Weekday, &str, &str); 7] = [
    (Weekday::Monday, "mon", "monday"),
    (Weekday::Tuesday, "tue", "tuesday"),
    (Weekday::Wednesday, "wed", "wednesday"),
    (Weekday::Thursday, "thu", "thursday"),
    (Weekday::Friday, "fri", "friday"),
    (Weekday::Saturday, "sat", "saturday"),
    (Weekday::Sunday, "sun", "sunday"),
];

fn weekday_short(day: Weekday) -> &'static str {
    WEEKDAYS
        .iter()
        .find(|(d, ..)| *d == day)
        .map(|(_, short, _)| *short)
        .unwrap_or("mon")
}

fn weekday_long(day: Weekday) -> &'static str {
    WEEKDAYS
        .iter()
        .find(|(d, ..)| *d == day)
        .map(|(.., long)| *long)
        .unwrap_or("monday")
}

fn ordinal(n: u8) -> &'static str {
    match n {
        1 => "1st",
        2 => "2nd",
        3 => "3rd",
        4 => "4th",
        _ => "5th",
    }
}

impl Repeat {
    /// The rule for people: "every week", "every 4 weeks", "monthly on the 2nd Tuesday".
    pub fn describe(&self) -> String {
        match *self {
            Repeat::Weekly { every: 1 } => "every week".into(),
            Repeat::Weekly { every } => format!("every {every} weeks"),
            Repeat::Monthly { nth, weekday } => {
                let day = weekday_long(weekday);
                let mut name = day[..1].to_ascii_uppercase();
                name.push_str(&day[1..]);
                format!("monthly on the {} {name}", ordinal(nth))
            }
        }
    }
}

impl fmt::Display for Repeat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Repeat::Weekly { every: 1 } => f.write_str("weekly"),
            Repeat::Weekly { every } => write!(f, "weekly:{every}"),
            Repeat::Monthly { nth, weekday } => {
                write!(f, "monthly:{nth}:{}", weekday_short(weekday))
            }
        }
    }
}

impl FromStr for Repeat {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Repeat, ModelError> {
        let given = s.trim().to_ascii_lowercase();
        let invalid = || ModelError::InvalidRepeat(s.trim().chars().take(40).collect());
        let parts: Vec<&str> = given.split(':').map(str::trim).collect();
        match parts.as_slice() {
            ["weekly"] => Ok(Repeat::Weekly { every: 1 }),
            ["weekly", n] => match n.parse::<u8>() {
                Ok(every @ 1..=52) => Ok(Repeat::Weekly { every }),
                _ => Err(invalid()),
            },
            ["monthly", nth, day] => {
                let nth = match nth.parse::<u8>() {
                    Ok(n @ 1..=5) => n,
                    _ => return Err(invalid()),
                };
                let weekday = WEEKDAYS
                    .iter()
                    .find(|(_, short, long)| day == short || day == long)
                    .map(|(d, ..)| *d)
                    .ok_or_else(invalid)?;
                Ok(Repeat::Monthly { nth, weekday })
            }
            _ => Err(invalid()),
        }
    }
}

/// One date a series gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Slot {
    /// The series meets on `day` (in the organiser's zone) at `when`.
    On { day: Date, when: Timestamp },
    /// The month has no such weekday (no 5th Tuesday): no gathering that month.
    NoSuchDay { year: i16, month: i8 },
}

impl Slot {
    /// When it starts, if it is a real date.
    pub fn when(&self) -> Option<Timestamp> {
        match self {
            Slot::On { when, .. } => Some(*when),
            Slot::NoSuchDay { .. } => None,
        }
    }
}

/// The `nth` `weekday` of the month, if the month has one.
pub fn nth_weekday(year: i16, month: i8, nth: u8, weekday: Weekday) -> Option<Date> {
    let first = Date::new(year, month, 1).ok()?;
    let day = first
        .nth_weekday_of_month(i8::try_from(nth).ok()?, weekday)
        .ok()?;
    (day.month() == month).then_some(day)
}

/// The slots of a series that first meets at `first` in `zone`, repeating by `repeat`, from
/// the one that contains `from` on (slots ending before `from` are left out), at most `count`
/// (and at most [`MAX_OCCURRENCES`]). Each meets at the first one's local time of day.
pub fn slots(
    repeat: Repeat,
    first: Timestamp,
    zone: &local_time::Zone,
    from: Timestamp,
    count: usize,
) -> Vec<Slot> {
    let Some((first_day, hour, minute)) = local_time::civil(first, zone) else {
        return Vec::new();
    };
    let count = count.min(MAX_OCCURRENCES);
    let from_day = local_time::civil(from.max(first), zone)
        .map(|(d, ..)| d)
        .unwrap_or(first_day);
    let at = |day: Date| local_time::from_civil(day, hour, minute, zone).ok();
    let mut out = Vec::with_capacity(count);
    match repeat {
        Repeat::Weekly { every } => {
            let step = i64::from(every) * 7;
            let behind = first_day
                .until(from_day)
                .map(|s| i64::from(s.get_days()))
                .unwrap_or(0)
                .max(0);
            // Start one step before `from`'s day, so a gathering later today is kept.
            let start = (behind / step - 1).max(0);
            // Bounded: at most `count` kept plus the few before `from`.
            for k in start..start + count as i64 + 3 {
                let Ok(day) = first_day.checked_add((k * step).days()) else {
                    break;
                };
                let Some(when) = at(day) else { continue };
                if when < from || when < first {
                    continue;
                }
                out.push(Slot::On { day, when });
                if out.len() == count {
                    break;
                }
            }
        }
        Repeat::Monthly { nth, weekday } => {
            let months = |d: Date| i64::from(d.year()) * 12 + i64::from(d.month()) - 1;
            let start = months(from_day).max(months(first_day)) - 1;
            for m in start..start + count as i64 * 2 + 3 {
                let (year, month) = (m.div_euclid(12), m.rem_euclid(12) + 1);
                let (Ok(year), Ok(month)) = (i16::try_from(year), i8::try_from(month)) else {
                    break;
                };
                match nth_weekday(year, month, nth, weekday) {
                    Some(day) => {
                        let Some(when) = at(day) else { continue };
                        if when < from || when < first {
                            continue;
                        }
                        out.push(Slot::On { day, when });
                    }
                    None => {
                        let month_start = Date::new(year, month, 1).ok().and_then(at);
                        // Only months that are not yet over, from the series' first month on.
                        let month_end = Date::new(year, month, 1)
                            .ok()
                            .map(|d| d.last_of_month())
                            .and_then(|d| local_time::from_civil(d, 23, 59, zone).ok());
                        if month_end.is_some_and(|e| e >= from)
                            && month_start.is_some_and(|s| s >= start_of(first_day, zone))
                        {
                            out.push(Slot::NoSuchDay { year, month });
                        }
                    }
                }
                if out.len() >= count {
                    break;
                }
            }
        }
    }
    out
}

fn start_of(day: Date, zone: &local_time::Zone) -> Timestamp {
    local_time::from_civil(day, 0, 0, zone).unwrap_or(Timestamp(i64::MIN))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BERLIN: &str = "CET-1CEST,M3.5.0,M10.5.0/3";

    fn zone() -> local_time::Zone {
        local_time::Zone::posix(BERLIN).unwrap()
    }

    fn at(day: &str, hour: i8, minute: i8) -> Timestamp {
        let d: Date = day.parse().unwrap();
        local_time::from_civil(d, hour, minute, &zone()).unwrap()
    }

    fn days(slots: &[Slot]) -> Vec<String> {
        slots
            .iter()
            .map(|s| match s {
                Slot::On { day, .. } => day.to_string(),
                Slot::NoSuchDay { year, month } => format!("no {year}-{month:02}"),
            })
            .collect()
    }

    #[test]
    fn rules_read_as_typed_and_print_back() {
        for (text, rule) in [
            ("weekly", Repeat::Weekly { every: 1 }),
            ("weekly:4", Repeat::Weekly { every: 4 }),
            (
                "monthly:2:tue",
                Repeat::Monthly {
                    nth: 2,
                    weekday: Weekday::Tuesday,
                },
            ),
        ] {
            assert_eq!(text.parse::<Repeat>().unwrap(), rule);
            assert_eq!(rule.to_string(), text);
        }
        assert_eq!(
            " Monthly:5:Thursday ".parse::<Repeat>().unwrap().describe(),
            "monthly on the 5th Thursday"
        );
        for bad in [
            "",
            "daily",
            "weekly:0",
            "weekly:53",
            "monthly:6:tue",
            "monthly:2:xyz",
            "monthly:2",
        ] {
            assert!(
                matches!(bad.parse::<Repeat>(), Err(ModelError::InvalidRepeat(_))),
                "{bad}"
            );
        }
    }

    /// Every 4 weeks from a Tuesday, across a month end and the year's end.
    #[test]
    fn every_n_weeks_keeps_the_weekday_across_month_and_year_ends() {
        let first = at("2026-11-24", 18, 0);
        let slots = slots(Repeat::Weekly { every: 4 }, first, &zone(), first, 4);
        assert_eq!(
            days(&slots),
            ["2026-11-24", "2026-12-22", "2027-01-19", "2027-02-16"]
        );
    }

    /// A later `from` starts at the next occurrence, and one later today is still listed.
    #[test]
    fn listing_from_later_starts_at_the_next_occurrence() {
        let first = at("2026-11-24", 18, 0);
        let now = at("2026-12-22", 9, 0);
        let list = slots(Repeat::Weekly { every: 1 }, first, &zone(), now, 2);
        assert_eq!(days(&list), ["2026-12-22", "2026-12-29"]);
        let evening = at("2026-12-22", 19, 0);
        let list = slots(Repeat::Weekly { every: 1 }, first, &zone(), evening, 1);
        assert_eq!(days(&list), ["2026-12-29"]);
    }

    /// The 5th Tuesday exists only in some months; the others are named, not silently dropped.
    #[test]
    fn a_fifth_tuesday_that_does_not_exist_is_a_month_without_a_gathering() {
        let rule = Repeat::Monthly {
            nth: 5,
            weekday: Weekday::Tuesday,
        };
        let first = at("2026-12-29", 18, 0);
        let list = slots(rule, first, &zone(), first, 4);
        assert_eq!(
            days(&list),
            ["2026-12-29", "no 2027-01", "no 2027-02", "2027-03-30"]
        );
    }

    /// The 2nd Tuesday of each month, over month ends of 28, 30 and 31 days.
    #[test]
    fn the_nth_weekday_of_each_month() {
        let rule: Repeat = "monthly:2:tue".parse().unwrap();
        let first = at("2027-01-12", 18, 30);
        let list = slots(rule, first, &zone(), first, 5);
        assert_eq!(
            days(&list),
            [
                "2027-01-12",
                "2027-02-09",
                "2027-03-09",
                "2027-04-13",
                "2027-05-11"
            ]
        );
        assert_eq!(nth_weekday(2027, 2, 5, Weekday::Monday), None);
        assert_eq!(
            nth_weekday(2028, 2, 5, Weekday::Tuesday).map(|d| d.to_string()),
            Some("2028-02-29".into()),
            "a leap February has a 5th Tuesday in 2028"
        );
    }

    /// 18:00 in Berlin is 17:00 UTC in winter and 16:00 UTC in summer: the local time holds.
    #[test]
    fn the_local_time_holds_across_a_daylight_saving_change() {
        let first = at("2027-03-16", 18, 0);
        let list = slots(Repeat::Weekly { every: 1 }, first, &zone(), first, 3);
        let utc: Vec<String> = list
            .iter()
            .filter_map(|s| s.when())
            .map(|t| t.to_rfc3339())
            .collect();
        assert_eq!(
            utc,
            [
                "2027-03-16T17:00:00Z",
                "2027-03-23T17:00:00Z",
                "2027-03-30T16:00:00Z"
            ]
        );
        for slot in &list {
            let when = slot.when().unwrap();
            assert!(local_time::date_time(when, &zone()).contains("18:00"));
        }
    }

    #[test]
    fn listings_are_bounded() {
        let first = at("2026-11-24", 18, 0);
        let list = slots(Repeat::Weekly { every: 1 }, first, &zone(), first, 10_000);
        assert_eq!(list.len(), MAX_OCCURRENCES);
    }
}
