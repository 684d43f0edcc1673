//! Scope authorisation: may this issuer speak about what its notice names?
//!
//! | entry | verified when |
//! |---|---|
//! | recipient domain | under the issuer's domain; or `_dix.<domain>` has `v=DIX1; d=<issuer>`; or all the domain's MX hosts are under the issuer's domain |
//! | MX host pattern | its fixed part is under the issuer's domain |
//! | receiving IP range | reverse DNS of sampled addresses is under the issuer's domain |
//! | sending IP range | a listing on a blocklist zone under the issuer's domain; or reverse DNS under the issuer's domain; or the issuer is the verified receiver (every recipient domain and MX host verified) stating whom it throttles |
//! | blocklist zone | under the issuer's domain |
//!
//! A claim that cannot be confirmed is not rejected: it is stored as
//! unverified and every answer says so. DNS failures make a claim unverified,
//! never a notice rejected.

use std::net::IpAddr;

use dix_schema::types::{Domain, IpRange};
use dix_schema::{DelegationRecord, Kind, Notice};
use ipnet::IpNet;
use serde::Serialize;
use tokio::task::JoinSet;

use crate::dns::{Answer, Dns};

/// Most DNS-checked entries per notice; the rest are left unverified.
pub const MAX_CHECKED_ENTRIES: usize = 64;
/// Smallest prefixes checked by reverse DNS (larger ranges can't be confirmed by sampling).
const MIN_V4_PREFIX: u8 = 16;
const MIN_V6_PREFIX: u8 = 32;

/// The result for one scope entry.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EntryCheck {
    /// `recipient_domains`, `mx_hosts`, `sending_ips`, `receiving_ips` or `blocklist.zone`.
    pub field: &'static str,
    /// The entry as written.
    pub value: String,
    /// Confirmed.
    pub verified: bool,
    /// Why (or why not), in a sentence.
    pub basis: String,
}

/// The result for a whole notice.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ScopeCheck {
    /// Every entry verified.
    pub all_verified: bool,
    /// Per entry.
    pub entries: Vec<EntryCheck>,
}

/// Accepts every claim (pinned issuers with `trust_scope`).
pub fn trusted(notice: &Notice) -> ScopeCheck {
    let entries = entries_of(notice)
        .into_iter()
        .map(|(field, value)| EntryCheck {
            field,
            value,
            verified: true,
            basis: "the node's configuration trusts this issuer's scope".into(),
        })
        .collect();
    ScopeCheck {
        all_verified: true,
        entries,
    }
}

