//! Proving that an IP range is the issuer's, for the whole range:
//!
//! - a **delegation** `v=DIX1; d=<issuer>` at `_dix.<reverse zone>`, where the
//!   reverse zone is the `in-addr.arpa` (whole octets) or `ip6.arpa` (whole
//!   nibbles) name of the longest prefix that contains the range — the
//!   name only the range's holder can publish under, as `_dix.<domain>` is
//!   for a domain; or
//! - **reverse DNS of every address** under the issuer's domain, for ranges of
//!   at most [`MAX_SWEEP_ADDRESSES`] addresses. Larger ranges need the
//!   delegation: a few sampled PTRs say nothing about the addresses between
//!   them. (A /29 at most: a sweep and its delegation fallback fit in one
//!   notice's DNS budget, `MAX_SCOPE_QUERIES`.)

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use dix_schema::types::{Domain, IpRange};
use ipnet::IpNet;
use tokio::task::JoinSet;

use super::claim::{ClaimCheck, ScopeField};
use crate::dns::{Answer, Dns};

/// Largest range proven by reverse DNS of each address (a /29 or a /125).
pub const MAX_SWEEP_ADDRESSES: u128 = 8;

/// The most DNS queries [`prove_range`] asks for `net`: a sweep of a small
/// range, and the delegation of any range a reverse zone holds.
pub fn queries(net: IpNet) -> usize {
    let sweep = if size(net) <= MAX_SWEEP_ADDRESSES {
        size(net) as usize
    } else {
        0
    };
    sweep + usize::from(reverse_zone(net).is_some())
}

/// DNS queries one notice's scope checks may make; entries past it stay
/// unverified. A notice's sender chooses every name we look up, so the
/// work per notice is bounded.
#[derive(Debug, Clone)]
pub struct QueryBudget(Arc<AtomicUsize>);

impl QueryBudget {
    /// A budget of `n` queries.
    pub fn new(n: usize) -> Self {
        Self(Arc::new(AtomicUsize::new(n)))
    }

    /// Takes `n` queries, or nothing if fewer are left.
    pub fn take(&self, n: usize) -> bool {
        self.0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(n)
            })
            .is_ok()
    }
}

/// The reverse-DNS zone that holds the whole of `net`: `113.0.203.in-addr.arpa`
/// for `203.0.113.0/24` (and for anything inside it), `0.203.in-addr.arpa` for
/// a /22. `None` for ranges wider than any one zone (/0–/7, ::/0–/3).
pub fn reverse_zone(net: IpNet) -> Option<String> {
    match net {
        IpNet::V4(n) => {
            let octets = usize::from(n.prefix_len() / 8);
            if octets == 0 {
                return None;
            }
            let o = n.network().octets();
            let mut labels: Vec<String> = o[..octets].iter().map(u8::to_string).collect();
            labels.reverse();
            Some(format!("{}.in-addr.arpa", labels.join(".")))
        }
        IpNet::V6(n) => {
            let nibbles = usize::from(n.prefix_len() / 4);
            if nibbles == 0 {
                return None;
            }
            let value = u128::from(n.network());
            let mut labels: Vec<String> = (0..nibbles)
                .map(|i| format!("{:x}", (value >> (124 - 4 * i)) & 0xf))
                .collect();
            labels.reverse();
            Some(format!("{}.ip6.arpa", labels.join(".")))
        }
    }
}

/// Number of addresses in `net`, saturating.
fn size(net: IpNet) -> u128 {
    let bits = u32::from(net.max_prefix_len() - net.prefix_len());
    1u128.checked_shl(bits).unwrap_or(u128::MAX)
}

/// Every address of a range small enough to sweep.
fn addresses(net: IpNet) -> Vec<IpAddr> {
    match net {
        IpNet::V4(n) => {
            let lo = u32::from(n.network());
            (0..size(net) as u32)
                .map(|i| IpAddr::V4((lo + i).into()))
                .collect()
        }
        IpNet::V6(n) => {
            let lo = u128::from(n.network());
            (0..size(net))
                .map(|i| IpAddr::V6((lo + i).into()))
                .collect()
        }
    }
}

/// Checks that `range` is the issuer's by one of the two proofs above.
pub async fn prove_range(
    dns: &Dns,
    issuer: &Domain,
    field: ScopeField,
    range: IpRange,
    budget: &QueryBudget,
) -> ClaimCheck {
    let net = range.net();
    let value = range.to_string();
    let mut why_not = Vec::new();
    // Some look-up failed (timeout, SERVFAIL): not verified now, but it
    // may be once DNS answers.
    let mut dns_failed = false;
    if size(net) <= MAX_SWEEP_ADDRESSES {
        match sweep(dns, issuer, net, budget, &mut dns_failed).await {
            Ok(()) => {
                return ClaimCheck::verified(
                    field,
                    value,
                    format!(
                        "reverse DNS of every address of {range} ({}) is within {issuer}",
                        size(net)
                    ),
                );
            }
            Err(e) => why_not.push(e),
        }
    } else {
        why_not.push(format!(
            "{range} has more than {MAX_SWEEP_ADDRESSES} addresses, so reverse DNS cannot prove it"
        ));
    }
    let Some(zone) = reverse_zone(net) else {
        why_not.push(format!(
            "{range} is wider than any reverse zone that could delegate it"
        ));
        return unverified(field, value, why_not, dns_failed);
    };
    let name = format!("_dix.{zone}");
    if !budget.take(1) {
        why_not.push(format!(
            "{name} was not checked: the notice's DNS budget is spent"
        ));
        return unverified(field, value, why_not, dns_failed);
    }
    match super::delegates(dns, &name, issuer).await {
        Ok(true) => {
            return ClaimCheck::verified(
                field,
                value,
                format!("{name} (the reverse zone holding {range}) delegates to {issuer}"),
            );
        }
        Ok(_) => why_not.push(format!("{name} has no v=DIX1 delegation to {issuer}")),
        Err(e) => {
            dns_failed = true;
            why_not.push(format!("{name} could not be checked: {e}"));
        }
    }
    unverified(field, value, why_not, dns_failed)
}

