//! The matching index: every current incident in memory, looked up by
//! recipient domain (exact and `*.` suffix), MX host, receiving IP range,
//! the issuer's own sending IP range, and blocklist zone (or list operator)
//! named in the reply — never by scanning all incidents.
//!
//! Each lookup carries the claim's status from `scope` (decided at publish
//! time): only a verified claim makes a match `decisive`. A receiver's or a
//! list's statement of which senders it concerns (a qualifier) never finds
//! an incident; it narrows one found otherwise (see `Snapshot::score`).
//!
//! The tables are updated in place, incident by incident: a change removes
//! the incident's old keys and adds its new ones, so the cost of a publish
//! does not grow with the number of incidents. Publishing catches the index
//! up before it answers, so a notice is matchable by the time its `201` is
//! sent; replicas sharing a database catch up from the store's cursor. The
//! cursor moves only after the rows it covers are applied, and a failure
//! while parsing them (even a panic) leaves the tables as they were: the
//! last good state keeps answering.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, RwLock};

use dix_bounce::knowledge::Bilingual;
use dix_bounce::verdict::{IncidentMatch, MatchQuery};
use dix_schema::Notice;
use dix_schema::types::{Domain, Timestamp};
use ipnet::IpNet;

use crate::scope::{ClaimStatus, ScopeField, Verification};

use crate::store::{IncidentFilter, IncidentRow, Store};

/// Slack around an incident's window when comparing bounce times, seconds.
const WINDOW_SLACK_SECS: i64 = 30 * 60;
/// Incidents still open, or ended within this long, live in memory; older
/// ones are found in the store, for bounces whose own time says they are
/// that old ([`MatchIndex::history`]). History accumulates; memory does not.
pub const MEMORY_WINDOW_SECS: i64 = 30 * 86_400;
/// Most incidents one history lookup reads from the store per key.
const HISTORY_LIMIT: u32 = 50;

/// Whether an incident ended before the memory window (with the slack a
/// bounce time gets).
fn is_history(entry: &Indexed, now: i64) -> bool {
    entry
        .notice
        .ended_at
        .is_some_and(|e| e.unix() + WINDOW_SLACK_SECS < now - MEMORY_WINDOW_SECS)
}
/// Most matches returned per query.
const MAX_MATCHES: usize = 10;

/// One incident as the index holds it.
struct Indexed {
    issuer: String,
    incident: String,
    seq: u64,
    notice: Notice,
    scope_verified: bool,
    /// What each scope claim may do, by (field, value as written).
    claims: HashMap<(ScopeField, String), ClaimStatus>,
    /// Whether the notice's sending ranges narrow it: some of them are a
    /// receiver's or a list's statement of whose mail it concerns. The
    /// bounce's sending IP must then be in one of the notice's ranges.
    narrowed: bool,
}

impl Indexed {
    fn status(&self, field: ScopeField, value: &str) -> ClaimStatus {
        self.claims
            .get(&(field, value.to_owned()))
            .copied()
            .unwrap_or(ClaimStatus::Unverified)
    }
}

/// One piece of scope evidence for a candidate incident.
struct Hit {
    why: Bilingual,
    weight: f64,
    /// A verified claim covers the bounce: the incident may decide.
    decisive: bool,
}

impl Hit {
    fn of(en: String, ja: String, status: ClaimStatus) -> Self {
        let verified = status == ClaimStatus::Verified;
        let (note_en, note_ja) = unverified_note(verified);
        Self {
            why: Bilingual {
                en: format!("{en}{note_en}"),
                ja: format!("{ja}{note_ja}"),
            },
            weight: scope_weight(verified),
            decisive: verified,
        }
    }
}

/// Where scoring puts the reasons beyond the scope hits: written out for
/// the matches shown, skipped for the candidates only ranked.
trait ReasonSink {
    fn add(&mut self, reason: impl FnOnce() -> (String, String));
}

/// Ranking only: no reason is written.
struct NoReasons;

impl ReasonSink for NoReasons {
    fn add(&mut self, _: impl FnOnce() -> (String, String)) {}
}

/// Every reason, in English and Japanese.
#[derive(Default)]
struct Reasons {
    en: Vec<String>,
    ja: Vec<String>,
}

impl ReasonSink for Reasons {
    fn add(&mut self, reason: impl FnOnce() -> (String, String)) {
        let (en, ja) = reason();
        self.en.push(en);
        self.ja.push(ja);
    }
}

