//! A mixed load against one node, for a fixed time: operators publishing
//! (new incidents and updates of their own earlier ones), helpdesks asking
//! `/v1/explain` about bounces those incidents cover, and peers following
//! `/v1/feed`. Every request is checked; at the end each follower must
//! have seen every acknowledged notice exactly once.
//!
//! Used by `tests/tests/load.rs` (a few seconds, asserting no errors and
//! nothing lost) and by `tests/benches/load.rs` (longer, printing figures
//! for `BENCHMARKS.md`).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{DixNode, Issuer, TestDb, TestDns};

/// How many clients of each kind, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Publishing clients; each publishes for its own issuer.
    pub publishers: usize,
    /// Clients posting bounces to `/v1/explain`.
    pub explainers: usize,
    /// Clients following `/v1/feed`.
    pub followers: usize,
    /// How long the publishers and explainers run.
    pub duration: Duration,
    /// Requests each publisher and explainer makes at least, however long
    /// that takes: a slow (debug, busy) machine still gets a real load.
    pub at_least: usize,
}

/// What one kind of client saw.
#[derive(Debug, Default)]
pub struct Stream {
    /// Latency of every successful request, sorted once the run ends.
    pub latencies: Vec<Duration>,
    /// Every failed request: what was asked and what came back.
    pub errors: Vec<String>,
}

impl Stream {
    /// Successful requests per second over `elapsed`.
    pub fn rate(&self, elapsed: Duration) -> f64 {
        self.latencies.len() as f64 / elapsed.as_secs_f64()
    }

    /// The `p` quantile of the latencies (0 when there were none).
    pub fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        self.latencies[((self.latencies.len() as f64 - 1.0) * p).round() as usize]
    }

    fn absorb(&mut self, other: Stream) {
        self.latencies.extend(other.latencies);
        self.errors.extend(other.errors);
    }
}

/// The outcome of a run.
#[derive(Debug, Default)]
pub struct Report {
    /// Publishing.
    pub publish: Stream,
    /// Explaining.
    pub explain: Stream,
    /// Feed pages fetched.
    pub feed: Stream,
    /// Notices the node acknowledged with `201`.
    pub acknowledged: usize,
    /// Of those, updates of an incident published earlier in the run.
    pub updates: usize,
    /// Feed entries the followers received, all followers together.
    pub relayed: usize,
    /// Acknowledged notices some follower never saw, with the follower.
    pub lost: Vec<String>,
    /// Notices a follower received twice.
    pub duplicated: Vec<String>,
    /// Explanations that did not name an incident of the run's issuers.
    pub unmatched_explanations: usize,
    /// From the first request until the publishers and explainers stopped.
    pub elapsed: Duration,
}

impl Report {
    /// Every problem found, one line each: empty when the run was clean.
    pub fn problems(&self) -> Vec<String> {
        let mut all = Vec::new();
        for (what, stream) in [
            ("publish", &self.publish),
            ("explain", &self.explain),
            ("feed", &self.feed),
        ] {
            all.extend(stream.errors.iter().map(|e| format!("{what}: {e}")));
        }
        all.extend(self.lost.iter().map(|l| format!("lost: {l}")));
        all.extend(
            self.duplicated
                .iter()
                .map(|d| format!("twice in the feed: {d}")),
        );
        all
    }
}

/// A node for a load: an issuer for each of `domains`, its key in `dns`,
/// and rate limits high enough that the load is never refused for its rate.
pub async fn node_with_issuers(
    db: &TestDb,
    dns: &TestDns,
    domains: &[&str],
) -> (DixNode, Vec<Arc<Issuer>>) {
    let issuers: Vec<Arc<Issuer>> = domains
        .iter()
        .map(|d| Arc::new(Issuer::new(d, "s1")))
        .collect();
    for issuer in &issuers {
        issuer.publish_key(dns);
    }
    let config = db.dir.path().join("dixd-load.toml");
    std::fs::write(
        &config,
        "rate_per_ip_per_minute = 100000000\nrate_per_issuer_per_minute = 100000000\n",
    )
    .expect("the config is written");
    let node = DixNode::start(
        db,
        dns.addr(),
        &["--config", config.to_str().expect("a UTF-8 path")],
    )
    .await;
    (node, issuers)
}

