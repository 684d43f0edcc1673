//! Ranking the incidents a lookup found: each candidate's score from its
//! scope evidence, the symptom of its notice the bounce shows best, the
//! bounce's time against the incident's window, and its issuer's standing.
//!
//! - Decisive matches (a verified claim covers the bounce) rank before all
//!   others and are chosen before anything is cut, so no number of a
//!   stranger's unverified claims can push a verified incident out of the
//!   answer.
//! - Unverified candidates are never pattern-matched: their reply code and
//!   status count, their text patterns are not run (they cannot decide, and
//!   anyone can publish them).
//! - Symptoms are scored once per distinct symptom list (the tables intern
//!   them), and the bounce's text is normalised once per query, so a domain
//!   with a thousand open incidents costs a thousand table reads, not a
//!   thousand rounds of text matching; reasons are written only for the
//!   matches returned.
//! - The work stops when the query's [`Cancel`] says so (the request timed
//!   out or went away).

use std::collections::HashMap;
use std::net::IpAddr;

use dix_bounce::knowledge::Bilingual;
use dix_bounce::verdict::{IncidentMatch, MatchQuery};
use dix_schema::types::{Domain, ReplyText, Timestamp};
use ipnet::IpNet;

use super::entry::Symptoms;
use super::tables::{Bounce, Snapshot};
use super::{Cancel, Cancelled, MAX_MATCHES, WINDOW_SLACK_SECS};
use crate::scope::ClaimStatus;

/// What found a candidate; written out as a reason only for matches shown.
#[derive(Clone, Copy)]
pub(super) enum Evidence {
    /// The recipient domain, exactly.
    Domain,
    /// The recipient domain under `*.` + the domain from this byte on.
    Wildcard { parent_at: usize },
    /// The remote MTA, by the notice's MX pattern at this index.
    Mx { pattern: usize },
    /// An IP of the bounce in a range of the notice.
    Ip {
        ip: IpAddr,
        net: IpNet,
        sending: bool,
    },
    /// The text names the list: by its operator's domain, or its zone.
    List { by_operator: bool },
}

/// One piece of scope evidence for a candidate incident.
#[derive(Clone, Copy)]
pub(super) struct Hit {
    pub evidence: Evidence,
    pub weight: f64,
    /// A verified claim covers the bounce: the incident may decide.
    pub decisive: bool,
}

impl Hit {
    pub fn new(evidence: Evidence, status: ClaimStatus) -> Self {
        let verified = status == ClaimStatus::Verified;
        Self {
            evidence,
            weight: if verified { 0.45 } else { 0.25 },
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

/// The best symptom of one symptom list for one bounce.
#[derive(Clone, Copy)]
struct SymptomMatch {
    points: f64,
    /// Which symptom, and which of its reply, status and text the bounce shows.
    best: Option<(usize, [bool; 3])>,
}

/// How many candidates are ranked between two looks at the cancel flag.
const CANCEL_EVERY: usize = 64;

/// One query against one snapshot.
struct Ranker<'s, 'q> {
    tables: &'s Snapshot,
    q: &'q MatchQuery,
    domain: Option<Domain>,
    host: Option<Domain>,
    at: Option<i64>,
    /// The bounce's text normalised, once, when a text pattern is first run.
    text: Option<ReplyText>,
    /// The best symptom per (symptom list, whether its texts are run).
    symptoms: HashMap<(*const Symptoms, bool), SymptomMatch>,
    cancel: &'q Cancel,
}

/// A ranked candidate: (decisive, score, slot, its hits).
type Ranked<'h> = (bool, f64, u32, &'h [(u32, Hit)]);

/// The incidents in `tables` that may explain `q`: decisive ones first,
/// then by score, at most [`MAX_MATCHES`], each with its reasons.
pub(super) fn find(
    tables: &Snapshot,
    q: &MatchQuery,
    cancel: &Cancel,
) -> Result<Vec<IncidentMatch>, Cancelled> {
    let domain = q
        .recipient_domain
        .as_deref()
        .and_then(|d| Domain::parse_lenient(d).ok());
    let host = q
        .remote_host
        .as_deref()
        .and_then(|h| Domain::parse_lenient(h).ok());
    let mut hits = tables.lookup(&Bounce {
        domain: domain.as_ref(),
        host: host.as_ref(),
        remote_ip: q.remote_ip,
        sender_ip: q.sender_ip,
        text: &q.text,
    });
    if hits.is_empty() {
        return Ok(Vec::new());
    }
    cancel.check()?;
    // Each candidate's hits together, heaviest first.
    hits.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.weight.total_cmp(&a.1.weight)));
    let mut ranker = Ranker {
        tables,
        q,
        domain,
        host,
        at: q.timestamp.as_deref().and_then(parse_time),
        text: None,
        symptoms: HashMap::new(),
        cancel,
    };
    let mut ranked: Vec<Ranked<'_>> = Vec::new();
    for (n, group) in hits.chunk_by(|a, b| a.0 == b.0).enumerate() {
        if n % CANCEL_EVERY == 0 {
            cancel.check()?;
        }
        let slot = group[0].0;
        let decisive = group.iter().any(|(_, h)| h.decisive);
        if let Some(score) = ranker.assess(slot, group, decisive, &mut NoReasons)? {
            ranked.push((decisive, score, slot, group));
        }
    }
    let order = |a: &Ranked<'_>, b: &Ranked<'_>| {
        b.0.cmp(&a.0)
            .then(b.1.total_cmp(&a.1))
            .then_with(|| tables.entry(a.2).incident.cmp(&tables.entry(b.2).incident))
    };
    if ranked.len() > MAX_MATCHES {
        ranked.select_nth_unstable_by(MAX_MATCHES - 1, order);
        ranked.truncate(MAX_MATCHES);
    }
    ranked.sort_by(order);
    let mut found = Vec::with_capacity(ranked.len());
    for (decisive, _, slot, group) in ranked {
        if let Some(m) = ranker.build(slot, group, decisive)? {
            found.push(m);
        }
    }
    Ok(found)
}

