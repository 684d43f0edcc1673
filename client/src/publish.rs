//! `dix notice publish / update / resolve / list`: an operator's daily
//! work in one command each. Signing happens here, on the operator's
//! machine; only the signed notice goes to the node.
//!
//! Nobody tracks `seq` by hand: a revision's `seq` is the current time in
//! microseconds, and never below the incident's current `seq` + 1 as the
//! node reports it. Two machines of one operator therefore never pick the
//! same number for different content, short of the same microsecond — and
//! then the node answers `equivocation`, and publishing stops with that
//! code rather than guessing.

use std::time::Duration;

use dix_schema::types::Timestamp;
use serde_json::{Value, json};

use crate::keyfile::KeyFile;
use crate::template::unfinished;

/// The node's answer to a publish, or why there was none.
pub struct Published {
    /// HTTP status.
    pub status: u16,
    /// The node's JSON.
    pub body: Value,
}

fn client() -> Result<reqwest::blocking::Client, String> {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .map_err(|e| e.to_string())
}

/// A `seq` for a new revision: now in microseconds, above `current`.
pub fn next_seq(current: Option<u64>) -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
    now.max(current.map_or(0, |c| c.saturating_add(1)))
}

/// Signs `draft` (seq and published_at set here) and posts it to `node`.
pub fn sign_and_post(
    draft: &mut Value,
    key: &KeyFile,
    node: &str,
    current_seq: Option<u64>,
) -> Result<Published, String> {
    let object = draft
        .as_object_mut()
        .ok_or("the notice is not a JSON object")?;
    object.remove("sig");
    object.insert("seq".into(), json!(next_seq(current_seq)));
    object.insert("published_at".into(), json!(Timestamp::now().to_string()));
    let bytes = serde_json::to_vec(draft).map_err(|e| e.to_string())?;
    let signed =
        dix_schema::sign_json(&bytes, &key.key).map_err(|e| format!("cannot sign: {e}"))?;
    let notice = signed.notice();
    let left = unfinished(notice);
    if !left.is_empty() {
        return Err(format!(
            "the notice still holds the template's placeholder text; write what it should say, or delete the field where it is optional: {}",
            left.join("; ")
        ));
    }
    if notice.issuer != key.issuer || notice.key != key.selector {
        return Err(format!(
            "the notice names issuer {} and key {}, but the key file is for {} (selector {})",
            notice.issuer, notice.key, key.issuer, key.selector
        ));
    }
    let url = format!("{}/v1/notices", node.trim_end_matches('/'));
    let response = client()?
        .post(&url)
        .header("content-type", "application/json")
        .body(signed.as_bytes().to_vec())
        .send()
        .map_err(|e| unreachable(node, &url, &e))?;
    let status = response.status().as_u16();
    let body: Value = response
        .json()
        .map_err(|e| format!("{url}: {status}, and the answer is not JSON: {e}"))?;
    Ok(Published { status, body })
}

/// A node's JSON answer to a GET; its error answer as a refusal.
fn get_json(url: &str) -> Result<Value, String> {
    let response = client()?
        .get(url)
        .send()
        .map_err(|e| unreachable(url, url, &e))?;
    let status = response.status();
    let body: Value = response
        .json()
        .map_err(|e| format!("{url}: {status}: {e}"))?;
    if status.is_success() {
        Ok(body)
    } else {
        Err(refusal(&body, status.as_u16()))
    }
}

/// The incident's current notice on `node` (without its signature) and its seq.
pub fn current(node: &str, issuer: &str, incident: &str) -> Result<(Value, u64), String> {
    let body = get_json(&format!(
        "{}/v1/incidents/{issuer}/{incident}",
        node.trim_end_matches('/')
    ))?;
    let mut notice = body["notice"].clone();
    let seq = notice["seq"]
        .as_u64()
        .ok_or("the node's notice has no seq")?;
    if let Some(o) = notice.as_object_mut() {
        o.remove("sig");
    }
    Ok((notice, seq))
}

/// The incidents of `issuer` on `node`, newest first.
pub fn list(node: &str, issuer: &str) -> Result<Vec<Value>, String> {
    let body = get_json(&format!(
        "{}/v1/incidents?issuer={issuer}&limit=100",
        node.trim_end_matches('/')
    ))?;
    Ok(body["incidents"].as_array().cloned().unwrap_or_default())
}

/// Why a request got no answer, in words an operator acts on: "cannot
/// connect to http://…: is dixd running there?" rather than reqwest's
/// "error sending request for url", with the cause underneath.
pub fn unreachable(node: &str, url: &str, e: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let node = node
        .split_once("/v1/")
        .map_or(node, |(base, _)| base)
        .trim_end_matches('/');
    if e.is_connect() {
        format!("cannot connect to {node}: is dixd running there? ({cause})")
    } else if e.is_timeout() {
        format!("{node} did not answer within 20 seconds ({url})")
    } else {
        format!("{url}: {cause}")
    }
}

/// A node's error answer as one line: `code: message (field)`.
pub fn refusal(body: &Value, status: u16) -> String {
    let e = &body["error"];
    let field = e["field"]
        .as_str()
        .filter(|f| !f.is_empty())
        .map(|f| format!(" (field {f})"))
        .unwrap_or_default();
    format!(
        "the node refused it ({status}): {}: {}{field}",
        e["code"].as_str().unwrap_or("unknown"),
        e["message"].as_str().unwrap_or("no message")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seq_is_time_and_always_above_the_current() {
        let a = next_seq(None);
        assert!(a > 1_700_000_000_000_000, "{a}");
        assert_eq!(next_seq(Some(u64::MAX - 1)), u64::MAX);
        assert!(next_seq(Some(a)) > a);
    }
}
