//! `dix scan`: a day of mail logs and bounces, summarised.
//!
//! ```text
//! paths ─ inputs (rotated series oldest first, gzip, log or mail?)
//!   log  ─ blocks of lines, read on every core (bounce::logline) ─┐
//!          in order: logjoin (sender, Message-ID) ─ messages      ├─ summary ─ render
//!   mail ─ bounce::stream (mbox, maildir, .eml) ─ one message each ┘   (table, JSON, CSV)
//! ```
//!
//! Reading a log's lines is the costly part and is spread over the cores:
//! each block of lines is read by a thread of its own, and the blocks'
//! lines are then joined in log order on one thread, which only updates
//! maps. Messages are summarised as they leave the queue. Mail is read one
//! message at a time, and gzip that unpacks past 200 times its size is
//! refused (`inputs`), so memory stays bounded whatever the inputs' size.

pub(crate) mod inputs;
pub mod messages;
pub mod render;
pub mod summary;

use std::io::Read;
use std::path::PathBuf;

use crate::bounce::logjoin::LogJoin;
use crate::bounce::logline::{self, LogLine};
use crate::bounce::logtime::LogClock;
use crate::bounce::{batch, parse_bytes, stream};
use messages::{Message, Queue};
use summary::Summary;

/// Bytes of log read on one thread at a time.
const BLOCK: usize = 2 * 1024 * 1024;
/// How much of an input decides whether it is a log.
const SNIFF: usize = 64 * 1024;

/// What was read from one input.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InputReport {
    /// The path as given (or found in a directory).
    pub path: String,
    /// `log` or `mail`.
    pub kind: &'static str,
    /// Lines read (logs) or messages read (mail).
    pub units: u64,
    /// Of those, lines about a queued message, or bounces found.
    pub recognised: u64,
    /// Why it could not be read, when it could not.
    pub error: Option<String>,
}

/// The whole scan.
#[derive(Debug, serde::Serialize)]
pub struct Scan {
    /// Each input, in the order read.
    pub inputs: Vec<InputReport>,
    /// The summary.
    pub summary: Summary,
    /// The failed messages themselves, when asked for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed_messages: Vec<Message>,
}

/// What to keep, and how to show progress.
pub struct Options {
    /// Keep every failed message, not only the summary.
    pub keep_messages: bool,
    /// Called with the bytes read from disk; told the total first.
    pub progress: Option<indicatif::ProgressBar>,
    /// Completes partial log timestamps.
    pub clock: LogClock,
    /// Threads to read on (at least 1).
    pub threads: usize,
}

impl Options {
    /// Every core, the system's clock, no progress bar.
    pub fn new() -> Options {
        Options {
            keep_messages: false,
            progress: None,
            clock: LogClock::system(),
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Self::new()
    }
}

/// Scans every path.
pub fn scan(paths: &[PathBuf], options: &Options) -> Scan {
    let (files, errors) = inputs::expand(paths);
    let mut reports: Vec<InputReport> = errors
        .into_iter()
        .map(|e| InputReport {
            path: e.path,
            kind: "unknown",
            units: 0,
            recognised: 0,
            error: Some(e.error.to_string()),
        })
        .collect();
    if let Some(bar) = &options.progress {
        let total: u64 = files
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum();
        bar.set_length(total);
    }
    let mut summary = Summary::default();
    let mut failed_messages = Vec::new();
    // Rotated files of one log are one stream: a message deferred before
    // midnight is the same message after it.
    let mut join = LogJoin::default();
    let mut queue = Queue::default();
    let mut finished = |message: Message| {
        summary.add(&message);
        if options.keep_messages && message.failure.is_some() {
            failed_messages.push(message);
        }
    };
    for file in &files {
        let shown = file.display().to_string();
        let bar = options.progress.clone();
        let opened = inputs::open(file, move |n| {
            if let Some(bar) = &bar {
                bar.inc(n);
            }
        });
        let report = match opened {
            Err(e) => InputReport {
                path: shown,
                kind: "unknown",
                units: 0,
                recognised: 0,
                error: Some(e.to_string()),
            },
            Ok(reader) => read_input(
                reader,
                &shown,
                file,
                options,
                &mut join,
                &mut queue,
                &mut finished,
            ),
        };
        reports.push(report);
    }
    queue.drain(&mut finished);
    summary.finish();
    if let Some(bar) = &options.progress {
        bar.finish_and_clear();
    }
    Scan {
        inputs: reports,
        summary,
        failed_messages,
    }
}

fn read_input(
    mut reader: Box<dyn Read + Send>,
    shown: &str,
    path: &std::path::Path,
    options: &Options,
    join: &mut LogJoin,
    queue: &mut Queue,
    finished: &mut impl FnMut(Message),
) -> InputReport {
    let mut head = Vec::with_capacity(SNIFF);
    let sniffed = (&mut reader).take(SNIFF as u64).read_to_end(&mut head);
    let failed = |e: std::io::Error, kind| InputReport {
        path: shown.to_owned(),
        kind,
        units: 0,
        recognised: 0,
        error: Some(e.to_string()),
    };
    if let Err(e) = sniffed {
        return failed(e, "unknown");
    }
    if logline::looks_like_log(&String::from_utf8_lossy(&head)) {
        let stream = std::io::Cursor::new(head).chain(reader);
        return match read_log(stream, shown, options, join, queue, finished) {
            Ok((lines, recognised)) => InputReport {
                path: shown.to_owned(),
                kind: "log",
                units: lines,
                recognised,
                error: None,
            },
            Err(e) => failed(e, "log"),
        };
    }
    // Mail: one message at a time, however large the mailbox.
    let single = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("eml") || e.eq_ignore_ascii_case("msg"));
    let stream = std::io::BufReader::new(std::io::Cursor::new(head).chain(reader));
    let mut units = 0;
    let mut recognised = 0;
    let mut take = |item: batch::Item| {
        units += 1;
        for fact in parse_bytes(&item.bytes, &item.source) {
            recognised += 1;
            finished(Message::from_report(fact));
        }
    };
    let read = if single {
        stream::read_bounded(stream, stream::MAX_MESSAGE).map(|bytes| {
            batch::split(&bytes, shown, true)
                .into_iter()
                .for_each(&mut take)
        })
    } else {
        stream::Messages::new(stream, shown, stream::MAX_MESSAGE)
            .try_for_each(|item| item.map(&mut take))
    };
    InputReport {
        path: shown.to_owned(),
        kind: "mail",
        units,
        recognised,
        error: read.err().map(|e| e.to_string()),
    }
}

