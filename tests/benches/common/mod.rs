//! What the benchmarks share: seeding a database with signed notices fast,
//! through the store's batch publish (the same transaction code a publish
//! runs, a thousand notices per commit).

use dix_schema::SignedNotice;
use dix_server::scope::ScopeField;
use dix_server::store::{NewNotice, Store};
use dix_tests::{Issuer, TestDb};
use serde_json::{Value, json};

/// Stores `n` notices of `issuer`, each a new incident, `edit(i, draft)`
/// shaping the i-th; returns their signed bytes in feed order.
pub async fn seed(
    db: &TestDb,
    issuer: &Issuer,
    n: usize,
    edit: impl Fn(usize, &mut Value),
) -> Vec<Vec<u8>> {
    let store = Store::connect(&db.url, 4).await.expect("store");
    let mut all = Vec::with_capacity(n);
    let mut batch_notices: Vec<SignedNotice> = Vec::with_capacity(1000);
    for i in 0..n {
        let bytes = issuer.notice(|d| edit(i, d));
        batch_notices.push(
            dix_schema::UnverifiedNotice::parse(&bytes)
                .unwrap()
                .verify(&issuer.key.public_key())
                .unwrap(),
        );
        all.push(bytes);
        if batch_notices.len() == 1000 || i + 1 == n {
            let batch: Vec<NewNotice> =
                batch_notices.iter().map(|n| stored_as(issuer, n)).collect();
            store.publish_many(&batch).await.expect("seed batch");
            batch_notices.clear();
        }
    }
    store.close().await;
    all
}

/// What ingest stores for a notice whose claims all verified.
fn stored_as<'a>(issuer: &Issuer, n: &'a SignedNotice) -> NewNotice<'a> {
    let s = &n.notice().scope;
    let mut claims = Vec::new();
    let mut scope = Vec::new();
    for d in &s.recipient_domains {
        claims.push(json!({"field": "recipient_domains", "value": d.to_string(), "verified": true, "status": "verified", "basis": "bench"}));
        scope.push((ScopeField::RecipientDomains, d.to_string(), true));
    }
    for r in &s.receiving_ips {
        claims.push(json!({"field": "receiving_ips", "value": r.to_string(), "verified": true, "status": "verified", "basis": "bench"}));
        scope.push((ScopeField::ReceivingIps, r.to_string(), true));
    }
    NewNotice {
        notice: n,
        verification: json!({
            "key": {"selector": issuer.selector, "source": "dns", "public_key": issuer.key.public_key().to_base64()},
            "scope": {"all_verified": true, "entries": claims},
        })
        .to_string(),
        scope_verified: true,
        scope,
        key: (issuer.key.public_key().to_base64(), "dns"),
        source: "bench".into(),
        received_at: 0,
    }
}
