//! The pages, from outside, against a real dixd with the demo incidents and
//! a hostile issuer's notice: over HTTP (status, security headers,
//! language, escaping, redirects, errors as pages) and in Debian's Chromium
//! through playwright-core (`tests/browser/check.mjs`: the helpdesk's flow,
//! Japanese, an upload, an incident and its issuer, the hostile text, phone
//! width, axe-core on every page). Screenshots of every page visited are
//! kept in `target/browser-artifacts/`.

use std::path::PathBuf;

use dix_tests::{Backend, DixNode, Issuer, TestDb, TestDns, get, post, send};
use serde_json::json;

const HOSTILE: &str = "<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\">";

struct World {
    _dns: TestDns,
    _db: TestDb,
    node: DixNode,
    hostile_incident: String,
}

async fn world() -> World {
    let dns = TestDns::start().await;
    let db = TestDb::new(Backend::Sqlite).await;
    let evil = Issuer::new("evil.example", "s1");
    evil.publish_key(&dns);
    let node = DixNode::start(&db, dns.addr(), &["--demo"]).await;
    let notice = evil.notice(|n| {
        n["summary"] = json!({"ja": format!("障害{HOSTILE}"), "en": format!("Outage {HOSTILE}")});
        n["advice"] = json!({"ja": format!("助言{HOSTILE}"), "en": format!("Advice {HOSTILE}")});
        n["contact"] = json!("x'onmouseover='window.__pwned=3'@evil.example");
        n["links"] = json!(["https://evil.example/?q='onfocus='window.__pwned=4'&r=1"]);
    });
    let incident = serde_json::from_slice::<serde_json::Value>(&notice).unwrap()["incident"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = post(&node.at("/v1/notices"), notice.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    // The same revision number again, saying something else: equivocation,
    // shown side by side on the issuer's page.
    let mut twin: serde_json::Value = serde_json::from_slice(&notice).unwrap();
    twin["summary"] = json!({"en": format!("Nothing happened {HOSTILE}")});
    let r = post(&node.at("/v1/notices"), evil.sign(&twin)).await;
    assert_eq!(r.code(), "equivocation", "{}", r.text);
    World {
        _dns: dns,
        _db: db,
        node,
        hostile_incident: format!("/incidents/evil.example/{incident}"),
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn multipart(fields: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "dixboundary7e1c";
    let mut body = Vec::new();
    for (name, file, value) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: message/rfc822\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

const EML: &str = "From: MAILER-DAEMON@mx.example.jp\r\nTo: sender@example.jp\r\nSubject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n\
<friend@gmail.com>: host gmail-smtp-in.l.google.com[192.0.2.1] said: 552-5.2.2 The recipient's inbox is out of storage space. (in reply to RCPT TO command)\r\n\
--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.jp\r\n\r\nFinal-Recipient: rfc822; friend@gmail.com\r\nAction: failed\r\nStatus: 5.2.2\r\n\
Remote-MTA: dns; gmail-smtp-in.l.google.com\r\nDiagnostic-Code: smtp; 552-5.2.2 The recipient's inbox is out of storage space.\r\n--B--\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_over_http() {
    let w = world().await;
    let c = client();
    // The history numbers revisions for people (1, 2, …); the seq, the
    // publisher's clock, is only in the cell's title.
    let listed = get(&w.node.at("/v1/incidents?issuer=contoso.example")).await;
    let first = &listed.json["incidents"][0]["notice"];
    let seq = first["seq"].as_u64().expect("a demo incident");
    let history = get(&w.node.at(&format!(
        "/incidents/contoso.example/{}?lang=ja",
        first["incident"].as_str().unwrap()
    )))
    .await;
    assert!(
        history
            .text
            .contains(&format!("<td title=\"seq {seq}\">1</td>"))
            && !history.text.contains(&format!(">{seq}</td>")),
        "{}",
        history.text
    );
    // Every response carries the policy; pages speak the chosen language.
    let home = send(c.get(w.node.at("/"))).await;
    assert_eq!(home.status, 200);
    let csp = home.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'")
            && csp.contains("frame-ancestors 'none'")
            && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(home.headers["x-content-type-options"], "nosniff");
    assert!(home.text.contains("<html lang=\"en\""));
    let api = get(&w.node.at("/v1/incidents")).await;
    assert_eq!(api.headers["x-content-type-options"], "nosniff");
    let ja = send(
        c.get(w.node.at("/"))
            .header("accept-language", "ja-JP,ja;q=0.9,en;q=0.5"),
    )
    .await;
    assert!(
        ja.text.contains("<html lang=\"ja\"")
            && ja.text.contains("このメールはなぜ届かなかったのか")
    );
    let en = send(
        c.get(w.node.at("/?lang=en"))
            .header("accept-language", "ja"),
    )
    .await;
    assert!(en.text.contains("<html lang=\"en\""));
    // No external asset: every script, style and image is the node's own.
    for attr in ["src=\"http", "href=\"http", "src=\"//", "href=\"//"] {
        assert!(
            !home.text.contains(attr),
            "an external asset ({attr}) on the home page"
        );
    }
    assert_eq!(send(c.get(w.node.at("/static/dix.css"))).await.status, 200);
    assert_eq!(send(c.get(w.node.at("/static/dix.js"))).await.status, 200);

    // The helpdesk's flow: a pasted 4.7.500 gets the verdict and the demo incident.
    let (kind, body) = multipart(&[
        ("lang", None, b"ja"),
        (
            "bounce",
            None,
            b"451 4.7.500 Server busy. Please try again later from [203.0.113.7]. (AS761)",
        ),
        ("recipient", None, b"someone@contoso.example"),
        ("eml", Some(""), b""),
    ]);
    let answer = send(
        c.post(w.node.at("/explain"))
            .header("content-type", kind)
            .body(body),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert!(
        answer.text.contains("受信側（contoso.example）")
            && answer.text.contains("/incidents/contoso.example/"),
        "{}",
        answer.text
    );
    assert!(
        answer.text.contains("お客様への返信文") && answer.text.contains("textarea"),
        "{}",
        answer.text
    );
    assert_eq!(
        answer.text.matches("送信側での対応は不要です").count(),
        1,
        "said twice: {}",
        answer.text
    );
    // An upload.
    let (kind, body) = multipart(&[
        ("lang", None, b"en"),
        ("bounce", None, b""),
        ("eml", Some("bounce.eml"), EML.as_bytes()),
    ]);
    let upload = send(
        c.post(w.node.at("/explain"))
            .header("content-type", kind)
            .body(body),
    )
    .await;
    assert!(
        upload.status == 200
            && upload.text.contains("friend@gmail.com")
            && upload.text.contains("mailbox full"),
        "{}",
        upload.text
    );
    // Errors are pages, in the chosen language, saying what to do.
    let (kind, body) = multipart(&[("lang", None, b"ja"), ("bounce", None, b"  ")]);
    let empty = send(
        c.post(w.node.at("/explain"))
            .header("content-type", kind)
            .body(body),
    )
    .await;
    assert!(
        empty.status == 400 && empty.text.contains("貼り付けるか"),
        "{}",
        empty.text
    );
    let (kind, body) = multipart(&[
        ("lang", None, b"en"),
        ("eml", Some("x.eml"), b"\x00\x01\x02binary"),
    ]);
    let binary = send(
        c.post(w.node.at("/explain"))
            .header("content-type", kind)
            .body(body),
    )
    .await;
    assert!(
        binary.status == 422 && binary.text.contains("could not be read"),
        "{}",
        binary.text
    );
    let huge = vec![b'a'; 400 * 1024];
    let (kind, body) = multipart(&[("lang", None, b"en"), ("eml", Some("big.eml"), &huge)]);
    let too_large = send(
        c.post(w.node.at("/explain"))
            .header("content-type", kind)
            .body(body),
    )
    .await;
    assert!(
        too_large.status == 413
            && too_large.text.contains("too large")
            && too_large.text.contains("<html"),
        "{}: {}",
        too_large.status,
        too_large.text
    );
    let not_bounce = send(c.get(w.node.at("/explain?bounce=hello%20there&lang=en"))).await;
    // Says what can be read, with an example, and keeps what was pasted.
    assert!(
        not_bounce.status == 422
            && not_bounce
                .text
                .contains("No bounce, SMTP reply or log line was found")
            && not_bounce.text.contains("Example:")
            && not_bounce.text.contains(">hello there</textarea>"),
        "{}",
        not_bounce.text
    );
    let missing = send(c.get(w.node.at("/nothing/here?lang=ja"))).await;
    assert!(
        missing.status == 404 && missing.text.contains("見つかりませんでした"),
        "{}",
        missing.text
    );
    let api_missing = get(&w.node.at("/v1/nothing")).await;
    assert_eq!((api_missing.status, api_missing.code()), (404, "not_found"));

    // Incidents: the list with its timeline, filters, a redirect by id, the issuer.
    let list = send(c.get(w.node.at("/incidents?lang=en"))).await;
    assert!(
        list.status == 200 && list.text.contains("<svg") && list.text.contains("contoso.example"),
        "{}",
        list.text
    );
    let filtered = send(c.get(w.node.at("/incidents?kind=blocklist_listing&lang=en"))).await;
    assert!(
        filtered.text.contains("blocklist.example")
            && !filtered.text.contains("/incidents/contoso.example/"),
        "{}",
        filtered.text
    );
    let bad = send(c.get(w.node.at("/incidents?kind=spam"))).await;
    assert_eq!(bad.status, 400);
    let id = "0193f1c2-7a7e-7c1a-9d0e-3b1f5a2c9e10";
    let moved = send(c.get(w.node.at(&format!("/incidents/{id}?lang=ja")))).await;
    assert_eq!(moved.status, 303);
    assert_eq!(
        moved.headers["location"],
        format!("/incidents/contoso.example/{id}?lang=ja")
    );
    let incident = send(c.get(w.node.at(&format!("/incidents/contoso.example/{id}")))).await;
    assert!(
        incident.status == 200
            && incident.text.contains("Revisions")
            && incident.text.contains("verified"),
        "{}",
        incident.text
    );
    let issuer = send(c.get(w.node.at("/issuers/contoso.example"))).await;
    assert!(
        issuer.status == 200 && issuer.text.contains("pinned"),
        "{}",
        issuer.text
    );
    let twins = send(c.get(w.node.at("/issuers/evil.example?lang=en"))).await;
    assert!(
        twins.text.contains("Conflicting notices") && twins.text.matches("<pre").count() == 2,
        "{}",
        twins.text
    );

    // Hostile text is text, everywhere it is shown.
    let hostile_answer =
        "/explain?bounce=451%204.7.500%20Server%20busy&recipient=a%40evil.example&lang=en";
    for path in [
        w.hostile_incident.as_str(),
        hostile_answer,
        "/incidents?lang=en",
        "/issuers/evil.example",
    ] {
        let page = send(c.get(w.node.at(path))).await;
        assert_eq!(page.status, 200, "{path}: {}", page.text);
        assert!(
            !page.text.contains("<script>window") && !page.text.contains("<img src=x"),
            "{path}: markup passed through"
        );
        // Quotes from a notice stay inside the text or the one
        // double-quoted attribute they were written into: no handler
        // attribute appears in the markup.
        let tags = page
            .text
            .split('<')
            .skip(1)
            .filter_map(|t| t.split_once('>'));
        for (tag, _) in tags {
            for handler in [" onmouseover=", " onfocus=", " onerror="] {
                assert!(
                    !tag.contains(handler),
                    "{path}: {handler} became an attribute in <{tag}>"
                );
            }
        }
    }
    // dixd's log, written to a file here, has no colour codes.
    let log = w.node.logs();
    assert!(log.contains("INFO") && !log.contains('\u{1b}'), "{log}");
    let page = send(c.get(w.node.at(&w.hostile_incident))).await;
    assert!(
        page.text
            .contains("&lt;script&gt;window.__pwned=1&lt;/script&gt;"),
        "{}",
        page.text
    );
    // The link's single quotes stay inside its one double-quoted href, its
    // & escaped; the contact is text.
    assert!(
        page.text
            .contains("href=\"https://evil.example/?q='onfocus='window.__pwned=4'&amp;r=1\""),
        "{}",
        page.text
    );
    assert!(
        page.text
            .contains("<dd>x'onmouseover='window.__pwned=3'@evil.example</dd>"),
        "{}",
        page.text
    );
}

/// Debian's Chromium, driven by playwright-core: `tests/browser/check.mjs`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_in_a_real_browser() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let browser = root.join("tests/browser");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let ready = std::path::Path::new(&chromium).exists()
        && browser.join("node_modules/playwright-core").exists()
        && browser.join("node_modules/axe-core").exists();
    if !ready {
        assert!(
            std::env::var("CI").is_err(),
            "the browser tests need {chromium} and `npm ci` in tests/browser (scripts/test.sh installs both)"
        );
        eprintln!("skipped: no Chromium or no tests/browser/node_modules (run scripts/test.sh)");
        return;
    }
    let w = world().await;
    let out = root.join("target/browser-artifacts");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let eml = out.join("bounce.eml");
    std::fs::write(&eml, EML).unwrap();
    let scenario = out.join("scenario.json");
    std::fs::write(
        &scenario,
        json!({
            "eml": eml,
            "eml_recipient": "friend@gmail.com",
            "hostile_incident": w.hostile_incident,
            "hostile_answer": "/explain?bounce=451%204.7.500%20Server%20busy&recipient=a%40evil.example",
            "hostile_issuer": "/issuers/evil.example",
        })
        .to_string(),
    )
    .unwrap();
    let run = tokio::process::Command::new("node")
        .arg(browser.join("check.mjs"))
        .arg(&w.node.url)
        .arg(&out)
        .arg(&scenario)
        .env("CHROMIUM", &chromium)
        .output();
    let output = tokio::time::timeout(std::time::Duration::from_secs(300), run)
        .await
        .expect("the browser checks finish within 5 minutes")
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "browser checks failed (screenshots in {}):\n{stdout}\n{stderr}",
        out.display()
    );
    assert!(stdout.matches("\"ok\":true").count() >= 8, "{stdout}");
    let shots = std::fs::read_dir(&out)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "png")
        })
        .count();
    assert!(shots >= 15, "{shots} screenshots kept");
}