fn entries_of(n: &Notice) -> Vec<(&'static str, String)> {
    let s = &n.scope;
    let mut out: Vec<(&'static str, String)> = Vec::new();
    out.extend(
        s.recipient_domains
            .iter()
            .map(|p| ("recipient_domains", p.to_string())),
    );
    out.extend(s.mx_hosts.iter().map(|p| ("mx_hosts", p.to_string())));
    out.extend(
        s.receiving_ips
            .iter()
            .map(|r| ("receiving_ips", r.to_string())),
    );
    out.extend(s.sending_ips.iter().map(|r| ("sending_ips", r.to_string())));
    if let Some(b) = &n.blocklist {
        out.push(("blocklist.zone", b.zone.to_string()));
    }
    out
}

type DnsCheck = std::pin::Pin<Box<dyn std::future::Future<Output = EntryCheck> + Send>>;

/// Checks every entry of `notice` against DNS.
pub async fn authorise(notice: &Notice, dns: &Dns) -> ScopeCheck {
    let issuer = notice.issuer.clone();
    let mut entries: Vec<Option<EntryCheck>> = Vec::new();
    let mut lookups: JoinSet<(usize, EntryCheck)> = JoinSet::new();
    let mut checked = 0;
    // Entries needing DNS run concurrently; their slot is filled when done.
    let mut spawn_or_skip = |entries: &mut Vec<Option<EntryCheck>>,
                             field: &'static str,
                             value: String,
                             job: DnsCheck| {
        if checked < MAX_CHECKED_ENTRIES {
            checked += 1;
            let index = entries.len();
            entries.push(None);
            lookups.spawn(async move { (index, job.await) });
        } else {
            entries.push(Some(no(field, value, format!("not checked: only the first {MAX_CHECKED_ENTRIES} entries needing DNS are checked"))));
        }
    };

    for pattern in &notice.scope.recipient_domains {
        let base = pattern.base().clone();
        if base.is_within(&issuer) {
            entries.push(Some(ok(
                "recipient_domains",
                pattern.to_string(),
                format!("{base} is within the issuer's domain {issuer}"),
            )));
        } else {
            let (dns, issuer, value) = (dns.clone(), issuer.clone(), pattern.to_string());
            spawn_or_skip(
                &mut entries,
                "recipient_domains",
                value.clone(),
                Box::pin(async move { check_foreign_domain(&dns, &issuer, &base, value).await }),
            );
        }
    }
    for host in &notice.scope.mx_hosts {
        let check = if host.parent().is_within(&issuer) {
            ok(
                "mx_hosts",
                host.to_string(),
                format!("{host} is within the issuer's domain {issuer}"),
            )
        } else {
            no(
                "mx_hosts",
                host.to_string(),
                format!("{host} is outside the issuer's domain {issuer}"),
            )
        };
        entries.push(Some(check));
    }
    for range in &notice.scope.receiving_ips {
        let (dns, issuer, range) = (dns.clone(), issuer.clone(), *range);
        spawn_or_skip(
            &mut entries,
            "receiving_ips",
            range.to_string(),
            Box::pin(async move { check_reverse_dns(&dns, &issuer, "receiving_ips", range).await }),
        );
    }
    let listing_zone_ok = notice.kind == Kind::BlocklistListing
        && notice
            .blocklist
            .as_ref()
            .is_some_and(|b| b.zone.is_within(&issuer));
    let sending_start = entries.len();
    for range in &notice.scope.sending_ips {
        if listing_zone_ok {
            let zone = &notice.blocklist.as_ref().expect("checked").zone;
            entries.push(Some(ok(
                "sending_ips",
                range.to_string(),
                format!("a listing on {zone}, a blocklist zone within the issuer's domain"),
            )));
        } else {
            let (dns, issuer, range) = (dns.clone(), issuer.clone(), *range);
            spawn_or_skip(
                &mut entries,
                "sending_ips",
                range.to_string(),
                Box::pin(
                    async move { check_reverse_dns(&dns, &issuer, "sending_ips", range).await },
                ),
            );
        }
    }
    if let Some(b) = &notice.blocklist {
        entries.push(Some(if b.zone.is_within(&issuer) {
            ok(
                "blocklist.zone",
                b.zone.to_string(),
                format!("the list's zone is within the issuer's domain {issuer}"),
            )
        } else {
            no(
                "blocklist.zone",
                b.zone.to_string(),
                format!("the list's zone is outside the issuer's domain {issuer}"),
            )
        }));
    }

    while let Some(done) = lookups.join_next().await {
        if let Ok((index, check)) = done {
            entries[index] = Some(check);
        }
    }
    let mut entries: Vec<EntryCheck> = entries
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            e.unwrap_or_else(|| {
                no(
                    "scope",
                    format!("entry {i}"),
                    "the check did not complete".into(),
                )
            })
        })
        .collect();

    // A verified receiver may say which senders it throttles or blocks.
    let receiver_side: Vec<&EntryCheck> = entries
        .iter()
        .filter(|e| e.field == "recipient_domains" || e.field == "mx_hosts")
        .collect();
    let verified_receiver = !receiver_side.is_empty() && receiver_side.iter().all(|e| e.verified);
    if verified_receiver {
        for e in entries[sending_start..]
            .iter_mut()
            .filter(|e| e.field == "sending_ips" && !e.verified)
        {
            e.verified = true;
            e.basis = format!(
                "the issuer is the verified receiver, stating which senders its own policy affects ({})",
                e.basis
            );
        }
    }
    ScopeCheck {
        all_verified: entries.iter().all(|e| e.verified),
        entries,
    }
}

fn ok(field: &'static str, value: String, basis: String) -> EntryCheck {
    EntryCheck {
        field,
        value,
        verified: true,
        basis,
    }
}

fn no(field: &'static str, value: String, basis: String) -> EntryCheck {
    EntryCheck {
        field,
        value,
        verified: false,
        basis,
    }
}

