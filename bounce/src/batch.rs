//! Many inputs at once: files, directories (walked in name order), maildirs
//! (`cur/` and `new/`), mbox files (split on `From ` lines) and standard
//! input. Files are parsed on every core; results keep input order.

use std::path::{Path, PathBuf};

use crate::{Fact, parse_bytes};

/// One unit of work: a message, a log or a reply, and its name.
pub struct Item {
    /// Source name for the facts.
    pub source: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// A file that could not be read.
#[derive(Debug)]
pub struct ReadError {
    /// Path.
    pub path: String,
    /// Why.
    pub error: std::io::Error,
}

/// Expands paths into files, in order; `-` is standard input.
pub fn expand(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<ReadError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path == Path::new("-") {
            files.push(path.clone());
        } else if path.is_dir() {
            walk(path, &mut files, &mut errors);
        } else {
            files.push(path.clone());
        }
    }
    (files, errors)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<ReadError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(error) => {
            errors.push(ReadError {
                path: dir.display().to_string(),
                error,
            });
            return;
        }
    };
    let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    children.sort();
    for child in children {
        let name = child
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.starts_with('.') || name == "tmp" {
            continue;
        }
        if child.is_dir() {
            walk(&child, files, errors);
        } else {
            files.push(child);
        }
    }
}

/// Reads one file (or stdin) into items, splitting mbox files.
pub fn read(path: &Path) -> Result<Vec<Item>, ReadError> {
    let shown = path.display().to_string();
    let bytes = if path == Path::new("-") {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut b).map(|_| b)
    } else {
        std::fs::read(path)
    }
    .map_err(|error| ReadError {
        path: shown.clone(),
        error,
    })?;
    // An .eml file is one message by definition, even when its attached
    // original carries an envelope line of its own.
    let single = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("eml") || e.eq_ignore_ascii_case("msg"));
    Ok(split(&bytes, &shown, single))
}

/// Splits one input into its messages: an mbox into each message; a
/// `single` message (an `.eml` file) into itself and any message saved after
/// its closing boundary. The CLI and the node (`/v1/explain`) split alike.
pub fn split(bytes: &[u8], shown: &str, single: bool) -> Vec<Item> {
    if single {
        let body = match bytes.starts_with(b"From ") {
            true => {
                let first_line_end = bytes
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(bytes.len(), |n| n + 1);
                &bytes[first_line_end..]
            }
            false => bytes,
        };
        return appended_messages(body)
            .into_iter()
            .map(|m| Item {
                source: shown.to_owned(),
                bytes: m.to_vec(),
            })
            .collect();
    }
    match split_mbox(bytes) {
        Some(messages) if messages.len() > 1 => messages
            .into_iter()
            .enumerate()
            .map(|(i, m)| Item {
                source: format!("{shown}:{}", i + 1),
                bytes: m.to_vec(),
            })
            .collect(),
        Some(one) => vec![Item {
            source: shown.to_owned(),
            bytes: one[0].to_vec(),
        }],
        None => vec![Item {
            source: shown.to_owned(),
            bytes: bytes.to_vec(),
        }],
    }
}

static SEPARATOR: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
    regex::bytes::Regex::new(r"(?m)(?:\A|\n\n)From \S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) +(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d").unwrap()
});

/// Splits an mbox into its messages (without their `From ` envelope lines).
/// Only real separator lines count — `From <sender> <weekday> <month> <day>` —
/// so a message quoting a line that starts with "From " is not cut in two.
/// A single message is returned whole, minus a leading envelope line.
fn split_mbox(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    if !bytes.starts_with(b"From ") {
        return None;
    }
    // A separator starts a message at the start of the file or after a blank line.
    let starts: Vec<usize> = SEPARATOR
        .find_iter(bytes)
        .map(|m| if m.start() == 0 { 0 } else { m.start() + 2 })
        .collect();
    if starts.first() != Some(&0) {
        return None;
    }
    let ends = starts
        .iter()
        .skip(1)
        .copied()
        .chain(std::iter::once(bytes.len()));
    Some(
        starts
            .iter()
            .zip(ends)
            .map(|(&start, end)| {
                let chunk = &bytes[start..end];
                chunk
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(&chunk[chunk.len()..], |n| &chunk[n + 1..])
            })
            .collect(),
    )
}

/// The messages of one `.eml` file: usually one, but reports saved from a
/// mailbox sometimes carry the next message after the first one's closing
/// MIME boundary, behind an mbox `From ` line. A `From ` line anywhere else
/// belongs to an attached original and does not split.
fn appended_messages(bytes: &[u8]) -> Vec<&[u8]> {
    static AFTER_CLOSING_BOUNDARY: std::sync::LazyLock<regex::bytes::Regex> =
        std::sync::LazyLock::new(|| {
            regex::bytes::Regex::new(
                r"(?m)^--\S*[^\s-]\S*--[ \t]*\r?\n(?:[ \t]*\r?\n)*(From \S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) [^\n]*\n)",
            )
            .unwrap()
        });
    let mut out = Vec::new();
    let mut start = 0;
    for c in AFTER_CLOSING_BOUNDARY.captures_iter(bytes) {
        let Some(separator) = c.get(1) else { continue };
        out.push(&bytes[start..separator.start()]);
        start = separator.end();
    }
    out.push(&bytes[start..]);
    out
}

/// Parses every file on every core. Facts come back in input order, with
/// the files that could not be read.
pub fn parse_paths(paths: &[PathBuf]) -> (Vec<Fact>, Vec<ReadError>) {
    let (files, mut errors) = expand(paths);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len().max(1));
    let chunk = files.len().div_ceil(threads.max(1)).max(1);
    let results: Vec<(Vec<Fact>, Vec<ReadError>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|group| {
                scope.spawn(move || {
                    let mut facts = Vec::new();
                    let mut errors = Vec::new();
                    for file in group {
                        match read(file) {
                            Ok(items) => {
                                for item in items {
                                    facts.extend(parse_bytes(&item.bytes, &item.source));
                                }
                            }
                            Err(e) => errors.push(e),
                        }
                    }
                    (facts, errors)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut facts = Vec::new();
    for (f, e) in results {
        facts.extend(f);
        errors.extend(e);
    }
    (facts, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mbox_split() {
        let mbox = b"From a@b Mon Jan 1 00:00:00 2024\nSubject: one\n\nbody\n\nFrom c@d Mon Jan 1 00:00:00 2024\nSubject: two\n\nbody\n";
        let parts = split_mbox(mbox).unwrap();
        assert_eq!(parts.len(), 2);
        assert!(parts[1].starts_with(b"Subject: two"));
        assert!(split_mbox(b"Subject: x\n\nbody").is_none());
        // A quoted "From " line inside one message is not a separator.
        let one =
            b"From a@b Mon Jan 1 00:00:00 2024\nSubject: one\n\nFrom the desk of the postmaster\n";
        assert_eq!(split_mbox(one).unwrap().len(), 1);
    }

    #[test]
    fn eml_with_an_appended_message() {
        let eml = b"Content-Type: multipart/report; boundary=b\n\n--b\nContent-Type: text/plain\n\none\n--b--\n\nFrom MAILER-DAEMON  Thu Apr 29 23:34:45 2015\nSubject: two\n\nbody\n";
        let parts = appended_messages(eml);
        assert_eq!(parts.len(), 2);
        assert!(parts[1].starts_with(b"Subject: two"));
        // An attached original's envelope line does not split.
        let attached = b"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\nFrom a@b Thu Apr 29 23:34:45 2015\nSubject: x\n\n--b--\n";
        assert_eq!(appended_messages(attached).len(), 1);
    }
}
