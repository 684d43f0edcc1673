//! Log lines' timestamps as RFC 3339 with an offset, like every other fact's.
//!
//! What each log writes:
//! - rsyslog's and journald's precise format: `2026-11-23T10:00:01.123456+09:00`
//!   — complete, kept as it is.
//! - traditional syslog: `Nov 23 10:00:01` — no year, no offset.
//! - Exim: `2026-11-23 10:00:01` — local time, with ` +0900` only when
//!   `log_timezone` is set.
//!
//! A missing offset is the [`LogClock`]'s zone's at that date (logs are read
//! where they were written; `TZ=Asia/Tokyo dix parse …` says otherwise), and a
//! missing year is the latest that does not put the line in the future: a
//! December log read in January is last year's.

use std::sync::LazyLock;

use jiff::{Timestamp, civil, tz::TimeZone};

/// The time and zone that complete partial log timestamps.
#[derive(Debug, Clone)]
pub struct LogClock {
    now: Timestamp,
    zone: TimeZone,
}

impl LogClock {
    /// The system's zone (TZ, else /etc/localtime; UTC when neither is
    /// readable), read once per process, and the time now — not cached:
    /// `dixd` runs across year ends.
    pub fn system() -> LogClock {
        static ZONE: LazyLock<TimeZone> =
            LazyLock::new(|| TimeZone::try_system().unwrap_or(TimeZone::UTC));
        LogClock {
            now: Timestamp::now(),
            zone: ZONE.clone(),
        }
    }

    /// A fixed clock: tests, and callers that know where a log came from.
    pub fn new(now: Timestamp, zone: TimeZone) -> Self {
        Self { now, zone }
    }

    /// `Nov 23 10:00:01` (the day may be space-padded).
    pub fn traditional_syslog(&self, stamp: &str) -> Option<String> {
        let mut parts = stamp.split_whitespace();
        let month = month_number(parts.next()?)?;
        let day: i8 = parts.next()?.parse().ok()?;
        let time: civil::Time = parts.next()?.parse().ok()?;
        let this_year = self.now.to_zoned(self.zone.clone()).year();
        // A line at most a day ahead of the clock is clock skew, not last year.
        let latest = self
            .now
            .checked_add(jiff::SignedDuration::from_hours(24))
            .ok()?;
        [this_year, this_year - 1].into_iter().find_map(|year| {
            let date = civil::Date::new(year, month, day).ok()?;
            let at = self.local(date.to_datetime(time))?;
            (at.timestamp() <= latest).then(|| rfc3339(&at))
        })
    }

    /// Exim's `2026-11-23 10:00:01[.ffffff][ +0900]`.
    pub fn exim(&self, stamp: &str) -> Option<String> {
        let (civil_part, offset) = match stamp.rsplit_once(' ') {
            Some((rest, zone)) if zone.starts_with(['+', '-']) => (rest, Some(zone)),
            _ => (stamp, None),
        };
        let datetime: civil::DateTime = civil_part.replacen(' ', "T", 1).parse().ok()?;
        let at = match offset {
            Some(zone) => datetime
                .to_zoned(TimeZone::fixed(parse_offset(zone)?))
                .ok()?,
            None => self.local(datetime)?,
        };
        Some(rfc3339(&at))
    }

    fn local(&self, datetime: civil::DateTime) -> Option<jiff::Zoned> {
        // In a DST fold or gap, the earlier reading (jiff's "compatible").
        self.zone.to_ambiguous_zoned(datetime).compatible().ok()
    }
}

fn rfc3339(at: &jiff::Zoned) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// `+0900` / `-0430`.
fn parse_offset(zone: &str) -> Option<jiff::tz::Offset> {
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let digits = zone
        .get(1..5)
        .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))?;
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    jiff::tz::Offset::from_seconds(sign * (hours * 3600 + minutes * 60)).ok()
}

fn month_number(name: &str) -> Option<i8> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(name))
        .map(|i| i as i8 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokyo_clock(now: &str) -> LogClock {
        LogClock::new(now.parse().unwrap(), TimeZone::fixed(jiff::tz::offset(9)))
    }

    #[test]
    fn traditional_syslog_takes_the_year_that_is_not_in_the_future() {
        let clock = tokyo_clock("2026-11-23T03:00:00Z");
        assert_eq!(
            clock.traditional_syslog("Nov 23 10:00:01").as_deref(),
            Some("2026-11-23T10:00:01+09:00")
        );
        assert_eq!(
            clock.traditional_syslog("Dec 31 23:59:59").as_deref(),
            Some("2025-12-31T23:59:59+09:00")
        );
        // Space-padded day.
        assert_eq!(
            clock.traditional_syslog("Nov  3 08:00:00").as_deref(),
            Some("2026-11-03T08:00:00+09:00")
        );
        // In January, December is last year's.
        let january = tokyo_clock("2027-01-02T00:00:00Z");
        assert_eq!(
            january.traditional_syslog("Dec 31 23:00:00").as_deref(),
            Some("2026-12-31T23:00:00+09:00")
        );
        assert_eq!(clock.traditional_syslog("Foo 31 23:00:00"), None);
        assert_eq!(clock.traditional_syslog("Feb 30 23:00:00"), None);
    }

    #[test]
    fn exim_keeps_its_offset_or_takes_the_zones() {
        let clock = tokyo_clock("2026-11-23T03:00:00Z");
        assert_eq!(
            clock.exim("2026-11-23 10:00:01 -0500").as_deref(),
            Some("2026-11-23T10:00:01-05:00")
        );
        assert_eq!(
            clock.exim("2026-11-23 10:00:01.123456").as_deref(),
            Some("2026-11-23T10:00:01+09:00")
        );
        assert_eq!(clock.exim("2026-13-23 10:00:01"), None);
    }

    #[test]
    fn a_zone_with_daylight_saving_gives_each_date_its_own_offset() {
        let Ok(new_york) = TimeZone::get("America/New_York") else {
            // No zoneinfo database on this machine: nothing to check.
            assert!(std::env::var_os("CI").is_none(), "CI needs tzdata");
            return;
        };
        let clock = LogClock::new("2026-11-23T03:00:00Z".parse().unwrap(), new_york);
        assert_eq!(
            clock.traditional_syslog("Jul  4 12:00:00").as_deref(),
            Some("2026-07-04T12:00:00-04:00")
        );
        assert_eq!(
            clock.traditional_syslog("Nov 20 12:00:00").as_deref(),
            Some("2026-11-20T12:00:00-05:00")
        );
    }
}
