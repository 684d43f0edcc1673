//! Bounce → incident → verdict, from the outside: real dixd processes, real
//! DNS for keys and scope, the `dix` CLI, both databases where storage matters.

use std::process::Command;

use dix_tests::{Backend, DixNode, Issuer, TestDb, TestDns, binary_path, post};
use serde_json::{Value, json};

const MS_REPLY: &str =
    "451 4.7.500 Server busy. Please try again later from [203.0.113.7]. (AS761)";

async fn explain(node: &DixNode, body: Value) -> Value {
    let r = post(&node.at("/v1/explain"), serde_json::to_vec(&body).unwrap()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json
}

fn dix(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(binary_path("dix"))
        .args(args)
        .env_remove("DIX_NODES")
        .output()
        .expect("dix runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The receiver publishes a throttling incident; a sender's 4.7.500 bounce
/// matches it; the receiver acts and the customer need do nothing.
async fn the_microsoft_4_7_500_story(backend: Backend) {
    let dns = TestDns::start().await;
    let db = TestDb::new(backend).await;
    let receiver = Issuer::new("contoso.example", "s1");
    receiver.publish_key(&dns);
    let node = DixNode::start(&db, dns.addr(), &[]).await;
    let notice = receiver.notice(|n| {
        n["scope"] = json!({"recipient_domains": ["contoso.example"]});
        n["summary"] = json!({"ja": "受信用MXが過負荷のため配送を遅らせています。", "en": "Inbound MX overloaded; we are deferring mail."});
        n["advice"] = json!({"ja": "送信側での対応は不要です。", "en": "No action needed; your MTA will retry."});
    });
    assert_eq!(post(&node.at("/v1/notices"), notice).await.status, 201);

    // The index follows the store within moments.
    let mut answer = Value::Null;
    for _ in 0..50 {
        answer = explain(
            &node,
            json!({"text": MS_REPLY, "recipient": "someone@contoso.example"}),
        )
        .await;
        if !answer["facts"][0]["matches"].as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let item = &answer["facts"][0];
    let best = &item["matches"][0];
    assert_eq!(best["issuer"], "contoso.example", "{item}");
    assert!(best["score"].as_f64().unwrap() >= 0.8, "{best}");
    let reasons = best["reasons"].to_string();
    assert!(
        reasons.contains("recipient domain contoso.example in scope")
            && reasons.contains("status 4.7.500"),
        "{reasons}"
    );
    let verdict = &item["verdict"];
    assert_eq!(
        (
            verdict["actor"].as_str(),
            verdict["retry"].as_bool(),
            verdict["based_on"].as_str()
        ),
        (Some("receiver"), Some(true), Some("incident"))
    );
    // Japanese, checked for what it says, not only that it is there.
    let reply_ja = verdict["customer_reply"]["ja"].as_str().unwrap();
    assert!(
        reply_ja.contains("contoso.example")
            && reply_ja.contains("お客様側での操作は不要です")
            // A bare reply: what a sending server usually does, not a
            // promise about this message.
            && reply_ja.contains("再送を続け"),
        "{reply_ja}"
    );
    let what_ja = verdict["what_happened"]["ja"].as_str().unwrap();
    assert!(
        what_ja.contains("受信用MXが過負荷") && what_ja.contains("署名・範囲とも検証済み"),
        "{what_ja}"
    );
    assert!(
        verdict["who_acts"]["en"]
            .as_str()
            .unwrap()
            .contains("postmaster@contoso.example")
    );
    assert_eq!(item["knowledge"]["provider"][0], "microsoft");

    // The CLI asks the node and says the same, in Japanese.
    let (code, out, err) = dix(&[
        "explain",
        "--node",
        &node.url,
        "--reply",
        MS_REPLY,
        "--to",
        "someone@contoso.example",
        "--lang",
        "ja",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("何が起きたか")
            && out.contains("受信側（contoso.example）")
            && out.contains("お客様側での操作は不要です"),
        "{out}"
    );
    assert!(
        out.contains("1 個中 1 個のノードに問い合わせました"),
        "{out}"
    );
    // Every line of the Japanese answer is Japanese, the node's reasons too,
    // and nothing is said twice.
    for line in out.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            line.chars()
                .any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}')),
            "an English line in the Japanese answer: {line}\n{out}"
        );
    }
    assert!(
        out.contains("宛先ドメイン contoso.example が対象範囲"),
        "{out}"
    );
    assert_eq!(out.matches("送信側での対応は不要です").count(), 1, "{out}");

    // Outside the incident's window the match is not relied on.
    let old = explain(&node, json!({"text": MS_REPLY, "recipient": "someone@contoso.example", "at": "2020-01-01T00:00:00+09:00"})).await;
    assert_eq!(
        old["facts"][0]["verdict"]["based_on"], "knowledge",
        "{}",
        old["facts"][0]["matches"]
    );
    assert!(
        old["facts"][0]["matches"][0]["reasons"]
            .to_string()
            .contains("OUTSIDE")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn microsoft_story_sqlite() {
    the_microsoft_4_7_500_story(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn microsoft_story_postgres() {
    the_microsoft_4_7_500_story(Backend::Postgres).await;
}

/// A blocklist operator lists the sender's range; the IP in a reply finds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_is_found_through_the_ip_in_the_reply() {
    let dns = TestDns::start().await;
    let db = TestDb::new(Backend::Sqlite).await;
    let list = Issuer::new("bl.example.org", "k1");
    list.publish_key(&dns);
    let node = DixNode::start(&db, dns.addr(), &[]).await;
    let listing = list.notice(|n| {
        n["kind"] = json!("blocklist_listing");
        n["status"] = json!("monitoring");
        n["scope"] = json!({"sending_ips": ["203.0.113.0/24"]});
        n["symptoms"] = json!([{"reply": 554, "status": "5.7.1"}]);
        n["blocklist"] = json!({"name": "Example BL", "zone": "zen.bl.example.org", "removal": "https://bl.example.org/remove"});
        n["summary"] = json!({"en": "203.0.113.0/24 listed after spam-trap hits.", "ja": "スパムトラップへの送信により 203.0.113.0/24 を登録しています。"});
    });
    assert_eq!(post(&node.at("/v1/notices"), listing).await.status, 201);
    let reply =
        "554 5.7.1 Service unavailable; Client host [203.0.113.7] blocked using zen.bl.example.org";
    let mut item = Value::Null;
    for _ in 0..50 {
        item = explain(
            &node,
            json!({"text": reply, "recipient": "friend@elsewhere.example"}),
        )
        .await["facts"][0]
            .clone();
        if item["matches"].as_array().is_some_and(|m| !m.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(item["fact"]["sender_ip"], "203.0.113.7");
    let reasons = item["matches"][0]["reasons"].to_string();
    assert!(
        reasons.contains("sending IP 203.0.113.7 in 203.0.113.0/24")
            && reasons.contains("names the list (zen.bl.example.org)"),
        "{reasons}"
    );
    assert_eq!(item["verdict"]["actor"], "blocklist_operator");
    assert!(
        item["verdict"]["customer_reply"]["ja"]
            .as_str()
            .unwrap()
            .contains("ブロックリスト")
    );

    // /v1/match answers the same from facts alone...
    let r = post(&node.at("/v1/match"), serde_json::to_vec(&json!({"queries": [{"sender_ip": "203.0.113.99", "reply_code": 554, "status": "5.7.1", "text": "blocked using zen.bl.example.org"}]})).unwrap()).await;
    assert_eq!(
        r.json["results"][0]["matches"][0]["issuer"], "bl.example.org",
        "{}",
        r.text
    );
    // ...and a listing's range alone, with no word of the list, finds nothing:
    // a list speaks for bounces that name it, not for every bounce from a range.
    let r = post(&node.at("/v1/match"), serde_json::to_vec(&json!({"queries": [{"sender_ip": "203.0.113.99", "reply_code": 554, "status": "5.7.1"}]})).unwrap()).await;
    assert_eq!(r.json["results"][0]["matches"], json!([]), "{}", r.text);
    let bad = post(
        &node.at("/v1/match"),
        b"{\"queries\": [{\"colour\": 1}]}".to_vec(),
    )
    .await;
    assert_eq!((bad.status, bad.code()), (400, "invalid_request"));
    let none = post(
        &node.at("/v1/explain"),
        b"hello, is this a bounce?".to_vec(),
    )
    .await;
    assert_eq!((none.status, none.code()), (422, "no_bounce_found"));
}

/// With no incident the knowledge base answers, per provider, and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn knowledge_base_answers_without_incidents() {
    let dns = TestDns::start().await;
    let db = TestDb::new(Backend::Sqlite).await;
    let node = DixNode::start(&db, dns.addr(), &[]).await;
    let cases = [
        (MS_REPLY, "a@outlook.com", "microsoft", "receiver"),
        (
            "550 5.7.606 Access denied, banned sending IP [192.0.2.1]. To request removal from this list please visit https://sender.office.com",
            "a@hotmail.com",
            "microsoft",
            "sender_provider",
        ),
        (
            "421-4.7.28 Gmail has detected an unusual rate of unsolicited mail originating from your IP address.",
            "a@gmail.com",
            "google",
            "sender_provider",
        ),
        (
            "552-5.2.2 The recipient's inbox is out of storage space.",
            "a@gmail.com",
            "google",
            "recipient",
        ),
        (
            "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1",
            "a@yahoo.com",
            "yahoo",
            "sender_provider",
        ),
    ];
    for (reply, to, provider, actor) in cases {
        let answer = explain(&node, json!({"text": reply, "recipient": to})).await;
        let item = &answer["facts"][0];
        assert_eq!(item["knowledge"]["provider"][0], provider, "{reply}");
        assert_eq!(item["verdict"]["actor"], actor, "{reply}");
        assert_eq!(item["verdict"]["based_on"], "knowledge");
        // "Nobody published anything" only where an incident could have
        // told more: the receiver's side or an unclear one.
        let says_none = |lang: &str, words: &str| {
            item["verdict"]["what_happened"][lang]
                .as_str()
                .unwrap()
                .contains(words)
        };
        let could_help = matches!(actor, "receiver" | "unknown");
        assert_eq!(
            says_none("ja", "公開された障害情報はありません"),
            could_help,
            "{reply}"
        );
        assert_eq!(
            says_none("en", "No operator has published"),
            could_help,
            "{reply}"
        );
    }

    // The CLI with an unreachable node still answers, from the knowledge base, and says so.
    let (code, out, err) = dix(&[
        "explain",
        "--node",
        "http://127.0.0.1:9",
        "--reply",
        MS_REPLY,
        "--to",
        "a@outlook.com",
        "--lang",
        "en",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("What happened: The reply is from Microsoft 365 / Outlook.com.")
            && out.contains(
                "No node could be reached: answered from the built-in knowledge base only."
            ),
        "{out}"
    );
    assert!(err.contains("could not be asked"), "{err}");
    let (_, json_out, _) = dix(&[
        "explain",
        "--reply",
        MS_REPLY,
        "--to",
        "a@outlook.com",
        "--json",
    ]);
    let doc: Value = serde_json::from_str(&json_out).unwrap();
    assert_eq!(doc["knowledge_base_only"], true);
    // A tool can tell a specific answer from a guess.
    let verdict = &doc["facts"][0]["verdict"];
    assert_eq!(
        (
            &verdict["basis"]["kind"],
            &verdict["basis"]["entry"],
            &verdict["category"]
        ),
        (
            &json!("knowledge"),
            &json!("microsoft-4.7.500-699"),
            &json!("throttling")
        ),
        "{verdict}"
    );
    let guess = explain(
        &node,
        json!({"text": "550 5.7.1 Message refused", "recipient": "a@example.net"}),
    )
    .await;
    assert_eq!(
        guess["facts"][0]["verdict"]["basis"]["kind"], "generic",
        "{guess}"
    );
}

/// An authentication refusal is fixed by whoever owns the sending domain:
/// the customer's own domain is named and nothing is promised for it; a
/// domain the provider signs for is the provider's; a free-mail address sent
/// through the provider's server is explained as such. Through the node and
/// through the CLI.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authentication_refusals_name_who_owns_the_fix() {
    let dns = TestDns::start().await;
    let db = TestDb::new(Backend::Sqlite).await;
    let node = DixNode::start(&db, dns.addr(), &[]).await;
    let reply = "550-5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM.";
    let ask = |from: &str, ours: &[&str]| json!({"text": reply, "recipient": "friend@gmail.com", "from": from, "our_domains": ours});
    let own = explain(&node, ask("Ken <ken@shop.example>", &[])).await;
    let v = &own["facts"][0]["verdict"];
    assert_eq!(
        (v["actor"].as_str(), v["sending_domain"]["kind"].as_str()),
        (Some("sender"), Some("customer")),
        "{v}"
    );
    let ja = v["customer_reply"]["ja"].as_str().unwrap();
    assert!(
        ja.contains("shop.example") && !ja.contains("当社で対応"),
        "{ja}"
    );
    let ours = explain(&node, ask("ken@shop.example", &["shop.example"])).await;
    assert_eq!(ours["facts"][0]["verdict"]["actor"], "sender_provider");
    assert!(
        ours["facts"][0]["verdict"]["customer_reply"]["ja"]
            .as_str()
            .unwrap()
            .contains("当社で対応")
    );
    let free = explain(&node, ask("taro@yahoo.co.jp", &[])).await;
    let v = &free["facts"][0]["verdict"];
    assert_eq!(v["sending_domain"]["kind"], "free_mail", "{v}");
    assert!(
        v["customer_reply"]["en"]
            .as_str()
            .unwrap()
            .contains("yahoo.co.jp's own sending server"),
        "{v}"
    );

    let cli = |extra: &[&str]| {
        let mut args = vec![
            "explain",
            "--reply",
            reply,
            "--to",
            "friend@gmail.com",
            "--json",
        ];
        args.extend_from_slice(extra);
        let (code, out, err) = dix(&args);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<Value>(&out).unwrap()["facts"][0]["verdict"].clone()
    };
    // A node's operator names its own domains once, in the config.
    let own_db = TestDb::new(Backend::Sqlite).await;
    let config = own_db.dir.path().join("our-domains.toml");
    std::fs::write(&config, "our_domains = [\"shop.example\"]\n").unwrap();
    let operators =
        DixNode::start(&own_db, dns.addr(), &["--config", config.to_str().unwrap()]).await;
    let configured = explain(&operators, ask("ken@shop.example", &[])).await;
    assert_eq!(
        configured["facts"][0]["verdict"]["actor"], "sender_provider",
        "{configured}"
    );

    assert_eq!(cli(&["--from", "ken@shop.example"])["actor"], "sender");
    assert_eq!(
        cli(&["--from", "ken@shop.example", "--our-domain", "shop.example"])["actor"],
        "sender_provider"
    );
}
