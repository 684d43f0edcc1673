//! Attempts put together into messages: one message per queue ID and
//! recipient, however often it was deferred, with its first and last
//! attempt and what it finally came to. A message is finished when it
//! leaves the queue (or the log ends) and is then handed on, so a day of log
//! is never held in memory whole.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::Serialize;

use crate::bounce::Fact;
use crate::bounce::logjoin::Joined;
use crate::bounce::logline::{Mta, Outcome};

/// Where a message stands at the end of what was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Accepted by the next hop (perhaps after deferrals).
    Delivered,
    /// Still waiting: its last attempt was deferred.
    Deferred,
    /// Given up and returned to the sender.
    Bounced,
    /// Given up when the queue lifetime ran out.
    Expired,
}

/// One message to one recipient.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    /// The recipient.
    pub recipient: String,
    /// The recipient's domain, lowercased; empty when the address has none.
    pub domain: String,
    /// The envelope sender, where the log says.
    pub sender: Option<String>,
    /// The Message-ID, where the log says.
    pub message_id: Option<String>,
    /// The MTA's queue ID (logs only).
    pub queue_id: Option<String>,
    /// Where its first line or message was read.
    pub source: String,
    /// Delivery attempts seen.
    pub attempts: u32,
    /// How many of them failed.
    pub failures: u32,
    /// The first attempt's time.
    #[serde(serialize_with = "optional_time")]
    pub first_attempt: Option<Timestamp>,
    /// The last attempt's time.
    #[serde(serialize_with = "optional_time")]
    pub last_attempt: Option<Timestamp>,
    /// What it came to.
    pub state: State,
    /// The last failed attempt, when one failed.
    pub failure: Option<Fact>,
}

fn optional_time<S: serde::Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&t.to_string()),
        None => s.serialize_none(),
    }
}

/// The lowercased domain of an address.
pub fn domain_of(address: &str) -> String {
    address
        .trim_matches(|c| c == '<' || c == '>')
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('.').to_ascii_lowercase())
        .unwrap_or_default()
}

fn time_of(fact: &Fact) -> Option<Timestamp> {
    fact.timestamp.as_deref().and_then(|t| t.parse().ok())
}

impl Message {
    /// A message that a bounce report (not a log) tells of: one attempt.
    pub fn from_report(fact: Fact) -> Message {
        let recipient = fact.recipient.clone().unwrap_or_default();
        let state = match fact.action {
            Some(crate::bounce::Action::Delayed) => State::Deferred,
            _ => State::Bounced,
        };
        let at = time_of(&fact);
        Message {
            domain: fact
                .recipient_domain
                .as_deref()
                .unwrap_or_default()
                .to_owned(),
            recipient,
            sender: fact.sender.clone(),
            message_id: fact.message_id.clone(),
            queue_id: None,
            source: fact.source.clone(),
            attempts: 1,
            failures: 1,
            first_attempt: at,
            last_attempt: at,
            state,
            failure: Some(fact),
        }
    }
}

/// The messages still in the queue, by MTA, queue ID and recipient.
#[derive(Default)]
pub struct Queue {
    open: HashMap<(Mta, String), Vec<Message>>,
}

impl Queue {
    /// Applies one joined line; `finished` gets every message that left the
    /// queue. `source` names the line, for a message's first attempt.
    pub fn apply(
        &mut self,
        joined: Joined,
        source: impl Fn() -> String,
        finished: &mut impl FnMut(Message),
    ) {
        match joined {
            Joined::Attempt(mta, queue_id, attempt) => {
                let mut fact = attempt.fact;
                let recipient = fact.recipient.clone().unwrap_or_default();
                let at = time_of(&fact);
                let messages = self.open.entry((mta, queue_id.clone())).or_default();
                let index = match messages.iter().position(|m| m.recipient == recipient) {
                    Some(i) => i,
                    None => {
                        messages.push(Message {
                            domain: domain_of(&recipient),
                            recipient,
                            sender: fact.sender.clone(),
                            message_id: fact.message_id.clone(),
                            queue_id: Some(queue_id),
                            source: source(),
                            attempts: 0,
                            failures: 0,
                            first_attempt: at,
                            last_attempt: at,
                            state: State::Deferred,
                            failure: None,
                        });
                        messages.len() - 1
                    }
                };
                let message = &mut messages[index];
                message.attempts += 1;
                message.first_attempt = message.first_attempt.or(at);
                message.last_attempt = at.or(message.last_attempt);
                if message.sender.is_none() {
                    message.sender.clone_from(&fact.sender);
                }
                if message.message_id.is_none() {
                    message.message_id.clone_from(&fact.message_id);
                }
                message.state = match attempt.outcome {
                    Outcome::Sent => State::Delivered,
                    Outcome::Deferred => State::Deferred,
                    Outcome::Bounced => State::Bounced,
                    Outcome::Expired => State::Expired,
                };
                if attempt.outcome != Outcome::Sent {
                    message.failures += 1;
                    fact.source = source();
                    message.failure = Some(fact);
                }
            }
            Joined::Expired(mta, queue_id, _) => {
                for message in self.open.get_mut(&(mta, queue_id)).into_iter().flatten() {
                    if message.state == State::Deferred {
                        message.state = State::Expired;
                    }
                }
            }
            Joined::Removed(mta, queue_id) => {
                for message in self.open.remove(&(mta, queue_id)).into_iter().flatten() {
                    finished(message);
                }
            }
            Joined::Nothing => {}
        }
    }

    /// The messages still open at the end of the input, oldest first.
    pub fn drain(&mut self, finished: &mut impl FnMut(Message)) {
        let mut rest: Vec<Message> = self.open.drain().flat_map(|(_, m)| m).collect();
        rest.sort_by(|a, b| {
            a.first_attempt
                .cmp(&b.first_attempt)
                .then_with(|| a.source.cmp(&b.source))
        });
        rest.into_iter().for_each(finished);
    }
}
