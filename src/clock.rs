//! The one place copse reads the time of day.
//!
//! Every rule that depends on "now" (upcoming and past gatherings, the pulse's windows, invite
//! expiry, what is unread, rotation recency, when a member was last seen) takes its time from
//! a [`Clock`] that the node is given, never from the system directly. In production the clock
//! is the system's. Tests start it at any moment they like and step it forward, and the real
//! binary starts it at `COPSE_NOW` (a testing aid, read once at start).
//!
//! A clock is the system clock shifted by an offset, so it keeps ticking: two changes made a
//! second apart are still a second apart, and times that samod stamps with the system clock
//! convert with [`Clock::from_system`].

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::model::Timestamp;

/// The environment variable that starts the real binary's clock at a given moment.
pub const NOW_VAR: &str = "COPSE_NOW";

/// What copse takes the time from. Cheap to clone; clones share one offset, so advancing one
/// advances all.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    /// Milliseconds added to the system clock.
    offset_ms: Arc<AtomicI64>,
}

/// `COPSE_NOW` held something that is not an RFC 3339 time.
#[derive(Debug, thiserror::Error)]
#[error("{NOW_VAR} must be a time like 2026-12-03T12:00:00Z, not '{given}'")]
pub struct BadNow {
    given: String,
}

impl Clock {
    /// The system's clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock that reads `start` now and runs on from there.
    pub fn starting_at(start: Timestamp) -> Clock {
        Clock {
            offset_ms: Arc::new(AtomicI64::new(start.0 - system_ms())),
        }
    }

    /// The system clock, or one starting at `COPSE_NOW` when that is set.
    pub fn from_env() -> Result<Clock, BadNow> {
        match std::env::var(NOW_VAR) {
            Ok(value) if !value.trim().is_empty() => Clock::parse_start(&value),
            _ => Ok(Clock::system()),
        }
    }

    /// A clock starting at the RFC 3339 time `value`.
    pub fn parse_start(value: &str) -> Result<Clock, BadNow> {
        chrono::DateTime::parse_from_rfc3339(value.trim())
            .map(|t| Clock::starting_at(Timestamp(t.timestamp_millis())))
            .map_err(|_| BadNow {
                given: value.chars().take(80).collect(),
            })
    }

    /// The time now.
    pub fn now(&self) -> Timestamp {
        Timestamp(system_ms().saturating_add(self.offset_ms.load(Ordering::Relaxed)))
    }

    /// Moves this clock (and its clones) forward by `by`.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }

    /// A moment stamped by the system clock (samod's "last received", say), on this clock.
    pub fn from_system(&self, system_ms: i64) -> Timestamp {
        Timestamp(system_ms.saturating_add(self.offset_ms.load(Ordering::Relaxed)))
    }
}

/// Milliseconds since the Unix epoch by the system clock: the only read of it in copse.
fn system_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY_MS: i64 = 24 * 60 * 60 * 1000;

    #[test]
    fn a_clock_starts_where_it_is_told_and_steps_forward() {
        let start = Timestamp(Clock::system().now().0 + 3650 * DAY_MS);
        let clock = Clock::starting_at(start);
        let read = clock.now();
        assert!(read.0 >= start.0 && read.0 - start.0 < 60_000, "{read:?}");
        let clone = clock.clone();
        clone.advance(Duration::from_secs(2 * 24 * 60 * 60));
        assert!(
            clock.now().0 - read.0 >= 2 * DAY_MS,
            "clones share the offset"
        );
    }

    #[test]
    fn copse_now_is_read_as_rfc_3339_and_garbage_is_refused_in_plain_words() {
        let clock = Clock::parse_start("2020-01-01T00:00:00Z").unwrap();
        let year = chrono::DateTime::from_timestamp_millis(clock.now().0).unwrap();
        assert_eq!(year.format("%Y-%m-%d").to_string(), "2020-01-01");
        let err = Clock::parse_start("next tuesday").unwrap_err().to_string();
        assert!(err.contains("COPSE_NOW must be a time like"), "{err}");
        assert!(err.contains("next tuesday"), "{err}");
    }

    #[test]
    fn system_stamps_convert_onto_a_shifted_clock() {
        let clock = Clock::parse_start("2030-01-01T00:00:00Z").unwrap();
        let system = system_ms();
        let shifted = clock.from_system(system);
        assert!((shifted.0 - clock.now().0).abs() < 60_000);
    }
}
