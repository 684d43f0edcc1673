//! Incident changes as events, for the stream (`/v1/stream`) and the
//! webhooks: one event per revision the node stores, its id the revision's
//! feed cursor. A subscription for a destination gets a revision only where
//! a *verified* claim of its issuer covers that destination — a stranger's
//! notice naming someone else's domain reaches nobody's subscription for it.

use dix_schema::Notice;
use dix_schema::types::Domain;
use serde_json::{Value, json};

use crate::scope::{ClaimStatus, ScopeField, Verification};
use crate::store::NoticeRow;

/// One stored revision, read for sending.
pub struct Change {
    /// Its feed cursor: the event id.
    pub cursor: i64,
    /// The notice.
    pub notice: Notice,
    /// The recipient domains its issuer proved it speaks for.
    verified_domains: Vec<String>,
    /// Every scope claim was verified.
    scope_verified: bool,
}

impl Change {
    /// Reads a feed row; `None` for a row that is not a notice (never, for
    /// what the store holds).
    pub fn read(row: &NoticeRow) -> Option<Self> {
        let notice = Notice::from_verified_bytes(&row.bytes).ok()?;
        let verification: Option<Verification> = serde_json::from_str(&row.verification).ok();
        let (verified_domains, scope_verified) = verification.map_or((Vec::new(), false), |v| {
            (
                v.scope
                    .entries
                    .iter()
                    .filter(|c| {
                        c.field == ScopeField::RecipientDomains
                            && c.effective_status() == ClaimStatus::Verified
                    })
                    .map(|c| c.value.clone())
                    .collect(),
                v.scope.all_verified,
            )
        });
        Some(Self {
            cursor: row.cursor,
            notice,
            verified_domains,
            scope_verified,
        })
    }

    /// Whether a subscription for `domains` (empty: everything) gets it.
    pub fn concerns(&self, domains: &[Domain]) -> bool {
        domains.is_empty()
            || self.notice.scope.recipient_domains.iter().any(|p| {
                self.verified_domains.iter().any(|v| v == p.as_str())
                    && domains.iter().any(|d| p.matches(d))
            })
    }

    /// The event's JSON.
    pub fn json(&self) -> Value {
        let n = &self.notice;
        let text = |t: &dix_schema::types::LocalizedText| json!({"ja": t.ja.as_ref().map(|s| s.as_str()), "en": t.en.as_ref().map(|s| s.as_str())});
        json!({
            "event_id": self.cursor.to_string(),
            "type": "incident",
            "issuer": n.issuer, "incident": n.incident.to_string(), "seq": n.seq,
            "kind": n.kind.as_str(), "status": n.status.as_str(),
            "started_at": n.started_at.to_string(), "ended_at": n.ended_at.map(|e| e.to_string()),
            "recipient_domains": n.scope.recipient_domains.iter().map(|d| d.as_str()).collect::<Vec<_>>(),
            "scope_verified": self.scope_verified,
            "summary": text(&n.summary), "advice": text(&n.advice), "contact": n.contact.as_str(),
            "href": format!("/v1/incidents/{}/{}", n.issuer, n.incident),
        })
    }
}
