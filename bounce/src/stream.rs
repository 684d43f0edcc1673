//! One input read as a stream, with memory bounded whatever its size: an
//! mbox message by message ([`Messages`]), a log line by line through the
//! joiner ([`parse_stream`]), anything else whole up to [`MAX_MESSAGE`].
//! The results are those of [`batch::split`](crate::batch::split) and
//! [`parse_bytes`] on the whole input, which the node still uses for what
//! fits in one request.
//!
//! A single message over [`MAX_MESSAGE`] is refused with
//! [`StreamError::TooLarge`] rather than read on: no bounce is that large,
//! and an endless one (a decompression bomb, `/dev/zero`) would otherwise
//! take all memory.

use std::collections::VecDeque;
use std::io::{BufRead, Read};

use crate::batch::{Item, split};
use crate::logjoin::{Joined, LogJoin};
use crate::logline::{self, Outcome};
use crate::logtime::LogClock;
use crate::{Fact, parse_bytes};

/// The largest single message (or whole input that is not an mbox or a
/// log) read; [`parse_bytes`] reads no further than this either.
pub const MAX_MESSAGE: usize = 64 * 1024 * 1024;

/// Log lines longer than this are cut there (no MTA writes one).
const MAX_LOG_LINE: usize = 1024 * 1024;

/// Delivered lines kept for a log without any failure (which then reports
/// them; see [`logjoin::parse`](crate::logjoin::parse)).
const MAX_DELIVERED_KEPT: usize = 10_000;

/// How much of an input decides whether it is a log, as in [`parse_bytes`].
const HEAD: usize = 4096;

/// Why an input could not be read to its end.
#[derive(Debug)]
pub enum StreamError {
    /// Reading failed (including a refused decompression bomb).
    Io(std::io::Error),
    /// One message, or a whole input that is not an mbox or a log, is
    /// larger than the limit.
    TooLarge {
        /// Its number in the input, from 1.
        message: usize,
        /// The limit, bytes.
        limit: usize,
    },
}

impl std::fmt::Display for StreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StreamError::Io(e) => write!(f, "{e}"),
            StreamError::TooLarge { message, limit } => write!(
                f,
                "message {message} is larger than {} MiB: refused (no bounce is that large; is this mail at all?)",
                limit / (1024 * 1024)
            ),
        }
    }
}

impl std::error::Error for StreamError {}

impl From<std::io::Error> for StreamError {
    fn from(e: std::io::Error) -> Self {
        StreamError::Io(e)
    }
}

/// The messages of an mbox, one at a time, named as [`split`] names them
/// (`NAME:N` when there are several, `NAME` for one); any other input is
/// one message. At most two messages are held at once.
pub struct Messages<R> {
    reader: R,
    shown: String,
    limit: usize,
    /// Whether the input is an mbox; known from its first line.
    mbox: Option<bool>,
    /// The message being read.
    current: Vec<u8>,
    /// The last line read was empty: an mbox separator may follow.
    after_blank: bool,
    completed: usize,
    /// The first message, until a second shows whether to number it.
    first: Option<Vec<u8>>,
    ready: VecDeque<Item>,
    /// Why reading stopped, given after the messages before it.
    failed: Option<StreamError>,
    ended: bool,
}

impl<R: BufRead> Messages<R> {
    /// Messages of `reader`, named after `shown`; any one over `limit`
    /// bytes ends the stream with [`StreamError::TooLarge`].
    pub fn new(reader: R, shown: &str, limit: usize) -> Self {
        Messages {
            reader,
            shown: shown.to_owned(),
            limit,
            mbox: None,
            current: Vec::new(),
            after_blank: false,
            completed: 0,
            first: None,
            ready: VecDeque::new(),
            failed: None,
            ended: false,
        }
    }

