//! The words of the answer that are not the customer reply: names of the
//! actors, the incident's summary line, the evidence lines, and joining
//! sentences from two sources (an issuer's advice, the knowledge base)
//! without saying anything twice. Terms follow `bounce/data/GLOSSARY.md`.

use super::{IncidentMatch, Verdict, pick};
use crate::Fact;
use crate::knowledge::{Actor, Bilingual, Explanation};

/// Who acts, in words. A blocklist operator is named only when an incident names it.
pub fn actor_name(actor: Actor, domain: &str, blocklist: Option<&str>) -> Bilingual {
    match actor {
        Actor::Sender => Bilingual::new("The sender", "送信者"),
        Actor::SenderProvider => Bilingual::new("The sender's mail provider", "送信側事業者"),
        Actor::Receiver if domain.is_empty() => Bilingual::new("The receiving side", "受信側"),
        Actor::Receiver => Bilingual::new(
            format!("The receiving side ({domain})"),
            format!("受信側（{domain}）"),
        ),
        Actor::Recipient => Bilingual::new("The recipient", "受信者"),
        Actor::BlocklistOperator => match blocklist {
            Some(list) => Bilingual::new(
                format!(
                    "The blocklist operator ({list}), once the sender's provider has fixed the cause"
                ),
                format!(
                    "ブロックリスト運営者（{list}）。送信側事業者が原因を解消した後に解除します"
                ),
            ),
            None => Bilingual::new(
                "The blocklist operator, once the sender's provider has fixed the cause",
                "ブロックリスト運営者。送信側事業者が原因を解消した後に解除します",
            ),
        },
        Actor::Unknown => Bilingual::new(
            "Unknown from this bounce alone",
            "このエラーだけでは判断できません",
        ),
    }
}

/// Staff advice for a message already given back after temporary
/// failures: the sentences that promise a retry are dropped, and the
/// advice says it must be sent again.
pub fn given_back(action: &Bilingual, retry_can_help: bool, not_sent: bool) -> Bilingual {
    let keep_en: Vec<&str> = sentences(&action.en, false)
        .into_iter()
        .filter(|s| !s.to_ascii_lowercase().contains("retr"))
        .collect();
    let keep_ja: Vec<&str> = sentences(&action.ja, true)
        .into_iter()
        .filter(|s| !s.contains("再送"))
        .collect();
    let (en, ja) = if not_sent {
        (
            "The message was not sent at all: it must be sent again once the setting is fixed.",
            "メールは送信されていません。設定を直した後に改めて送信する必要があります。",
        )
    } else if retry_can_help {
        (
            "The message was already returned to the sender and is not retried: it must be sent again.",
            "メールはすでに差出人に返送されており、再送されません。改めて送信する必要があります。",
        )
    } else {
        (
            "The message was already returned to the sender and is not retried: it must be sent again once the cause is removed.",
            "メールはすでに差出人に返送されており、再送されません。原因を取り除いた後に改めて送信する必要があります。",
        )
    };
    let mut out = Bilingual::new(keep_en.join(" "), keep_ja.concat());
    if !out.en.is_empty() {
        out.en.push(' ');
    }
    out.en.push_str(en);
    out.ja.push_str(ja);
    out
}

/// Staff advice without its sentences that promise a retry.
pub fn without_retries(action: &Bilingual) -> Bilingual {
    Bilingual::new(
        sentences(&action.en, false)
            .into_iter()
            .filter(|s| !s.to_ascii_lowercase().contains("retr"))
            .collect::<Vec<_>>()
            .join(" "),
        sentences(&action.ja, true)
            .into_iter()
            .filter(|s| !s.contains("再送"))
            .collect::<String>(),
    )
}

/// The one line about a published incident relied on.
pub fn incident_summary(m: &IncidentMatch) -> Bilingual {
    let (warn_en, warn_ja) = if m.issuer_flagged {
        (
            "; WARNING: this issuer has published conflicting notices",
            "。注意：この発行者は矛盾する通知を出しています",
        )
    } else {
        ("", "")
    };
    let (status_en, status_ja) = status_words(&m.status);
    Bilingual::new(
        format!(
            "{} published an incident starting {}: \"{}\" (status: {status_en}; signature and scope verified{warn_en}).",
            m.issuer,
            when(&m.started_at, 0, "UTC"),
            pick(&m.summary, "en"),
        ),
        format!(
            "{} が {} からの障害情報を公開しています：「{}」（状況：{status_ja}、署名・範囲とも検証済み{warn_ja}）。",
            m.issuer,
            when(&m.started_at, 9, "JST"),
            pick(&m.summary, "ja"),
        ),
    )
}

