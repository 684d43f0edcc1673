//! The answers, checked from outside: every cause, every knowledge-base
//! entry and every generic fallback gives a customer reply that agrees with
//! its verdict, in both languages; the provider-code table is covered; the
//! golden table of realistic replies (`bounce/tests/golden/replies.toml`) gets the
//! right actor, retry, cause and basis, and its must / must-not phrases.

use std::path::Path;

use dix_client::bounce::parse_reply;
use dix_client::explain::render;
use dix_client::knowledge::owner::DomainOwner;
use dix_client::knowledge::{Actor, Bilingual, Cause, KnowledgeBase, cause, generic};
use dix_client::verdict::reply::{ReplyInput, customer_reply};
use dix_client::verdict::{Fate, Sending, Verdict, actor_for, check, decide};
use serde::Deserialize;

/// Words the glossary (`data/GLOSSARY.md`) does not use, in Japanese.
const NOT_USED_JA: &[&str] = &[
    "送信元",
    "送信先",
    "先方",
    "受信者側",
    "評判",
    "ブラックリスト",
];

/// Problems with Japanese text anywhere in the answer.
fn japanese_problems(text: &str) -> Vec<String> {
    let mut p = Vec::new();
    for w in NOT_USED_JA {
        if text.contains(w) {
            p.push(format!("uses {w}"));
        }
    }
    if text.replace("://", "").contains(':') {
        p.push("half-width colon".into());
    }
    for empty in ["（）", "()", "「」"] {
        if text.contains(empty) {
            p.push(format!("empty {empty}"));
        }
    }
    if text
        .match_indices("送信側")
        .any(|(i, _)| !text[i..].starts_with("送信側事業者"))
    {
        p.push("送信側 without 事業者".into());
    }
    p
}

/// Problems with a text of the helpdesk's view (third person).
fn helpdesk_problems(text: &str) -> Vec<String> {
    let mut p = japanese_problems(text);
    if text.contains("当社") {
        p.push("当社 in the helpdesk's view".into());
    }
    p
}

const RETRYING_JA: &str = "再送を続け";
const RETRYING_EN: &str = "keeps retrying";
const NOT_RETRIED_JA: &str = "自動的に再送されることはありません";
const NOT_RETRIED_EN: &str = "will not be retried";

/// Whether a customer reply agrees with its verdict.
fn reply_problems(
    cause: Cause,
    actor: Actor,
    retry: bool,
    retry_can_help: bool,
    fate: Fate,
    owner: &DomainOwner,
    reply: &Bilingual,
) -> Vec<String> {
    let (ja, en) = (&reply.ja, &reply.en);
    let mut p = japanese_problems(ja);
    let told = !matches!(fate, Fate::Delivered | Fate::NotSent);
    if told && retry && retry_can_help && !(ja.contains(RETRYING_JA) && en.contains(RETRYING_EN)) {
        p.push("temporary, but does not say we retry".into());
    }
    if !retry && (ja.contains(RETRYING_JA) || en.contains(RETRYING_EN)) {
        p.push("given back or not sent, but says we are retrying".into());
    }
    if told && !retry && !(ja.contains(NOT_RETRIED_JA) && en.contains(NOT_RETRIED_EN)) {
        p.push("given back, but does not say it will not be retried".into());
    }
    if retry && (ja.contains(NOT_RETRIED_JA) || en.contains(NOT_RETRIED_EN)) {
        p.push("temporary, but says it will not be retried".into());
    }
    if cause::sending_ip(cause) {
        if !ja.contains("当社の送信サーバ") || !en.to_lowercase().contains("our sending server")
        {
            p.push("a sending-IP problem not said to be our server's".into());
        }
        for w in ["障害", "問題が起きて", "アドレスに誤り", "ご確認"] {
            if ja.contains(w) {
                p.push(format!(
                    "a sending-IP problem blames the receiver or the customer ({w})"
                ));
            }
        }
        for w in [
            "has a problem",
            "typing",
            "check the address",
            "Please check",
        ] {
            if en.contains(w) {
                p.push(format!(
                    "a sending-IP problem blames the receiver or the customer ({w})"
                ));
            }
        }
    }
    let we_fix = ja.contains("当社で対応") || ja.contains("当社で原因");
    match actor {
        Actor::SenderProvider | Actor::BlocklistOperator if !we_fix => {
            p.push("ours to fix, but the reply does not say we are on it".into())
        }
        Actor::Sender | Actor::Recipient | Actor::Receiver if we_fix => {
            p.push("promises a fix we cannot make".into())
        }
        _ => {}
    }
    if let DomainOwner::Customer(d) | DomainOwner::FreeMail(d) = owner
        && cause::owned_by_sending_domain(cause)
        && !(ja.contains(d.as_str()) && en.contains(d.as_str()))
    {
        p.push(format!("does not name the sending domain {d}"));
    }
    p
}