impl Ranker<'_, '_> {
    /// The best symptom of `slot`'s notice for this bounce; its text
    /// patterns run only when `run_texts` (the candidate may decide).
    fn symptom_match(&mut self, slot: u32, run_texts: bool) -> Result<SymptomMatch, Cancelled> {
        let symptoms = &self.tables.entry(slot).symptoms;
        let key = (std::sync::Arc::as_ptr(symptoms), run_texts);
        if let Some(m) = self.symptoms.get(&key) {
            return Ok(*m);
        }
        let q = self.q;
        let mut best: Option<(f64, usize, [bool; 3])> = None;
        for (i, s) in symptoms.list.iter().enumerate() {
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
            if run_texts && let Some((_, matcher)) = &s.text {
                self.cancel.check()?;
                let text = self.text.get_or_insert_with(|| ReplyText::new(&q.text));
                if matcher.matches(text) || matcher.occurs_in(text) {
                    points += 0.15;
                    seen[2] = true;
                }
            }
            if contradicted {
                points *= 0.5;
            }
            if points > best.map_or(0.0, |(p, _, _)| p) {
                best = Some((points, i, seen));
            }
        }
        let m = SymptomMatch {
            points: best.map_or(0.0, |(p, _, _)| p),
            best: best.map(|(_, i, seen)| (i, seen)),
        };
        self.symptoms.insert(key, m);
        Ok(m)
    }