/// A lifecycle status in words (the status page's four).
fn status_words(status: &str) -> (&str, &str) {
    match status {
        "investigating" => ("investigating", "調査中"),
        "identified" => ("cause identified", "原因特定済み"),
        "monitoring" => ("fixed, being monitored", "対応済み・経過観察中"),
        "resolved" => ("resolved", "解決済み"),
        other => (other, other),
    }
}

/// An RFC 3339 time as people read it in prose: minutes, the zone named
/// (JST for Japanese readers, UTC for English ones); as given when it does
/// not parse.
fn when(rfc3339: &str, offset_hours: i8, label: &str) -> String {
    // Fixed offsets: Japan keeps no summer time, and UTC none, so no time
    // zone database is needed.
    let zone = jiff::tz::TimeZone::fixed(jiff::tz::offset(offset_hours));
    rfc3339.parse::<jiff::Timestamp>().map_or_else(
        |_| rfc3339.to_owned(),
        |t| format!("{} {label}", t.to_zoned(zone).strftime("%Y-%m-%d %H:%M")),
    )
}

/// Splits Japanese text after 。 and English after ". ".
fn sentences(text: &str, ja: bool) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let cut = if ja {
            rest.find('。').map(|i| i + '。'.len_utf8())
        } else {
            rest.find(". ").map(|i| i + 1)
        };
        let (s, r) = rest.split_at(cut.unwrap_or(rest.len()));
        out.push(s.trim());
        rest = r.trim_start();
    }
    out
}

/// A sentence reduced to what it says: no parentheses, punctuation, case.
fn gist(s: &str) -> String {
    let mut out = String::new();
    let mut depth = 0u32;
    for c in s.chars() {
        match c {
            '（' | '(' => depth += 1,
            '）' | ')' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            c if c.is_alphanumeric() => out.extend(c.to_lowercase()),
            _ => {}
        }
    }
    out
}

/// What a sentence says, when it is one of the things every source says in
/// its own words: said once is enough ("送信側での対応は不要です",
/// "まずは対応不要です"; "送信サーバが自動的に再送します", "送信サーバが自動で再送し…").
fn common_point(gist: &str) -> Option<u8> {
    const NOTHING_TO_DO: [&str; 7] = [
        "対応不要",
        "対応は不要",
        "操作は不要",
        "nothingtodo",
        "noactionneeded",
        "noactionisneeded",
        "needtodoanything",
    ];
    const RETRIES: [&str; 6] = [
        "自動で再送",
        "自動的に再送",
        "retriesbyitself",
        "retriesautomatically",
        "mtawillretry",
        "serverretries",
    ];
    if NOTHING_TO_DO.iter().any(|k| gist.contains(k)) {
        Some(0)
    } else if RETRIES.iter().any(|k| gist.contains(k)) {
        Some(1)
    } else {
        None
    }
}

/// Joins texts sentence by sentence, leaving out a sentence that one
/// already kept says (or says more fully).
pub fn merge(parts: &[Bilingual]) -> Bilingual {
    let join = |ja: bool| {
        let mut kept: Vec<(&str, String)> = Vec::new();
        for part in parts {
            for s in sentences(if ja { &part.ja } else { &part.en }, ja) {
                let g = gist(s);
                let repeated = kept.iter().any(|(_, k)| {
                    k.contains(&g)
                        || g.contains(k.as_str())
                        || common_point(k).is_some_and(|p| common_point(&g) == Some(p))
                });
                if g.is_empty() || repeated {
                    continue;
                }
                kept.push((s, g));
            }
        }
        let texts: Vec<&str> = kept.iter().map(|(s, _)| *s).collect();
        if ja { texts.concat() } else { texts.join(" ") }
    };
    Bilingual::new(join(false), join(true))
}

/// "Who acts: what to do", without naming the actor twice.
pub fn who_acts(name: &Bilingual, action: &Bilingual) -> Bilingual {
    let en = if action.en.starts_with(&name.en) {
        action.en.clone()
    } else {
        format!("{}: {}", name.en, action.en)
    };
    let ja = if action.ja.starts_with(&name.ja) {
        action.ja.clone()
    } else {
        format!("{}：{}", name.ja, action.ja)
    };
    Bilingual::new(en, ja)
}