/// An IP range of an incident, as the lookup tables hold it.
struct IpEntry {
    net: IpNet,
    incident: u32,
    sending: bool,
    /// Verified or unverified: qualifiers are not in the tables.
    status: ClaimStatus,
}
/// Lookup tables over the current incidents. An incident keeps its slot
/// (the `u32` in every table) while it is indexed.
#[derive(Default)]
pub struct Snapshot {
    /// By slot; `None` for a free slot.
    incidents: Vec<Option<Arc<Indexed>>>,
    slots: HashMap<(String, String), u32>,
    free: Vec<u32>,
    exact_domains: HashMap<String, Vec<u32>>,
    wildcard_domains: HashMap<String, Vec<u32>>,
    mx_parents: HashMap<String, Vec<u32>>,
    /// IP ranges by bucket (/16 IPv4, /32 IPv6); wider ranges in `wide_ips`.
    ip_buckets: HashMap<(bool, u128), Vec<IpEntry>>,
    wide_ips: Vec<IpEntry>,
    zones: HashMap<String, Vec<u32>>,
    /// Issuers of blocklist listings: a reply naming the operator's domain
    /// (a lookup URL) names its list.
    list_operators: HashMap<String, Vec<u32>>,
    flagged: HashSet<String>,
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

impl Snapshot {
    /// The incident in `slot` (every table holds live slots only).
    fn entry(&self, slot: u32) -> &Indexed {
        self.incidents[slot as usize]
            .as_deref()
            .expect("tables hold live slots only")
    }

    /// Indexes `entry`, replacing the incident's earlier revision.
    fn upsert(&mut self, entry: Arc<Indexed>) {
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
        self.link(id, &entry);
        self.incidents[id as usize] = Some(entry);
    }