/// Reads a log in blocks, each block's lines on a thread of its own, then
/// joins the blocks' lines in order. Returns the lines read and how many
/// were about a queued message.
fn read_log(
    mut stream: impl Read,
    shown: &str,
    options: &Options,
    join: &mut LogJoin,
    queue: &mut Queue,
    finished: &mut impl FnMut(Message),
) -> std::io::Result<(u64, u64)> {
    let threads = options.threads.max(1);
    let mut carry: Vec<u8> = Vec::new();
    let mut lines_before: u64 = 0;
    let mut recognised: u64 = 0;
    let mut at_end = false;
    while !at_end {
        // Up to one block per thread, each ending at a line's end.
        let mut blocks: Vec<Vec<u8>> = Vec::with_capacity(threads);
        while blocks.len() < threads && !at_end {
            let mut block = std::mem::take(&mut carry);
            let read = (&mut stream).take(BLOCK as u64).read_to_end(&mut block)?;
            if read == 0 {
                at_end = true;
            } else if let Some(last_newline) = memchr::memrchr(b'\n', &block) {
                carry = block.split_off(last_newline + 1);
            } else if block.len() < 4 * BLOCK {
                // One line longer than the block: read on until it ends
                // (a little way: no MTA writes megabyte lines, and an
                // endless one must not take all memory).
                carry = block;
                continue;
            }
            if !block.is_empty() {
                blocks.push(block);
            }
        }
        if at_end && !carry.is_empty() {
            blocks.push(std::mem::take(&mut carry));
        }
        let clock = &options.clock;
        let read: Vec<(u64, Vec<(u64, LogLine)>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = blocks
                .iter()
                .map(|block| scope.spawn(move || read_block(block, clock)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        });
        for (line_count, lines) in read {
            for (n, line) in lines {
                recognised += 1;
                let number = lines_before + n + 1;
                queue.apply(join.apply(line), || format!("{shown}:{number}"), finished);
            }
            lines_before += line_count;
        }
    }
    Ok((lines_before, recognised))
}

/// One block's lines: how many there were, and those about a queued
/// message with their line number in the block.
fn read_block(block: &[u8], clock: &LogClock) -> (u64, Vec<(u64, LogLine)>) {
    let mut out = Vec::new();
    let mut count = 0;
    let mut start = 0;
    while start < block.len() {
        let end = memchr::memchr(b'\n', &block[start..]).map_or(block.len(), |n| start + n);
        let raw = &block[start..end];
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        // Valid UTF-8 is checked faster than it is converted lossily.
        let line = match std::str::from_utf8(raw) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(raw),
        };
        if let Some(read) = logline::read_line(&line, clock) {
            out.push((count, read));
        }
        count += 1;
        start = end + 1;
    }
    (count, out)
}
