//! Times for people, in the viewer's zone with the zone named:
//! `2026-12-08 06:43 JST`. The zone is the `tz` cookie that
//! `/static/dix.js` sets from the browser's own zone (the CSP allows no
//! inline script, so the first page a browser sees, or one without
//! script, uses the default); without it, Japan's time on Japanese pages
//! (a Japanese helpdesk reads JST) and UTC on English ones.

use axum::http::{HeaderMap, header};
use jiff::tz::{Offset, TimeZone};

use super::i18n::Lang;

/// The cookie `/static/dix.js` writes.
pub const COOKIE: &str = "tz";

/// The zone a page shows its times in.
#[derive(Clone)]
pub struct Zone {
    tz: TimeZone,
    /// The IANA name (`Asia/Tokyo`), for the note that names the zone.
    name: String,
}

impl Zone {
    /// The viewer's zone: the cookie's when it names a zone this node
    /// knows, else the language's default.
    pub fn of(lang: Lang, headers: &HeaderMap) -> Zone {
        cookie(headers)
            .and_then(|name| {
                TimeZone::get(&name).ok().map(|tz| Zone {
                    tz,
                    name: name.clone(),
                })
            })
            .unwrap_or_else(|| Zone::default_for(lang))
    }

    /// Japan's time for Japanese, UTC for English.
    pub fn default_for(lang: Lang) -> Zone {
        match lang {
            // Japan has had no daylight saving time since 1951: without a
            // zoneinfo database the fixed offset is the same clock.
            Lang::Ja => Zone {
                tz: TimeZone::get("Asia/Tokyo")
                    .unwrap_or_else(|_| TimeZone::fixed(Offset::constant(9))),
                name: "Asia/Tokyo".into(),
            },
            Lang::En => Zone {
                tz: TimeZone::UTC,
                name: "UTC".into(),
            },
        }
    }

    /// The zone's IANA name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `2026-12-08 06:43 JST` (the zone's abbreviation, or its offset
    /// where it has none).
    pub fn when(&self, unix: i64) -> String {
        match jiff::Timestamp::from_second(unix) {
            Ok(t) => {
                let zoned = t.to_zoned(self.tz.clone());
                let abbreviation = match zoned.strftime("%Z").to_string() {
                    a if a.starts_with(['+', '-']) || a.is_empty() => {
                        zoned.strftime("UTC%:z").to_string()
                    }
                    a => a,
                };
                format!("{} {abbreviation}", zoned.strftime("%Y-%m-%d %H:%M"))
            }
            Err(_) => unix.to_string(),
        }
    }

    /// `12-08`: a day on the timeline's axis.
    pub fn day(&self, unix: i64) -> String {
        jiff::Timestamp::from_second(unix)
            .map(|t| t.to_zoned(self.tz.clone()).strftime("%m-%d").to_string())
            .unwrap_or_default()
    }
}

/// The `tz` cookie's value, when it looks like a zone name.
fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.replace("%2F", "/").replace("%2f", "/"))
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"/_+-".contains(&b))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_cookie(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, value.parse().unwrap());
        h
    }

    #[test]
    fn the_cookie_names_the_zone_else_the_language_does() {
        // 2026-12-07T21:43:28Z
        let t = 1_796_679_808;
        assert_eq!(
            Zone::of(Lang::Ja, &HeaderMap::new()).when(t),
            "2026-12-08 06:43 JST"
        );
        assert_eq!(
            Zone::of(Lang::En, &HeaderMap::new()).when(t),
            "2026-12-07 21:43 UTC"
        );
        let berlin = Zone::of(Lang::Ja, &with_cookie("a=b; tz=Europe%2FBerlin"));
        assert_eq!(berlin.name(), "Europe/Berlin");
        assert_eq!(berlin.when(t), "2026-12-07 22:43 CET");
        // Nonsense is the default, not an error.
        for bad in ["tz=Mars/Olympus", "tz=../../etc/passwd", "tz="] {
            assert_eq!(Zone::of(Lang::En, &with_cookie(bad)).name(), "UTC", "{bad}");
        }
        assert_eq!(Zone::of(Lang::Ja, &HeaderMap::new()).day(t), "12-08");
    }
}
