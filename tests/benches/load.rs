//! `scripts/bench.sh load`: against one release `dixd`, on SQLite and on
//! PostgreSQL, publishing alone (10 s), explaining alone (10 s), then
//! publishing, explaining and feed following together (20 s) — the
//! generator of `dix_tests::load`, so each run is checked
//! as the test checks it (no failed request, nothing lost, nothing twice)
//! and the figures are printed as a markdown table for BENCHMARKS.md.

use std::time::Duration;

use dix_tests::load::{Plan, Report, node_with_issuers, run};
use dix_tests::{Backend, TestDb, TestDns};

const SECONDS: u64 = 20;

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let secs = Duration::from_secs(SECONDS);
    // Each alone first, then together: the cost of the mix is the ratio.
    let phases = [
        (
            "publishing alone",
            Plan {
                publishers: 4,
                explainers: 0,
                followers: 0,
                duration: secs / 2,
                at_least: 0,
            },
        ),
        (
            "explaining alone",
            Plan {
                publishers: 0,
                explainers: 4,
                followers: 0,
                duration: secs / 2,
                at_least: 0,
            },
        ),
        (
            "all together",
            Plan {
                publishers: 4,
                explainers: 4,
                followers: 2,
                duration: secs,
                at_least: 0,
            },
        ),
    ];
    let mut rows = Vec::new();
    let mut totals = Vec::new();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let dns = TestDns::start().await;
        let db = TestDb::new(backend).await;
        let domains = [
            "load0.example",
            "load1.example",
            "load2.example",
            "load3.example",
        ];
        let (node, issuers) = node_with_issuers(&db, &dns, &domains).await;
        for (phase, plan) in phases {
            let report: Report = run(&node.at(""), &issuers, plan).await;
            let problems = report.problems();
            assert!(
                problems.is_empty(),
                "{phase}: {} problems, first: {:#?}",
                problems.len(),
                &problems[..problems.len().min(5)]
            );
            let elapsed = report.elapsed;
            for (what, stream, clients) in [
                ("POST /v1/notices", &report.publish, plan.publishers),
                ("POST /v1/explain", &report.explain, plan.explainers),
                ("GET /v1/feed, 500 a page", &report.feed, plan.followers),
            ] {
                if clients == 0 {
                    continue;
                }
                rows.push(format!(
                    "| {backend:?} | {phase} | {what} ({clients} clients) | {} | {} | {} | {:.0}/s |",
                    stream.latencies.len(),
                    ms(stream.percentile(0.5)),
                    ms(stream.percentile(0.99)),
                    stream.rate(elapsed)
                ));
            }
            if plan.followers > 0 {
                totals.push(format!(
                    "| {backend:?} | {:.1} s | {} ({} updates) | {} | {} | {} |",
                    elapsed.as_secs_f64(),
                    report.acknowledged,
                    report.updates,
                    report.lost.len(),
                    report.duplicated.len(),
                    report.unmatched_explanations
                ));
            }
        }
    }
    println!(
        "| store | phase | request | requests | p50 | p99 | rate |\n|---|---|---|---|---|---|---|"
    );
    for row in rows {
        println!("{row}");
    }
    println!(
        "\n| store | time | acknowledged while mixed | lost (any follower) | twice | explanations without an incident |\n|---|---|---|---|---|---|"
    );
    for row in totals {
        println!("{row}");
    }
}
