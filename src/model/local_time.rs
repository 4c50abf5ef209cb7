//! Times as the viewer reads them: in their own time zone, with the zone named (`2026-12-03
//! 18:00 CET`), and dates typed in it read back. The one place every view, the CLI's human
//! output and exported pages format a [`Timestamp`] (its `Display` comes here) or read a typed
//! date (`gathering::parse_when`).
//!
//! Which zone is the viewer's is decided once, by the program's entry (`main`): the `TZ`
//! environment variable, else the system's zone ([`Zone::system`], handed to
//! [`set_viewer_zone`]). Until then (in tests, and for library users) it is UTC, so nothing here
//! depends on the machine's zone unless asked to. Every function also takes a zone, for tests.
//! JSON keeps RFC 3339 in UTC ([`Timestamp::to_rfc3339`]): machines get one unambiguous form.

use std::sync::OnceLock;

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;

use crate::model::{ModelError, Timestamp};

/// A time zone to show times in, with the POSIX rule it was made from, if any (jiff cannot
/// give one back, and a series stores its organiser's zone by [`Zone::spec`]).
#[derive(Clone, Debug)]
pub struct Zone(TimeZone, Option<String>);

impl Zone {
    /// UTC.
    pub fn utc() -> Zone {
        Zone(TimeZone::UTC, None)
    }

    /// The viewer's zone as the system says: `TZ` if set (an IANA name such as
    /// `Europe/Berlin`, or a POSIX rule), else the system's setting; UTC if neither is readable.
    pub fn system() -> Zone {
        // A POSIX rule in `TZ` is kept, so that a series planned here can name it.
        let rule = std::env::var("TZ")
            .ok()
            .filter(|tz| TimeZone::get(tz).is_err() && TimeZone::posix(tz).is_ok());
        Zone(TimeZone::try_system().unwrap_or(TimeZone::UTC), rule)
    }

    /// A zone from a POSIX rule such as `CET-1CEST,M3.5.0,M10.5.0/3`: no time zone database
    /// needed, so tests read the same on every machine.
    pub fn posix(rule: &str) -> Result<Zone, ModelError> {
        TimeZone::posix(rule)
            .map(|tz| Zone(tz, Some(rule.to_string())))
            .map_err(|_| ModelError::InvalidDate(format!("time zone {rule}")))
    }

    /// The zone [`Zone::spec`] names: an IANA name from the time zone database, else a POSIX
    /// rule.
    pub fn from_spec(spec: &str) -> Result<Zone, ModelError> {
        match TimeZone::get(spec) {
            Ok(tz) => Ok(Zone(tz, None)),
            Err(_) => Zone::posix(spec),
        }
    }

    /// What names this zone for storing: its IANA name (`Europe/Berlin`), the POSIX rule it was
    /// made from, else `UTC` (a system zone without a name).
    pub fn spec(&self) -> String {
        match (self.0.iana_name(), &self.1) {
            (Some(name), _) => name.to_string(),
            (None, Some(rule)) => rule.clone(),
            (None, None) => "UTC".into(),
        }
    }

    /// The zone's name for people: its IANA name (`Europe/Berlin`) when it has a place name,
    /// else the abbreviation it uses at `at` (`CET`, `UTC`).
    pub fn name(&self, at: Timestamp) -> String {
        match self.0.iana_name() {
            Some(name) if !name.starts_with("Etc/") => name.to_string(),
            _ => format_in(at, self, "%Z"),
        }
    }
}

static VIEWER: OnceLock<Zone> = OnceLock::new();

/// Sets the viewer's zone for the life of the process (the first call wins).
pub fn set_viewer_zone(zone: Zone) {
    let _ = VIEWER.set(zone);
}

/// The viewer's zone: what [`set_viewer_zone`] set, else UTC.
pub fn viewer_zone() -> Zone {
    VIEWER.get().cloned().unwrap_or_else(Zone::utc)
}

fn format_in(at: Timestamp, zone: &Zone, pattern: &str) -> String {
    jiff::Timestamp::from_millisecond(at.0)
        .and_then(|t| jiff::fmt::strtime::format(pattern, &t.to_zoned(zone.0.clone())))
        .unwrap_or_else(|_| format!("{}ms", at.0))
}

/// Date and time in `zone`, the zone named by its abbreviation: `2026-12-03 18:00 CET`.
pub fn date_time(at: Timestamp, zone: &Zone) -> String {
    format_in(at, zone, "%Y-%m-%d %H:%M %Z")
}

/// The day of `at` in `zone`: `2026-12-03`.
pub fn day(at: Timestamp, zone: &Zone) -> String {
    format_in(at, zone, "%Y-%m-%d")
}

