//! Scope authorisation: what may this issuer speak about? Run once, when a
//! notice is accepted; the matching index decides from the stored result
//! and never looks anything up (that would cost the latency budget and let a
//! bounce choose what the node asks DNS).
//!
//! # The rules, one per claim
//!
//! | claim | verified when | what a verified claim lets the notice decide |
//! |---|---|---|
//! | `recipient_domains` | the domain is within the issuer's domain; or `_dix.<domain>` holds `v=DIX1; d=<issuer>`; or every MX host of the domain is within the issuer's domain | bounces of mail to that domain |
//! | `mx_hosts` | the pattern's fixed part is within the issuer's domain | bounces from those hosts |
//! | `receiving_ips` | the whole range is the issuer's ([`reverse`]: a delegation at `_dix.<reverse zone>`, or reverse DNS of every address of a range of at most 8) | bounces from MX hosts in the range |
//! | `sending_ips`, the issuer's own | the whole range is the issuer's, as for `receiving_ips` | bounces of mail sent from the range, to anyone: a sender's provider speaks for its own IPs |
//! | `sending_ips`, stated by a receiver | never proof: a **qualifier** when some receiver-side claim of the notice is verified | nothing by itself; narrows the receiver's verified claims to mail from those senders |
//! | `sending_ips`, of a listing | a **qualifier** when the listing's zone is verified | nothing by itself; narrows the listing to those senders |
//! | `blocklist.zone` | the zone is within the issuer's domain | bounces that name the list: its zone, or its operator's domain |
//!
//! Everything else is **unverified**: stored, shown marked, never the basis
//! of an answer. DNS failures make a claim unverified, never a notice
//! rejected; such a claim is marked `retry` and checked again with backoff
//! for a day ([`recheck`]), so a node that took the notice while DNS was
//! down ends where a node that took it later starts.
//!
//! # What it costs
//!
//! A notice's sender chooses every name looked up, so one notice's checks
//! make at most [`MAX_SCOPE_QUERIES`] queries (with the key look-up's two,
//! 16 in all). Each claim that needs DNS reserves its worst case in the
//! notice's order ([`planned_queries`]); a claim that no longer fits stays
//! unverified — the same claims on every node, however the look-ups race.
//! The bill is paid before anything is asked (`limits::DnsLimits`). A pinned issuer with `trust_scope` has every claim verified
//! without DNS (private federations whose members are known by contract).
//!
//! So a stranger that owns `evil.example` and writes `sending_ips: 0.0.0.0/0`
//! has said something about mail *to evil.example* only; writing
//! `gmail.com` gets it a claim that is shown as unverified and decides
//! nothing.

pub mod claim;
pub mod recheck;
pub mod reverse;

use dix_schema::types::Domain;
use dix_schema::{DelegationRecord, Kind, Notice};
use tokio::task::JoinSet;

pub use claim::{ClaimCheck, ClaimStatus, KeyUsed, ScopeCheck, ScopeField, Verification};
use reverse::{QueryBudget, prove_range};

use crate::dns::{Answer, Dns};

/// Most DNS queries the scope checks of one notice may make (the key
/// look-up makes at most `keys::MAX_KEY_QUERIES` more: 16 in all).
pub const MAX_SCOPE_QUERIES: usize = 14;

/// What a foreign recipient domain's check asks: its `_dix` delegation and
/// its MX.
const FOREIGN_DOMAIN_QUERIES: usize = 2;

/// Each claim's worst-case DNS cost, in [`entries_of`] order (0: decided
/// without DNS).
fn costs(notice: &Notice) -> Vec<usize> {
    let issuer = &notice.issuer;
    let s = &notice.scope;
    let mut out: Vec<usize> = s
        .recipient_domains
        .iter()
        .map(|p| {
            if p.base().is_within(issuer) {
                0
            } else {
                FOREIGN_DOMAIN_QUERIES
            }
        })
        .collect();
    out.extend(s.mx_hosts.iter().map(|_| 0));
    out.extend(
        s.receiving_ips
            .iter()
            .chain(&s.sending_ips)
            .map(|r| reverse::queries(r.net())),
    );
    if notice.blocklist.is_some() {
        out.push(0);
    }
    out
}

/// Which claims may ask DNS: each reserves its cost, in order, while
/// [`MAX_SCOPE_QUERIES`] lasts; and the total reserved.
fn reserve(costs: &[usize]) -> (Vec<bool>, usize) {
    let mut left = MAX_SCOPE_QUERIES;
    let granted = costs
        .iter()
        .map(|&c| {
            let fits = c <= left;
            if fits {
                left -= c;
            }
            fits
        })
        .collect();
    (granted, MAX_SCOPE_QUERIES - left)
}

