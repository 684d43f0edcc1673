//! Timestamps: RFC 3339, UTC, whole seconds.

use std::fmt;

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// An instant written `YYYY-MM-DDTHH:MM:SSZ`. One spelling per instant (UTC,
/// `Z`, no fractional seconds) so that signed notices compare byte-for-byte
/// and every implementation reads them alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// Parses the canonical form.
    pub fn parse(s: &str) -> Result<Self, String> {
        let rule = || {
            format!(
                "`{s}` is not an RFC 3339 UTC timestamp in whole seconds, such as 2026-11-23T01:20:00Z"
            )
        };
        let b = s.as_bytes();
        let shape_ok = b.len() == 20
            && b[4] == b'-'
            && b[7] == b'-'
            && b[10] == b'T'
            && b[13] == b':'
            && b[16] == b':'
            && b[19] == b'Z';
        if !shape_ok {
            return Err(rule());
        }
        let t = OffsetDateTime::parse(s, &Rfc3339).map_err(|_| rule())?;
        Ok(Self(t))
    }

    /// From Unix seconds, if in range (years 1–9999).
    pub fn from_unix(secs: i64) -> Option<Self> {
        let t = OffsetDateTime::from_unix_timestamp(secs).ok()?;
        (1..=9999).contains(&t.year()).then_some(Self(t))
    }

    /// The current time, truncated to the second.
    pub fn now() -> Self {
        Self::from_unix(OffsetDateTime::now_utc().unix_timestamp())
            .expect("the present is in range")
    }

    /// Seconds since the Unix epoch.
    pub fn unix(&self) -> i64 {
        self.0.unix_timestamp()
    }

    /// As a `time` value.
    pub fn datetime(&self) -> OffsetDateTime {
        self.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0.to_offset(UtcOffset::UTC);
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string", "format": "date-time",
            "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$",
            "description": "RFC 3339 UTC timestamp in whole seconds, e.g. 2026-11-23T01:20:00Z."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_spelling_per_instant() {
        let t = Timestamp::parse("2026-11-23T01:20:00Z").unwrap();
        assert_eq!(t.to_string(), "2026-11-23T01:20:00Z");
        assert_eq!(Timestamp::from_unix(t.unix()), Some(t));
        for bad in [
            "2026-11-23T01:20:00+09:00",
            "2026-11-23T01:20:00.5Z",
            "2026-11-23 01:20:00Z",
            "2026-11-23T01:20:00z",
            "2026-02-30T00:00:00Z",
            "2026-11-23T25:00:00Z",
            "",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }
}
