//! IP ranges in CIDR notation.

use std::net::IpAddr;

use ipnet::IpNet;

/// An IPv4 or IPv6 network in canonical CIDR form: an explicit prefix length
/// and no host bits set (`203.0.113.0/24`, not `203.0.113.7/24`), so the same
/// range is always written the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IpRange(IpNet);

impl IpRange {
    /// Parses canonical CIDR text.
    pub fn parse(s: &str) -> Result<Self, String> {
        let net: IpNet = s.parse().map_err(|_| {
            if s.parse::<IpAddr>().is_ok() {
                format!("`{s}` has no prefix length; write {s}/32 (IPv4) or {s}/128 (IPv6) for one address")
            } else {
                format!("`{s}` is not a CIDR range such as 203.0.113.0/24 or 2001:db8::/32")
            }
        })?;
        if net.trunc() != net {
            return Err(format!(
                "`{s}` has host bits set; the range is written {}",
                net.trunc()
            ));
        }
        Ok(Self(net))
    }

    /// The network.
    pub fn net(&self) -> IpNet {
        self.0
    }

    /// Whether `ip` is inside.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&ip)
    }
}

impl std::fmt::Display for IpRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

// Not `string_newtype!`: IpNet formats on demand rather than holding text.
impl std::str::FromStr for IpRange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::parse(s)
    }
}

impl serde::Serialize for IpRange {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for IpRange {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for IpRange {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "IpRange".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "IPv4 or IPv6 CIDR range with no host bits set, e.g. 203.0.113.0/24."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_cidrs_only() {
        let r = IpRange::parse("203.0.113.0/24").unwrap();
        assert!(r.contains("203.0.113.7".parse().unwrap()));
        assert!(!r.contains("203.0.114.1".parse().unwrap()));
        assert!(IpRange::parse("2001:db8::/32").is_ok());
        assert!(
            IpRange::parse("203.0.113.7/24")
                .unwrap_err()
                .contains("203.0.113.0/24")
        );
        assert!(IpRange::parse("203.0.113.7").unwrap_err().contains("/32"));
        assert!(IpRange::parse("203.0.113.0/33").is_err());
        assert!(IpRange::parse("example.jp").is_err());
    }
}
