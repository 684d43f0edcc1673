//! The notice: one revision of one incident, as its issuer wrote it.
//!
//! Field rules live in the value types ([`crate::types`]); the rules that tie
//! fields together (dates in order, kind-specific blocks, reply and status in
//! the same class) live in [`Notice::check`].

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode};
use crate::types::{
    Contact, Domain, DomainPattern, EnhancedStatus, HostPattern, IpRange, Link, LocalizedText,
    ReplyCode, Selector, ShortText, TextPattern, Timestamp,
};

/// The notice format version this crate reads and writes.
pub const NOTICE_VERSION: u64 = 1;
/// Most entries in any one scope list.
pub const MAX_SCOPE_ENTRIES: usize = 256;
/// Most symptoms in a notice.
pub const MAX_SYMPTOMS: usize = 64;
/// Most symptoms of one notice that matching looks at: the first ones, in
/// the order written. A notice may carry up to [`MAX_SYMPTOMS`] and is
/// stored and relayed whole (its signed bytes never change); every node
/// ignores the same extra ones, so no two nodes match it differently. Each
/// text pattern is at most [`MAX_TEXT_PATTERN_LEN`](crate::types::MAX_TEXT_PATTERN_LEN)
/// characters, so a notice costs a bounded number of passes over a text.
pub const MAX_MATCHED_SYMPTOMS: usize = 16;
/// Most links in a notice.
pub const MAX_LINKS: usize = 16;
/// How far after `published_at` an incident may start or end: planned
/// maintenance is announced ahead, but not by more than this (31 days). A
/// notice dated into the far future would sit at the top of every list and
/// match every bounce for years.
pub const MAX_LEAD_SECS: i64 = 31 * 24 * 3600;

/// What kind of delivery incident a notice describes.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Addresses or domains listed on a DNS blocklist (needs a `blocklist` block).
    BlocklistListing,
    /// The receiver defers or limits mail (rate, connections, reputation).
    Throttling,
    /// Mail is accepted but quarantined (needs a `quarantine` block).
    QuarantinePolicy,
    /// A change of acceptance policy (authentication, content, size).
    PolicyChange,
    /// The service is down or degraded.
    Outage,
}

impl Kind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BlocklistListing => "blocklist_listing",
            Self::Throttling => "throttling",
            Self::QuarantinePolicy => "quarantine_policy",
            Self::PolicyChange => "policy_change",
            Self::Outage => "outage",
        }
    }
}

/// Where an incident is in the status-page lifecycle.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Symptoms seen, cause unknown.
    Investigating,
    /// Cause known, being fixed.
    Identified,
    /// Fixed, being watched.
    Monitoring,
    /// Over; `ended_at` says when.
    Resolved,
}

impl Status {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Investigating => "investigating",
            Self::Identified => "identified",
            Self::Monitoring => "monitoring",
            Self::Resolved => "resolved",
        }
    }
}

/// An incident identifier: a UUID in lowercase hyphenated form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IncidentId(uuid::Uuid);

impl IncidentId {
    /// Parses the canonical form only (no braces, `urn:`, uppercase or simple form).
    pub fn parse(s: &str) -> Result<Self, String> {
        let rule = || {
            format!(
                "`{s}` is not a UUID in lowercase hyphenated form, such as 0193f1c2-7a7e-7c1a-9d0e-3b1f5a2c9e10"
            )
        };
        let id = uuid::Uuid::try_parse(s).map_err(|_| rule())?;
        if id.hyphenated().to_string() != s {
            return Err(rule());
        }
        if id.is_nil() || id.is_max() {
            return Err(format!(
                "`{s}` is the nil or max UUID; generate a fresh one"
            ));
        }
        Ok(Self(id))
    }

    /// From a UUID.
    pub fn from_uuid(id: uuid::Uuid) -> Self {
        Self(id)
    }

    /// The UUID.
    pub fn uuid(&self) -> uuid::Uuid {
        self.0
    }
}

impl std::fmt::Display for IncidentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl Serialize for IncidentId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IncidentId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for IncidentId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "IncidentId".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string", "format": "uuid",
            "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
            "description": "Incident identifier, a UUID in lowercase hyphenated form."
        })
    }
}

/// The format version; only 1 exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Version;

impl Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(NOTICE_VERSION)
    }
}

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match u64::deserialize(d)? {
            NOTICE_VERSION => Ok(Version),
            other => Err(serde::de::Error::custom(format!(
                "version {other} is not supported; this reader understands v={NOTICE_VERSION}"
            ))),
        }
    }
}

impl schemars::JsonSchema for Version {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Version".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"const": NOTICE_VERSION, "description": "Notice format version."})
    }
}