    /// Drops an incident (it left the memory window).
    fn remove(&mut self, issuer: &str, incident: &str) -> bool {
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
    fn link(&mut self, id: u32, entry: &Indexed) {
        let scope = &entry.notice.scope;
        for p in &scope.recipient_domains {
            let map = if p.is_wildcard() {
                &mut self.wildcard_domains
            } else {
                &mut self.exact_domains
            };
            map.entry(p.base().to_string()).or_default().push(id);
        }
        for h in &scope.mx_hosts {
            self.mx_parents
                .entry(h.parent().to_string())
                .or_default()
                .push(id);
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
                    incident: id,
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
            self.zones.entry(b.zone.to_string()).or_default().push(id);
            self.list_operators
                .entry(entry.issuer.clone())
                .or_default()
                .push(id);
        }
    }

    /// Removes the incident's keys (those `link` added for `entry`).
    fn unlink(&mut self, id: u32, entry: &Indexed) {
        fn drop_id(map: &mut HashMap<String, Vec<u32>>, key: &str, id: u32) {
            if let Some(ids) = map.get_mut(key) {
                ids.retain(|&i| i != id);
                if ids.is_empty() {
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
            drop_id(map, p.base().as_str(), id);
        }
        for h in &scope.mx_hosts {
            drop_id(&mut self.mx_parents, &h.parent().to_string(), id);
        }
        for r in scope.receiving_ips.iter().chain(&scope.sending_ips) {
            let net = r.net();
            match net_bucket(&net) {
                Some(b) => {
                    if let Some(list) = self.ip_buckets.get_mut(&b) {
                        list.retain(|e| e.incident != id);
                        if list.is_empty() {
                            self.ip_buckets.remove(&b);
                        }
                    }
                }
                None => self.wide_ips.retain(|e| e.incident != id),
            }
        }
        if let Some(b) = &entry.notice.blocklist {
            drop_id(&mut self.zones, b.zone.as_str(), id);
            drop_id(&mut self.list_operators, &entry.issuer, id);
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

    /// The incidents that may explain `q`, best first, with scores and reasons.
    pub fn find(&self, q: &MatchQuery) -> Vec<IncidentMatch> {
        // candidate -> the scope evidence that makes it one
        let mut scope_hits: HashMap<u32, Vec<Hit>> = HashMap::new();
        let mut add = |id: u32, hit: Hit| scope_hits.entry(id).or_default().push(hit);

        if let Some(domain) = q
            .recipient_domain
            .as_deref()
            .and_then(|d| Domain::parse_lenient(d).ok())
        {
            for &id in self
                .exact_domains
                .get(domain.as_str())
                .into_iter()
                .flatten()
            {
                let status = self
                    .entry(id)
                    .status(ScopeField::RecipientDomains, domain.as_str());
                add(
                    id,
                    Hit::of(
                        format!("recipient domain {domain} in scope"),
                        format!("宛先ドメイン {domain} が対象範囲"),
                        status,
                    ),
                );
            }
            let mut rest = domain.as_str();
            while let Some((_, parent)) = rest.split_once('.') {
                for &id in self.wildcard_domains.get(parent).into_iter().flatten() {
                    let status = self
                        .entry(id)
                        .status(ScopeField::RecipientDomains, &format!("*.{parent}"));
                    add(
                        id,
                        Hit::of(
                            format!("recipient domain {domain} under *.{parent}"),
                            format!("宛先ドメイン {domain} が *.{parent} の範囲内"),
                            status,
                        ),
                    );
                }
                rest = parent;
            }
        }
        if let Some(host) = q
            .remote_host
            .as_deref()
            .and_then(|h| Domain::parse_lenient(h).ok())
            && let Some((_, parent)) = host.as_str().split_once('.')
        {
            for &id in self.mx_parents.get(parent).into_iter().flatten() {
                let entry = &self.entry(id);
                if let Some(p) = entry
                    .notice
                    .scope
                    .mx_hosts
                    .iter()
                    .find(|p| p.matches(&host))
                {
                    let status = entry.status(ScopeField::MxHosts, p.as_str());
                    add(
                        id,
                        Hit::of(
                            format!("remote MTA {host} matches {p}"),
                            format!("受信サーバ {host} が {p} に一致"),
                            status,
                        ),
                    );
                }
            }
        }
        for (ip, want_sending, label) in [
            (q.remote_ip, false, "receiving"),
            (q.sender_ip, true, "sending"),
        ] {
            let Some(ip) = ip else { continue };
            let in_bucket = self.ip_buckets.get(&bucket(ip)).into_iter().flatten();
            for e in in_bucket.chain(self.wide_ips.iter()) {
                if e.sending == want_sending && e.net.contains(&ip) {
                    let label_ja = if want_sending {
                        "送信サーバ"
                    } else {
                        "受信サーバ"
                    };
                    let mut hit = Hit::of(
                        format!("{label} IP {ip} in {}", e.net),
                        format!("{label_ja}の IP {ip} が {} の範囲内", e.net),
                        e.status,
                    );
                    if e.sending && hit.decisive {
                        // The sender's provider speaking for its own IPs.
                        hit.weight += 0.1;
                    }
                    add(e.incident, hit);
                }
            }
        }
        if !q.text.is_empty() && !self.zones.is_empty() {
            // A list is named by its zone or by its operator's domain (a
            // lookup URL); a free-text list name is not evidence: anyone can
            // call a list "Spamhaus". Each name is looked for once.
            let lower = q.text.to_ascii_lowercase();
            let mut named: HashMap<u32, String> = HashMap::new();
            for (zone, ids) in &self.zones {
                if names_domain(&lower, zone) {
                    for &id in ids {
                        named.insert(id, zone.clone());
                    }
                }
            }
            for (operator, ids) in &self.list_operators {
                if names_domain(&lower, operator) {
                    for &id in ids {
                        named.entry(id).or_insert_with(|| operator.clone());
                    }
                }
            }
            for (id, name) in named {
                let entry = &self.entry(id);
                let zone = entry.notice.blocklist.as_ref().map(|b| b.zone.as_str());
                let status = zone.map_or(ClaimStatus::Unverified, |z| {
                    entry.status(ScopeField::BlocklistZone, z)
                });
                add(
                    id,
                    Hit::of(
                        format!("the reply names the list ({name})"),
                        format!("応答がブロックリスト（{name}）を挙げている"),
                        status,
                    ),
                );
            }
        }

        let at = q.timestamp.as_deref().and_then(parse_time);
        // One lowercased copy for every symptom of every candidate.
        let lowered_text = q.text.to_lowercase();
        // A domain can have hundreds of open incidents: every candidate is
        // scored, but only the best few get their reasons written and their
        // match built (the same scoring, so the order cannot differ).
        let mut ranked: Vec<(f64, u32, Vec<Hit>)> = scope_hits
            .into_iter()
            .filter_map(|(id, mut hits)| {
                hits.sort_by(|a, b| b.weight.total_cmp(&a.weight));
                let score = self.assess(id, &hits, q, at, &lowered_text, &mut NoReasons)?;
                Some((score, id, hits))
            })
            .collect();
        ranked.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then_with(|| self.entry(a.1).incident.cmp(&self.entry(b.1).incident))
        });
        ranked.truncate(MAX_MATCHES);
        ranked
            .into_iter()
            .filter_map(|(_, id, hits)| self.score(id, hits, q, at, &lowered_text))
            .collect()
    }

    /// A candidate's score (before rounding); `None` when its own sending
    /// ranges say it is about other senders. `hits` are sorted by weight,
    /// heaviest first. Each reason beyond the hits goes to `why`, which
    /// writes it only if it keeps reasons.
    fn assess(
        &self,
        id: u32,
        hits: &[Hit],
        q: &MatchQuery,
        at: Option<i64>,
        lowered_text: &str,
        why: &mut impl ReasonSink,
    ) -> Option<f64> {
        let entry = &self.entry(id);
        let n = &entry.notice;
        let mut score = hits[0].weight + 0.05 * (hits.len() as f64 - 1.0).min(2.0);

        // Sending ranges stated by a receiver or a list narrow the incident
        // to mail from the ranges the notice names (its own proven ones
        // included).
        if entry.narrowed {
            match q.sender_ip {
                Some(ip) => match n.scope.sending_ips.iter().find(|r| r.contains(ip)) {
                    Some(range) => {
                        score += 0.1;
                        why.add(|| {
                            (
                                format!("sending IP {ip} in {range}, named by the incident"),
                                format!("送信サーバの IP {ip} が障害情報の挙げる {range} の範囲内"),
                            )
                        });
                    }
                    None => return None,
                },
                None => {
                    score *= 0.8;
                    why.add(|| {
                        (
                            "the incident concerns particular sending IPs and the bounce names none"
                                .into(),
                            "障害情報は特定の送信サーバの IP についてのもので、このエラーには IP の記載がない"
                                .into(),
                        )
                    });
                }
            }
        }

        // The best-matching symptom: what of it the bounce shows.
        let mut best: Option<(f64, &dix_schema::notice::Symptom, [bool; 3])> = None;
        for s in &n.symptoms {
            let mut points = 0.0;
            let mut seen = [false; 3];
            let mut contradicted = false;
            if let Some(r) = s.reply {
                if q.reply_code == Some(r.get()) {
                    points += 0.12;
                    seen[0] = true;
                } else if q.reply_code.is_some() {
                    contradicted = true;
                }
            }
            if let Some(st) = s.status {
                if q.status.as_deref() == Some(st.as_str()) {
                    points += 0.15;
                    seen[1] = true;
                } else if q.status.is_some() {
                    contradicted = true;
                }
            }
            if let Some(t) = &s.text
                && (t.matches(&q.text)
                    || lowered_text.contains(&t.as_str().trim_matches('*').to_lowercase()))
            {
                points += 0.15;
                seen[2] = true;
            }
            if contradicted {
                points *= 0.5;
            }
            if points > best.map_or(0.0, |(p, _, _)| p) {
                best = Some((points, s, seen));
            }
        }
        if let Some((points, s, seen)) = best {
            score += points;
            why.add(|| {
                let mut en = Vec::new();
                let mut ja = Vec::new();
                if let (true, Some(r)) = (seen[0], s.reply) {
                    en.push(format!("reply {r}"));
                    ja.push(format!("応答コード {r}"));
                }
                if let (true, Some(st)) = (seen[1], s.status) {
                    en.push(format!("status {st}"));
                    ja.push(format!("拡張ステータス {st}"));
                }
                if let (true, Some(t)) = (seen[2], &s.text) {
                    en.push(format!("text matches \"{t}\""));
                    ja.push(format!("文面が「{t}」に一致"));
                }
                (
                    format!("symptom: {}", en.join(", ")),
                    format!("症状：{}", ja.join("・")),
                )
            });
        } else if !n.symptoms.is_empty() && (q.reply_code.is_some() || q.status.is_some()) {
            score *= 0.6;
            why.add(|| {
                (
                    "no published symptom matches the reply".into(),
                    "公開された症状のどれもこの応答に一致しない".into(),
                )
            });
        }

        match at {
            Some(t) => {
                let start = n.started_at.unix() - WINDOW_SLACK_SECS;
                let end = n.ended_at.map(|e| e.unix() + WINDOW_SLACK_SECS);
                if t >= start && end.is_none_or(|e| t <= e) {
                    score += 0.1;
                    why.add(|| {
                        (
                            "bounce time inside the incident window".into(),
                            "エラーの時刻が障害の期間内".into(),
                        )
                    });
                } else {
                    score *= 0.3;
                    why.add(|| {
                        (
                            "bounce time OUTSIDE the incident window".into(),
                            "エラーの時刻が障害の期間外".into(),
                        )
                    });
                }
            }
            None => {
                if n.status == dix_schema::Status::Resolved {
                    score *= 0.5;
                    why.add(|| {
                        (
                            "incident resolved and the bounce time is unknown".into(),
                            "障害は解決済みで、エラーの時刻が不明".into(),
                        )
                    });
                } else {
                    why.add(|| {
                        (
                            "bounce time unknown (incident still open)".into(),
                            "エラーの時刻が不明（障害は継続中）".into(),
                        )
                    });
                }
            }
        }
        if self.flagged.contains(&entry.issuer) {
            score *= 0.7;
            why.add(|| {
                (
                    "issuer flagged for equivocation".into(),
                    "発行者は矛盾する通知を出している".into(),
                )
            });
        }
        // Rounded as it is shown, so that ranking and the shown order agree.
        Some((score.min(1.0) * 100.0).round() / 100.0)
    }

    /// The match for a candidate, with every reason written; `None` when
    /// its own sending ranges say it is about other senders. `hits` are
    /// sorted by weight, heaviest first.
    fn score(
        &self,
        id: u32,
        hits: Vec<Hit>,
        q: &MatchQuery,
        at: Option<i64>,
        lowered_text: &str,
    ) -> Option<IncidentMatch> {
        let decisive = hits.iter().any(|h| h.decisive);
        let mut reasons = Reasons::default();
        let score = self.assess(id, &hits, q, at, lowered_text, &mut reasons)?;
        let (mut en, mut ja): (Vec<String>, Vec<String>) =
            hits.into_iter().map(|h| (h.why.en, h.why.ja)).unzip();
        en.append(&mut reasons.en);
        ja.append(&mut reasons.ja);
        let entry = &self.entry(id);
        let n = &entry.notice;

        let text = |t: &dix_schema::types::LocalizedText| Bilingual {
            en: t
                .en
                .as_ref()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            ja: t
                .ja
                .as_ref()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
        };
        Some(IncidentMatch {
            node: None,
            issuer: entry.issuer.clone(),
            incident: entry.incident.clone(),
            seq: entry.seq,
            kind: n.kind.as_str().into(),
            status: n.status.as_str().into(),
            started_at: n.started_at.to_string(),
            ended_at: n.ended_at.map(|t| t.to_string()),
            summary: text(&n.summary),
            advice: text(&n.advice),
            contact: n.contact.to_string(),
            scope_verified: entry.scope_verified,
            issuer_flagged: self.flagged.contains(&entry.issuer),
            issuer_role: Some(n.issuer_role().as_str().into()),
            score,
            decisive,
            reasons: en,
            reasons_ja: ja,
        })
    }
}

/// Whether lowercased `text` names `domain` (or a name under it) as a whole
/// name: `zen.spamhaus.org` and `www.spamhaus.org/query` name `spamhaus.org`;
/// `notspamhaus.org` and `spamhaus.org.evil.example` do not.
fn names_domain(text: &str, domain: &str) -> bool {
    let bytes = text.as_bytes();
    let is_label = |b: u8| b.is_ascii_alphanumeric() || b == b'-';
    text.match_indices(domain).any(|(at, _)| {
        let before_ok = at == 0 || !is_label(bytes[at - 1]);
        let end = at + domain.len();
        let after_ok = match bytes.get(end) {
            None => true,
            Some(b'.') => bytes.get(end + 1).is_none_or(|&b| !is_label(b)),
            Some(&b) => !is_label(b),
        };
        before_ok && after_ok
    })
}

fn scope_weight(verified: bool) -> f64 {
    if verified { 0.45 } else { 0.25 }
}

fn unverified_note(verified: bool) -> (&'static str, &'static str) {
    if verified {
        ("", "")
    } else {
        (" (claim not verified)", "（未検証の主張）")
    }
}

/// RFC 3339 with any offset → Unix seconds.
fn parse_time(s: &str) -> Option<i64> {
    time::OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
        .or_else(|| Timestamp::parse(s).ok().map(|t| t.unix()))
}

/// The index and the cursor that keeps it current.
#[derive(Default)]
pub struct MatchIndex {
    tables: Arc<RwLock<Snapshot>>,
    /// The highest incident cursor applied; one catch-up at a time.
    cursor: tokio::sync::Mutex<i64>,
}

/// A handle for reading the index (cheap to clone, usable on any thread).
#[derive(Clone)]
pub struct SnapshotRef(Arc<RwLock<Snapshot>>);

impl SnapshotRef {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Snapshot> {
        // A writer that panicked left the tables consistent: each upsert is
        // unlink + link of parsed data, which does not panic halfway.
        self.0.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The incidents in memory that may explain `q`, best first.
    pub fn find(&self, q: &MatchQuery) -> Vec<IncidentMatch> {
        self.read().find(q)
    }

    /// [`find`](Self::find), and for a bounce older than the memory
    /// window the store's history too. Blocks on the store: call it from a
    /// blocking thread (`spawn_blocking`).
    pub fn find_with_history(
        &self,
        index: &MatchIndex,
        store: &Store,
        q: &MatchQuery,
    ) -> Vec<IncidentMatch> {
        let recent = self.find(q);
        let past = tokio::runtime::Handle::current()
            .block_on(index.history(store, q))
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "reading past incidents failed; answering from memory");
                Vec::new()
            });
        merge(recent, past)
    }

    /// Number of incidents indexed.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }
}

impl MatchIndex {
    /// A reader.
    pub fn snapshot(&self) -> SnapshotRef {
        SnapshotRef(self.tables.clone())
    }

