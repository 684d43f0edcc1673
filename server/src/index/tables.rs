//! The lookup tables over the incidents in memory, and the first step of a
//! query: which incidents the bounce's recipient domain (exact and `*.`
//! suffix), MX host, receiving IP, sending IP, or the list named in its text
//! (zone or list operator) finds — never a scan of all incidents.
//!
//! Every table entry carries what its claim may do (verified or not), so a
//! query reads no claim map. A qualifier (a receiver's or a list's statement
//! of which senders it concerns) is in no table: it never finds an
//! incident, it only narrows one found otherwise (see `scoring`).
//!
//! A change removes the incident's old keys and adds its new ones, so the
//! cost of a publish does not grow with the number of incidents. Identical
//! symptom lists are interned: incidents that share one are scored once per
//! query.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, Weak};

use dix_schema::types::Domain;
use ipnet::IpNet;

use super::entry::{Indexed, Symptoms};
use super::scoring::{Evidence, Hit};
use crate::scope::{ClaimStatus, ScopeField};

/// A slot in a table, and what the claim that put it there may do.
#[derive(Clone, Copy)]
struct Link {
    slot: u32,
    status: ClaimStatus,
}

/// An IP range of an incident, as the lookup tables hold it.
#[derive(Clone)]
struct IpEntry {
    net: IpNet,
    slot: u32,
    sending: bool,
    /// Verified or unverified: qualifiers are not in the tables.
    status: ClaimStatus,
}

/// Lookup tables over the current incidents. An incident keeps its slot
/// (the `u32` in every table) while it is indexed.
#[derive(Default, Clone)]
pub struct Snapshot {
    /// By slot; `None` for a free slot.
    incidents: Vec<Option<Arc<Indexed>>>,
    slots: HashMap<(String, String), u32>,
    free: Vec<u32>,
    exact_domains: HashMap<String, Vec<Link>>,
    wildcard_domains: HashMap<String, Vec<Link>>,
    mx_parents: HashMap<String, Vec<u32>>,
    /// IP ranges by bucket (/16 IPv4, /32 IPv6); wider ranges in `wide_ips`.
    ip_buckets: HashMap<(bool, u128), Vec<IpEntry>>,
    wide_ips: Vec<IpEntry>,
    zones: HashMap<String, Vec<Link>>,
    /// Issuers of blocklist listings: a reply naming the operator's domain
    /// (a lookup URL) names its list.
    list_operators: HashMap<String, Vec<Link>>,
    /// Symptom lists in use, by their JSON: one compiled copy each.
    symptom_sets: HashMap<String, Weak<Symptoms>>,
    pub(super) flagged: HashSet<String>,
}

fn bucket(ip: IpAddr) -> (bool, u128) {
    match ip {
        IpAddr::V4(v4) => (true, u128::from(u32::from(v4) >> 16)),
        IpAddr::V6(v6) => (false, u128::from(v6) >> 96),
    }
}

fn net_bucket(net: &IpNet) -> Option<(bool, u128)> {
    let fits = match net {
        IpNet::V4(n) => n.prefix_len() >= 16,
        IpNet::V6(n) => n.prefix_len() >= 32,
    };
    fits.then(|| bucket(net.network()))
}

/// Longest domain name (RFC 1035): a list is never named by a longer tail.
const MAX_NAME_LEN: usize = 253;

impl Snapshot {
    /// The incident in `slot` (every table holds live slots only).
    pub(super) fn entry(&self, slot: u32) -> &Indexed {
        self.incidents[slot as usize]
            .as_deref()
            .expect("tables hold live slots only")
    }

    /// Every incident held.
    pub(super) fn entries(&self) -> impl Iterator<Item = &Arc<Indexed>> {
        self.incidents.iter().flatten()
    }

    /// Empty tables that know these flagged issuers (for history).
    pub(super) fn with_flagged(flagged: HashSet<String>) -> Self {
        Self {
            flagged,
            ..Self::default()
        }
    }

    /// Number of incidents indexed.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Indexes `entry`, replacing the incident's earlier revision; the
    /// entry as held (to share with another copy of the tables).
    pub(super) fn upsert(&mut self, mut entry: Indexed) -> Arc<Indexed> {
        entry.symptoms = self.intern(entry.symptoms);
        let entry = Arc::new(entry);
        self.put(entry.clone());
        entry
    }