/// Who and what the incident affects. Receiver-side incidents name recipient
/// domains, MX hosts and receiving IPs; blocklist listings name sending IPs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// Recipient domains (`example.jp`, `*.example.jp`).
    #[serde(default)]
    pub recipient_domains: Vec<DomainPattern>,
    /// MX host patterns (`mx*.example.jp`).
    #[serde(default)]
    pub mx_hosts: Vec<HostPattern>,
    /// Ranges of sending IPs affected (for listings and sender-side throttling).
    #[serde(default)]
    pub sending_ips: Vec<IpRange>,
    /// Ranges of the receiver's own MX IPs.
    #[serde(default)]
    pub receiving_ips: Vec<IpRange>,
}

impl Scope {
    /// True when nothing at all is named.
    pub fn is_empty(&self) -> bool {
        self.recipient_domains.is_empty()
            && self.mx_hosts.is_empty()
            && self.sending_ips.is_empty()
            && self.receiving_ips.is_empty()
    }
}

/// What a sender sees when it is affected: any combination of reply code,
/// enhanced status and reply-text pattern (at least one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Symptom {
    /// SMTP reply code, e.g. 451.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<ReplyCode>,
    /// Enhanced status code, e.g. 4.7.500.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<EnhancedStatus>,
    /// Reply text pattern, e.g. `Server busy*`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<TextPattern>,
}

/// Which list a `blocklist_listing` is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Blocklist {
    /// The list's usual name, e.g. "Example DNSBL".
    pub name: ShortText,
    /// The DNS zone the list is queried under, e.g. `bl.example.org`.
    pub zone: Domain,
    /// Where to request removal, if anywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removal: Option<Link>,
}

/// What a `quarantine_policy` notice quarantines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Quarantine {
    /// What mail is quarantined.
    pub what: LocalizedText,
    /// On which criteria (e.g. DMARC fail with p=quarantine).
    pub criteria: LocalizedText,
    /// What the recipient sees (a junk folder, a digest, nothing).
    pub recipient_sees: LocalizedText,
}

/// One revision of one incident, unsigned. Obtain a verified one through
/// [`crate::UnverifiedNotice::verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "dix notice",
    description = "One signed revision of one delivery incident (dix notice format v1)."
)]
pub struct Notice {
    /// Format version, 1.
    pub v: Version,
    /// The operator speaking, named by a domain it controls.
    pub issuer: Domain,
    /// Selector of the signing key: `<key>._dix.<issuer>` holds it.
    pub key: Selector,
    /// Strictly increasing per issuer; the highest revision of an incident wins.
    pub seq: u64,
    /// The incident this is a revision of.
    pub incident: IncidentId,
    /// Kind of incident.
    pub kind: Kind,
    /// Lifecycle status.
    pub status: Status,
    /// When the incident began (may be in the future for planned work).
    pub started_at: Timestamp,
    /// When it ended; required once resolved.
    #[serde(default)]
    pub ended_at: Option<Timestamp>,
    /// When this revision was published.
    pub published_at: Timestamp,
    /// Who and what is affected.
    pub scope: Scope,
    /// What senders see.
    #[serde(default)]
    pub symptoms: Vec<Symptom>,
    /// The list, for `blocklist_listing` (and only then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocklist: Option<Blocklist>,
    /// The policy, for `quarantine_policy` (and only then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quarantine: Option<Quarantine>,
    /// What is happening, in Japanese and/or English.
    pub summary: LocalizedText,
    /// What senders should do.
    #[serde(default, skip_serializing_if = "LocalizedText::is_empty")]
    pub advice: LocalizedText,
    /// Where to reach the issuer.
    pub contact: Contact,
    /// Status pages, delisting forms, postmaster pages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
}

/// Which side of a delivery the issuer speaks for in a notice, as its
/// fields show: a list operator about its listings, a receiver about its
/// own domains, MX hosts or receiving IPs, a sender's provider about its own
/// sending IPs only. It decides who acts on a matched incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IssuerRole {
    /// A blocklist operator (a `blocklist_listing`, or a notice naming its list).
    Blocklist,
    /// The receiving operator.
    Receiver,
    /// The sender's provider: the notice names sending IPs and nothing of a receiver.
    SenderProvider,
}

impl IssuerRole {
    /// The role's name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            IssuerRole::Blocklist => "blocklist",
            IssuerRole::Receiver => "receiver",
            IssuerRole::SenderProvider => "sender_provider",
        }
    }
}

impl Notice {
    /// The side the issuer speaks for (see [`IssuerRole`]).
    pub fn issuer_role(&self) -> IssuerRole {
        let receiving_side = !self.scope.recipient_domains.is_empty()
            || !self.scope.mx_hosts.is_empty()
            || !self.scope.receiving_ips.is_empty();
        if self.kind == Kind::BlocklistListing || self.blocklist.is_some() {
            IssuerRole::Blocklist
        } else if !receiving_side && !self.scope.sending_ips.is_empty() {
            IssuerRole::SenderProvider
        } else {
            IssuerRole::Receiver
        }
    }

