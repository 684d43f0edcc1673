//! The test vectors under `schema/vectors/`: files another implementation can
//! check itself against.
//!
//! `vectors_are_current` rebuilds every vector from the recipes below (Ed25519
//! is deterministic, so the bytes are too) and fails if a committed file
//! differs; `DIX_BLESS=1` rewrites them. `vectors_give_their_expected_results`
//! reads only the committed files and checks each outcome, including the exact
//! error code, field and message.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dix_schema::json::parse_strict;
use dix_schema::{ErrorCode, KeyRecord, PublicKey, SIGNING_CONTEXT, SecretKey, UnverifiedNotice};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};

/// RFC 8032 §7.1 TEST 1 and TEST 2 secret keys: public test keys, never secrets.
const SEED_A: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const SEED_B: &str = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";

fn seed(hex: &str) -> [u8; 32] {
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    bytes.try_into().unwrap()
}

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors")
}

/// Signs any JSON object, valid or not, exactly as `dix_schema::sign` would
/// (context prefix, canonical bytes without `sig`): the invalid vectors must
/// carry real signatures so that only the broken rule can be the reason.
fn raw_sign(mut unsigned: Value, seed_hex: &str) -> Value {
    unsigned.as_object_mut().unwrap().remove("sig");
    let key = SigningKey::from_bytes(&seed(seed_hex));
    let message = [
        SIGNING_CONTEXT,
        &serde_json_canonicalizer::to_vec(&unsigned).unwrap(),
    ]
    .concat();
    let sig = base64_url(&key.sign(&message).to_bytes());
    unsigned
        .as_object_mut()
        .unwrap()
        .insert("sig".into(), json!(sig));
    unsigned
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn canonical(v: &Value) -> Vec<u8> {
    serde_json_canonicalizer::to_vec(v).unwrap()
}

fn throttling() -> Value {
    json!({
        "v": 1, "issuer": "example-isp.jp", "key": "s2026", "seq": 1042,
        "incident": "0193f1c2-7a7e-7c1a-9d0e-3b1f5a2c9e10",
        "kind": "throttling", "status": "identified",
        "started_at": "2026-11-23T01:00:00Z", "ended_at": null, "published_at": "2026-11-23T01:20:00Z",
        "scope": {
            "recipient_domains": ["example-isp.jp", "*.example-isp.jp"],
            "mx_hosts": ["mx*.example-isp.jp"], "sending_ips": [], "receiving_ips": ["203.0.113.0/24"]
        },
        "symptoms": [{"reply": 451, "status": "4.7.500", "text": "Server busy*"}],
        "summary": {
            "ja": "受信用MXサーバが過負荷のため、メールの受信を一時的に遅らせています。",
            "en": "Inbound MX overloaded; we are deferring mail."
        },
        "advice": {
            "ja": "送信側での対応は不要です。送信サーバが自動的に再送します。",
            "en": "No action needed; your MTA will retry."
        },
        "contact": "postmaster@example-isp.jp"
    })
}

fn blocklist() -> Value {
    json!({
        "v": 1, "issuer": "example.org", "key": "bl1", "seq": 7,
        "incident": "0193f1c2-7a7e-7c1a-9d0e-3b1f5a2c9e11",
        "kind": "blocklist_listing", "status": "monitoring",
        "started_at": "2026-11-20T09:00:00Z", "published_at": "2026-11-20T09:05:00Z",
        "scope": {"sending_ips": ["198.51.100.0/24", "2001:db8:10::/48"]},
        "symptoms": [{"reply": 554, "status": "5.7.1", "text": "*listed at bl.example.org*"}],
        "blocklist": {"name": "Example DNSBL", "zone": "bl.example.org", "removal": "https://example.org/remove"},
        "summary": {"en": "198.51.100.0/24 is listed for sending to spam traps."},
        "contact": "https://example.org/contact"
    })
}

fn quarantine() -> Value {
    json!({
        "v": 1, "issuer": "mail.example.net", "key": "2026.q4", "seq": 3,
        "incident": "0193f1c2-7a7e-7c1a-9d0e-3b1f5a2c9e12",
        "kind": "quarantine_policy", "status": "identified",
        "started_at": "2026-11-01T00:00:00Z", "published_at": "2026-11-01T00:00:00Z",
        "scope": {"recipient_domains": ["mail.example.net"]},
        "symptoms": [{"reply": 250}],
        "quarantine": {
            "what": {"ja": "DMARC認証に失敗したメール", "en": "Mail failing DMARC"},
            "criteria": {"en": "DMARC fail where the sender's policy is p=quarantine"},
            "recipient_sees": {"ja": "迷惑メールフォルダに振り分けられます。", "en": "It lands in the junk folder."}
        },
        "summary": {"ja": "DMARC に失敗したメールを隔離します。", "en": "We now quarantine mail that fails DMARC."},
        "contact": "postmaster@mail.example.net",
        "links": ["https://mail.example.net/postmaster"]
    })
}

fn resolved_outage() -> Value {
    json!({
        "v": 1, "issuer": "example-isp.jp", "key": "s2026", "seq": 1043,
        "incident": "0193f1c2-7a7e-7c1a-9d0e-3b1f5a2c9e13",
        "kind": "outage", "status": "resolved",
        "started_at": "2026-11-22T22:00:00Z", "ended_at": "2026-11-22T23:30:00Z",
        "published_at": "2026-11-22T23:40:00Z",
        "scope": {"mx_hosts": ["mx*.example-isp.jp"]},
        "symptoms": [{"reply": 421, "status": "4.3.2"}, {"text": "*connection refused*"}],
        "summary": {"ja": "受信サーバの障害は復旧しました。", "en": "The inbound outage is over."},
        "contact": "postmaster@example-isp.jp"
    })
}

/// One vector: its file's bytes, the key to verify with, and what must happen.
struct Vector {
    name: &'static str,
    description: &'static str,
    bytes: Vec<u8>,
    key: &'static str,
    expect: Option<(ErrorCode, &'static str, String)>,
}

fn with(mut base: Value, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    edit(base.as_object_mut().unwrap());
    base
}

fn signed(v: Value) -> Vec<u8> {
    canonical(&raw_sign(v, SEED_A))
}

fn recipes() -> Vec<Vector> {
    let ok = |name, description, v: Value, seed_hex| Vector {
        name,
        description,
        bytes: canonical(&raw_sign(v, seed_hex)),
        key: "a",
        expect: None,
    };
    let bad = |name, description, bytes, key, code, field, message: &str| Vector {
        name,
        description,
        bytes,
        key,
        expect: Some((code, field, message.to_owned())),
    };

    let good = signed(throttling());
    let good_text = String::from_utf8(good.clone()).unwrap();

    vec![
        ok(
            "valid-throttling",
            "Receiver-side throttling, Japanese and English texts",
            throttling(),
            SEED_A,
        ),
        ok(
            "valid-blocklist",
            "A blocklist operator's listing of sending ranges",
            blocklist(),
            SEED_A,
        ),
        ok(
            "valid-quarantine",
            "A quarantine policy; senders see 250",
            quarantine(),
            SEED_A,
        ),
        ok(
            "valid-resolved-outage",
            "A resolved outage with ended_at",
            resolved_outage(),
            SEED_A,
        ),
        bad(
            "bad-signature",
            "sig is a valid signature of a different notice",
            {
                let other = raw_sign(blocklist(), SEED_A);
                let mut v: Value = serde_json::from_slice(&good).unwrap();
                v["sig"] = other["sig"].clone();
                canonical(&v)
            },
            "a",
            ErrorCode::SignatureMismatch,
            "sig",
            "the signature does not match the key at s2026._dix.example-isp.jp: the notice was changed after it was signed, or signed with another key",
        ),
        bad(
            "tampered-field",
            "One character of the English summary changed after signing",
            good_text.replace("overloaded", "overloadee").into_bytes(),
            "a",
            ErrorCode::SignatureMismatch,
            "sig",
            "the signature does not match the key at s2026._dix.example-isp.jp: the notice was changed after it was signed, or signed with another key",
        ),
        bad(
            "tampered-seq",
            "seq raised after signing (a forged newer revision)",
            good_text
                .replace("\"seq\":1042", "\"seq\":1043")
                .into_bytes(),
            "a",
            ErrorCode::SignatureMismatch,
            "sig",
            "the signature does not match the key at s2026._dix.example-isp.jp: the notice was changed after it was signed, or signed with another key",
        ),
        bad(
            "wrong-key",
            "A correct signature, checked against another issuer's key",
            good.clone(),
            "b",
            ErrorCode::SignatureMismatch,
            "sig",
            "the signature does not match the key at s2026._dix.example-isp.jp: the notice was changed after it was signed, or signed with another key",
        ),
        bad(
            "malformed-signature",
            "sig is not 64 bytes of base64url",
            good_text
                .replace(
                    raw_sign(throttling(), SEED_A)["sig"].as_str().unwrap(),
                    "AAAA",
                )
                .into_bytes(),
            "a",
            ErrorCode::MalformedSignature,
            "sig",
            "sig must decode to the 64 bytes of an Ed25519 signature",
        ),
        bad(
            "unsigned",
            "No sig member",
            canonical(&throttling()),
            "a",
            ErrorCode::MissingField,
            "sig",
            "the notice is not signed (no sig member)",
        ),
        bad(
            "non-canonical-whitespace",
            "A correctly signed notice, pretty-printed",
            serde_json::to_vec_pretty(&raw_sign(throttling(), SEED_A)).unwrap(),
            "a",
            ErrorCode::NonCanonical,
            "",
            "the notice is not in RFC 8785 canonical form (first difference at byte 1); send exactly the bytes `dix notice sign` printed",
        ),
        bad(
            "non-canonical-escape",
            "A correctly signed notice with a needlessly escaped character",
            good_text
                .replacen("example-isp.jp", "example\\u002disp.jp", 1)
                .into_bytes(),
            "a",
            ErrorCode::NonCanonical,
            "",
            "the notice is not in RFC 8785 canonical form (first difference at byte 182); send exactly the bytes `dix notice sign` printed",
        ),
        bad(
            "duplicate-key",
            "status appears twice; readers would disagree on which counts",
            good_text
                .replacen(
                    "\"status\":\"identified\"",
                    "\"status\":\"identified\",\"status\":\"resolved\"",
                    1,
                )
                .into_bytes(),
            "a",
            ErrorCode::DuplicateKey,
            "status",
            "the key `status` appears more than once in this object",
        ),
        bad(
            "unknown-kind",
            "kind is not one of the five",
            signed(with(throttling(), |o| {
                o.insert("kind".into(), json!("spam_wave"));
            })),
            "a",
            ErrorCode::InvalidValue,
            "kind",
            "unknown variant `spam_wave`, expected one of `blocklist_listing`, `throttling`, `quarantine_policy`, `policy_change`, `outage`",
        ),
        bad(
            "unknown-field",
            "A field the format does not define",
            signed(with(throttling(), |o| {
                o.insert("severity".into(), json!("high"));
            })),
            "a",
            ErrorCode::UnknownField,
            "severity",
            "unknown field `severity`, expected one of `v`, `issuer`, `key`, `seq`, `incident`, `kind`, `status`, `started_at`, `ended_at`, `published_at`, `scope`, `symptoms`, `blocklist`, `quarantine`, `summary`, `advice`, `contact`, `links`",
        ),
        bad(
            "unknown-nested-field",
            "An undefined field inside scope",
            signed(with(throttling(), |o| {
                o["scope"]["asns"] = json!([64500]);
            })),
            "a",
            ErrorCode::UnknownField,
            "scope.asns",
            "unknown field `asns`, expected one of `recipient_domains`, `mx_hosts`, `sending_ips`, `receiving_ips`",
        ),
        bad(
            "missing-field",
            "No contact",
            signed(with(throttling(), |o| {
                o.remove("contact");
            })),
            "a",
            ErrorCode::MissingField,
            "contact",
            "the required field `contact` is absent",
        ),
        bad(
            "unsupported-version",
            "v is 2",
            signed(with(throttling(), |o| {
                o.insert("v".into(), json!(2));
            })),
            "a",
            ErrorCode::UnsupportedVersion,
            "v",
            "version 2 is not supported; this reader understands v=1",
        ),
        bad(
            "bad-date-format",
            "A space instead of T, and no zone",
            signed(with(throttling(), |o| {
                o.insert("started_at".into(), json!("2026-11-23 01:00:00"));
            })),
            "a",
            ErrorCode::InvalidValue,
            "started_at",
            "`2026-11-23 01:00:00` is not an RFC 3339 UTC timestamp in whole seconds, such as 2026-11-23T01:20:00Z",
        ),
        bad(
            "bad-date-offset",
            "A local offset instead of Z",
            signed(with(throttling(), |o| {
                o.insert("published_at".into(), json!("2026-11-23T10:20:00+09:00"));
            })),
            "a",
            ErrorCode::InvalidValue,
            "published_at",
            "`2026-11-23T10:20:00+09:00` is not an RFC 3339 UTC timestamp in whole seconds, such as 2026-11-23T01:20:00Z",
        ),
        bad(
            "bad-date-impossible",
            "February 30th",
            signed(with(throttling(), |o| {
                o.insert("started_at".into(), json!("2026-02-30T00:00:00Z"));
            })),
            "a",
            ErrorCode::InvalidValue,
            "started_at",
            "`2026-02-30T00:00:00Z` is not an RFC 3339 UTC timestamp in whole seconds, such as 2026-11-23T01:20:00Z",
        ),
        bad(
            "ended-before-started",
            "ended_at earlier than started_at",
            signed(with(throttling(), |o| {
                o.insert("ended_at".into(), json!("2026-11-22T00:00:00Z"));
            })),
            "a",
            ErrorCode::InconsistentFields,
            "ended_at",
            "ended_at (2026-11-22T00:00:00Z) is before started_at (2026-11-23T01:00:00Z)",
        ),
        bad(
            "starts-far-ahead",
            "started_at more than 31 days after published_at",
            signed(with(throttling(), |o| {
                o.insert("started_at".into(), json!("2099-01-01T00:00:00Z"));
            })),
            "a",
            ErrorCode::InconsistentFields,
            "started_at",
            "started_at (2099-01-01T00:00:00Z) is more than 31 days after published_at (2026-11-23T01:20:00Z); announce planned work at most 31 days ahead",
        ),
        bad(
            "resolved-without-end",
            "status resolved but no ended_at",
            signed(with(throttling(), |o| {
                o.insert("status".into(), json!("resolved"));
            })),
            "a",
            ErrorCode::InconsistentFields,
            "ended_at",
            "a resolved incident must say when it ended (ended_at)",
        ),
        bad(
            "reply-status-class-mismatch",
            "A 5xx reply with a 4.x.x status",
            signed(with(throttling(), |o| {
                o["symptoms"][0]["reply"] = json!(550);
            })),
            "a",
            ErrorCode::InconsistentFields,
            "symptoms[0].status",
            "status 4.7.500 is class 4 but reply 550 is class 5: a reply and its enhanced status share the first digit",
        ),
        bad(
            "bad-enhanced-status",
            "A status with a leading zero",
            signed(with(throttling(), |o| {
                o["symptoms"][0]["status"] = json!("4.07.500");
            })),
            "a",
            ErrorCode::InvalidValue,
            "symptoms[0].status",
            "`4.07.500` is not an enhanced status code such as 4.7.500 (RFC 3463: class.subject.detail)",
        ),
        bad(
            "float-number",
            "seq with a fraction",
            {
                let mut text = good_text.clone();
                text = text.replace("\"seq\":1042", "\"seq\":1042.5");
                text.into_bytes()
            },
            "a",
            ErrorCode::NonIntegerNumber,
            "seq",
            "numbers must be integers between -9007199254740991 and 9007199254740991 (no fractions or exponents)",
        ),
        bad(
            "cidr-host-bits",
            "A receiving range with host bits set",
            signed(with(throttling(), |o| {
                o["scope"]["receiving_ips"] = json!(["203.0.113.7/24"]);
            })),
            "a",
            ErrorCode::InvalidValue,
            "scope.receiving_ips[0]",
            "`203.0.113.7/24` has host bits set; the range is written 203.0.113.0/24",
        ),
        bad(
            "uppercase-issuer",
            "The issuer is not in canonical lowercase form",
            signed(with(throttling(), |o| {
                o.insert("issuer".into(), json!("Example-ISP.jp"));
            })),
            "a",
            ErrorCode::InvalidValue,
            "issuer",
            "`Example-ISP.jp` has uppercase letters; domain names must be lowercase",
        ),
        bad(
            "empty-scope",
            "A notice about nothing",
            signed(with(throttling(), |o| {
                o.insert("scope".into(), json!({}));
            })),
            "a",
            ErrorCode::InvalidValue,
            "scope",
            "must name at least one recipient domain, MX host, sending IP range or receiving IP range",
        ),
        bad(
            "listing-without-list",
            "blocklist_listing without its blocklist block",
            signed(with(blocklist(), |o| {
                o.remove("blocklist");
            })),
            "a",
            ErrorCode::InvalidValue,
            "blocklist",
            "a blocklist_listing notice must name the list (blocklist.name, blocklist.zone)",
        ),
        {
            let mut v = throttling();
            v["summary"]["en"] = json!("x".repeat(70_000));
            let bytes = canonical(&v);
            let message = format!(
                "the notice is {} bytes; at most 65536 are accepted",
                bytes.len()
            );
            bad(
                "too-large",
                "More than 64 KiB",
                bytes,
                "a",
                ErrorCode::TooLarge,
                "",
                &message,
            )
        },
    ]
}

fn public(key: &str) -> PublicKey {
    SecretKey::from_seed(&seed(if key == "a" { SEED_A } else { SEED_B })).public_key()
}

fn manifest(vectors: &[Vector]) -> String {
    let keys = json!({
        "a": {"seed_hex": SEED_A, "record": KeyRecord::active(public("a")).render()},
        "b": {"seed_hex": SEED_B, "record": KeyRecord::active(public("b")).render()},
    });
    let entries: Vec<Value> = vectors
        .iter()
        .map(|v| {
            let expect = match &v.expect {
                None => json!("valid"),
                Some((code, field, message)) => json!({"code": code.as_str(), "field": field, "message": message}),
            };
            json!({"file": format!("{}.json", v.name), "description": v.description, "key": v.key, "expect": expect})
        })
        .collect();
    let doc = json!({
        "about": "dix notice test vectors. Verify each file's exact bytes with the named key; `expect` is \"valid\" or the error (code, field, message) a conforming reader returns. Keys are RFC 8032 test keys.",
        "keys": keys,
        "vectors": entries,
    });
    serde_json::to_string_pretty(&doc).unwrap() + "\n"
}

#[test]
fn vectors_are_current() {
    let vectors = recipes();
    let mut files: BTreeMap<String, Vec<u8>> = vectors
        .iter()
        .map(|v| (format!("{}.json", v.name), v.bytes.clone()))
        .collect();
    files.insert("manifest.json".into(), manifest(&vectors).into_bytes());
    let dir = vectors_dir();
    if std::env::var_os("DIX_BLESS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            std::fs::remove_file(entry.unwrap().path()).unwrap();
        }
        for (name, bytes) in &files {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
    for (name, bytes) in &files {
        let committed = std::fs::read(dir.join(name)).unwrap_or_default();
        assert!(
            &committed == bytes,
            "schema/vectors/{name} is stale or missing; run DIX_BLESS=1 cargo test -p dix-schema --test vectors"
        );
    }
    let on_disk = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(
        on_disk,
        files.len(),
        "schema/vectors holds files no recipe makes"
    );
}

#[test]
fn vectors_give_their_expected_results() {
    let dir = vectors_dir();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let mut checked = 0;
    for entry in manifest["vectors"].as_array().unwrap() {
        let file = entry["file"].as_str().unwrap();
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let key_name = entry["key"].as_str().unwrap();
        let record =
            KeyRecord::parse(manifest["keys"][key_name]["record"].as_str().unwrap()).unwrap();
        let key = record.require_active().unwrap();
        let outcome = UnverifiedNotice::parse(&bytes).and_then(|n| n.verify(&key));
        match (&entry["expect"], outcome) {
            (Value::String(s), Ok(notice)) if s == "valid" => {
                assert_eq!(notice.as_bytes(), &bytes[..], "{file}: bytes kept exactly")
            }
            (Value::Object(e), Err(err)) => {
                assert_eq!(err.code.as_str(), e["code"], "{file}: {err}");
                assert_eq!(err.field, e["field"], "{file}: {err}");
                assert_eq!(err.message, e["message"], "{file}: {err}");
            }
            (expected, got) => panic!("{file}: expected {expected}, got {got:?}"),
        }
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} vectors");
}

/// Every valid vector's bytes re-sign to themselves: the signer and the
/// verifier agree on the signed message.
#[test]
fn signing_reproduces_the_valid_vectors() {
    for v in recipes().into_iter().filter(|v| v.expect.is_none()) {
        let unsigned = {
            let mut value = parse_strict(&v.bytes).unwrap();
            value.as_object_mut().unwrap().remove("sig");
            serde_json::to_vec_pretty(&value).unwrap()
        };
        let signed =
            dix_schema::sign_json(&unsigned, &SecretKey::from_seed(&seed(SEED_A))).unwrap();
        assert_eq!(signed.as_bytes(), &v.bytes[..], "{}", v.name);
        // Signing the typed notice writes defaults out (`ended_at: null`, empty
        // lists): other bytes, the same notice, and it verifies.
        let typed =
            dix_schema::sign(signed.notice(), &SecretKey::from_seed(&seed(SEED_A))).unwrap();
        let reread = UnverifiedNotice::parse(typed.as_bytes())
            .unwrap()
            .verify(&public("a"))
            .unwrap();
        assert_eq!(reread.notice(), signed.notice(), "{}", v.name);
    }
}

#[test]
fn every_error_code_is_distinct_and_snake_case() {
    let names: std::collections::HashSet<_> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(names.len(), ErrorCode::ALL.len());
    assert!(
        names
            .iter()
            .all(|n| n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
    );
}

/// The side an issuer speaks for, from the notice's own fields.
#[test]
fn the_issuers_role_comes_from_the_notices_fields() {
    use dix_schema::IssuerRole;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
    let key = dix_schema::SecretKey::from_seed(&[7; 32]);
    let role = |file: &str, edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join(file)).unwrap()).unwrap();
        edit(&mut v);
        dix_schema::sign_json(v.to_string().as_bytes(), &key)
            .unwrap()
            .notice()
            .issuer_role()
    };
    let as_is = |_: &mut serde_json::Value| {};
    assert_eq!(role("valid-blocklist.json", &as_is), IssuerRole::Blocklist);
    assert_eq!(role("valid-throttling.json", &as_is), IssuerRole::Receiver);
    assert_eq!(role("valid-quarantine.json", &as_is), IssuerRole::Receiver);
    // Only its own sending servers: a sender's provider.
    let sending_only = |v: &mut serde_json::Value| {
        v["scope"] = serde_json::json!({"sending_ips": ["192.0.2.0/25"]});
    };
    assert_eq!(
        role("valid-throttling.json", &sending_only),
        IssuerRole::SenderProvider
    );
    // Sending IPs beside its own domains: still the receiver speaking.
    let both = |v: &mut serde_json::Value| {
        v["scope"]["sending_ips"] = serde_json::json!(["192.0.2.0/25"]);
    };
    assert_eq!(role("valid-throttling.json", &both), IssuerRole::Receiver);
}