    /// The first load: every incident open or ended within the memory
    /// window, leaving history in the store; later changes come through
    /// [`catch_up`](Self::catch_up).
    pub async fn load(&self, store: &Store) -> Result<usize, IndexError> {
        let mut cursor = self.cursor.lock().await;
        let top = store.last_incident_cursor().await?;
        let cutoff = Timestamp::now().unix() - MEMORY_WINDOW_SECS - WINDOW_SLACK_SECS;
        let mut after = *cursor;
        let mut loaded = 0;
        loop {
            let rows = store.recent_incidents(after, top, cutoff, 5000).await?;
            let Some(last) = rows.last().map(|r| r.cursor) else {
                break;
            };
            loaded += self.apply(rows).await?;
            after = last;
        }
        *cursor = (*cursor).max(top);
        Ok(loaded)
    }

    /// Applies every incident change stored after the last one applied.
    /// Parsing runs off the async executor; the cursor moves only once the
    /// rows are in the tables, and a failure leaves both as they were.
    pub async fn catch_up(&self, store: &Store) -> Result<usize, IndexError> {
        let mut cursor = self.cursor.lock().await;
        let mut changed = 0;
        loop {
            let rows = store.incidents_changed_since(*cursor, 5000).await?;
            let Some(last) = rows.last().map(|r| r.cursor) else {
                break;
            };
            changed += rows.len();
            self.apply(rows).await?;
            *cursor = last;
        }
        Ok(changed)
    }

