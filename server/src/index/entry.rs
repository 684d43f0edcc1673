//! One incident as the index holds it: the notice read back from its stored
//! bytes, what each scope claim may do, and its symptoms compiled once for
//! matching (the first [`MAX_MATCHED_SYMPTOMS`]; text patterns as linear-time
//! matchers). Reading a row never takes the index down: a row that cannot be
//! read (bad bytes, or a panic while reading them) is reported to the
//! caller, which skips it, logs it and counts it.

use std::collections::HashMap;
use std::sync::Arc;

use dix_schema::Notice;
use dix_schema::notice::MAX_MATCHED_SYMPTOMS;
use dix_schema::types::{EnhancedStatus, ReplyCode, TextMatcher, TextPattern};

use crate::scope::{ClaimStatus, ScopeField, Verification};
use crate::store::IncidentRow;

/// One incident as the index holds it.
pub(super) struct Indexed {
    pub issuer: String,
    pub incident: String,
    pub seq: u64,
    pub notice: Notice,
    pub scope_verified: bool,
    /// What each scope claim may do, by (field, value as written).
    pub claims: HashMap<(ScopeField, String), ClaimStatus>,
    /// Whether the notice's sending ranges narrow it: some of them are a
    /// receiver's or a list's statement of whose mail it concerns. The
    /// bounce's sending IP must then be in one of the notice's ranges.
    pub narrowed: bool,
    /// The symptoms matching reads, compiled; shared by every incident whose
    /// symptoms are the same (the tables intern them), so a query scores
    /// each distinct set once however many incidents carry it.
    pub symptoms: Arc<Symptoms>,
}

impl Indexed {
    /// What the claim `value` of `field` may do (unverified when unknown).
    pub fn status(&self, field: ScopeField, value: &str) -> ClaimStatus {
        self.claims
            .get(&(field, value.to_owned()))
            .copied()
            .unwrap_or(ClaimStatus::Unverified)
    }
}

/// A notice's symptoms as matching reads them.
pub(super) struct Symptoms {
    /// The interning key: the symptoms' JSON.
    pub key: String,
    pub list: Vec<CompiledSymptom>,
}

/// One symptom, its text pattern compiled.
pub(super) struct CompiledSymptom {
    pub reply: Option<ReplyCode>,
    pub status: Option<EnhancedStatus>,
    pub text: Option<(TextPattern, TextMatcher)>,
}

impl Symptoms {
    /// The first [`MAX_MATCHED_SYMPTOMS`] of `notice`, compiled.
    pub fn of(notice: &Notice) -> Self {
        let read = &notice.symptoms[..notice.symptoms.len().min(MAX_MATCHED_SYMPTOMS)];
        Self {
            key: serde_json::to_string(read).unwrap_or_default(),
            list: read
                .iter()
                .map(|s| CompiledSymptom {
                    reply: s.reply,
                    status: s.status,
                    text: s.text.as_ref().map(|t| (t.clone(), t.compile())),
                })
                .collect(),
        }
    }
}

/// Why a stored row could not be indexed.
#[derive(Debug)]
pub(super) struct Unreadable {
    pub cursor: i64,
    pub incident: String,
    pub reason: String,
}

/// Reads a stored row (its bytes were verified before they were stored).
/// A panic while reading is caught and reported like any other failure.
pub(super) fn read_row(row: IncidentRow) -> Result<Indexed, Unreadable> {
    let (cursor, incident) = (row.cursor, row.incident.clone());
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| to_indexed(row))) {
        Ok(Ok(entry)) => Ok(entry),
        Ok(Err(reason)) => Err(Unreadable {
            cursor,
            incident,
            reason,
        }),
        Err(panic) => Err(Unreadable {
            cursor,
            incident,
            reason: format!(
                "reading it panicked: {}",
                panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default()
            ),
        }),
    }
}

fn to_indexed(row: IncidentRow) -> Result<Indexed, String> {
    let notice = Notice::from_verified_bytes(&row.bytes)
        .map_err(|e| format!("stored notice unreadable: {e}"))?;
    let verification: Option<Verification> = serde_json::from_str(&row.verification)
        .map_err(|e| tracing::warn!(incident = %row.incident, error = %e, "stored verification unreadable; its claims count as unverified"))
        .ok();
    let claims: HashMap<(ScopeField, String), ClaimStatus> = verification
        .iter()
        .flat_map(|v| &v.scope.entries)
        .map(|c| ((c.field, c.value.clone()), c.effective_status()))
        .collect();
    let narrowed = claims.values().any(|s| *s == ClaimStatus::Qualifier);
    let symptoms = Arc::new(Symptoms::of(&notice));
    Ok(Indexed {
        issuer: row.issuer,
        incident: row.incident,
        seq: u64::try_from(row.seq).unwrap_or(0),
        notice,
        scope_verified: row.scope_verified,
        claims,
        narrowed,
        symptoms,
    })
}
