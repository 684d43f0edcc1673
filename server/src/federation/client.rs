//! Requests to a peer, bounded: every request has a deadline (a response
//! that never ends is cut there) and a body larger than the limit is
//! refused while it is read, not after. Failures carry a stable code.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::de::DeserializeOwned;

/// Why talking to a peer failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct PeerError {
    /// Stable code, shown in `/v1/peers` and counted in `/metrics`.
    pub code: &'static str,
    /// What happened.
    pub message: String,
}

impl PeerError {
    /// A failure with a code.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// An HTTP client for one node's peers.
#[derive(Clone)]
pub struct PeerClient {
    http: reqwest::Client,
    max_bytes: usize,
    timeout: Duration,
    /// Body bytes read through this client (one per peer).
    fetched: Arc<AtomicU64>,
}

/// A peer's answer: `None` for a 404 (the peer does not serve it).
pub type Found<T> = Option<T>;

impl PeerClient {
    /// A client with these limits.
    pub fn new(timeout: Duration, max_bytes: usize) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("dixd/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client with rustls and no proxy settings builds");
        Self {
            http,
            max_bytes,
            timeout,
            fetched: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The same client, counting what it reads into `fetched`.
    pub fn counting(&self, fetched: Arc<AtomicU64>) -> Self {
        Self {
            fetched,
            ..self.clone()
        }
    }

    /// Counts bytes read outside `get_bytes` (the stream).
    pub fn count(&self, n: usize) {
        self.fetched.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// Body bytes read so far.
    pub fn fetched(&self) -> u64 {
        self.fetched.load(Ordering::Relaxed)
    }

    /// The raw client, for the feed stream (which has no overall deadline).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// GETs `url` and reads the whole body within the limits.
    pub async fn get_bytes(&self, url: &str) -> Result<Found<Vec<u8>>, PeerError> {
        tokio::time::timeout(self.timeout, self.get_bytes_inner(url))
            .await
            .map_err(|_| {
                PeerError::new(
                    "peer_timeout",
                    format!(
                        "{url} did not answer in full within {} seconds",
                        self.timeout.as_secs()
                    ),
                )
            })?
    }

    async fn get_bytes_inner(&self, url: &str) -> Result<Found<Vec<u8>>, PeerError> {
        let mut response = self.http.get(url).send().await.map_err(|e| {
            PeerError::new("peer_unreachable", format!("{url}: {}", error_chain(&e)))
        })?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(PeerError::new(
                "peer_http_status",
                format!("{url} answered {status}"),
            ));
        }
        if response
            .content_length()
            .is_some_and(|n| n > self.max_bytes as u64)
        {
            return Err(self.too_large(url));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| {
            PeerError::new(
                "peer_truncated",
                format!("{url}: the response broke off: {}", error_chain(&e)),
            )
        })? {
            if body.len() + chunk.len() > self.max_bytes {
                return Err(self.too_large(url));
            }
            body.extend_from_slice(&chunk);
            self.fetched
                .fetch_add(chunk.len() as u64, Ordering::Relaxed);
        }
        Ok(Some(body))
    }

    fn too_large(&self, url: &str) -> PeerError {
        PeerError::new(
            "peer_too_large",
            format!(
                "{url}: the response is larger than peer_max_response_bytes ({})",
                self.max_bytes
            ),
        )
    }

    /// GETs `url` as JSON of type `T`.
    pub async fn get_json<T: DeserializeOwned>(&self, url: &str) -> Result<Found<T>, PeerError> {
        let Some(body) = self.get_bytes(url).await? else {
            return Ok(None);
        };
        serde_json::from_slice(&body).map(Some).map_err(|e| {
            PeerError::new(
                "peer_malformed",
                format!("{url}: not the expected JSON: {e}"),
            )
        })
    }
}

/// An error and its causes, on one line.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
