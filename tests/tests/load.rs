//! A mixed load for a few seconds — three operators publishing (new
//! incidents and updates), helpdesks explaining bounces those incidents
//! cover, peers following the feed — on SQLite and PostgreSQL: no request
//! fails, every acknowledged notice reaches every follower exactly once,
//! and the explanations find the incidents. `tests/benches/load.rs` runs
//! the same generator longer for the figures in BENCHMARKS.md.

use std::time::Duration;

use dix_tests::load::{Plan, node_with_issuers, run};
use dix_tests::{Backend, TestDb, TestDns, on_both_databases};

on_both_databases!(publish_explain_and_feed_together_lose_nothing);

async fn publish_explain_and_feed_together_lose_nothing(backend: Backend) {
    let dns = TestDns::start().await;
    let db = TestDb::new(backend).await;
    let (node, issuers) = node_with_issuers(
        &db,
        &dns,
        &["load-a.example", "load-b.example", "load-c.example"],
    )
    .await;

    let plan = Plan {
        publishers: 3,
        explainers: 2,
        followers: 2,
        duration: Duration::from_secs(3),
        at_least: 15,
    };
    let report = run(&node.at(""), &issuers, plan).await;
    let problems = report.problems();
    assert!(
        problems.is_empty(),
        "{} problems, first: {:#?}\n{}",
        problems.len(),
        &problems[..problems.len().min(5)],
        node.logs()
    );
    assert!(
        report.acknowledged >= 45,
        "every publisher sent 15: {}",
        report.acknowledged
    );
    assert!(
        report.updates >= 3,
        "updates were published: {} of {}",
        report.updates,
        report.acknowledged
    );
    assert!(
        report.explain.latencies.len() >= 30,
        "every explainer sent 15: {}",
        report.explain.latencies.len()
    );
    assert_eq!(
        report.relayed,
        report.acknowledged * plan.followers,
        "each follower saw each notice once"
    );
    // Only requests sent before the first publish landed may miss.
    let matched = report.explain.latencies.len() - report.unmatched_explanations;
    assert!(
        matched * 10 >= report.explain.latencies.len() * 9,
        "{} of {} explanations found no incident",
        report.unmatched_explanations,
        report.explain.latencies.len()
    );
    eprintln!(
        "{:?}: {} published ({} updates, p50 {:?}), {} explained (p50 {:?}), {} feed pages, in {:.1} s",
        backend,
        report.acknowledged,
        report.updates,
        report.publish.percentile(0.5),
        report.explain.latencies.len(),
        report.explain.percentile(0.5),
        report.feed.latencies.len(),
        report.elapsed.as_secs_f64()
    );
}
