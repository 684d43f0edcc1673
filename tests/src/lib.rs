//! # dix-tests — helpers for end-to-end tests
//!
//! | helper | what it is |
//! |---|---|
//! | [`TestDns`] | an authoritative DNS server on 127.0.0.1 (UDP and TCP) whose records a test sets and changes |
//! | [`TestDb`] | a fresh SQLite file, or a fresh database on the PostgreSQL that `scripts/test.sh` starts (`DIX_TEST_PG_URL`) |
//! | [`DixNode`] | a real `dixd` process on 127.0.0.1 port 0: start, restart, `kill -9` |
//! | [`Issuer`] | an operator with a key, publishing its key record and signing notices |
//! | [`load`] | a mixed load of publishing, explaining and feed following, checked for errors and lost notices |
//! | [`FakePeer`] | an HTTP server posing as a peer: garbage, cut-short, endless, oversized answers, or a switchable proxy |
//!
//! Tests live in `tests/tests/`; each scenario runs on both databases.

mod dns;
mod fake;
pub mod load;
mod node;

/// Generates `<scenario>::sqlite` and `<scenario>::postgres` tests from
/// `async fn <scenario>(Backend)` functions of the calling test file.
#[macro_export]
macro_rules! on_both_databases {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$scenario($crate::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$scenario($crate::Backend::Postgres).await
            }
        }
    )*};
}

pub use dns::TestDns;
pub use fake::{FakeAnswer, FakePeer, feed_page, json_answer, not_found};
pub use node::{Backend, DixNode, TestDb, binary_path};

use std::sync::atomic::{AtomicU64, Ordering};

use dix_schema::types::Timestamp;
use dix_schema::{KeyRecord, SecretKey, sign_json};
use serde_json::{Value, json};

/// An operator that signs notices.
pub struct Issuer {
    /// Its domain.
    pub domain: String,
    /// Its key selector.
    pub selector: String,
    /// Its private key.
    pub key: SecretKey,
    seq: AtomicU64,
}

impl Issuer {
    /// A new issuer with a fresh key.
    pub fn new(domain: &str, selector: &str) -> Self {
        Self {
            domain: domain.into(),
            selector: selector.into(),
            key: SecretKey::generate().expect("random"),
            seq: AtomicU64::new(0),
        }
    }

    /// The TXT record publishing its key.
    pub fn record(&self) -> String {
        KeyRecord::active(self.key.public_key()).render()
    }

    /// The DNS name of that record.
    pub fn record_name(&self) -> String {
        format!("{}._dix.{}", self.selector, self.domain)
    }

    /// Publishes the key record in `dns`.
    pub fn publish_key(&self, dns: &TestDns) {
        dns.set_txt(&self.record_name(), &[&self.record()]);
    }

    /// The next sequence number.
    pub fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// An unsigned throttling notice about the issuer's own domain, with a
    /// fresh seq, a new incident id and current times.
    pub fn draft(&self) -> Value {
        let now = Timestamp::now();
        json!({
            "v": 1, "issuer": self.domain, "key": self.selector, "seq": self.next_seq(),
            "incident": uuid::Uuid::new_v4().to_string(),
            "kind": "throttling", "status": "identified",
            "started_at": Timestamp::from_unix(now.unix() - 600).unwrap().to_string(),
            "ended_at": null,
            "published_at": now.to_string(),
            "scope": {"recipient_domains": [self.domain.clone()]},
            "symptoms": [{"reply": 451, "status": "4.7.500", "text": "Server busy*"}],
            "summary": {"ja": "受信サーバが混雑しています。", "en": "Inbound MX overloaded."},
            "contact": format!("postmaster@{}", self.domain)
        })
    }

    /// Signs any notice value with this issuer's key.
    pub fn sign(&self, notice: &Value) -> Vec<u8> {
        sign_json(notice.to_string().as_bytes(), &self.key)
            .expect("test notices are valid")
            .as_bytes()
            .to_vec()
    }

    /// Signs a notice without checking its fields: what a hostile or buggy
    /// issuer can put on the wire, for tests of the node's own checks.
    pub fn sign_unchecked(&self, notice: &Value) -> Vec<u8> {
        use base64::Engine;
        use ed25519_dalek::Signer;
        let mut object = notice.as_object().expect("an object").clone();
        object.remove("sig");
        let body = serde_json_canonicalizer::to_vec(&object).expect("canonical");
        let key = ed25519_dalek::SigningKey::from_bytes(&self.key.seed());
        let sig = key.sign(&[dix_schema::signing::SIGNING_CONTEXT, &body].concat());
        object.insert(
            "sig".into(),
            Value::String(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig.to_bytes())),
        );
        serde_json_canonicalizer::to_vec(&object).expect("canonical")
    }

    /// A signed draft after `edit`.
    pub fn notice(&self, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
        let mut draft = self.draft();
        edit(&mut draft);
        self.sign(&draft)
    }
}

/// A JSON response.
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Body text.
    pub text: String,
    /// Body as JSON (Null if not JSON).
    pub json: Value,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    /// The error code of an error body.
    pub fn code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or("")
    }
}

async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        text,
        json,
        headers,
    }
}

/// POSTs bytes.
pub async fn post(url: &str, body: Vec<u8>) -> Reply {
    reply(
        reqwest::Client::new()
            .post(url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request"),
    )
    .await
}

/// GETs a URL.
pub async fn get(url: &str) -> Reply {
    reply(
        reqwest::Client::new()
            .get(url)
            .send()
            .await
            .expect("request"),
    )
    .await
}

/// Sends any request and reads the reply.
pub async fn send(request: reqwest::RequestBuilder) -> Reply {
    reply(request.send().await.expect("request")).await
}