    /// Loads these (issuer, incident) pairs again from the store: their
    /// stored scope was re-checked in place (`scope::recheck`), so their
    /// cursor did not move and [`catch_up`](Self::catch_up) would not see it.
    pub async fn refresh(
        &self,
        store: &Store,
        incidents: &[(String, String)],
    ) -> Result<usize, IndexError> {
        let mut rows = Vec::new();
        for (issuer, id) in incidents {
            if let Some(row) = store.incident_of(issuer, id).await? {
                rows.push(row);
            }
        }
        self.apply(rows).await
    }

    /// Parses rows off the async executor, then puts each in the tables (or
    /// takes it out, when it has become history); how many were readable.
    /// A failure while parsing (a panic, caught) changes nothing.
    async fn apply(&self, rows: Vec<IncidentRow>) -> Result<usize, IndexError> {
        let parsed = tokio::task::spawn_blocking(move || {
            rows.into_iter().filter_map(to_indexed).collect::<Vec<_>>()
        })
        .await
        .map_err(|e| IndexError::Parse(e.to_string()))?;
        let applied = parsed.len();
        let now = Timestamp::now().unix();
        let mut tables = self.tables.write().unwrap_or_else(|e| e.into_inner());
        for entry in parsed {
            if is_history(&entry, now) {
                tables.remove(&entry.issuer, &entry.incident);
            } else {
                tables.upsert(Arc::new(entry));
            }
        }
        Ok(applied)
    }