async fn check_foreign_domain(
    dns: &Dns,
    issuer: &Domain,
    base: &Domain,
    value: String,
) -> EntryCheck {
    let field = "recipient_domains";
    let delegation_name = format!("_dix.{base}");
    match dns.txt(&delegation_name).await {
        Ok(Answer::Found(texts))
            if texts
                .iter()
                .filter_map(|t| DelegationRecord::parse(t))
                .any(|d| &d.issuer == issuer) =>
        {
            return ok(
                field,
                value,
                format!("{delegation_name} delegates to {issuer}"),
            );
        }
        Err(e) => return no(field, value, format!("could not be checked: {e}")),
        _ => {}
    }
    match dns.mx(base).await {
        Ok(Answer::Found(hosts)) if !hosts.is_empty() => {
            let foreign: Vec<&String> = hosts
                .iter()
                .filter(|h| Domain::parse(h).map_or(true, |h| !h.is_within(issuer)))
                .collect();
            if foreign.is_empty() {
                ok(
                    field,
                    value,
                    format!(
                        "every MX host of {base} ({}) is within {issuer}",
                        hosts.join(", ")
                    ),
                )
            } else {
                no(
                    field,
                    value,
                    format!(
                        "{base} is not under {issuer}, has no _dix delegation to it, and its MX hosts ({}) are elsewhere",
                        hosts.join(", ")
                    ),
                )
            }
        }
        Ok(_) => no(
            field,
            value,
            format!(
                "{base} is not under {issuer}, has no _dix delegation to it, and has no MX records"
            ),
        ),
        Err(e) => no(field, value, format!("could not be checked: {e}")),
    }
}

/// Addresses sampled from a range: its first, middle and last usable ones.
fn samples(net: IpNet) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = match net {
        IpNet::V4(n) => {
            let (lo, hi) = (u32::from(n.network()), u32::from(n.broadcast()));
            let (lo, hi) = if n.prefix_len() < 31 {
                (lo + 1, hi - 1)
            } else {
                (lo, hi)
            };
            [lo, lo + (hi - lo) / 2, hi]
                .into_iter()
                .map(|v| IpAddr::V4(v.into()))
                .collect()
        }
        IpNet::V6(n) => {
            let (lo, hi) = (u128::from(n.network()), u128::from(n.broadcast()));
            let lo = if n.prefix_len() < 127 { lo + 1 } else { lo };
            [lo, lo + (hi - lo) / 2, hi]
                .into_iter()
                .map(|v| IpAddr::V6(v.into()))
                .collect()
        }
    };
    out.dedup();
    out
}

async fn check_reverse_dns(
    dns: &Dns,
    issuer: &Domain,
    field: &'static str,
    range: IpRange,
) -> EntryCheck {
    let net = range.net();
    let too_big = match net {
        IpNet::V4(n) => n.prefix_len() < MIN_V4_PREFIX,
        IpNet::V6(n) => n.prefix_len() < MIN_V6_PREFIX,
    };
    if too_big {
        return no(
            field,
            range.to_string(),
            format!(
                "{range} is too large to confirm by reverse DNS (at most /{MIN_V4_PREFIX} or /{MIN_V6_PREFIX})"
            ),
        );
    }
    for ip in samples(net) {
        match dns.ptr(ip).await {
            Ok(Answer::Found(names)) => {
                if let Some(bad) = names
                    .iter()
                    .find(|n| Domain::parse(n).map_or(true, |d| !d.is_within(issuer)))
                {
                    return no(
                        field,
                        range.to_string(),
                        format!("reverse DNS of {ip} is {bad}, not within {issuer}"),
                    );
                }
            }
            Ok(_) => return no(field, range.to_string(), format!("{ip} has no reverse DNS")),
            Err(e) => {
                return no(
                    field,
                    range.to_string(),
                    format!("could not be checked: {e}"),
                );
            }
        }
    }
    ok(
        field,
        range.to_string(),
        format!("reverse DNS of sampled addresses of {range} is within {issuer}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_stay_inside_the_range() {
        let v4: IpNet = "203.0.113.0/24".parse().unwrap();
        assert_eq!(
            samples(v4),
            ["203.0.113.1", "203.0.113.127", "203.0.113.254"].map(|s| s.parse::<IpAddr>().unwrap())
        );
        let one: IpNet = "203.0.113.7/32".parse().unwrap();
        assert_eq!(samples(one), ["203.0.113.7".parse::<IpAddr>().unwrap()]);
        let v6: IpNet = "2001:db8::/64".parse().unwrap();
        assert!(samples(v6).iter().all(|ip| v6.contains(ip)));
    }
}
