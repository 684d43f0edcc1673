//! Prometheus metrics (prometheus-client, the Prometheus project's own Rust
//! client), served at `/metrics` in the text exposition format.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PeerLabels {
    peer: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PeerOutcomeLabels {
    peer: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

/// The node's metrics.
pub struct Metrics {
    registry: Registry,
    notices: Family<OutcomeLabels, Counter>,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    incidents: Gauge,
    peer_cursor: Family<PeerLabels, Gauge>,
    peer_failures: Family<PeerLabels, Gauge>,
    peer_halted: Family<PeerLabels, Gauge>,
    peer_notices: Family<PeerOutcomeLabels, Gauge>,
    index_rows_skipped: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("dix");
        let notices = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "notices",
            "Notices received, by outcome (stored, replay, equivocation, or the rejection code)",
            notices.clone(),
        );
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by method, route and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 14))
        });
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            latency.clone(),
        );
        let incidents = Gauge::default();
        registry.register(
            "incidents",
            "Incidents stored (at the last scrape)",
            incidents.clone(),
        );
        // Peers are configured, so their labels are a fixed set.
        let peer_cursor = Family::<PeerLabels, Gauge>::default();
        registry.register(
            "peer_cursor",
            "The peer's feed cursor this node has pulled up to",
            peer_cursor.clone(),
        );
        let peer_failures = Family::<PeerLabels, Gauge>::default();
        registry.register(
            "peer_consecutive_failures",
            "Failed pulls from the peer in a row",
            peer_failures.clone(),
        );
        let peer_halted = Family::<PeerLabels, Gauge>::default();
        registry.register(
            "peer_halted",
            "1 when the peer's log was found rewritten, truncated or re-keyed",
            peer_halted.clone(),
        );
        let peer_notices = Family::<PeerOutcomeLabels, Gauge>::default();
        registry.register(
            "peer_notices",
            "Notices from the peer: received (new here) or the rejection code",
            peer_notices.clone(),
        );
        let index_rows_skipped = Counter::default();
        registry.register(
            "index_rows_skipped",
            "Stored incidents the matching index could not read: skipped and logged, the index moved past them",
            index_rows_skipped.clone(),
        );
        Self {
            index_rows_skipped,
            registry,
            notices,
            requests,
            latency,
            incidents,
            peer_cursor,
            peer_failures,
            peer_halted,
            peer_notices,
        }
    }
}

impl Metrics {
    /// Counts a notice outcome.
    pub fn notice(&self, outcome: &str) {
        self.notices
            .get_or_create(&OutcomeLabels {
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    /// A peer's figures, as `/v1/peers` shows them.
    pub fn peer(
        &self,
        url: &str,
        cursor: i64,
        failures: u32,
        halted: bool,
        received: i64,
        rejected: &std::collections::BTreeMap<String, i64>,
    ) {
        let peer = PeerLabels {
            peer: url.to_owned(),
        };
        self.peer_cursor.get_or_create(&peer).set(cursor);
        self.peer_failures
            .get_or_create(&peer)
            .set(i64::from(failures));
        self.peer_halted.get_or_create(&peer).set(i64::from(halted));
        let outcome = |o: &str| PeerOutcomeLabels {
            peer: url.to_owned(),
            outcome: o.to_owned(),
        };
        self.peer_notices
            .get_or_create(&outcome("received"))
            .set(received);
        for (code, n) in rejected {
            self.peer_notices.get_or_create(&outcome(code)).set(*n);
        }
    }

    /// Counts stored incidents the matching index skipped as unreadable.
    pub fn index_rows_skipped(&self, n: usize) {
        if n > 0 {
            self.index_rows_skipped.inc_by(n as u64);
        }
    }

    /// Counts and times a request.
    pub fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_owned(),
            })
            .observe(seconds);
    }

    /// The exposition text, after setting the incident gauge.
    pub fn render(&self, incidents: i64) -> String {
        self.incidents.set(incidents);
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}