/// Runs `plan` against the node at `base` (`http://127.0.0.1:PORT`). The
/// issuers' keys must be published (or pinned) and the node's rate limits
/// high enough for the load; one issuer per publisher is used, round-robin.
pub async fn run(base: &str, issuers: &[Arc<Issuer>], plan: Plan) -> Report {
    assert!(!issuers.is_empty(), "at least one issuer");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a client");
    let started = Instant::now();
    let publishing_done = Arc::new(tokio::sync::Notify::new());
    let publishing_over = Arc::new(std::sync::atomic::AtomicBool::new(false));

    let mut publishers = tokio::task::JoinSet::new();
    for n in 0..plan.publishers {
        let issuer = issuers[n % issuers.len()].clone();
        let (client, url) = (client.clone(), format!("{base}/v1/notices"));
        publishers.spawn(publish_loop(client, url, issuer, started, plan));
    }
    let mut explainers = tokio::task::JoinSet::new();
    let domains: Vec<String> = issuers.iter().map(|i| i.domain.clone()).collect();
    for n in 0..plan.explainers {
        let (client, url, domains) = (
            client.clone(),
            format!("{base}/v1/explain"),
            domains.clone(),
        );
        explainers.spawn(explain_loop(client, url, domains, n, started, plan));
    }
    let mut followers = tokio::task::JoinSet::new();
    for _ in 0..plan.followers {
        let (client, base) = (client.clone(), base.to_owned());
        let (done, over) = (publishing_done.clone(), publishing_over.clone());
        followers.spawn(follow_loop(client, base, done, over));
    }

    let mut report = Report::default();
    let mut acknowledged: Vec<Vec<u8>> = Vec::new();
    while let Some(outcome) = publishers.join_next().await {
        let (stream, acked, updates) = outcome.expect("a publisher");
        report.publish.absorb(stream);
        report.updates += updates;
        acknowledged.extend(acked);
    }
    while let Some(outcome) = explainers.join_next().await {
        let (stream, unmatched) = outcome.expect("an explainer");
        report.explain.absorb(stream);
        report.unmatched_explanations += unmatched;
    }
    report.elapsed = started.elapsed();
    // The followers read to the end of the feed once more and stop.
    publishing_over.store(true, std::sync::atomic::Ordering::SeqCst);
    publishing_done.notify_waiters();
    let wanted: Vec<String> = acknowledged.iter().map(|n| canonical_text(n)).collect();
    let mut follower_number = 0;
    while let Some(outcome) = followers.join_next().await {
        follower_number += 1;
        let (stream, seen) = outcome.expect("a follower");
        report.feed.absorb(stream);
        report.relayed += seen.len();
        let mut once = HashSet::new();
        for notice in &seen {
            if !once.insert(notice.as_str()) {
                report.duplicated.push(incident_of(notice));
            }
        }
        for notice in &wanted {
            if !once.contains(notice.as_str()) {
                report.lost.push(format!(
                    "follower {follower_number} never saw {}",
                    incident_of(notice)
                ));
            }
        }
    }
    report.acknowledged = acknowledged.len();
    for stream in [&mut report.publish, &mut report.explain, &mut report.feed] {
        stream.latencies.sort();
    }
    report
}

/// Publishes until the plan's time is over and enough was sent: mostly new incidents, every fourth
/// notice the next revision of one of its own earlier incidents.
async fn publish_loop(
    client: reqwest::Client,
    url: String,
    issuer: Arc<Issuer>,
    started: Instant,
    plan: Plan,
) -> (Stream, Vec<Vec<u8>>, usize) {
    let mut stream = Stream::default();
    let mut acked = Vec::new();
    let mut own: Vec<Value> = Vec::new();
    let mut updates = 0;
    let mut n = 0usize;
    while started.elapsed() < plan.duration || n < plan.at_least {
        n += 1;
        let draft = match own.get(n % 7) {
            Some(earlier) if n.is_multiple_of(4) => {
                let mut next = earlier.clone();
                next["seq"] = json!(issuer.next_seq());
                next["status"] = json!("monitoring");
                next["published_at"] = json!(dix_schema::types::Timestamp::now().to_string());
                next
            }
            _ => {
                let mut draft = issuer.draft();
                draft["symptoms"] =
                    json!([{"reply": 451, "status": "4.7.500", "text": "Server busy*"}]);
                draft
            }
        };
        let is_update = own.iter().any(|o| o["incident"] == draft["incident"]);
        let body = issuer.sign(&draft);
        let sent = Instant::now();
        match client
            .post(&url)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
        {
            Ok(r) if r.status() == 201 => {
                let _ = r.bytes().await;
                stream.latencies.push(sent.elapsed());
                acked.push(body);
                if is_update {
                    updates += 1;
                } else if own.len() < 7 {
                    own.push(draft);
                }
            }
            Ok(r) => {
                let status = r.status();
                let text = r.text().await.unwrap_or_default();
                stream.errors.push(format!(
                    "{} seq {}: {status} {text}",
                    issuer.domain, draft["seq"]
                ));
            }
            Err(e) => stream
                .errors
                .push(format!("{} seq {}: {e}", issuer.domain, draft["seq"])),
        }
    }
    (stream, acked, updates)
}

