//! A starting point for a new notice, so an operator edits a valid document
//! rather than writing one from memory.

use dix_schema::types::{
    Contact, Domain, DomainPattern, LocalizedText, Selector, ShortText, Timestamp,
};
use dix_schema::types::{EnhancedStatus, ReplyCode, TextPattern};
use dix_schema::{
    Blocklist, IncidentId, Kind, Notice, Quarantine, Scope, Status, Symptom, Version,
};

/// A fresh incident id: a UUIDv7 (time-ordered, so ids sort by creation).
pub fn new_incident_id() -> Result<IncidentId, getrandom::Error> {
    let mut random = [0u8; 10];
    getrandom::fill(&mut random)?;
    let millis = u64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis(),
    )
    .unwrap_or(u64::MAX);
    Ok(IncidentId::from_uuid(
        uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid(),
    ))
}

fn text(ja: &str, en: &str) -> LocalizedText {
    LocalizedText {
        ja: Some(ShortText::parse(ja).expect("placeholder")),
        en: Some(ShortText::parse(en).expect("placeholder")),
    }
}

/// An unsigned notice of `kind`, starting now, with placeholders to edit.
/// Typed rather than free JSON so the template is valid by construction and
/// prints its fields in the schema's order.
pub fn notice_template(
    issuer: &Domain,
    selector: &Selector,
    kind: Kind,
    seq: u64,
    incident: IncidentId,
) -> Notice {
    let now = Timestamp::now();
    let placeholder_zone =
        Domain::parse(&format!("bl.{issuer}")).unwrap_or_else(|_| issuer.clone());
    Notice {
        v: Version,
        issuer: issuer.clone(),
        key: selector.clone(),
        seq,
        incident,
        kind,
        status: Status::Investigating,
        started_at: now,
        ended_at: None,
        published_at: now,
        scope: Scope {
            recipient_domains: vec![
                DomainPattern::parse(issuer.as_str()).expect("a domain is a pattern"),
            ],
            ..Scope::default()
        },
        symptoms: example_symptom(kind).into_iter().collect(),
        blocklist: (kind == Kind::BlocklistListing).then(|| Blocklist {
            name: ShortText::parse("(list name)").expect("placeholder"),
            zone: placeholder_zone,
            removal: None,
        }),
        quarantine: (kind == Kind::QuarantinePolicy).then(|| Quarantine {
            what: text("（隔離されるメール）", "(what is quarantined)"),
            criteria: text("（判定基準）", "(on which criteria)"),
            recipient_sees: text("（受信者に見えること）", "(what the recipient sees)"),
        }),
        summary: text(
            "（何が起きているかを書いてください）",
            "(describe what is happening)",
        ),
        advice: text(
            "（送信者がすべきことを書いてください）",
            "(what senders should do)",
        ),
        contact: Contact::parse(&format!("postmaster@{issuer}"))
            .expect("postmaster@ a domain is an address"),
        links: Vec::new(),
    }
}

/// The reply text placeholder of the example symptom.
const SYMPTOM_TEXT: &str =
    "(the reply text senders see; * stands for any part, as in Too many connections from *)";

/// A symptom to show what one looks like: the reply code and enhanced
/// status mail of this kind usually gets, and a text to write. Quarantine
/// refuses nothing, so it has none. The text is a placeholder: signing
/// refuses it until it is written (or the symptom deleted).
fn example_symptom(kind: Kind) -> Option<Symptom> {
    let (reply, status) = match kind {
        Kind::Throttling => (451, "4.7.0"),
        Kind::Outage => (421, "4.3.2"),
        Kind::BlocklistListing | Kind::PolicyChange => (550, "5.7.1"),
        Kind::QuarantinePolicy => return None,
    };
    Some(Symptom {
        reply: Some(ReplyCode::new(reply).expect("a valid code")),
        status: Some(EnhancedStatus::parse(status).expect("a valid status")),
        text: Some(TextPattern::parse(SYMPTOM_TEXT).expect("a valid pattern")),
    })
}

/// The template's placeholder texts: a notice holding one was not finished.
pub const PLACEHOLDERS: [&str; 12] = [
    SYMPTOM_TEXT,
    "(list name)",
    "（隔離されるメール）",
    "(what is quarantined)",
    "（判定基準）",
    "(on which criteria)",
    "（受信者に見えること）",
    "(what the recipient sees)",
    "（何が起きているかを書いてください）",
    "(describe what is happening)",
    "（送信者がすべきことを書いてください）",
    "(what senders should do)",
];

/// The placeholders a notice still holds, with where: `summary.en: (describe what is happening)`.
pub fn unfinished(notice: &Notice) -> Vec<String> {
    let mut texts: Vec<(String, &str)> = Vec::new();
    fn add<'a>(texts: &mut Vec<(String, &'a str)>, field: &str, t: &'a LocalizedText) {
        for (lang, text) in [("ja", &t.ja), ("en", &t.en)] {
            if let Some(text) = text {
                texts.push((format!("{field}.{lang}"), text.as_str()));
            }
        }
    }
    add(&mut texts, "summary", &notice.summary);
    add(&mut texts, "advice", &notice.advice);
    if let Some(q) = &notice.quarantine {
        add(&mut texts, "quarantine.what", &q.what);
        add(&mut texts, "quarantine.criteria", &q.criteria);
        add(&mut texts, "quarantine.recipient_sees", &q.recipient_sees);
    }
    if let Some(b) = &notice.blocklist {
        texts.push(("blocklist.name".into(), b.name.as_str()));
    }
    for (i, symptom) in notice.symptoms.iter().enumerate() {
        if let Some(t) = &symptom.text {
            texts.push((format!("symptoms[{i}].text"), t.as_str()));
        }
    }
    texts
        .into_iter()
        .filter(|(_, t)| PLACEHOLDERS.iter().any(|p| t.contains(p)))
        .map(|(field, t)| format!("{field}: {t}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_gives_a_signable_template() {
        let key = dix_schema::SecretKey::from_seed(&[1; 32]);
        for kind in [
            Kind::BlocklistListing,
            Kind::Throttling,
            Kind::QuarantinePolicy,
            Kind::PolicyChange,
            Kind::Outage,
        ] {
            let t = notice_template(
                &Domain::parse("example.jp").unwrap(),
                &Selector::parse("s1").unwrap(),
                kind,
                1,
                new_incident_id().unwrap(),
            );
            let json = serde_json::to_string_pretty(&t).unwrap();
            dix_schema::sign_json(json.as_bytes(), &key)
                .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
            // ...and `dix notice sign` refuses it until every placeholder is replaced.
            assert!(!unfinished(&t).is_empty(), "{kind:?}");
            // Every kind that refuses mail shows what a symptom looks like.
            assert_eq!(
                t.symptoms.is_empty(),
                kind == Kind::QuarantinePolicy,
                "{kind:?}"
            );
            let mut filled = json.clone();
            for p in PLACEHOLDERS {
                filled = filled.replace(p, "written");
            }
            let t: Notice = serde_json::from_str(&filled).unwrap();
            assert_eq!(unfinished(&t), Vec::<String>::new(), "{kind:?}");
        }
    }

    #[test]
    fn incident_ids_are_v7_and_distinct() {
        let (a, b) = (new_incident_id().unwrap(), new_incident_id().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.uuid().get_version_num(), 7);
    }
}