    /// Indexes an entry already shared (read by another copy of the tables).
    pub(super) fn put(&mut self, entry: Arc<Indexed>) {
        let key = (entry.issuer.clone(), entry.incident.clone());
        let id = match self.slots.get(&key) {
            Some(&id) => {
                let old = self.incidents[id as usize].take().expect("slot in use");
                self.unlink(id, &old);
                id
            }
            None => {
                let id = self.free.pop().unwrap_or_else(|| {
                    self.incidents.push(None);
                    (self.incidents.len() - 1) as u32
                });
                self.slots.insert(key, id);
                id
            }
        };
        if self
            .symptom_sets
            .get(&entry.symptoms.key)
            .is_none_or(|w| w.strong_count() == 0)
        {
            self.symptom_sets
                .insert(entry.symptoms.key.clone(), Arc::downgrade(&entry.symptoms));
        }
        self.link(id, &entry);
        self.incidents[id as usize] = Some(entry);
    }

    /// The compiled copy of these symptoms already in use, or these.
    fn intern(&mut self, symptoms: Arc<Symptoms>) -> Arc<Symptoms> {
        match self.symptom_sets.get(&symptoms.key).and_then(Weak::upgrade) {
            Some(shared) => shared,
            None => {
                self.symptom_sets
                    .insert(symptoms.key.clone(), Arc::downgrade(&symptoms));
                symptoms
            }
        }
    }

    /// Drops an incident (it left the memory window).
    pub(super) fn remove(&mut self, issuer: &str, incident: &str) -> bool {
        let Some(id) = self.slots.remove(&(issuer.to_owned(), incident.to_owned())) else {
            return false;
        };
        if let Some(old) = self.incidents[id as usize].take() {
            self.unlink(id, &old);
        }
        self.free.push(id);
        true
    }

    /// Adds the incident's keys to the tables.
    fn link(&mut self, slot: u32, entry: &Indexed) {
        let scope = &entry.notice.scope;
        for p in &scope.recipient_domains {
            let map = if p.is_wildcard() {
                &mut self.wildcard_domains
            } else {
                &mut self.exact_domains
            };
            let status = entry.status(ScopeField::RecipientDomains, p.as_str());
            map.entry(p.base().to_string())
                .or_default()
                .push(Link { slot, status });
        }
        for h in &scope.mx_hosts {
            self.mx_parents
                .entry(h.parent().to_string())
                .or_default()
                .push(slot);
        }
        for (ranges, field) in [
            (&scope.receiving_ips, ScopeField::ReceivingIps),
            (&scope.sending_ips, ScopeField::SendingIps),
        ] {
            for r in ranges {
                let net = r.net();
                let status = entry.status(field, &net.to_string());
                let ip = IpEntry {
                    net,
                    slot,
                    sending: field == ScopeField::SendingIps,
                    status,
                };
                match (net_bucket(&net), status) {
                    // A qualifier never finds an incident.
                    (_, ClaimStatus::Qualifier) => {}
                    (Some(b), _) => self.ip_buckets.entry(b).or_default().push(ip),
                    (None, ClaimStatus::Verified) => self.wide_ips.push(ip),
                    // Every query scans the wide ranges; one that cannot
                    // decide anything is not worth what a stranger
                    // publishing thousands of them would cost.
                    (None, _) => {}
                }
            }
        }
        if let Some(b) = &entry.notice.blocklist {
            let status = entry.status(ScopeField::BlocklistZone, b.zone.as_str());
            let link = Link { slot, status };
            self.zones.entry(b.zone.to_string()).or_default().push(link);
            self.list_operators
                .entry(entry.issuer.clone())
                .or_default()
                .push(link);
        }
    }

    /// Removes the incident's keys (those `link` added for `entry`).
    fn unlink(&mut self, slot: u32, entry: &Indexed) {
        fn drop_link(map: &mut HashMap<String, Vec<Link>>, key: &str, slot: u32) {
            if let Some(links) = map.get_mut(key) {
                links.retain(|l| l.slot != slot);
                if links.is_empty() {
                    map.remove(key);
                }
            }
        }
        let scope = &entry.notice.scope;
        for p in &scope.recipient_domains {
            let map = if p.is_wildcard() {
                &mut self.wildcard_domains
            } else {
                &mut self.exact_domains
            };
            drop_link(map, p.base().as_str(), slot);
        }
        for h in &scope.mx_hosts {
            let parent = h.parent().to_string();
            if let Some(ids) = self.mx_parents.get_mut(&parent) {
                ids.retain(|&i| i != slot);
                if ids.is_empty() {
                    self.mx_parents.remove(&parent);
                }
            }
        }
        for r in scope.receiving_ips.iter().chain(&scope.sending_ips) {
            match net_bucket(&r.net()) {
                Some(b) => {
                    if let Some(list) = self.ip_buckets.get_mut(&b) {
                        list.retain(|e| e.slot != slot);
                        if list.is_empty() {
                            self.ip_buckets.remove(&b);
                        }
                    }
                }
                None => self.wide_ips.retain(|e| e.slot != slot),
            }
        }
        if let Some(b) = &entry.notice.blocklist {
            drop_link(&mut self.zones, b.zone.as_str(), slot);
            drop_link(&mut self.list_operators, &entry.issuer, slot);
        }
        // The last incident with these symptoms takes their entry along
        // (the entry being removed still holds the one reference).
        let symptoms = &entry.symptoms;
        if let Some(w) = self.symptom_sets.get(&symptoms.key)
            && (w.strong_count() == 0
                || (std::ptr::eq(w.as_ptr(), Arc::as_ptr(symptoms))
                    && Arc::strong_count(symptoms) <= 1))
        {
            self.symptom_sets.remove(&symptoms.key);
        }
    }