fn owners() -> [DomainOwner; 4] {
    [
        DomainOwner::Ours("isp.example".into()),
        DomainOwner::FreeMail("gmail.com".into()),
        DomainOwner::Customer("shop.example".into()),
        DomainOwner::Unknown,
    ]
}

/// Every way a message can stand: its fate, and whether the server retries.
fn fates(cause: Cause) -> Vec<(Fate, bool)> {
    if cause::delivered(cause) {
        vec![(Fate::Delivered, false)]
    } else if cause::category(cause) == "submission" {
        vec![(Fate::NotSent, false)]
    } else {
        vec![
            (Fate::Queued, true),
            (Fate::Returned, false),
            (Fate::Unknown, true),
            (Fate::Unknown, false),
        ]
    }
}

fn check_cause(cause: Cause, what: &str, failures: &mut Vec<String>) {
    for (fate, retry) in fates(cause) {
        for retry_can_help in [true, false] {
            for owner in owners() {
                for (domain, recipient) in [
                    (Some("example.jp"), Some("hanako@example.jp")),
                    (None, None),
                ] {
                    let actor = actor_for(cause, &owner);
                    let reply = customer_reply(&ReplyInput {
                        cause,
                        actor,
                        retry,
                        retry_can_help,
                        fate,
                        owner: &owner,
                        domain,
                        recipient,
                        incident: None,
                    });
                    for problem in
                        reply_problems(cause, actor, retry, retry_can_help, fate, &owner, &reply)
                    {
                        failures.push(format!(
                            "{what} ({cause:?}, {fate:?}, retry {retry}, can help {retry_can_help}, {owner:?}, {recipient:?}): {problem}\n  ja: {}\n  en: {}",
                            reply.ja, reply.en
                        ));
                    }
                }
            }
        }
    }
}