/// The most DNS queries [`authorise`] will make for `notice`: what its
/// sender is charged before any is asked.
pub fn planned_queries(notice: &Notice) -> usize {
    reserve(&costs(notice)).1
}

/// Accepts every claim (pinned issuers with `trust_scope`) as if proven —
/// with the same meaning as proof: the sending ranges of a receiver's notice
/// or of a listing still only narrow it, they do not become the issuer's own.
pub fn trusted(notice: &Notice) -> ScopeCheck {
    let entries = entries_of(notice);
    let stated_by_receiver_or_list = notice.kind == Kind::BlocklistListing
        || entries.iter().any(|(field, _)| field.is_receiver_side());
    let basis = "the node's configuration trusts this issuer's scope";
    let entries = entries
        .into_iter()
        .map(|(field, value)| match field {
            ScopeField::SendingIps if stated_by_receiver_or_list => ClaimCheck::new(
                field,
                value,
                ClaimStatus::Qualifier,
                format!("{basis}; these are the senders its notice concerns, not its own IPs"),
            ),
            _ => ClaimCheck::verified(field, value, basis.into()),
        })
        .collect();
    ScopeCheck::from_entries(entries)
}

fn entries_of(n: &Notice) -> Vec<(ScopeField, String)> {
    let s = &n.scope;
    let mut out: Vec<(ScopeField, String)> = Vec::new();
    out.extend(
        s.recipient_domains
            .iter()
            .map(|p| (ScopeField::RecipientDomains, p.to_string())),
    );
    out.extend(
        s.mx_hosts
            .iter()
            .map(|p| (ScopeField::MxHosts, p.to_string())),
    );
    out.extend(
        s.receiving_ips
            .iter()
            .map(|r| (ScopeField::ReceivingIps, r.to_string())),
    );
    out.extend(
        s.sending_ips
            .iter()
            .map(|r| (ScopeField::SendingIps, r.to_string())),
    );
    if let Some(b) = &n.blocklist {
        out.push((ScopeField::BlocklistZone, b.zone.to_string()));
    }
    out
}

/// Checks every claim of `notice` against DNS, within the reserved
/// budget ([`planned_queries`]).
pub async fn authorise(notice: &Notice, dns: &Dns) -> ScopeCheck {
    check(notice, dns, None).await
}

/// The claims that need no DNS decided as [`authorise`] decides them; the
/// others unverified for now (`why`) and marked `retry`, to be checked
/// later ([`recheck`]): a peer's notice over a DNS budget is stored, not
/// held up, and ends as it would have.
pub async fn deferred(notice: &Notice, dns: &Dns, why: &str) -> ScopeCheck {
    check(notice, dns, Some(why)).await
}

