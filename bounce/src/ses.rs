//! Amazon SES notifications: bounces, complaints and deliveries reported as
//! JSON, either directly (`{"notificationType": "Bounce", ...}`) or wrapped
//! in an SNS envelope whose `Message` is that JSON as a string, delivered by
//! e-mail to the subscribed address.
//!
//! SES names the reason itself (`bounceType`/`bounceSubType`); the per-
//! recipient status and diagnostic are the receiver's own words, so the
//! usual classification reads those first.

use serde_json::Value;

use crate::classify::Reason;
use crate::{Action, Fact};

/// Facts from an SES notification in `body`, if it is one.
pub(super) fn facts(body: &str, base: &Fact) -> Option<Vec<Fact>> {
    // Cheap test first: most bodies are not JSON notifications.
    let head = &body.as_bytes()[..body.len().min(64 * 1024)];
    if memchr::memchr(b'{', head).is_none()
        || (memchr::memmem::find(head, b"notificationType").is_none()
            && memchr::memmem::find(head, b"eventType").is_none())
    {
        return None;
    }
    let notification = notification(body)?;
    let kind = notification
        .get("notificationType")
        .or_else(|| notification.get("eventType"))?
        .as_str()?;
    let timestamp = |section: &Value| {
        section
            .get("timestamp")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| base.timestamp.clone())
    };
    let base = Fact {
        message_id: notification
            .pointer("/mail/commonHeaders/messageId")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| base.message_id.clone()),
        original_subject: notification
            .pointer("/mail/commonHeaders/subject")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| base.original_subject.clone()),
        original_from: notification
            .pointer("/mail/source")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| base.original_from.clone()),
        format: crate::Format::AmazonSes,
        ..base.clone()
    };
    let facts = match kind {
        "Bounce" => {
            let bounce = notification.get("bounce")?;
            let subtype_reason = bounce
                .get("bounceSubType")
                .and_then(Value::as_str)
                .and_then(subtype_reason);
            let reporting = bounce
                .get("reportingMTA")
                .and_then(Value::as_str)
                .map(|m| super::dsn::typed_value(m).to_owned());
            recipients(bounce, "bouncedRecipients")
                .map(|r| Fact {
                    recipient: text(r, "emailAddress"),
                    action: text(r, "action").and_then(|a| Action::parse(&a)),
                    status: text(r, "status").and_then(|s| crate::types::status(&s)),
                    diagnostic: text(r, "diagnosticCode")
                        .map(|d| super::dsn::typed_value(&d).to_owned())
                        .unwrap_or_default(),
                    reporting_mta: reporting.clone(),
                    timestamp: timestamp(bounce),
                    // SES's subtype decides only when the receiver said nothing.
                    reason: match text(r, "diagnosticCode") {
                        Some(_) => Reason::Undefined,
                        None => subtype_reason.unwrap_or_default(),
                    },
                    ..base.clone()
                })
                .collect::<Vec<_>>()
        }
        "Complaint" => {
            let complaint = notification.get("complaint")?;
            let feedback_type = text(complaint, "complaintFeedbackType");
            recipients(complaint, "complainedRecipients")
                .map(|r| Fact {
                    recipient: text(r, "emailAddress"),
                    feedback_type: feedback_type.clone(),
                    diagnostic: feedback_type.clone().unwrap_or_default(),
                    timestamp: timestamp(complaint),
                    reason: Reason::Feedback,
                    ..base.clone()
                })
                .collect()
        }
        "Delivery" => {
            let delivery = notification.get("delivery")?;
            let response = text(delivery, "smtpResponse").unwrap_or_default();
            delivery
                .get("recipients")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|r| Fact {
                    recipient: Some(r.to_owned()),
                    action: Some(Action::Delivered),
                    diagnostic: response.clone(),
                    reporting_mta: text(delivery, "reportingMTA"),
                    remote_ip: text(delivery, "remoteMtaIp").and_then(|ip| ip.parse().ok()),
                    timestamp: timestamp(delivery),
                    reason: Reason::Delivered,
                    ..base.clone()
                })
                .collect()
        }
        _ => return None,
    };
    Some(facts.into_iter().map(Fact::finish).collect())
}

/// The notification object: the first JSON value in the body, unwrapped
/// from its SNS envelope when it has one.
fn notification(body: &str) -> Option<Value> {
    let start = body.find('{')?;
    // Mail transport folds long lines ("\n " inserted); JSON never has a raw
    // line break inside a string, so removing the folds restores the text.
    let unfolded = body[start..].replace("\r\n", "\n").replace("\n ", "");
    let value: Value = serde_json::Deserializer::from_str(&unfolded)
        .into_iter::<Value>()
        .next()?
        .ok()?;
    match value.get("Message").and_then(Value::as_str) {
        Some(inner) => serde_json::from_str(inner).ok(),
        None => Some(value),
    }
}

fn recipients<'a>(section: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    section
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn text(value: &Value, key: &str) -> Option<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .filter(|s| !s.is_empty())
}

/// SES's own bounce subtypes, for recipients without a diagnostic.
fn subtype_reason(subtype: &str) -> Option<Reason> {
    Some(match subtype {
        "Suppressed" | "OnAccountSuppressionList" => Reason::Suppressed,
        "NoEmail" => Reason::UserUnknown,
        "MailboxFull" => Reason::MailboxFull,
        "MessageTooLarge" => Reason::EmailTooLarge,
        "ContentRejected" | "AttachmentRejected" => Reason::ContentError,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sns_wrapped_bounce_with_folded_lines() {
        let body = "{\n  \"Type\" : \"Notification\",\n  \"Message\" : \"{\\\"notificationType\\\":\\\"Bounce\\\",\\\"bounce\\\":{\\\"bounceType\\\":\\\"Permanent\\\",\\\"bounceSubType\\\":\\\"General\\\",\\\"bouncedRecipients\\\":[{\\\"emailAddress\\\":\\\"user@example.jp\\\",\\\"action\\\":\\\"failed\\\",\\\"status\\\":\\\"5.1.1\\\",\\\"diagnosticCode\\\":\\\"smtp; 550 5.1.1 user un\n known\\\"}]}}\"\n}\n";
        let facts = facts(body, &Fact::default()).expect("a notification");
        assert_eq!(facts.len(), 1);
        assert_eq!(facts[0].recipient.as_deref(), Some("user@example.jp"));
        assert_eq!(facts[0].status.as_deref(), Some("5.1.1"));
        assert_eq!(facts[0].reply_code.map(crate::ReplyCode::get), Some(550));
        assert_eq!(facts[0].reason, Reason::UserUnknown);
    }

    #[test]
    fn complaint_and_delivery() {
        let complaint = r#"{"notificationType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"a@example.net"}],"complaintFeedbackType":"abuse"}}"#;
        let f = facts(complaint, &Fact::default()).unwrap();
        assert_eq!(f[0].reason, Reason::Feedback);
        assert_eq!(f[0].feedback_type.as_deref(), Some("abuse"));
        let delivery = r#"{"notificationType":"Delivery","delivery":{"recipients":["b@example.net"],"smtpResponse":"250 2.6.0 Message received"}}"#;
        let f = facts(delivery, &Fact::default()).unwrap();
        assert_eq!(f[0].reason, Reason::Delivered);
        assert_eq!(f[0].status.as_deref(), Some("2.6.0"));
        assert_eq!(f[0].reply_code.map(crate::ReplyCode::get), Some(250));
        assert!(facts("{\"notificationType\": 3}", &Fact::default()).is_none());
        assert!(facts("not json notificationType", &Fact::default()).is_none());
    }
}