fn unverified(
    field: ScopeField,
    value: String,
    why_not: Vec<String>,
    dns_failed: bool,
) -> ClaimCheck {
    let check = ClaimCheck::unverified(field, value, why_not.join("; "));
    if dns_failed { check.retrying() } else { check }
}

/// Reverse DNS of every address of `net` is under `issuer`; `dns_failed`
/// is set when a look-up failed rather than answered.
async fn sweep(
    dns: &Dns,
    issuer: &Domain,
    net: IpNet,
    budget: &QueryBudget,
    dns_failed: &mut bool,
) -> Result<(), String> {
    let all = addresses(net);
    if !budget.take(all.len()) {
        return Err("reverse DNS was not checked: the notice's DNS budget is spent".into());
    }
    let mut lookups = JoinSet::new();
    for ip in all {
        let dns = dns.clone();
        lookups.spawn(async move { (ip, dns.ptr(ip).await) });
    }
    let mut failures = Vec::new();
    while let Some(done) = lookups.join_next().await {
        let Ok((ip, answer)) = done else {
            failures.push((None, "the lookup did not complete".to_owned()));
            continue;
        };
        match answer {
            Ok(Answer::Found(names)) => {
                if let Some(bad) = names
                    .iter()
                    .find(|n| Domain::parse(n).map_or(true, |d| !d.is_within(issuer)))
                {
                    failures.push((
                        Some(ip),
                        format!("reverse DNS of {ip} is {bad}, not within {issuer}"),
                    ));
                }
            }
            Ok(_) => failures.push((Some(ip), format!("{ip} has no reverse DNS"))),
            Err(e) => {
                *dns_failed = true;
                failures.push((Some(ip), format!("could not be checked: {e}")));
            }
        }
    }
    failures.sort();
    match failures.into_iter().next() {
        None => Ok(()),
        Some((_, first)) => Err(first),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    #[test]
    fn reverse_zones_hold_the_whole_range() {
        assert_eq!(
            reverse_zone(net("203.0.113.0/24")).as_deref(),
            Some("113.0.203.in-addr.arpa")
        );
        assert_eq!(
            reverse_zone(net("203.0.113.128/25")).as_deref(),
            Some("113.0.203.in-addr.arpa")
        );
        assert_eq!(
            reverse_zone(net("203.0.112.0/22")).as_deref(),
            Some("0.203.in-addr.arpa")
        );
        assert_eq!(
            reverse_zone(net("203.0.113.7/32")).as_deref(),
            Some("7.113.0.203.in-addr.arpa")
        );
        assert_eq!(reverse_zone(net("0.0.0.0/0")), None);
        assert_eq!(reverse_zone(net("10.0.0.0/7")), None);
        assert_eq!(
            reverse_zone(net("2001:db8::/32")).as_deref(),
            Some("8.b.d.0.1.0.0.2.ip6.arpa")
        );
        assert_eq!(
            reverse_zone(net("2001:db8::/34")).as_deref(),
            Some("8.b.d.0.1.0.0.2.ip6.arpa")
        );
        assert_eq!(reverse_zone(net("::/0")), None);
    }

    #[test]
    fn a_range_costs_at_most_a_sweep_and_a_delegation() {
        assert_eq!(queries(net("203.0.113.0/29")), 8 + 1);
        assert_eq!(queries(net("203.0.113.7/32")), 1 + 1);
        assert_eq!(queries(net("203.0.113.0/28")), 1);
        assert_eq!(queries(net("2001:db8::/125")), 8 + 1);
        assert_eq!(queries(net("0.0.0.0/0")), 0);
        assert_eq!(queries(net("::/0")), 0);
        assert!(queries(net("203.0.113.0/29")) <= super::super::MAX_SCOPE_QUERIES);
    }

    #[test]
    fn only_small_ranges_are_swept() {
        assert_eq!(addresses(net("203.0.113.0/28")).len(), 16);
        assert_eq!(
            addresses(net("203.0.113.7/32")),
            vec!["203.0.113.7".parse::<IpAddr>().unwrap()]
        );
        assert_eq!(size(net("203.0.113.0/24")), 256);
        assert_eq!(size(net("::/0")), u128::MAX);
        assert_eq!(addresses(net("2001:db8::/124")).len(), 16);
    }

    #[test]
    fn the_budget_is_all_or_nothing() {
        let b = QueryBudget::new(5);
        assert!(b.take(3));
        assert!(!b.take(3));
        assert!(b.take(2));
        assert!(!b.take(1));
    }
}