    /// The scope evidence for each incident that may explain a bounce:
    /// (slot, hit) pairs, an incident once per piece of evidence.
    pub(super) fn lookup(&self, bounce: &Bounce<'_>) -> Vec<(u32, Hit)> {
        let mut hits = Vec::new();
        if let Some(domain) = bounce.domain {
            for l in self
                .exact_domains
                .get(domain.as_str())
                .into_iter()
                .flatten()
            {
                hits.push((l.slot, Hit::new(Evidence::Domain, l.status)));
            }
            let name = domain.as_str();
            let mut at = 0;
            while let Some(dot) = name[at..].find('.') {
                let parent_at = at + dot + 1;
                for l in self
                    .wildcard_domains
                    .get(&name[parent_at..])
                    .into_iter()
                    .flatten()
                {
                    hits.push((l.slot, Hit::new(Evidence::Wildcard { parent_at }, l.status)));
                }
                at = parent_at;
            }
        }
        if let Some(host) = bounce.host
            && let Some((_, parent)) = host.as_str().split_once('.')
        {
            for &slot in self.mx_parents.get(parent).into_iter().flatten() {
                let entry = self.entry(slot);
                if let Some((i, p)) = entry
                    .notice
                    .scope
                    .mx_hosts
                    .iter()
                    .enumerate()
                    .find(|(_, p)| p.matches(host))
                {
                    let status = entry.status(ScopeField::MxHosts, p.as_str());
                    hits.push((slot, Hit::new(Evidence::Mx { pattern: i }, status)));
                }
            }
        }
        for (ip, want_sending) in [(bounce.remote_ip, false), (bounce.sender_ip, true)] {
            let Some(ip) = ip else { continue };
            let in_bucket = self.ip_buckets.get(&bucket(ip)).into_iter().flatten();
            for e in in_bucket.chain(self.wide_ips.iter()) {
                if e.sending == want_sending && e.net.contains(&ip) {
                    let mut hit = Hit::new(
                        Evidence::Ip {
                            ip,
                            net: e.net,
                            sending: e.sending,
                        },
                        e.status,
                    );
                    if e.sending && hit.decisive {
                        // The sender's provider speaking for its own IPs.
                        hit.weight += 0.1;
                    }
                    hits.push((e.slot, hit));
                }
            }
        }
        if !self.zones.is_empty() && !bounce.text.is_empty() {
            self.named_lists(bounce.text, &mut hits);
        }
        hits
    }

    /// Lists the text names: by their zone, or by their operator's domain (a
    /// lookup URL); a free-text list name is not evidence (anyone can call
    /// a list "Spamhaus"). One pass over the text: each dotted name in it is
    /// looked up by its tails, so the cost does not grow with the number of
    /// lists.
    fn named_lists(&self, text: &str, hits: &mut Vec<(u32, Hit)>) {
        let lower = text.to_ascii_lowercase();
        let mut named: HashMap<u32, (bool, ClaimStatus)> = HashMap::new();
        for name in dotted_names(&lower) {
            for tail in tails(name) {
                for l in self.zones.get(tail).into_iter().flatten() {
                    named.insert(l.slot, (false, l.status));
                }
                for l in self.list_operators.get(tail).into_iter().flatten() {
                    named.entry(l.slot).or_insert((true, l.status));
                }
            }
        }
        for (slot, (by_operator, status)) in named {
            hits.push((slot, Hit::new(Evidence::List { by_operator }, status)));
        }
    }
}

/// What a lookup reads of a bounce.
pub(super) struct Bounce<'q> {
    pub domain: Option<&'q Domain>,
    pub host: Option<&'q Domain>,
    pub remote_ip: Option<IpAddr>,
    pub sender_ip: Option<IpAddr>,
    pub text: &'q str,
}

/// The maximal runs of name characters (letters, digits, `-`, `.`) in
/// lowercased `text`, without trailing dots, that hold a dot.
fn dotted_names(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
        .map(|run| run.trim_end_matches('.'))
        .filter(|run| run.contains('.'))
}