    /// Appends one line (with its newline) to `current`; where it starts, or
    /// `None` at the end of the input.
    fn read_line(&mut self) -> Result<Option<usize>, StreamError> {
        let start = self.current.len();
        loop {
            let buf = match self.reader.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            };
            if buf.is_empty() {
                return Ok((self.current.len() > start).then_some(start));
            }
            let (take, line_ends) = match memchr::memchr(b'\n', buf) {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            };
            if self.current.len() + take > self.limit {
                return Err(StreamError::TooLarge {
                    message: self.completed + 1,
                    limit: self.limit,
                });
            }
            self.current.extend_from_slice(&buf[..take]);
            self.reader.consume(take);
            if line_ends {
                return Ok(Some(start));
            }
        }
    }

    fn complete(&mut self, bytes: Vec<u8>) {
        self.completed += 1;
        let named = |n: usize, bytes: Vec<u8>| Item {
            source: format!("{}:{n}", self.shown),
            bytes,
        };
        match self.completed {
            1 => self.first = Some(bytes),
            n => {
                if let Some(first) = self.first.take() {
                    self.ready.push_back(named(1, first));
                }
                self.ready.push_back(named(n, bytes));
            }
        }
    }

    fn finish(&mut self) {
        let last = std::mem::take(&mut self.current);
        self.complete(last);
        if let Some(only) = self.first.take() {
            self.ready.push_back(Item {
                source: self.shown.clone(),
                bytes: only,
            });
        }
    }
}

/// `From <sender> <weekday> <month> <day>` at the start of `line`: an mbox
/// separator (the pattern [`split`] cuts at).
fn is_separator(line: &[u8]) -> bool {
    static SEPARATOR: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(r"\AFrom \S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) +(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d").unwrap()
    });
    line.starts_with(b"From ") && SEPARATOR.is_match(line)
}

impl<R: BufRead> Iterator for Messages<R> {
    type Item = Result<Item, StreamError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Some(Ok(item));
            }
            if let Some(e) = self.failed.take() {
                return Some(Err(e));
            }
            if self.ended {
                return None;
            }
            let start = match self.read_line() {
                Err(e) => {
                    self.ended = true;
                    self.current = Vec::new();
                    // The first message is whole; the one that failed followed it.
                    if let Some(first) = self.first.take() {
                        self.ready.push_back(Item {
                            source: format!("{}:1", self.shown),
                            bytes: first,
                        });
                    }
                    self.failed = Some(e);
                    continue;
                }
                Ok(None) => {
                    self.ended = true;
                    self.finish();
                    continue;
                }
                Ok(Some(start)) => start,
            };
            let line = &self.current[start..];
            let blank = line == b"\n";
            match self.mbox {
                None => {
                    let separator = is_separator(line);
                    self.mbox = Some(separator);
                    if separator {
                        // A message does not keep its envelope line.
                        self.current.clear();
                    }
                }
                Some(true) if self.after_blank && is_separator(line) => {
                    let mut message = std::mem::take(&mut self.current);
                    message.truncate(start);
                    self.complete(message);
                }
                Some(_) => {}
            }
            self.after_blank = blank;
        }
    }
}

/// Reads all of `reader`, refusing more than `limit` bytes.
pub fn read_bounded(reader: impl Read, limit: usize) -> Result<Vec<u8>, StreamError> {
    let mut bytes = Vec::new();
    reader.take(limit as u64 + 1).read_to_end(&mut bytes)?;
    if bytes.len() > limit {
        return Err(StreamError::TooLarge { message: 1, limit });
    }
    Ok(bytes)
}

/// Whether an input starting with `head` is an MTA log, decided as
/// [`parse_bytes`] decides it.
pub fn is_log(head: &[u8]) -> bool {
    let head = &head[..head.len().min(HEAD)];
    let first_byte = head
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .copied()
        .unwrap_or_default();
    let maybe_log = logline::MARKERS
        .iter()
        .any(|mark| memchr::memmem::find(head, mark.as_bytes()).is_some());
    (maybe_log || first_byte.is_ascii_digit())
        && logline::looks_like_log(&String::from_utf8_lossy(head))
}