    /// The rules that tie fields together. Each error names the field to fix.
    pub fn check(&self) -> Result<(), Error> {
        let inconsistent =
            |field: &str, msg: String| Err(Error::new(ErrorCode::InconsistentFields, field, msg));
        let invalid =
            |field: &str, msg: String| Err(Error::new(ErrorCode::InvalidValue, field, msg));

        if let Some(ended) = self.ended_at {
            if ended < self.started_at {
                return inconsistent(
                    "ended_at",
                    format!(
                        "ended_at ({ended}) is before started_at ({})",
                        self.started_at
                    ),
                );
            }
        } else if self.status == Status::Resolved {
            return inconsistent(
                "ended_at",
                "a resolved incident must say when it ended (ended_at)".into(),
            );
        }

        for (field, at) in [
            ("started_at", Some(self.started_at)),
            ("ended_at", self.ended_at),
        ] {
            if let Some(at) = at
                && at.unix() - self.published_at.unix() > MAX_LEAD_SECS
            {
                return inconsistent(
                    field,
                    format!(
                        "{field} ({at}) is more than 31 days after published_at ({}); announce planned work at most 31 days ahead",
                        self.published_at
                    ),
                );
            }
        }

        for (field, len, max) in [
            (
                "scope.recipient_domains",
                self.scope.recipient_domains.len(),
                MAX_SCOPE_ENTRIES,
            ),
            (
                "scope.mx_hosts",
                self.scope.mx_hosts.len(),
                MAX_SCOPE_ENTRIES,
            ),
            (
                "scope.sending_ips",
                self.scope.sending_ips.len(),
                MAX_SCOPE_ENTRIES,
            ),
            (
                "scope.receiving_ips",
                self.scope.receiving_ips.len(),
                MAX_SCOPE_ENTRIES,
            ),
            ("symptoms", self.symptoms.len(), MAX_SYMPTOMS),
            ("links", self.links.len(), MAX_LINKS),
        ] {
            if len > max {
                return invalid(
                    field,
                    format!("has {len} entries; at most {max} are allowed"),
                );
            }
        }
        if self.scope.is_empty() {
            return invalid("scope", "must name at least one recipient domain, MX host, sending IP range or receiving IP range".into());
        }

        for (i, symptom) in self.symptoms.iter().enumerate() {
            match (symptom.reply, symptom.status, &symptom.text) {
                (None, None, None) => {
                    return invalid(
                        &format!("symptoms[{i}]"),
                        "a symptom needs a reply code, an enhanced status or a text pattern".into(),
                    );
                }
                (Some(reply), Some(status), _) if reply.class() != status.class() => {
                    return inconsistent(
                        &format!("symptoms[{i}].status"),
                        format!(
                            "status {status} is class {} but reply {reply} is class {}: a reply and its enhanced status share the first digit",
                            status.class().digit(),
                            reply.class().digit()
                        ),
                    );
                }
                _ => {}
            }
        }

        match (self.kind, &self.blocklist) {
            (Kind::BlocklistListing, None) => return invalid(
                "blocklist",
                "a blocklist_listing notice must name the list (blocklist.name, blocklist.zone)"
                    .into(),
            ),
            (kind, Some(_)) if kind != Kind::BlocklistListing => {
                return inconsistent(
                    "blocklist",
                    format!(
                        "only blocklist_listing notices carry a blocklist block, not {}",
                        kind.as_str()
                    ),
                );
            }
            _ => {}
        }
        match (self.kind, &self.quarantine) {
            (Kind::QuarantinePolicy, None) => return invalid("quarantine", "a quarantine_policy notice must say what is quarantined, on which criteria, and what the recipient sees".into()),
            (kind, Some(_)) if kind != Kind::QuarantinePolicy => return inconsistent("quarantine", format!("only quarantine_policy notices carry a quarantine block, not {}", kind.as_str())),
            _ => {}
        }

        let mut texts = vec![("summary", &self.summary)];
        if let Some(q) = &self.quarantine {
            texts.extend([
                ("quarantine.what", &q.what),
                ("quarantine.criteria", &q.criteria),
                ("quarantine.recipient_sees", &q.recipient_sees),
            ]);
        }
        for (field, text) in texts {
            if text.is_empty() {
                return invalid(field, "needs text in ja, en or both".into());
            }
        }
        Ok(())
    }

    /// The DNS name of the key record this notice must verify under.
    pub fn key_record_name(&self) -> String {
        self.key.record_name(&self.issuer)
    }

    /// Whether the incident covers instant `t` (open-ended when not ended).
    pub fn is_active_at(&self, t: Timestamp) -> bool {
        self.started_at <= t && self.ended_at.is_none_or(|end| t <= end)
    }
}
