//! Demonstration data for `dixd --demo`: two issuers, signed by built-in
//! demo keys (pinned, scope trusted), published through the normal ingest
//! path at start-up so a new user has something to look at.
//!
//! The demo keys' private halves are in this file: they prove nothing and
//! must never be pinned by a real node.

use std::sync::Arc;

use dix_schema::types::Timestamp;
use dix_schema::{SecretKey, sign_json};
use serde_json::json;

use crate::config::PinConfig;
use crate::ingest::{Origin, ingest};
use crate::node::Node;

const RECEIVER_SEED: [u8; 32] = *b"dix demo receiver key, not secr!";
const BLOCKLIST_SEED: [u8; 32] = *b"dix demo blocklist key, not sec!";

/// Pins for the demo issuers, to add to the config before the node starts.
pub fn pins() -> Vec<PinConfig> {
    [
        ("contoso.example", "demo", RECEIVER_SEED),
        ("blocklist.example", "demo", BLOCKLIST_SEED),
    ]
    .into_iter()
    .map(|(issuer, selector, seed)| PinConfig {
        issuer: issuer.into(),
        selector: selector.into(),
        public_key: SecretKey::from_seed(&seed).public_key().to_base64(),
        trust_scope: true,
    })
    .collect()
}

/// Signs and ingests the demo incidents. `seq` is the current time so a
/// restart publishes newer revisions of the same incidents, never conflicts.
pub async fn load(node: &Arc<Node>) -> anyhow::Result<()> {
    let now = Timestamp::now();
    let at = |offset: i64| {
        Timestamp::from_unix(now.unix() + offset)
            .expect("in range")
            .to_string()
    };
    let seq = now.unix();
    let notices = [
        (
            RECEIVER_SEED,
            json!({
                "v": 1, "issuer": "contoso.example", "key": "demo", "seq": seq,
                "incident": "0193f1c2-7a7e-7c1a-9d0e-3b1f5a2c9e10",
                "kind": "throttling", "status": "identified",
                "started_at": at(-3600), "ended_at": null, "published_at": at(0),
                "scope": {"recipient_domains": ["contoso.example", "*.contoso.example"], "mx_hosts": ["*.mail.protection.outlook.com"], "receiving_ips": ["203.0.113.0/24"]},
                "symptoms": [{"reply": 451, "status": "4.7.500", "text": "Server busy*"}],
                "summary": {
                    "ja": "受信用MXサーバが過負荷のため、contoso.example 宛のメールの受信を一時的に遅らせています。",
                    "en": "Inbound MX overloaded: mail to contoso.example is being deferred."
                },
                "advice": {
                    "ja": "送信側での対応は不要です。送信サーバが自動的に再送します。解消後24時間を過ぎても届かない場合はご連絡ください。",
                    "en": "No action needed: your server retries by itself. If mail has not arrived 24 hours after we resolve this, contact us."
                },
                "contact": "postmaster@contoso.example"
            }),
        ),
        (
            BLOCKLIST_SEED,
            json!({
                "v": 1, "issuer": "blocklist.example", "key": "demo", "seq": seq,
                "incident": "0193f1c2-7a7e-7c1a-9d0e-3b1f5a2c9e11",
                "kind": "blocklist_listing", "status": "monitoring",
                "started_at": at(-7200), "published_at": at(0),
                "scope": {"sending_ips": ["198.51.100.0/24"]},
                "symptoms": [{"reply": 554, "status": "5.7.1", "text": "*listed at bl.blocklist.example*"}],
                "blocklist": {"name": "Example DNSBL", "zone": "bl.blocklist.example", "removal": "https://blocklist.example/remove"},
                "summary": {
                    "ja": "198.51.100.0/24 がスパムトラップへの送信により登録されています。",
                    "en": "198.51.100.0/24 is listed for sending to spam traps."
                },
                "advice": {"ja": "原因を調べたうえで、登録の解除を申請してください。", "en": "Find the cause, then request removal."},
                "contact": "https://blocklist.example/contact"
            }),
        ),
    ];
    for (seed, notice) in notices {
        let signed = sign_json(notice.to_string().as_bytes(), &SecretKey::from_seed(&seed))?;
        ingest(node, signed.as_bytes(), Origin::Demo)
            .await
            .map_err(|e| anyhow::anyhow!("demo notice rejected: {} {:?}", e.code(), e))?;
    }
    Ok(())
}
