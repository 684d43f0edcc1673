//! The store's multi-row write path, a whole batch at once (a sync page, a
//! bulk load) against the same notices stored one at a time, on SQLite and
//! PostgreSQL: one database each way, the same outcomes and the same end
//! state — replays, equivocations, late lower revisions and new incidents
//! mixed in one batch, over notices already stored — and that state is
//! what the rules say.

use dix_schema::SignedNotice;
use dix_server::scope::ScopeField;
use dix_server::store::{IncidentFilter, NewNotice, PublishOutcome, Store};
use dix_tests::{Backend, Issuer, TestDb, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(a_batch_ends_where_one_by_one_ends);

fn verified(bytes: &[u8], issuer: &Issuer) -> SignedNotice {
    dix_schema::UnverifiedNotice::parse(bytes)
        .unwrap()
        .verify(&issuer.key.public_key())
        .unwrap()
}

fn new<'a>(n: &'a SignedNotice, issuer: &Issuer) -> NewNotice<'a> {
    let domains = &n.notice().scope.recipient_domains;
    NewNotice {
        notice: n,
        verification: "{}".into(),
        scope_verified: true,
        scope: domains
            .iter()
            .map(|d| (ScopeField::RecipientDomains, d.to_string(), true))
            .collect(),
        key: (issuer.key.public_key().to_base64(), "dns"),
        source: "test".into(),
        received_at: 1,
    }
}

/// Everything the two paths must agree on.
async fn state(store: &Store, issuers: &[&str]) -> Value {
    let incidents = store
        .incidents(&IncidentFilter {
            limit: 1000,
            ..IncidentFilter::default()
        })
        .await
        .unwrap();
    let mut rows = Vec::new();
    for i in &incidents {
        let scope: Vec<String> = store
            .incident_scope(&i.issuer, &i.incident)
            .await
            .unwrap()
            .iter()
            .map(|s| format!("{}={}", s.field, s.value))
            .collect();
        rows.push(json!([
            i.issuer,
            i.incident,
            i.cursor,
            i.seq,
            i.issuer_flagged,
            scope
        ]));
    }
    rows.sort_by_key(|r| r.to_string());
    let feed: Vec<i64> = store
        .feed(0, 1000)
        .await
        .unwrap()
        .notices
        .iter()
        .map(|n| n.cursor)
        .collect();
    let mut evidence = Vec::new();
    let mut keys = Vec::new();
    for issuer in issuers {
        for e in store.equivocations(issuer).await.unwrap() {
            evidence.push(json!([e.seq, e.first.cursor, e.second.cursor]));
        }
        keys.push(store.issuer_keys(issuer).await.unwrap().len());
    }
    json!({"incidents": rows, "feed": feed, "equivocations": evidence, "keys": keys})
}

fn kind(o: &PublishOutcome) -> Value {
    match o {
        PublishOutcome::Stored { cursor, .. } => json!(["stored", cursor]),
        PublishOutcome::Replay { cursor } => json!(["replay", cursor]),
        PublishOutcome::Equivocation { cursor, earlier } => {
            json!(["equivocation", cursor, earlier])
        }
    }
}

async fn a_batch_ends_where_one_by_one_ends(backend: Backend) {
    let a = Issuer::new("a.example", "s1");
    let b = Issuer::new("b.example", "s1");
    let revise = |issuer: &Issuer, of: &[u8], seq: u64, edit: &dyn Fn(&mut Value)| {
        let mut v: Value = serde_json::from_slice(of).unwrap();
        v["seq"] = json!(seq);
        v.as_object_mut().unwrap().remove("sig");
        edit(&mut v);
        issuer.sign(&v)
    };
    // Stored before the batch: incident W at seq 10, and X at seq 1.
    let w10 = a.notice(|n| n["seq"] = json!(10));
    let x1 = a.notice(|n| n["seq"] = json!(1));
    let before = [w10.clone(), x1.clone()];
    let x2 = revise(&a, &x1, 2, &|n| {
        n["scope"] = json!({"recipient_domains": ["x2.a.example"]});
    });
    let w9 = revise(&a, &w10, 9, &|_| {});
    let w11 = revise(&a, &w10, 11, &|n| {
        n["status"] = json!("resolved");
        n["ended_at"] = n["published_at"].clone();
    });
    let x3 = revise(&a, &x1, 3, &|n| {
        n["scope"] = json!({"recipient_domains": ["x3.a.example"]});
    });
    let twin_of_x1 = revise(&a, &x1, 1, &|n| n["summary"]["en"] = json!("Other."));
    let fresh = a.notice(|n| n["seq"] = json!(20));
    let clash = a.notice(|n| n["seq"] = json!(20));
    let other = b.notice(|n| n["seq"] = json!(20));
    let batch = [
        x3.clone(),
        w9,
        fresh.clone(),
        w10.clone(), // a replay of a stored notice
        x2,          // lower than x3, later in the batch
        fresh,       // a replay inside the batch
        twin_of_x1,  // equivocation with a stored notice
        clash,       // equivocation inside the batch
        w11,
        other, // another issuer, same seq: no conflict
        x3,    // replay of the batch's first
    ];
    let issuers = [a.domain.as_str(), b.domain.as_str()];

    let mut results = Vec::new();
    for one_by_one in [true, false] {
        let db = TestDb::new(backend).await;
        let store = Store::connect(&db.url, 2).await.unwrap();
        for bytes in &before {
            let n = verified(bytes, &a);
            store.publish(new(&n, &a)).await.unwrap();
        }
        let signed: Vec<SignedNotice> = batch
            .iter()
            .map(|bytes| {
                let is_b = serde_json::from_slice::<Value>(bytes).unwrap()["issuer"] == "b.example";
                verified(bytes, if is_b { &b } else { &a })
            })
            .collect();
        let news: Vec<NewNotice> = signed
            .iter()
            .map(|n| {
                new(
                    n,
                    if n.notice().issuer.as_str() == "b.example" {
                        &b
                    } else {
                        &a
                    },
                )
            })
            .collect();
        let outcomes: Vec<PublishOutcome> = if one_by_one {
            let mut out = Vec::new();
            for n in news {
                out.push(store.publish(n).await.unwrap());
            }
            out
        } else {
            store.publish_many(&news).await.unwrap()
        };
        let kinds: Vec<Value> = outcomes.iter().map(kind).collect();
        results.push((kinds, state(&store, &issuers).await));
        store.close().await;
    }
    let (one, many) = (&results[0], &results[1]);
    assert_eq!(one.0, many.0, "outcomes");
    assert_eq!(one.1, many.1, "state");
    // And the state is what the rules say.
    let incidents = one.1["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 4, "{incidents:?}");
    let seqs: Vec<u64> = incidents.iter().map(|i| i[3].as_u64().unwrap()).collect();
    assert!(seqs.contains(&3) && seqs.contains(&11), "{seqs:?}");
    let x = incidents.iter().find(|i| i[3] == 3).unwrap();
    assert_eq!(x[5], json!(["recipient_domains=x3.a.example"]), "{x}");
    assert_eq!(one.1["equivocations"].as_array().unwrap().len(), 2);
    assert_eq!(
        one.0.iter().filter(|k| k[0] == "replay").count(),
        3,
        "{:?}",
        one.0
    );
}
