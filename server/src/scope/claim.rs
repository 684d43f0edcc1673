//! The typed record of what the node established about each scope claim of
//! a notice. It is stored with the notice (as JSON, in `verification`) and
//! read back by the matching index, which decides from it alone — nothing is
//! looked up at match time.

use serde::{Deserialize, Serialize};

/// Which part of a notice's scope a claim comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ScopeField {
    /// `scope.recipient_domains`.
    #[serde(rename = "recipient_domains")]
    RecipientDomains,
    /// `scope.mx_hosts`.
    #[serde(rename = "mx_hosts")]
    MxHosts,
    /// `scope.receiving_ips`.
    #[serde(rename = "receiving_ips")]
    ReceivingIps,
    /// `scope.sending_ips`.
    #[serde(rename = "sending_ips")]
    SendingIps,
    /// `blocklist.zone`.
    #[serde(rename = "blocklist.zone")]
    BlocklistZone,
}

impl ScopeField {
    /// The field's name in the notice (and in the store's `incident_scope`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RecipientDomains => "recipient_domains",
            Self::MxHosts => "mx_hosts",
            Self::ReceivingIps => "receiving_ips",
            Self::SendingIps => "sending_ips",
            Self::BlocklistZone => "blocklist.zone",
        }
    }

    /// Claims that say which receiver the notice is about.
    pub fn is_receiver_side(self) -> bool {
        matches!(
            self,
            Self::RecipientDomains | Self::MxHosts | Self::ReceivingIps
        )
    }
}

/// What a claim may do in matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatus {
    /// Proven: the issuer speaks for this domain, host, range or zone. A
    /// bounce it covers may be decided by the notice.
    Verified,
    /// A sending range stated by a verified receiver (or by a blocklist for
    /// its own zone): it narrows the notice to those senders and never, by
    /// itself, makes the notice apply to a bounce.
    Qualifier,
    /// Not proven: shown, marked, never decides an answer.
    Unverified,
}

/// The result for one scope entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimCheck {
    /// Where the entry is in the notice.
    pub field: ScopeField,
    /// The entry as written.
    pub value: String,
    /// Whether it is proven (`status == verified`); kept for readers of the
    /// JSON that only want a yes or no.
    pub verified: bool,
    /// What the claim may do in matching. Records stored before statuses
    /// existed have none: see [`ClaimCheck::effective_status`].
    #[serde(default)]
    pub status: Option<ClaimStatus>,
    /// Why (or why not), in a sentence.
    pub basis: String,
    /// Unverified because DNS failed (a timeout, SERVFAIL — not "no such
    /// name"): the node checks it again for a while ([`crate::scope::recheck`]),
    /// so a claim published while DNS was down ends as it would have.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retry: bool,
}

impl ClaimCheck {
    /// A claim with its status.
    pub fn new(field: ScopeField, value: String, status: ClaimStatus, basis: String) -> Self {
        Self {
            field,
            value,
            verified: status == ClaimStatus::Verified,
            status: Some(status),
            basis,
            retry: false,
        }
    }

    /// The same claim, marked to be checked again (DNS failed).
    pub fn retrying(mut self) -> Self {
        self.retry = self.effective_status() == ClaimStatus::Unverified;
        self
    }

    /// A proven claim.
    pub fn verified(field: ScopeField, value: String, basis: String) -> Self {
        Self::new(field, value, ClaimStatus::Verified, basis)
    }

    /// A claim that could not be proven.
    pub fn unverified(field: ScopeField, value: String, basis: String) -> Self {
        Self::new(field, value, ClaimStatus::Unverified, basis)
    }

    /// The claim's status. Records written before statuses existed marked a
    /// receiver's statement about sending IPs as "verified" with the basis
    /// below; those are qualifiers, never proof that the range is the
    /// issuer's.
    pub fn effective_status(&self) -> ClaimStatus {
        match self.status {
            Some(s) => s,
            None if self.field == ScopeField::SendingIps
                && self
                    .basis
                    .starts_with("the issuer is the verified receiver") =>
            {
                ClaimStatus::Qualifier
            }
            None if self.verified => ClaimStatus::Verified,
            None => ClaimStatus::Unverified,
        }
    }
}

/// The result for a whole notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeCheck {
    /// Every entry verified or a qualifier of a verified scope.
    pub all_verified: bool,
    /// Per entry.
    pub entries: Vec<ClaimCheck>,
}

impl ScopeCheck {
    /// The rows the store keeps per claim: (field, value, verified); the
    /// list's zone is kept with the notice only.
    pub fn rows(&self) -> Vec<(ScopeField, String, bool)> {
        self.entries
            .iter()
            .filter(|e| e.field != ScopeField::BlocklistZone)
            .map(|e| (e.field, e.value.clone(), e.verified))
            .collect()
    }

    /// Whether some claim is unverified only because DNS failed.
    pub fn needs_recheck(&self) -> bool {
        self.entries.iter().any(|e| e.retry)
    }

    /// Builds the summary from the entries.
    pub fn from_entries(entries: Vec<ClaimCheck>) -> Self {
        let all_verified = entries
            .iter()
            .all(|e| e.effective_status() != ClaimStatus::Unverified);
        Self {
            all_verified,
            entries,
        }
    }
}

/// What the node stored beside a notice: where its key came from and what
/// its scope checks found.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verification {
    /// The key it verified under.
    pub key: KeyUsed,
    /// The scope checks.
    pub scope: ScopeCheck,
}

/// The key a notice verified under.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyUsed {
    /// Selector.
    pub selector: String,
    /// `dns` or `pinned`.
    pub source: String,
    /// Base64 public key.
    #[serde(default)]
    pub public_key: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_records_read_as_what_they_meant() {
        let old: ClaimCheck = serde_json::from_str(
            r#"{"field":"sending_ips","value":"0.0.0.0/0","verified":true,"basis":"the issuer is the verified receiver, stating which senders its own policy affects (x)"}"#,
        )
        .unwrap();
        assert_eq!(old.effective_status(), ClaimStatus::Qualifier);
        let plain: ClaimCheck = serde_json::from_str(
            r#"{"field":"recipient_domains","value":"a.example","verified":true,"basis":"own"}"#,
        )
        .unwrap();
        assert_eq!(plain.effective_status(), ClaimStatus::Verified);
        let round = ClaimCheck::new(
            ScopeField::BlocklistZone,
            "bl.example".into(),
            ClaimStatus::Unverified,
            "no".into(),
        );
        let text = serde_json::to_string(&round).unwrap();
        assert!(text.contains(r#""field":"blocklist.zone""#), "{text}");
        assert_eq!(serde_json::from_str::<ClaimCheck>(&text).unwrap(), round);
    }
}