    /// A candidate's score (rounded as shown); `None` when its own sending
    /// ranges say it is about other senders. `hits` are the candidate's,
    /// heaviest first. Each reason beyond the hits goes to `why`, which
    /// writes it only if it keeps reasons.
    fn assess(
        &mut self,
        slot: u32,
        hits: &[(u32, Hit)],
        decisive: bool,
        why: &mut impl ReasonSink,
    ) -> Result<Option<f64>, Cancelled> {
        let entry = self.tables.entry(slot);
        let n = &entry.notice;
        let mut score = hits[0].1.weight + 0.05 * (hits.len() as f64 - 1.0).min(2.0);

        // Sending ranges stated by a receiver or a list narrow the incident
        // to mail from the ranges the notice names (its own proven ones
        // included).
        if entry.narrowed {
            match self.q.sender_ip {
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
                    None => return Ok(None),
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

        let symptom = self.symptom_match(slot, decisive)?;
        let entry = self.tables.entry(slot);
        let n = &entry.notice;
        if let Some((i, seen)) = symptom.best {
            score += symptom.points;
            let s = &entry.symptoms.list[i];
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
                if let (true, Some((t, _))) = (seen[2], &s.text) {
                    en.push(format!("text matches \"{t}\""));
                    ja.push(format!("文面が「{t}」に一致"));
                }
                (
                    format!("symptom: {}", en.join(", ")),
                    format!("症状：{}", ja.join("・")),
                )
            });
        } else if !entry.symptoms.list.is_empty()
            && (self.q.reply_code.is_some() || self.q.status.is_some())
        {
            score *= 0.6;
            why.add(|| {
                (
                    "no published symptom matches the reply".into(),
                    "公開された症状のどれもこの応答に一致しない".into(),
                )
            });
        }

        match self.at {
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
        if !self.tables.flagged.is_empty() && self.tables.flagged.contains(&entry.issuer) {
            score *= 0.7;
            why.add(|| {
                (
                    "issuer flagged for equivocation".into(),
                    "発行者は矛盾する通知を出している".into(),
                )
            });
        }
        // Rounded as it is shown, so that ranking and the shown order agree.
        Ok(Some((score.min(1.0) * 100.0).round() / 100.0))
    }

    /// The match for a candidate, with every reason written.
    fn build(
        &mut self,
        slot: u32,
        hits: &[(u32, Hit)],
        decisive: bool,
    ) -> Result<Option<IncidentMatch>, Cancelled> {
        let mut reasons = Reasons::default();
        let Some(score) = self.assess(slot, hits, decisive, &mut reasons)? else {
            return Ok(None);
        };
        let entry = self.tables.entry(slot);
        let (mut en, mut ja): (Vec<String>, Vec<String>) =
            hits.iter().map(|(_, h)| self.reason(slot, h)).unzip();
        en.append(&mut reasons.en);
        ja.append(&mut reasons.ja);
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
        Ok(Some(IncidentMatch {
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
            issuer_flagged: self.tables.flagged.contains(&entry.issuer),
            issuer_role: Some(n.issuer_role().as_str().into()),
            score,
            decisive,
            reasons: en,
            reasons_ja: ja,
        }))
    }

    /// A scope hit written out, in English and Japanese.
    fn reason(&self, slot: u32, hit: &Hit) -> (String, String) {
        let entry = self.tables.entry(slot);
        let domain = self.domain.as_ref().map_or("", |d| d.as_str());
        let host = self.host.as_ref().map_or("", |h| h.as_str());
        let (en, ja) = match hit.evidence {
            Evidence::Domain => (
                format!("recipient domain {domain} in scope"),
                format!("宛先ドメイン {domain} が対象範囲"),
            ),
            Evidence::Wildcard { parent_at } => {
                let parent = &domain[parent_at..];
                (
                    format!("recipient domain {domain} under *.{parent}"),
                    format!("宛先ドメイン {domain} が *.{parent} の範囲内"),
                )
            }
            Evidence::Mx { pattern } => {
                let p = &entry.notice.scope.mx_hosts[pattern];
                (
                    format!("remote MTA {host} matches {p}"),
                    format!("受信サーバ {host} が {p} に一致"),
                )
            }
            Evidence::Ip { ip, net, sending } => {
                let (label, label_ja) = if sending {
                    ("sending", "送信サーバ")
                } else {
                    ("receiving", "受信サーバ")
                };
                (
                    format!("{label} IP {ip} in {net}"),
                    format!("{label_ja}の IP {ip} が {net} の範囲内"),
                )
            }
            Evidence::List { by_operator } => {
                let name = if by_operator {
                    entry.issuer.as_str()
                } else {
                    entry
                        .notice
                        .blocklist
                        .as_ref()
                        .map_or("", |b| b.zone.as_str())
                };
                (
                    format!("the reply names the list ({name})"),
                    format!("応答がブロックリスト（{name}）を挙げている"),
                )
            }
        };
        if hit.decisive {
            (en, ja)
        } else {
            (
                format!("{en} (claim not verified)"),
                format!("{ja}（未検証の主張）"),
            )
        }
    }
}

/// RFC 3339 with any offset → Unix seconds.
pub(super) fn parse_time(s: &str) -> Option<i64> {
    time::OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
        .or_else(|| Timestamp::parse(s).ok().map(|t| t.unix()))
}

#[cfg(test)]
pub(super) mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use dix_schema::types::Timestamp;
    use dix_schema::{Notice, SecretKey};
    use serde_json::json;

