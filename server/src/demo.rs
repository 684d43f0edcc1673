//! Demonstration data for `dixd --demo`: the incidents of `data/demo.json`,
//! one for each story operators tell, from several invented operators,
//! signed at start-up by demo keys (pinned, scope trusted) and published
//! through the normal ingest path. Each story comes with the sample bounces
//! the home page offers, and the answer each must get (checked by
//! `tests/tests/demo.rs` against a real node).
//!
//! A demo key is derived from its issuer's name: it proves nothing and must
//! never be pinned by a real node.

use std::sync::{Arc, LazyLock};

use dix_schema::types::Timestamp;
use dix_schema::{SecretKey, sign_json};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::Digest;

use crate::config::PinConfig;
use crate::ingest::{Origin, ingest};
use crate::node::Node;

/// Text in both languages, as the data file writes it.
#[derive(Debug, Clone, Deserialize)]
pub struct Words {
    /// Japanese.
    pub ja: String,
    /// English.
    pub en: String,
}

/// The answer a sample must get.
#[derive(Debug, Clone, Deserialize)]
pub struct Expected {
    /// Who acts (`receiver`, `sender_provider`, `blocklist_operator`, …).
    pub actor: String,
    /// The verdict's cause.
    pub cause: String,
}

/// A bounce, reply or log line a user of the story would paste.
#[derive(Debug, Clone, Deserialize)]
pub struct Sample {
    /// Its label on the home page.
    pub label: Words,
    /// The text; `{now}` is replaced by the current time.
    pub text: String,
    /// The recipient, when the text does not name one.
    pub recipient: Option<String>,
    /// The answer it must get.
    pub expect: Expected,
}

/// One story: an incident and its samples.
#[derive(Debug, Clone, Deserialize)]
pub struct Story {
    /// What happened, in a line.
    pub story: Words,
    /// Start, seconds from start-up (negative: in the past).
    pub started: i64,
    /// End, seconds from start-up, if it has ended.
    pub ended: Option<i64>,
    /// The notice without `v`, `key`, `seq` and its times.
    pub notice: Value,
    /// Its samples.
    pub samples: Vec<Sample>,
}

impl Story {
    /// The issuer's name.
    pub fn issuer(&self) -> &str {
        self.notice["issuer"].as_str().unwrap_or_default()
    }

    /// The incident's id.
    pub fn incident(&self) -> &str {
        self.notice["incident"].as_str().unwrap_or_default()
    }
}

#[derive(Deserialize)]
struct DemoFile {
    stories: Vec<Story>,
}

/// The stories of `data/demo.json`.
pub fn stories() -> &'static [Story] {
    static STORIES: LazyLock<Vec<Story>> = LazyLock::new(|| {
        serde_json::from_str::<DemoFile>(include_str!("../data/demo.json"))
            .expect("data/demo.json is valid (a unit test reads it)")
            .stories
    });
    &STORIES
}

/// A sample's text as pasted now: `{now}` becomes the current time, as
/// rsyslog writes it.
pub fn sample_text(sample: &Sample) -> String {
    sample.text.replace("{now}", &Timestamp::now().to_string())
}

/// The demo selector every demo issuer signs with.
const SELECTOR: &str = "demo";

fn demo_key(issuer: &str) -> SecretKey {
    let seed: [u8; 32] = sha2::Sha256::digest(format!("dix demo key, not secret: {issuer}")).into();
    SecretKey::from_seed(&seed)
}

/// Pins for the demo issuers, to add to the config before the node starts.
pub fn pins() -> Vec<PinConfig> {
    stories()
        .iter()
        .map(|story| PinConfig {
            issuer: story.issuer().into(),
            selector: SELECTOR.into(),
            public_key: demo_key(story.issuer()).public_key().to_base64(),
            trust_scope: true,
        })
        .collect()
}

/// The signed notice of one story, at `now`, with `seq` the time so a
/// restart publishes newer revisions of the same incidents, never conflicts.
fn notice(story: &Story, now: Timestamp) -> anyhow::Result<Value> {
    let at = |offset: i64| -> anyhow::Result<String> {
        Timestamp::from_unix(now.unix() + offset)
            .map(|t| t.to_string())
            .ok_or_else(|| anyhow::anyhow!("a story's time is out of range"))
    };
    let mut notice = story.notice.clone();
    let fields = notice
        .as_object_mut()
        .ok_or_else(|| anyhow::anyhow!("a story's notice is not an object"))?;
    fields.insert("v".into(), json!(1));
    fields.insert("key".into(), json!(SELECTOR));
    fields.insert("seq".into(), json!(now.unix()));
    fields.insert("started_at".into(), json!(at(story.started)?));
    fields.insert(
        "ended_at".into(),
        story
            .ended
            .map(at)
            .transpose()?
            .map_or(Value::Null, Value::from),
    );
    fields.insert("published_at".into(), json!(at(0)?));
    Ok(notice)
}

/// Signs and ingests the demo incidents.
pub async fn load(node: &Arc<Node>) -> anyhow::Result<()> {
    let now = Timestamp::now();
    for story in stories() {
        let notice = notice(story, now)?;
        let signed = sign_json(notice.to_string().as_bytes(), &demo_key(story.issuer()))?;
        ingest(node, signed.as_bytes(), Origin::Demo, None)
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "demo notice of {} rejected: {} {:?}",
                    story.issuer(),
                    e.code(),
                    e
                )
            })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_story_is_a_valid_notice_with_samples() {
        let now = Timestamp::now();
        let mut issuers = Vec::new();
        for story in stories() {
            let signed = sign_json(
                notice(story, now).unwrap().to_string().as_bytes(),
                &demo_key(story.issuer()),
            )
            .unwrap_or_else(|e| panic!("{}: {e}", story.issuer()));
            signed.notice().check().unwrap();
            assert!(!story.samples.is_empty(), "{}", story.issuer());
            issuers.push(story.issuer().to_owned());
        }
        issuers.sort();
        issuers.dedup();
        assert!(issuers.len() >= 5, "several operators: {issuers:?}");
    }
}