#[test]
fn every_cause_gives_a_reply_that_agrees_with_its_verdict() {
    let mut failures = Vec::new();
    for c in cause::all() {
        check_cause(c, "cause", &mut failures);
        let (meaning, action) = generic::describe(c);
        for t in [&meaning.ja, &action.ja] {
            for p in helpdesk_problems(t) {
                failures.push(format!("generic text of {c:?}: {p}: {t}"));
            }
        }
        assert!(!cause::label(c).ja.is_empty() && !cause::label(c).en.contains('_'));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_knowledge_entry_gives_a_reply_that_agrees_with_its_verdict() {
    let kb = KnowledgeBase::embedded();
    let mut failures = Vec::new();
    let entries: Vec<(String, Cause)> = kb.entries().map(|(i, c)| (i.to_owned(), c)).collect();
    assert!(entries.len() >= 85, "{} entries", entries.len());
    for (id, c) in &entries {
        check_cause(*c, id, &mut failures);
    }
    // The entries' own texts, as the helpdesk reads them.
    #[derive(Deserialize)]
    struct File {
        code: Vec<toml::Value>,
    }
    let file: File = toml::from_str(include_str!("../../bounce/data/knowledge.toml")).unwrap();
    for code in &file.code {
        for field in ["meaning", "action"] {
            let ja = code[field]["ja"].as_str().unwrap();
            for p in helpdesk_problems(ja) {
                failures.push(format!("{} {field}.ja: {p}: {ja}", code["id"]));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `../shared/provider_codes.tsv`: each provider's row is answered by that
/// provider's own entry, each generic row by the generic meaning.
#[test]
fn every_row_of_the_provider_code_table_is_covered() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/provider_codes.tsv");
    let Ok(table) = std::fs::read_to_string(&path) else {
        assert!(
            std::env::var("CI").is_err(),
            "{} is missing",
            path.display()
        );
        eprintln!("skipped: {} is missing", path.display());
        return;
    };
    let kb = KnowledgeBase::embedded();
    let mut failures = Vec::new();
    let mut rows = 0;
    for line in table.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (provider, replies, code, text) = (cols[0], cols[1], cols[2], cols[3]);
        let (to, want) = match provider {
            p if p.starts_with("Microsoft") => ("a@outlook.com", Some("microsoft")),
            "Gmail" => ("a@gmail.com", Some("google")),
            p if p.starts_with("Yahoo") => ("a@yahoo.com", Some("yahoo")),
            "Apple iCloud" => ("a@icloud.com", Some("apple")),
            _ => ("a@example.net", None),
        };
        rows += 1;
        // One reply per listed variant: the first code of each list, the
        // markers and the text as printed.
        let reply_code = replies.split('/').next().unwrap().replace("xx", "50");
        let status = code.split('/').next().unwrap();
        let status = if status.contains('.') {
            status
                .split('-')
                .next()
                .unwrap()
                .replace("X.", "5.")
                .replace(".X", ".1")
                .to_owned()
        } else {
            String::new()
        };
        let marker = if code.contains('-') && !code.contains('.') {
            code
        } else {
            ""
        };
        let reply = format!(
            "{reply_code} {status} {} {marker}",
            text.replace("[IP]", "[192.0.2.1]").replace("...", " ")
        )
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
        let Some(fact) = parse_reply(&reply, Some(to), None) else {
            failures.push(format!("{reply} → not read as a reply"));
            continue;
        };
        let e = kb.explain(&fact);
        match want {
            Some(p) => {
                let by = e.provider.as_ref().map(|(id, _)| id.as_str());
                if by != Some(p) || !matches!(e.source, "provider" | "submission") {
                    failures.push(format!("{reply} → {by:?} {} {}", e.source, e.entry));
                }
            }
            None => {
                if matches!(e.source, "provider") {
                    failures.push(format!("{reply} → a provider's entry {}", e.entry));
                }
            }
        }
    }
    assert!(rows >= 95, "{rows} rows");
    assert!(
        failures.is_empty(),
        "{} of {rows} rows not covered:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    reply: String,
    to: String,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    our: Vec<String>,
    /// The remote MTA, as a log line or a DSN names it.
    #[serde(default)]
    host: Option<String>,
    actor: Actor,
    retry: bool,
    cause: Cause,
    basis: String,
    #[serde(default)]
    ja: Vec<String>,
    #[serde(default)]
    en: Vec<String>,
    #[serde(default)]
    not_ja: Vec<String>,
    #[serde(default)]
    not_en: Vec<String>,
}

#[derive(Deserialize)]
struct Golden {
    case: Vec<Case>,
}

fn verdict_for(c: &Case) -> Verdict {
    let mut fact = parse_reply(&c.reply, Some(&c.to), None)
        .unwrap_or_else(|| panic!("not a reply: {}", c.reply));
    fact.original_from.clone_from(&c.from);
    if c.host.is_some() {
        fact.remote_host.clone_from(&c.host);
    }
    let kb = KnowledgeBase::embedded().explain(&fact);
    decide(
        &fact,
        &kb,
        &[],
        &Sending {
            our_domains: c.our.clone(),
        },
    )
}

#[test]
fn the_golden_replies() {
    let golden: Golden =
        toml::from_str(include_str!("../../bounce/tests/golden/replies.toml")).unwrap();
    assert!(golden.case.len() >= 100, "{} cases", golden.case.len());
    let mut failures = Vec::new();
    for c in &golden.case {
        let v = verdict_for(c);
        let mut problems = Vec::new();
        let got_basis = if v.basis.kind == "generic" {
            "generic"
        } else {
            v.basis.entry.as_str()
        };
        if (v.actor, v.retry, v.cause, got_basis) != (c.actor, c.retry, c.cause, c.basis.as_str()) {
            problems.push(format!(
                "got {:?} retry {} {:?} {got_basis}, want {:?} retry {} {:?} {}",
                v.actor, v.retry, v.cause, c.actor, c.retry, c.cause, c.basis
            ));
        }
        let reply = &v.customer_reply;
        for p in &c.ja {
            if !reply.ja.contains(p.as_str()) {
                problems.push(format!("ja lacks 「{p}」"));
            }
        }
        for p in &c.en {
            if !reply.en.contains(p.as_str()) {
                problems.push(format!("en lacks \"{p}\""));
            }
        }
        for p in &c.not_ja {
            if reply.ja.contains(p.as_str()) {
                problems.push(format!("ja says 「{p}」"));
            }
        }
        for p in &c.not_en {
            if reply.en.contains(p.as_str()) {
                problems.push(format!("en says \"{p}\""));
            }
        }
        problems.extend(reply_problems(
            v.cause,
            v.actor,
            v.retry,
            v.retry_can_help,
            v.fate,
            &v.sending_domain,
            reply,
        ));
        problems.extend(check::contradictions(&v));
        // Every line of the Japanese answer is Japanese, and nothing of ours
        // sits inside the reply's markers.
        let mut fact = parse_reply(&c.reply, Some(&c.to), None).unwrap();
        fact.remote_host.clone_from(&c.host);
        let text = render(&fact, &v, &[], "ja");
        for line in text.lines() {
            let japanese = line
                .chars()
                .any(|ch| matches!(ch, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'));
            if !japanese {
                problems.push(format!("an English line in the Japanese answer: {line}"));
            }
        }
        for t in [
            &v.what_happened.ja,
            &v.action.ja,
            &v.who_acts.ja,
            &v.actor_name.ja,
        ] {
            problems.extend(helpdesk_problems(t));
        }
        if v.who_acts
            .ja
            .contains(&format!("{}。{}", v.actor_name.ja, v.actor_name.ja))
        {
            problems.push("names the actor twice".into());
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{}\n  - {}\n  ja: {}",
                c.reply,
                problems.join("\n  - "),
                reply.ja
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases:\n{}",
        failures.len(),
        golden.case.len(),
        failures.join("\n")
    );
}

proptest::proptest! {
    /// Whatever the reply says, the answer agrees with itself.
    #[test]
    fn any_reply_gives_a_reply_that_agrees_with_its_verdict(
        code in proptest::sample::select(vec![421u16, 450, 451, 452, 530, 550, 552, 553, 554]),
        detail in 0u16..1000,
        words in proptest::collection::vec(proptest::sample::select(vec![
            "spamhaus", "blocked", "user", "unknown", "mailbox", "full", "DMARC", "SPF",
            "authentication", "required", "rate", "limited", "reputation", "greylisted",
            "relay", "denied", "quota", "exceeded", "TLS", "policy", "(S775)", "[TSS04]",
            "from", "example.co.jp", "gmail.com", "try", "again", "later", "virus",
        ]), 0..12),
        to in proptest::sample::select(vec!["a@gmail.com", "a@outlook.com", "a@docomo.ne.jp", "a@example.jp", "a@yahoo.com"]),
        from in proptest::option::of(proptest::sample::select(vec!["k@shop.example", "k@yahoo.co.jp", "k@isp.example"])),
    ) {
        let class = code / 100;
        let reply = format!("{code} {class}.{}.{} {}", detail % 8, detail % 20, words.join(" "));
        if let Some(mut fact) = parse_reply(&reply, Some(to), None) {
            fact.original_from = from.map(str::to_owned);
            let kb = KnowledgeBase::embedded().explain(&fact);
            let v = decide(&fact, &kb, &[], &Sending { our_domains: vec!["isp.example".into()] });
            proptest::prop_assert_eq!(v.retry && cause::category(v.cause) != "submission", class == 4 && cause::category(v.cause) != "submission" && !cause::delivered(v.cause));
            let mut problems = reply_problems(v.cause, v.actor, v.retry, v.retry_can_help, v.fate, &v.sending_domain, &v.customer_reply);
            problems.extend(check::contradictions(&v));
            proptest::prop_assert!(problems.is_empty(), "{reply}: {problems:?}\n{}", v.customer_reply.ja);
        }
    }
}