/// The day of `at` in `zone` as people write it: `5 Mar 2025`.
pub fn long_day(at: Timestamp, zone: &Zone) -> String {
    format_in(at, zone, "%-d %b %Y")
}

/// The day and the time of day of `at` in `zone`, for a date picker and its time fields.
pub fn civil(at: Timestamp, zone: &Zone) -> Option<(Date, i8, i8)> {
    let t = jiff::Timestamp::from_millisecond(at.0).ok()?;
    let local = t.to_zoned(zone.0.clone()).datetime();
    Some((local.date(), local.hour(), local.minute()))
}

/// The moment a day and a time of day name in `zone`. A time that a clock change skips or
/// repeats is read as the clock most likely meant (jiff's "compatible" choice).
pub fn from_civil(day: Date, hour: i8, minute: i8, zone: &Zone) -> Result<Timestamp, ModelError> {
    let invalid = || ModelError::InvalidDate(format!("{day} {hour:02}:{minute:02}"));
    let at = DateTime::new(day.year(), day.month(), day.day(), hour, minute, 0, 0)
        .map_err(|_| invalid())?;
    let t = zone
        .0
        .to_ambiguous_zoned(at)
        .compatible()
        .map_err(|_| invalid())?;
    Ok(Timestamp(t.timestamp().as_millisecond()))
}

/// Midnight at the start of the day of `at` in `zone`: where "today" begins for the viewer.
pub fn start_of_day(at: Timestamp, zone: &Zone) -> Timestamp {
    civil(at, zone)
        .and_then(|(day, _, _)| from_civil(day, 0, 0, zone).ok())
        .unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_begins_at_the_viewers_midnight() {
        let tokyo = Zone::posix("JST-9").unwrap();
        // 17:00 UTC on 3 Dec is 02:00 on 4 Dec in Tokyo: its day began at 15:00 UTC.
        assert_eq!(
            start_of_day(WINTER_EVENING, &tokyo),
            Timestamp(WINTER_EVENING.0 - 2 * 3_600_000)
        );
        assert_eq!(
            start_of_day(WINTER_EVENING, &Zone::utc()),
            Timestamp(WINTER_EVENING.0 - 17 * 3_600_000)
        );
    }

    const BERLIN: &str = "CET-1CEST,M3.5.0,M10.5.0/3";

    /// 2026-12-03 17:00 UTC.
    const WINTER_EVENING: Timestamp = Timestamp(1_796_317_200_000);

    #[test]
    fn a_time_reads_in_the_viewers_zone_with_the_zone_named() {
        let berlin = Zone::posix(BERLIN).unwrap();
        assert_eq!(
            date_time(WINTER_EVENING, &Zone::utc()),
            "2026-12-03 17:00 UTC"
        );
        assert_eq!(date_time(WINTER_EVENING, &berlin), "2026-12-03 18:00 CET");
        // Summer time is named too.
        let july = Timestamp(WINTER_EVENING.0 - 150 * 24 * 3_600_000);
        assert_eq!(date_time(july, &berlin), "2026-07-06 19:00 CEST");
        assert_eq!(berlin.name(WINTER_EVENING), "CET");
    }

    #[test]
    fn the_day_is_the_viewers_day() {
        let tokyo = Zone::posix("JST-9").unwrap();
        // 17:00 UTC is already the next day in Tokyo.
        assert_eq!(day(WINTER_EVENING, &Zone::utc()), "2026-12-03");
        assert_eq!(day(WINTER_EVENING, &tokyo), "2026-12-04");
        assert_eq!(long_day(WINTER_EVENING, &tokyo), "4 Dec 2026");
    }

    #[test]
    fn a_picked_day_and_time_round_trip_in_the_zone() {
        let berlin = Zone::posix(BERLIN).unwrap();
        let (d, h, m) = civil(WINTER_EVENING, &berlin).unwrap();
        assert_eq!((d.to_string(), h, m), ("2026-12-03".to_string(), 18, 0));
        assert_eq!(from_civil(d, h, m, &berlin).unwrap(), WINTER_EVENING);
        assert!(from_civil(d, 24, 0, &berlin).is_err());
        assert!(from_civil(d, 10, 61, &berlin).is_err());
    }

    #[test]
    fn the_viewer_zone_is_utc_until_set_and_timestamps_display_in_it() {
        // Unit tests never set it: the machine's zone plays no part.
        assert_eq!(WINTER_EVENING.to_string(), "2026-12-03 17:00 UTC");
        assert_eq!(Timestamp(i64::MAX).to_string(), format!("{}ms", i64::MAX));
    }
}