/// The bounces the explainers send: what a helpdesk pastes, each about a
/// recipient at one of the publishing issuers' domains.
fn bounce_for(domain: &str, n: usize) -> Value {
    let to = format!("user{n}@{domain}");
    match n % 3 {
        0 => {
            json!({"text": "451 4.7.500 Server busy. Please try again later from [203.0.113.7]. (S77714) [BN8NAM12FT053.eop-nam12.prod.protection.outlook.com]", "recipient": to})
        }
        1 => json!({"text": format!(
            "Dec  2 09:14:01 mail postfix/smtp[2231]: 4XyZ0Q1R2S: to=<{to}>, relay=mx1.{domain}[192.0.2.80]:25, delay=0.5, dsn=4.7.500, status=deferred (host mx1.{domain}[192.0.2.80] said: 451 4.7.500 Server busy. Please try again later (in reply to RCPT TO command))"
        )}),
        _ => json!({"text": format!(
            "Reporting-MTA: dns; mail.example.jp\n\nFinal-Recipient: rfc822; {to}\nAction: delayed\nStatus: 4.7.500\nDiagnostic-Code: smtp; 451 4.7.500 Server busy. Please try again later\n"
        )}),
    }
}

/// Explains bounces until the plan's time is over and enough was sent; counts answers that did not
/// name an incident (the incidents exist from the first publish on, so
/// only the first requests may miss).
async fn explain_loop(
    client: reqwest::Client,
    url: String,
    domains: Vec<String>,
    offset: usize,
    started: Instant,
    plan: Plan,
) -> (Stream, usize) {
    let mut stream = Stream::default();
    let mut unmatched = 0;
    let mut n = offset;
    while started.elapsed() < plan.duration || n - offset < plan.at_least {
        n += 1;
        let body = bounce_for(&domains[n % domains.len()], n);
        let sent = Instant::now();
        match client.post(&url).json(&body).send().await {
            Ok(r) if r.status() == 200 => match r.json::<Value>().await {
                Ok(answer) if answer["facts"].as_array().is_some_and(|f| !f.is_empty()) => {
                    stream.latencies.push(sent.elapsed());
                    if answer["facts"][0]["matches"]
                        .as_array()
                        .is_none_or(Vec::is_empty)
                    {
                        unmatched += 1;
                    }
                }
                Ok(answer) => stream.errors.push(format!("{body}: no facts in {answer}")),
                Err(e) => stream.errors.push(format!("{body}: {e}")),
            },
            Ok(r) => {
                let status = r.status();
                let text = r.text().await.unwrap_or_default();
                stream.errors.push(format!("{body}: {status} {text}"));
            }
            Err(e) => stream.errors.push(format!("{body}: {e}")),
        }
    }
    (stream, unmatched)
}

/// Follows the feed from the start, as a peer does: pages of up to 500,
/// and a short wait when caught up. Once the publishers have stopped, reads
/// to the end one last time. Returns every entry received, canonical text.
async fn follow_loop(
    client: reqwest::Client,
    base: String,
    done: Arc<tokio::sync::Notify>,
    over: Arc<std::sync::atomic::AtomicBool>,
) -> (Stream, Vec<String>) {
    let mut stream = Stream::default();
    let mut seen = Vec::new();
    let mut after = "0".to_owned();
    loop {
        // Read once the publishers have stopped: this pass reads everything.
        let last_pass = over.load(std::sync::atomic::Ordering::SeqCst);
        loop {
            let url = format!("{base}/v1/feed?after={after}&limit=500");
            let sent = Instant::now();
            let page = match client.get(&url).send().await {
                Ok(r) if r.status() == 200 => r.json::<Value>().await,
                Ok(r) => {
                    let status = r.status();
                    stream.errors.push(format!(
                        "{url}: {status} {}",
                        r.text().await.unwrap_or_default()
                    ));
                    break;
                }
                Err(e) => {
                    stream.errors.push(format!("{url}: {e}"));
                    break;
                }
            };
            let page = match page {
                Ok(page) => page,
                Err(e) => {
                    stream.errors.push(format!("{url}: {e}"));
                    break;
                }
            };
            stream.latencies.push(sent.elapsed());
            for notice in page["notices"].as_array().into_iter().flatten() {
                seen.push(notice.to_string());
            }
            if let Some(next) = page["next"].as_str() {
                after = next.to_owned();
            }
            if page["more"] != true {
                break;
            }
        }
        if last_pass {
            return (stream, seen);
        }
        tokio::select! {
            () = done.notified() => {}
            () = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
    }
}

/// A notice's bytes as the feed shows them (parsed and printed by serde_json).
fn canonical_text(notice: &[u8]) -> String {
    serde_json::from_slice::<Value>(notice)
        .expect("a signed notice is JSON")
        .to_string()
}

fn incident_of(notice_text: &str) -> String {
    let v: Value = serde_json::from_str(notice_text).unwrap_or(Value::Null);
    format!("{} {} seq {}", v["issuer"], v["incident"], v["seq"])
}