    use super::super::entry::{Indexed, Symptoms};
    use super::*;
    use crate::scope::ScopeField;

    /// An incident of `issuer` with `scope` and `symptoms`, every domain
    /// and receiving-range claim of the given status.
    pub(in crate::index) fn incident(
        issuer: &str,
        id: &str,
        seq: u64,
        scope: serde_json::Value,
        symptoms: serde_json::Value,
        status: ClaimStatus,
    ) -> Indexed {
        let key = SecretKey::from_seed(&[9; 32]);
        let now = Timestamp::now();
        let notice = json!({
            "v": 1, "issuer": issuer, "key": "s1", "seq": seq, "incident": id,
            "kind": "throttling", "status": "identified",
            "started_at": Timestamp::from_unix(now.unix() - 60).unwrap().to_string(),
            "published_at": now.to_string(), "scope": scope,
            "symptoms": symptoms,
            "summary": {"en": "Busy."}, "contact": format!("postmaster@{issuer}")
        });
        let signed = dix_schema::sign_json(notice.to_string().as_bytes(), &key).unwrap();
        let notice = Notice::from_verified_bytes(signed.as_bytes()).unwrap();
        let mut claims = HashMap::new();
        for d in &notice.scope.recipient_domains {
            claims.insert((ScopeField::RecipientDomains, d.to_string()), status);
        }
        for r in &notice.scope.receiving_ips {
            claims.insert((ScopeField::ReceivingIps, r.net().to_string()), status);
        }
        let symptoms = Arc::new(Symptoms::of(&notice));
        Indexed {
            issuer: issuer.into(),
            incident: id.into(),
            seq,
            notice,
            scope_verified: status == ClaimStatus::Verified,
            claims,
            narrowed: false,
            symptoms,
        }
    }

    fn id(i: usize) -> String {
        format!("0193f1c2-7a7e-7c1a-9d0e-3b1f5a2c{i:04x}")
    }

    fn busy_query(domain: &str) -> MatchQuery {
        MatchQuery {
            recipient_domain: Some(domain.into()),
            reply_code: Some(451),
            status: Some("4.7.500".into()),
            text: "451 4.7.500 Server busy. Please try again later".into(),
            ..MatchQuery::default()
        }
    }

    fn find_all(s: &Snapshot, q: &MatchQuery) -> Vec<IncidentMatch> {
        find(s, q, &Cancel::never()).unwrap()
    }