/// Parses one input as it is read, handing each fact to `found` in input
/// order: a log line by line (a message's lines joined by queue ID), an
/// mbox message by message, anything else whole. `single`: the input is
/// one message by definition (an `.eml` file), split as [`split`] splits
/// one. The facts are those [`split`] and [`parse_bytes`] give for the
/// whole input, except that a log is no longer cut at [`MAX_MESSAGE`].
pub fn parse_stream(
    reader: impl BufRead,
    shown: &str,
    single: bool,
    clock: &LogClock,
    found: &mut dyn FnMut(Fact),
) -> Result<(), StreamError> {
    if single {
        let bytes = read_bounded(reader, MAX_MESSAGE)?;
        for item in split(&bytes, shown, true) {
            parse_bytes(&item.bytes, &item.source)
                .into_iter()
                .for_each(&mut *found);
        }
        return Ok(());
    }
    let mut reader = reader;
    let mut head = Vec::with_capacity(HEAD);
    (&mut reader).take(HEAD as u64).read_to_end(&mut head)?;
    let log = is_log(&head);
    let stream = std::io::Cursor::new(head).chain(reader);
    if log {
        return parse_log(stream, shown, clock, found);
    }
    for item in Messages::new(stream, shown, MAX_MESSAGE) {
        let item = item?;
        parse_bytes(&item.bytes, &item.source)
            .into_iter()
            .for_each(&mut *found);
    }
    Ok(())
}

/// A log, line by line: one fact per deferral or bounce line, with its
/// message's sender and Message-ID; a log without any failure gives its
/// delivered lines instead (the rule of [`logjoin::parse`](crate::logjoin::parse)).
fn parse_log(
    mut reader: impl BufRead,
    shown: &str,
    clock: &LogClock,
    found: &mut dyn FnMut(Fact),
) -> Result<(), StreamError> {
    let mut join = LogJoin::default();
    let mut delivered = Vec::new();
    let mut failed = false;
    let mut raw = Vec::new();
    let mut number = 0usize;
    while read_log_line(&mut reader, &mut raw)? {
        number += 1;
        let text = String::from_utf8_lossy(&raw);
        let line = text.strip_suffix('\n').unwrap_or(&text);
        let line = line.strip_suffix('\r').unwrap_or(line);
        let Some(read) = logline::read_line(line, clock) else {
            continue;
        };
        if let Joined::Attempt(_, _, attempt) = join.apply(read) {
            let mut fact = attempt.fact;
            fact.source = format!("{shown}:{number}");
            if attempt.outcome == Outcome::Sent {
                if !failed && delivered.len() < MAX_DELIVERED_KEPT {
                    delivered.push(fact);
                }
            } else {
                failed = true;
                delivered = Vec::new();
                found(fact);
            }
        }
    }
    if !failed {
        delivered.into_iter().map(Fact::finish).for_each(found);
    }
    Ok(())
}