async fn check(notice: &Notice, dns: &Dns, deferred: Option<&str>) -> ScopeCheck {
    let issuer = notice.issuer.clone();
    let cost = costs(notice);
    let (mut granted, _) = reserve(&cost);
    if deferred.is_some() {
        for (g, c) in granted.iter_mut().zip(&cost) {
            *g = *g && *c == 0;
        }
    }
    // Claims in `entries_of` order: the i-th may ask DNS when granted[i],
    // with a budget of exactly its cost.
    let mut next_claim = 0usize;
    let mut claim_budget = || {
        let i = next_claim;
        next_claim += 1;
        granted[i].then(|| QueryBudget::new(cost[i]))
    };
    let not_checked = |field: ScopeField, value: String| match deferred {
        Some(why) => {
            ClaimCheck::unverified(field, value, format!("not checked yet: {why}")).retrying()
        }
        None => ClaimCheck::unverified(
            field,
            value,
            format!(
                "not checked: the notice's DNS budget ({MAX_SCOPE_QUERIES} queries) is spent by the claims before it"
            ),
        ),
    };
    // Checks that need DNS run concurrently; each fills its slot when done.
    let mut slots: Vec<Option<ClaimCheck>> = Vec::new();
    let mut lookups: JoinSet<(usize, ClaimCheck)> = JoinSet::new();
    let mut spawn =
        |slots: &mut Vec<Option<ClaimCheck>>,
         job: std::pin::Pin<Box<dyn Future<Output = ClaimCheck> + Send>>| {
            let index = slots.len();
            slots.push(None);
            lookups.spawn(async move { (index, job.await) });
        };

    for pattern in &notice.scope.recipient_domains {
        let base = pattern.base().clone();
        let value = pattern.to_string();
        let budget = claim_budget();
        if base.is_within(&issuer) {
            slots.push(Some(ClaimCheck::verified(
                ScopeField::RecipientDomains,
                value,
                format!("{base} is within the issuer's domain {issuer}"),
            )));
        } else if let Some(budget) = budget {
            let (dns, issuer) = (dns.clone(), issuer.clone());
            spawn(
                &mut slots,
                Box::pin(async move {
                    check_foreign_domain(&dns, &issuer, &base, value, &budget).await
                }),
            );
        } else {
            slots.push(Some(not_checked(ScopeField::RecipientDomains, value)));
        }
    }
    for host in &notice.scope.mx_hosts {
        let _ = claim_budget();
        let value = host.to_string();
        slots.push(Some(if host.parent().is_within(&issuer) {
            ClaimCheck::verified(
                ScopeField::MxHosts,
                value,
                format!("{host} is within the issuer's domain {issuer}"),
            )
        } else {
            ClaimCheck::unverified(
                ScopeField::MxHosts,
                value,
                format!("{host} is outside the issuer's domain {issuer}"),
            )
        }));
    }
    for (field, ranges) in [
        (ScopeField::ReceivingIps, &notice.scope.receiving_ips),
        (ScopeField::SendingIps, &notice.scope.sending_ips),
    ] {
        for range in ranges {
            let Some(budget) = claim_budget() else {
                slots.push(Some(not_checked(field, range.to_string())));
                continue;
            };
            let (dns, issuer, range) = (dns.clone(), issuer.clone(), *range);
            spawn(
                &mut slots,
                Box::pin(async move { prove_range(&dns, &issuer, field, range, &budget).await }),
            );
        }
    }
    if let Some(b) = &notice.blocklist {
        let value = b.zone.to_string();
        slots.push(Some(if b.zone.is_within(&issuer) {
            ClaimCheck::verified(
                ScopeField::BlocklistZone,
                value,
                format!("the list's zone is within the issuer's domain {issuer}"),
            )
        } else {
            ClaimCheck::unverified(
                ScopeField::BlocklistZone,
                value,
                format!("the list's zone is outside the issuer's domain {issuer}"),
            )
        }));
    }

    while let Some(done) = lookups.join_next().await {
        if let Ok((index, check)) = done {
            slots[index] = Some(check);
        }
    }
    let fields = entries_of(notice);
    let mut entries: Vec<ClaimCheck> = slots
        .into_iter()
        .zip(fields)
        .map(|(slot, (field, value))| {
            slot.unwrap_or_else(|| {
                ClaimCheck::unverified(field, value, "the check did not complete".into())
            })
        })
        .collect();
    qualify_sending_ranges(notice, &mut entries);
    ScopeCheck::from_entries(entries)
}

/// A sending range that is not the issuer's own is a statement about whose
/// mail the notice concerns: a qualifier when the notice has verified ground
/// to stand on (a verified receiver claim, or its own list's zone), and
/// unverified otherwise.
fn qualify_sending_ranges(notice: &Notice, entries: &mut [ClaimCheck]) {
    let receiver = entries
        .iter()
        .any(|e| e.field.is_receiver_side() && e.effective_status() == ClaimStatus::Verified);
    let own_list = notice.kind == Kind::BlocklistListing
        && entries.iter().any(|e| {
            e.field == ScopeField::BlocklistZone && e.effective_status() == ClaimStatus::Verified
        });
    let basis = if receiver {
        "a receiver's statement of which senders its incident affects: it narrows the incident to mail from this range to the receiver's verified domains and hosts, and is not proof that the range is the issuer's"
    } else if own_list {
        "the addresses listed on the issuer's own list: it narrows the listing to this range, which applies only to bounces that name the list"
    } else {
        return;
    };
    for e in entries.iter_mut().filter(|e| {
        e.field == ScopeField::SendingIps && e.effective_status() == ClaimStatus::Unverified
    }) {
        *e = ClaimCheck::new(
            ScopeField::SendingIps,
            std::mem::take(&mut e.value),
            ClaimStatus::Qualifier,
            format!("{basis} (not the issuer's: {})", e.basis),
        );
    }
}

/// Whether the TXT records at `name` hold a `v=DIX1; d=<issuer>` delegation
/// (`_dix.<domain>` for a domain, `_dix.<reverse zone>` for an IP range).
pub(crate) async fn delegates(
    dns: &Dns,
    name: &str,
    issuer: &Domain,
) -> Result<bool, crate::dns::DnsFailure> {
    Ok(match dns.txt(name).await? {
        Answer::Found(texts) => texts
            .iter()
            .filter_map(|t| DelegationRecord::parse(t))
            .any(|d| &d.issuer == issuer),
        _ => false,
    })
}