/// The tails of `name` that start at a label and may be a domain name:
/// `zen.spamhaus.org` → itself, `spamhaus.org`, `org`.
fn tails(name: &str) -> impl Iterator<Item = &str> {
    let start = name.len().saturating_sub(MAX_NAME_LEN);
    let bytes = name.as_bytes();
    (start..name.len())
        .filter(move |&i| (i == 0 || bytes[i - 1] == b'.') && bytes[i] != b'.')
        .map(move |i| &name[i..])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A name is named only whole: as itself or as the tail of a longer
    /// name, never inside a longer label or before more labels.
    #[test]
    fn lists_are_named_by_whole_names() {
        let named =
            |text: &str, zone: &str| dotted_names(text).any(|n| tails(n).any(|t| t == zone));
        assert!(named("blocked using zen.spamhaus.org.", "spamhaus.org"));
        assert!(named(
            "see https://www.spamhaus.org/query/ip/1",
            "spamhaus.org"
        ));
        assert!(named("spamhaus.org", "spamhaus.org"));
        assert!(!named("blocked using notspamhaus.org", "spamhaus.org"));
        assert!(!named("spamhaus.org.evil.example", "spamhaus.org"));
        assert!(!named("bl.evil.example.attacker.test", "bl.evil.example"));
        // A 200 kB run of labels is read by its last 253 bytes only.
        let long = "a.".repeat(100_000) + "bl.example";
        assert!(dotted_names(&long).flat_map(tails).count() < 130);
        assert!(named(&long, "bl.example"));
    }
}

#[cfg(test)]
mod revision_tests {
    use dix_bounce::verdict::MatchQuery;
    use serde_json::json;

    use super::super::scoring::tests::incident;
    use super::super::{Cancel, scoring};
    use super::*;

    fn verified(id: &str, seq: u64, scope: serde_json::Value) -> Indexed {
        incident(
            "isp.example",
            id,
            seq,
            scope,
            json!([{"reply": 451}]),
            ClaimStatus::Verified,
        )
    }

    fn found(s: &Snapshot, domain: Option<&str>, ip: Option<&str>) -> usize {
        let q = MatchQuery {
            recipient_domain: domain.map(Into::into),
            remote_ip: ip.map(|i| i.parse().unwrap()),
            reply_code: Some(451),
            ..MatchQuery::default()
        };
        scoring::find(s, &q, &Cancel::never()).unwrap().len()
    }

    #[test]
    fn a_revision_replaces_every_key_of_the_one_before() {
        let id = "0193f1c2-7a7e-7c1a-9d0e-3b1f5a2c9e10";
        let other = "0193f1c2-7a7e-7c1a-9d0e-3b1f5a2c9e11";
        let mut s = Snapshot::default();
        s.upsert(verified(id, 1, json!({"recipient_domains": ["a.isp.example", "*.w.isp.example"], "receiving_ips": ["192.0.2.0/24", "10.0.0.0/8"]})));
        s.upsert(verified(
            other,
            1,
            json!({"recipient_domains": ["a.isp.example"]}),
        ));
        assert_eq!(found(&s, Some("a.isp.example"), None), 2);
        assert_eq!(found(&s, Some("x.w.isp.example"), None), 1);
        assert_eq!(found(&s, None, Some("192.0.2.9")), 1);
        assert_eq!(
            found(&s, None, Some("10.9.9.9")),
            1,
            "a wide verified range"
        );

        s.upsert(verified(
            id,
            2,
            json!({"recipient_domains": ["b.isp.example"], "receiving_ips": ["198.51.100.0/24"]}),
        ));
        assert_eq!(s.len(), 2);
        assert_eq!(
            found(&s, Some("a.isp.example"), None),
            1,
            "only the other incident"
        );
        assert_eq!(found(&s, Some("x.w.isp.example"), None), 0);
        assert_eq!(found(&s, None, Some("192.0.2.9")), 0);
        assert_eq!(found(&s, None, Some("10.9.9.9")), 0);
        assert_eq!(found(&s, Some("b.isp.example"), None), 1);
        assert_eq!(found(&s, None, Some("198.51.100.1")), 1);
        assert!(s.ip_buckets.values().all(|v| !v.is_empty()));
        assert!(s.exact_domains.values().all(|v| !v.is_empty()));
        assert!(!s.wildcard_domains.contains_key("w.isp.example"));
        // The symptom list both share stays while one incident holds it.
        assert_eq!(s.symptom_sets.len(), 1);
        s.remove("isp.example", id);
        assert_eq!(s.symptom_sets.len(), 1);
        s.remove("isp.example", other);
        assert!(s.symptom_sets.is_empty() && s.is_empty());
    }
}