/// One line into `line` (cut at [`MAX_LOG_LINE`], the rest skipped);
/// false at the end of the input.
fn read_log_line(reader: &mut impl BufRead, line: &mut Vec<u8>) -> std::io::Result<bool> {
    line.clear();
    let mut any = false;
    loop {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(any);
        }
        any = true;
        let (take, ends) = match memchr::memchr(b'\n', buf) {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        let room = MAX_LOG_LINE.saturating_sub(line.len());
        line.extend_from_slice(&buf[..take.min(room)]);
        reader.consume(take);
        if ends {
            return Ok(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn streamed(bytes: &[u8], limit: usize) -> Vec<(String, Vec<u8>)> {
        Messages::new(bytes, "in", limit)
            .map(|m| m.map(|m| (m.source, m.bytes)).unwrap())
            .collect()
    }

    fn whole(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        split(bytes, "in", false)
            .into_iter()
            .map(|m| (m.source, m.bytes))
            .collect()
    }

    #[test]
    fn messages_are_cut_where_split_cuts_them() {
        let inputs: [&[u8]; 6] = [
            b"From a@b Mon Jan 1 00:00:00 2024\nSubject: one\n\nbody\n\nFrom c@d Mon Jan 1 00:00:00 2024\nSubject: two\n\nbody\n",
            b"From a@b Mon Jan 1 00:00:00 2024\nSubject: one\n\nFrom the desk of the postmaster\n",
            b"Subject: x\n\nbody\n\nFrom a@b Mon Jan 1 00:00:00 2024\nnot split\n",
            b"From a@b Mon Jan 1 00:00:00 2024\n\nFrom c@d Tue Feb 2 00:00:00 2024\nx\n\nFrom e@f Wed Mar 3 00:00:00 2024",
            b"",
            b"550 5.1.1 User unknown",
        ];
        for input in inputs {
            assert_eq!(
                streamed(input, 1 << 20),
                whole(input),
                "{}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn an_oversized_message_is_refused_not_read_on() {
        let mut mbox = b"From a@b Mon Jan 1 00:00:00 2024\nSubject: small\n\nok\n\n".to_vec();
        mbox.extend_from_slice(b"From c@d Mon Jan 1 00:00:00 2024\n");
        mbox.extend(std::iter::repeat_n(b'x', 5000));
        let got: Vec<_> = Messages::new(&mbox[..], "in", 1000).collect();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].as_ref().unwrap().source, "in:1");
        match &got[1] {
            Err(StreamError::TooLarge { message: 2, .. }) => {}
            Err(other) => panic!("{other}"),
            Ok(item) => panic!("read on: {}", item.source),
        }
        // A whole input without lines at all.
        let zeros = vec![0u8; 5000];
        let got: Vec<_> = Messages::new(&zeros[..], "in", 1000).collect();
        assert!(matches!(
            got[..],
            [Err(StreamError::TooLarge { message: 1, .. })]
        ));
    }

    #[test]
    fn a_log_streams_to_the_facts_of_the_whole() {
        let log = "\
Dec  1 09:00:01 mx1 postfix/cleanup[1202]: 4XyZ1A2B3C: message-id=<m1@example.jp>
Dec  1 09:00:01 mx1 postfix/qmgr[1100]: 4XyZ1A2B3C: from=<taro@example.jp>, size=1234, nrcpt=1 (queue active)
Dec  1 09:00:02 mx1 postfix/smtp[1300]: 4XyZ1A2B3C: to=<a@example.net>, relay=mx.example.net[198.51.100.4]:25, delay=1, dsn=2.0.0, status=sent (250 2.0.0 Ok)
Dec  1 09:00:03 mx1 postfix/smtp[1300]: 4XyZ1A2B3C: to=<b@example.net>, relay=mx.example.net[198.51.100.4]:25, delay=1, dsn=4.7.1, status=deferred (host mx.example.net[198.51.100.4] said: 450 4.7.1 Greylisted (in reply to RCPT TO command))
";
        let clock = LogClock::new(
            "2026-12-01T03:00:00Z".parse().unwrap(),
            jiff::tz::TimeZone::UTC,
        );
        let mut streamed = Vec::new();
        parse_stream(log.as_bytes(), "maillog", false, &clock, &mut |f| {
            streamed.push(f)
        })
        .unwrap();
        let whole = crate::logjoin::parse_with_clock(log, "maillog", &clock);
        assert_eq!(format!("{streamed:?}"), format!("{whole:?}"));
        assert_eq!(streamed.len(), 1);
        assert_eq!(streamed[0].sender.as_deref(), Some("taro@example.jp"));
        // Only delivered lines: they are reported, as a pasted line is.
        let sent: String = log.lines().take(3).map(|l| format!("{l}\n")).collect();
        let mut streamed = Vec::new();
        parse_stream(sent.as_bytes(), "maillog", false, &clock, &mut |f| {
            streamed.push(f)
        })
        .unwrap();
        let whole = crate::logjoin::parse_with_clock(&sent, "maillog", &clock);
        assert_eq!(format!("{streamed:?}"), format!("{whole:?}"));
        assert_eq!(streamed.len(), 1);
    }
}
