//! Value types that cannot hold invalid values: each is built by a `parse`
//! (or `FromStr`/`Deserialize`, which call it) that names the rule broken.

mod domain;
mod net;
mod smtp;
mod text;
mod time;

pub use domain::{Domain, DomainPattern, HostPattern, Selector};
pub use net::IpRange;
pub use smtp::{
    EnhancedStatus, MAX_TEXT_PATTERN_LEN, ReplyCode, ReplyText, StatusClass, TextMatcher,
    TextPattern,
};
pub use text::{Contact, Link, LocalizedText, ShortText};
pub use time::Timestamp;

/// Implements `Display`, `FromStr`, `Serialize`, `Deserialize` and
/// `JsonSchema` for a string newtype with a `parse(&str) -> Result<Self,
/// String>` constructor and an `as_str()` accessor.
macro_rules! string_newtype {
    ($ty:ty, $schema_name:literal, $description:literal, $pattern:expr) => {
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl std::str::FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                Self::parse(s)
            }
        }
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&raw).map_err(serde::de::Error::custom)
            }
        }
        impl schemars::JsonSchema for $ty {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                $schema_name.into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                let pattern: Option<&str> = $pattern;
                match pattern {
                    Some(p) => schemars::json_schema!({"type": "string", "description": $description, "pattern": p}),
                    None => schemars::json_schema!({"type": "string", "description": $description}),
                }
            }
        }
    };
}
pub(crate) use string_newtype;