async fn check_foreign_domain(
    dns: &Dns,
    issuer: &Domain,
    base: &Domain,
    value: String,
    budget: &QueryBudget,
) -> ClaimCheck {
    let field = ScopeField::RecipientDomains;
    if !budget.take(2) {
        return ClaimCheck::unverified(
            field,
            value,
            "not checked: the notice's DNS budget is spent".into(),
        );
    }
    let delegation_name = format!("_dix.{base}");
    match delegates(dns, &delegation_name, issuer).await {
        Ok(true) => {
            return ClaimCheck::verified(
                field,
                value,
                format!("{delegation_name} delegates to {issuer}"),
            );
        }
        Err(e) => {
            return ClaimCheck::unverified(field, value, format!("could not be checked: {e}"))
                .retrying();
        }
        _ => {}
    }
    match dns.mx(base).await {
        Ok(Answer::Found(hosts)) if !hosts.is_empty() => {
            let foreign = hosts
                .iter()
                .any(|h| Domain::parse(h).map_or(true, |h| !h.is_within(issuer)));
            if foreign {
                ClaimCheck::unverified(
                    field,
                    value,
                    format!(
                        "{base} is not under {issuer}, has no _dix delegation to it, and its MX hosts ({}) are elsewhere",
                        hosts.join(", ")
                    ),
                )
            } else {
                ClaimCheck::verified(
                    field,
                    value,
                    format!(
                        "every MX host of {base} ({}) is within {issuer}",
                        hosts.join(", ")
                    ),
                )
            }
        }
        Ok(_) => ClaimCheck::unverified(
            field,
            value,
            format!(
                "{base} is not under {issuer}, has no _dix delegation to it, and has no MX records"
            ),
        ),
        Err(e) => {
            ClaimCheck::unverified(field, value, format!("could not be checked: {e}")).retrying()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dix_schema::SecretKey;
    use dix_schema::types::Timestamp;
    use serde_json::json;

    fn notice(scope: serde_json::Value) -> Notice {
        let now = Timestamp::now();
        let notice = json!({
            "v": 1, "issuer": "evil.example", "key": "s1", "seq": 1, "incident": "0193f1c2-7a7e-7c1a-9d0e-3b1f5a2c9e10",
            "kind": "throttling", "status": "identified",
            "started_at": Timestamp::from_unix(now.unix() - 60).unwrap().to_string(),
            "published_at": now.to_string(), "scope": scope,
            "symptoms": [{"reply": 451}],
            "summary": {"en": "Busy."}, "contact": "postmaster@evil.example"
        });
        let signed = dix_schema::sign_json(
            notice.to_string().as_bytes(),
            &SecretKey::from_seed(&[7; 32]),
        )
        .unwrap();
        Notice::from_verified_bytes(signed.as_bytes()).unwrap()
    }

    #[test]
    fn one_notice_reserves_at_most_its_budget_in_its_own_order() {
        // 64 foreign domains: before, 128 queries; now the first seven.
        let domains: Vec<String> = (0..64).map(|i| format!("victim{i}.example")).collect();
        let many = notice(json!({"recipient_domains": domains}));
        assert_eq!(planned_queries(&many), MAX_SCOPE_QUERIES);
        let (granted, total) = reserve(&costs(&many));
        assert_eq!(total, 14);
        assert_eq!(granted.iter().filter(|g| **g).count(), 7);
        assert!(granted[..7].iter().all(|g| *g) && granted[7..].iter().all(|g| !*g));
        // Own names cost nothing; a /29 sweep and its fallback fit; a claim
        // that does not fit is skipped, and a later cheaper one still fits.
        let mixed = notice(json!({
            "recipient_domains": ["evil.example", "mail.evil.example", "a.example"],
            "receiving_ips": ["192.0.2.0/29", "198.51.100.0/29", "203.0.113.0/24"]
        }));
        assert_eq!(costs(&mixed), vec![0, 0, 2, 9, 9, 1]);
        let (granted, total) = reserve(&costs(&mixed));
        assert_eq!(granted, vec![true, true, true, true, false, true]);
        assert_eq!(total, 12);
        assert_eq!(
            planned_queries(&notice(json!({"recipient_domains": ["evil.example"]}))),
            0
        );
    }
}