    /// Drops incidents that ended before the memory window; returns how many.
    pub fn evict_history(&self) -> usize {
        let now = Timestamp::now().unix();
        let mut tables = self.tables.write().unwrap_or_else(|e| e.into_inner());
        let old: Vec<(String, String)> = tables
            .incidents
            .iter()
            .flatten()
            .filter(|e| is_history(e, now))
            .map(|e| (e.issuer.clone(), e.incident.clone()))
            .collect();
        for (issuer, incident) in &old {
            tables.remove(issuer, incident);
        }
        old.len()
    }

    /// Matches for a bounce older than the memory window, read from the
    /// store by its recipient domain and its IPs (an indexed query each),
    /// among incidents active at the bounce's time. Empty for a recent or
    /// undated bounce: memory holds everything that could explain those.
    pub async fn history(
        &self,
        store: &Store,
        q: &MatchQuery,
    ) -> Result<Vec<IncidentMatch>, sqlx::Error> {
        let Some(at) = q.timestamp.as_deref().and_then(parse_time) else {
            return Ok(Vec::new());
        };
        if at >= Timestamp::now().unix() - MEMORY_WINDOW_SECS {
            return Ok(Vec::new());
        }
        let base = IncidentFilter {
            active_at: Some(at),
            limit: HISTORY_LIMIT,
            ..IncidentFilter::default()
        };
        let mut filters = Vec::new();
        if let Some(domain) = q
            .recipient_domain
            .as_deref()
            .and_then(|d| Domain::parse_lenient(d).ok())
        {
            filters.push(IncidentFilter {
                domain: Some(domain),
                ..base.clone()
            });
        }
        for ip in [q.remote_ip, q.sender_ip].into_iter().flatten() {
            filters.push(IncidentFilter {
                ip: Some(ip),
                ..base.clone()
            });
        }
        let mut rows = Vec::new();
        let mut seen = HashSet::new();
        for f in &filters {
            for row in store.incidents(f).await? {
                if seen.insert((row.issuer.clone(), row.incident.clone())) {
                    rows.push(row);
                }
            }
        }
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let flagged = self.snapshot().read().flagged.clone();
        let q = q.clone();
        let found = tokio::task::spawn_blocking(move || {
            let mut past = Snapshot {
                flagged,
                ..Snapshot::default()
            };
            for entry in rows.into_iter().filter_map(to_indexed) {
                past.upsert(Arc::new(entry));
            }
            past.find(&q)
        })
        .await
        .unwrap_or_default();
        Ok(found)
    }