    /// Of many candidates only the best ten are returned, best first, and
    /// they are the ten that scoring every candidate alone would give, each
    /// with its reasons (the symptom it matched among them).
    #[test]
    fn the_best_ten_of_many_candidates_carry_their_reasons() {
        let symptoms = [
            json!([{"reply": 451, "status": "4.7.500", "text": "*server busy*"}]),
            json!([{"reply": 451}]),
            json!([{"reply": 550}]),
            json!([{"text": "*server busy*"}]),
        ];
        let scope = json!({"recipient_domains": ["busy.isp.example"]});
        let q = busy_query("busy.isp.example");
        let mut all = Snapshot::default();
        let mut alone = Vec::new();
        for i in 0..40 {
            let make = || {
                incident(
                    "isp.example",
                    &id(i),
                    1,
                    scope.clone(),
                    symptoms[i % symptoms.len()].clone(),
                    ClaimStatus::Verified,
                )
            };
            all.upsert(make());
            let mut one = Snapshot::default();
            one.upsert(make());
            alone.extend(find_all(&one, &q));
        }
        let found = find_all(&all, &q);
        assert_eq!(found.len(), MAX_MATCHES);
        alone.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.incident.cmp(&b.incident))
        });
        let want: Vec<(&str, f64)> = alone[..MAX_MATCHES]
            .iter()
            .map(|m| (m.incident.as_str(), m.score))
            .collect();
        let got: Vec<(&str, f64)> = found
            .iter()
            .map(|m| (m.incident.as_str(), m.score))
            .collect();
        assert_eq!(got, want);
        assert!(
            found[0]
                .reasons
                .iter()
                .any(|r| r.starts_with("symptom: reply 451, status 4.7.500, text matches")),
            "{:?}",
            found[0].reasons
        );
        assert!(found[0].reasons_ja.iter().any(|r| r.starts_with("症状：")));
        // Identical symptom lists share one compiled copy.
        let shared: std::collections::HashSet<*const Symptoms> =
            all.entries().map(|e| Arc::as_ptr(&e.symptoms)).collect();
        assert_eq!(shared.len(), symptoms.len());
    }

    /// Issue 28, finding 1: a stranger's unverified claims on gmail.com,
    /// scoring higher (symptoms that fit the bounce better), never push the
    /// verified incident out of the answer or ahead of it.
    #[test]
    fn decisive_matches_come_first_however_many_strangers_score_higher() {
        let mut s = Snapshot::default();
        s.upsert(incident(
            "gmail.com",
            &id(0),
            1,
            json!({"recipient_domains": ["gmail.com"]}),
            // The bounce's status is another: the symptom half counts.
            json!([{"reply": 451, "status": "4.7.1"}]),
            ClaimStatus::Verified,
        ));
        for i in 1..=30 {
            s.upsert(incident(
                "evil.example",
                &id(i),
                1,
                json!({"recipient_domains": ["gmail.com"]}),
                json!([{"reply": 451, "status": "4.7.500", "text": "*server busy*"}]),
                ClaimStatus::Unverified,
            ));
        }
        let found = find_all(&s, &busy_query("gmail.com"));
        assert_eq!(found.len(), MAX_MATCHES);
        assert_eq!(found[0].issuer, "gmail.com");
        assert!(found[0].decisive);
        assert!(found[1..].iter().all(|m| !m.decisive));
        assert!(
            found[1].score > found[0].score,
            "the test needs strangers that outscore the verified incident"
        );
    }

    /// Unverified claims never get their text patterns run; verified ones do.
    #[test]
    fn only_decisive_candidates_are_pattern_matched() {
        let mut s = Snapshot::default();
        let symptoms = json!([{"text": "*server busy*"}]);
        s.upsert(incident(
            "isp.example",
            &id(1),
            1,
            json!({"recipient_domains": ["isp.example"]}),
            symptoms.clone(),
            ClaimStatus::Verified,
        ));
        s.upsert(incident(
            "evil.example",
            &id(2),
            1,
            json!({"recipient_domains": ["isp.example"]}),
            symptoms,
            ClaimStatus::Unverified,
        ));
        let found = find_all(&s, &busy_query("isp.example"));
        let texts = |m: &IncidentMatch| m.reasons.iter().any(|r| r.contains("text matches"));
        assert!(texts(&found[0]) && found[0].decisive, "{found:?}");
        assert!(!texts(&found[1]) && !found[1].decisive, "{found:?}");
    }

    /// A notice may carry 64 symptoms; matching reads the first 16, as
    /// every node does.
    #[test]
    fn symptoms_past_the_matched_bound_are_ignored() {
        let bound = dix_schema::notice::MAX_MATCHED_SYMPTOMS;
        let mut symptoms: Vec<serde_json::Value> =
            (0..bound).map(|_| json!({"reply": 550})).collect();
        symptoms.push(json!({"reply": 451}));
        let mut s = Snapshot::default();
        s.upsert(incident(
            "isp.example",
            &id(1),
            1,
            json!({"recipient_domains": ["isp.example"]}),
            json!(symptoms),
            ClaimStatus::Verified,
        ));
        let found = find_all(&s, &busy_query("isp.example"));
        assert!(
            found[0]
                .reasons
                .iter()
                .any(|r| r.contains("no published symptom")),
            "{:?}",
            found[0].reasons
        );
    }

    /// A cancelled query stops before scoring anything.
    #[test]
    fn a_cancelled_query_stops() {
        let mut s = Snapshot::default();
        s.upsert(incident(
            "isp.example",
            &id(1),
            1,
            json!({"recipient_domains": ["isp.example"]}),
            json!([{"text": "*busy*"}]),
            ClaimStatus::Verified,
        ));
        let cancel = Cancel::never();
        cancel.cancel();
        assert_eq!(
            find(&s, &busy_query("isp.example"), &cancel),
            Err(Cancelled)
        );
        let past = Cancel::until(std::time::Instant::now());
        assert_eq!(find(&s, &busy_query("isp.example"), &past), Err(Cancelled));
    }
}