/// The evidence, one line each, in both languages.
pub fn evidence(fact: &Fact, kb: &Explanation, v: &Verdict) -> Vec<Bilingual> {
    let mut e = Vec::new();
    if let Some(r) = fact.reply_code {
        e.push(Bilingual::new(
            format!("reply code {r}"),
            format!("応答コード {r}"),
        ));
    }
    if let Some(s) = &fact.status {
        e.push(Bilingual::new(
            format!("enhanced status {s}"),
            format!("拡張ステータス {s}"),
        ));
    }
    e.push(if v.retry {
        Bilingual::new(
            "temporary (the reply's class is 4)",
            "一時的なエラー（応答の分類が 4）",
        )
    } else if fact.reply_code.is_some() || fact.status.is_some() {
        Bilingual::new(
            "permanent (the reply's class is 5)",
            "恒久的なエラー（応答の分類が 5）",
        )
    } else {
        Bilingual::new(
            "no reply code: not retried",
            "応答コードなし（再送されない扱い）",
        )
    });
    if let Some((_, name)) = &kb.provider {
        e.push(Bilingual::new(
            format!("provider: {name}"),
            format!("事業者：{name}"),
        ));
    }
    if let Some(ip) = fact.sender_ip {
        e.push(Bilingual::new(
            format!("sending IP named in the reply: {ip}"),
            format!("応答に記載された送信サーバの IP：{ip}"),
        ));
    }
    if let Some(h) = &fact.remote_host {
        e.push(Bilingual::new(
            format!("receiving server {h}"),
            format!("受信サーバ：{h}"),
        ));
    }
    if let Some(d) = v.sending_domain.domain() {
        let (en, ja) = match &v.sending_domain {
            crate::knowledge::owner::DomainOwner::Ours(_) => (
                "signed by the sender's provider",
                "送信側事業者が認証を管理",
            ),
            crate::knowledge::owner::DomainOwner::FreeMail(_) => ("free mail", "フリーメール"),
            _ => ("the sender's own domain", "送信者自身のドメイン"),
        };
        e.push(Bilingual::new(
            format!("sending domain {d} ({en})"),
            format!("送信ドメイン：{d}（{ja}）"),
        ));
    }
    e.push(Bilingual::new(
        format!("cause: {}", v.cause_label.en),
        format!("原因：{}", v.cause_label.ja),
    ));
    e.push(match (&v.incident, v.basis.kind) {
        (Some(m), _) => Bilingual::new(
            format!(
                "basis: incident {} of {} (score {:.2}: {})",
                m.incident,
                m.issuer,
                m.score,
                m.reasons.join("; ")
            ),
            format!(
                "根拠：{} の障害情報 {}（一致度 {:.2}{}）",
                m.issuer,
                m.incident,
                m.score,
                if m.reasons_ja.is_empty() {
                    String::new()
                } else {
                    format!("：{}", m.reasons_ja.join("、"))
                }
            ),
        ),
        (None, "knowledge") => Bilingual::new(
            format!(
                "basis: knowledge-base entry {}{}",
                v.basis.entry,
                v.basis
                    .documented
                    .as_deref()
                    .map(|d| format!(" (documented in {d})"))
                    .unwrap_or_default()
            ),
            format!("根拠：知識ベースの項目 {}", v.basis.entry),
        ),
        _ => Bilingual::new(
            format!(
                "basis: the generic meaning of the error ({}), a guess from its class",
                v.basis.entry
            ),
            format!("根拠：エラーの一般的な意味（{}）による推定", v.basis.entry),
        ),
    });
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_says_nothing_twice() {
        let advice = Bilingual::new(
            "No action needed; your MTA will retry.",
            "送信側での対応は不要です。",
        );
        let ours = Bilingual::new(
            "Nothing to do: the sending server retries by itself. If it lasts more than a day, ask the receiver's postmaster.",
            "対応は不要です。送信サーバが自動で再送します。1日以上続く場合は受信側のポストマスターに問い合わせてください。",
        );
        let m = merge(&[advice, ours]);
        assert_eq!(m.ja.matches("不要です").count(), 1, "{}", m.ja);
        assert!(
            m.ja.starts_with("送信側での対応は不要です。送信サーバが自動で再送します。"),
            "{}",
            m.ja
        );
        assert!(
            m.en.contains("No action needed") && m.en.contains("postmaster"),
            "{}",
            m.en
        );
    }

    #[test]
    fn the_actor_is_not_named_twice() {
        let name = Bilingual::new("The recipient", "受信者");
        let w = who_acts(
            &name,
            &Bilingual::new(
                "The recipient must free space.",
                "受信者が容量を空けてください。",
            ),
        );
        assert_eq!(w.ja, "受信者が容量を空けてください。");
        assert!(!w.en.starts_with("The recipient: "));
        assert!(
            !actor_name(Actor::BlocklistOperator, "x", None)
                .ja
                .contains("（）")
        );
    }
}