    /// Reloads which issuers are flagged for equivocation.
    pub async fn reload_flagged(&self, store: &Store) -> Result<(), IndexError> {
        let flagged: HashSet<String> = store.flagged_issuers().await?.into_iter().collect();
        let mut tables = self.tables.write().unwrap_or_else(|e| e.into_inner());
        if tables.flagged != flagged {
            tables.flagged = flagged;
        }
        Ok(())
    }
}

/// Both lists of matches, best first, each incident once.
pub fn merge(mut a: Vec<IncidentMatch>, b: Vec<IncidentMatch>) -> Vec<IncidentMatch> {
    for m in b {
        if !a
            .iter()
            .any(|x| x.issuer == m.issuer && x.incident == m.incident)
        {
            a.push(m);
        }
    }
    a.sort_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then_with(|| x.incident.cmp(&y.incident))
    });
    a.truncate(MAX_MATCHES);
    a
}

/// Why the index could not catch up (it keeps its last good state).
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// Reading the store failed.
    #[error("reading incidents: {0}")]
    Store(#[from] sqlx::Error),
    /// Parsing the rows failed (a panic, caught).
    #[error("parsing incidents failed: {0}")]
    Parse(String),
}

/// Stored bytes were verified before they were stored; read them back.
fn to_indexed(row: IncidentRow) -> Option<Indexed> {
    let notice = Notice::from_verified_bytes(&row.bytes)
        .map_err(
            |e| tracing::warn!(incident = %row.incident, error = %e, "stored notice unreadable"),
        )
        .ok()?;
    let verification: Option<Verification> = serde_json::from_str(&row.verification)
        .map_err(|e| tracing::warn!(incident = %row.incident, error = %e, "stored verification unreadable; its claims count as unverified"))
        .ok();
    let claims: HashMap<(ScopeField, String), ClaimStatus> = verification
        .iter()
        .flat_map(|v| &v.scope.entries)
        .map(|c| ((c.field, c.value.clone()), c.effective_status()))
        .collect();
    let narrowed = claims.values().any(|s| *s == ClaimStatus::Qualifier);
    Some(Indexed {
        issuer: row.issuer,
        incident: row.incident,
        seq: u64::try_from(row.seq).unwrap_or(0),
        notice,
        scope_verified: row.scope_verified,
        claims,
        narrowed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use dix_schema::SecretKey;
    use serde_json::json;

    /// An incident of `isp.example` with `scope`, every claim verified.
    fn incident(id: &str, seq: u64, scope: serde_json::Value) -> Arc<Indexed> {
        incident_with(id, seq, scope, json!([{"reply": 451}]))
    }

    fn incident_with(
        id: &str,
        seq: u64,
        scope: serde_json::Value,
        symptoms: serde_json::Value,
    ) -> Arc<Indexed> {
        let key = SecretKey::from_seed(&[9; 32]);
        let now = Timestamp::now();
        let notice = json!({
            "v": 1, "issuer": "isp.example", "key": "s1", "seq": seq, "incident": id,
            "kind": "throttling", "status": "identified",
            "started_at": Timestamp::from_unix(now.unix() - 60).unwrap().to_string(),
            "published_at": now.to_string(), "scope": scope,
            "symptoms": symptoms,
            "summary": {"en": "Busy."}, "contact": "postmaster@isp.example"
        });
        let signed = dix_schema::sign_json(notice.to_string().as_bytes(), &key).unwrap();
        let notice = Notice::from_verified_bytes(signed.as_bytes()).unwrap();
        let mut claims = HashMap::new();
        for d in &notice.scope.recipient_domains {
            claims.insert(
                (ScopeField::RecipientDomains, d.to_string()),
                ClaimStatus::Verified,
            );
        }
        for r in &notice.scope.receiving_ips {
            claims.insert(
                (ScopeField::ReceivingIps, r.net().to_string()),
                ClaimStatus::Verified,
            );
        }
        Arc::new(Indexed {
            issuer: "isp.example".into(),
            incident: id.into(),
            seq,
            notice,
            scope_verified: true,
            claims,
            narrowed: false,
        })
    }

    fn found(s: &Snapshot, domain: Option<&str>, ip: Option<&str>) -> usize {
        s.find(&MatchQuery {
            recipient_domain: domain.map(Into::into),
            remote_ip: ip.map(|i| i.parse().unwrap()),
            reply_code: Some(451),
            ..MatchQuery::default()
        })
        .len()
    }

    /// Of many candidates only the best ten are returned, best first, and
    /// they are the ten that scoring every candidate in full would give,
    /// each with its reasons (the symptom it matched among them).
    #[test]
    fn the_best_ten_of_many_candidates_carry_their_reasons() {
        let mut s = Snapshot::default();
        let symptoms = [
            json!([{"reply": 451, "status": "4.7.500", "text": "*server busy*"}]),
            json!([{"reply": 451}]),
            json!([{"reply": 550}]),
            json!([{"text": "*server busy*"}]),
        ];
        let ids: Vec<String> = (0..40)
            .map(|i| format!("0193f1c2-7a7e-7c1a-9d0e-3b1f5a2c{i:04x}"))
            .collect();
        for (i, id) in ids.iter().enumerate() {
            s.upsert(incident_with(
                id,
                1,
                json!({"recipient_domains": ["busy.isp.example"]}),
                symptoms[i % symptoms.len()].clone(),
            ));
        }
        let q = MatchQuery {
            recipient_domain: Some("busy.isp.example".into()),
            reply_code: Some(451),
            status: Some("4.7.500".into()),
            text: "451 4.7.500 Server busy. Please try again later".into(),
            ..MatchQuery::default()
        };
        let found = s.find(&q);
        assert_eq!(found.len(), MAX_MATCHES);
        // The reference: every candidate scored in full, sorted the same way.
        let lowered = q.text.to_lowercase();
        let mut all: Vec<IncidentMatch> = ids
            .iter()
            .filter_map(|id| {
                let slot = s.slots[&("isp.example".to_owned(), id.clone())];
                let hit = Hit::of("scope".into(), "範囲".into(), ClaimStatus::Verified);
                s.score(slot, vec![hit], &q, None, &lowered)
            })
            .collect();
        all.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.incident.cmp(&b.incident))
        });
        let want: Vec<(&str, f64)> = all[..MAX_MATCHES]
            .iter()
            .map(|m| (m.incident.as_str(), m.score))
            .collect();
        let got: Vec<(&str, f64)> = found
            .iter()
            .map(|m| (m.incident.as_str(), m.score))
            .collect();
        assert_eq!(got, want);
        // The best match the reply, the status and the text of their symptom.
        assert!(
            found[0]
                .reasons
                .iter()
                .any(|r| r.starts_with("symptom: reply 451, status 4.7.500, text matches")),
            "{:?}",
            found[0].reasons
        );
        assert!(found[0].reasons_ja.iter().any(|r| r.starts_with("症状：")));
        assert!(found.windows(2).all(|w| w[0].score >= w[1].score));
    }

    #[test]
    fn a_revision_replaces_every_key_of_the_one_before() {
        let id = "0193f1c2-7a7e-7c1a-9d0e-3b1f5a2c9e10";
        let other = "0193f1c2-7a7e-7c1a-9d0e-3b1f5a2c9e11";
        let mut s = Snapshot::default();
        s.upsert(incident(id, 1, json!({"recipient_domains": ["a.isp.example", "*.w.isp.example"], "receiving_ips": ["192.0.2.0/24", "10.0.0.0/8"]})));
        s.upsert(incident(
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

        s.upsert(incident(
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
    }
}
