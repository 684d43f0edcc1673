//! Many inputs at once: files, directories (walked in name order), maildirs
//! (`cur/` and `new/`), mbox files (split on `From ` lines) and standard
//! input. Files are parsed on every core; results keep input order.

use std::path::{Path, PathBuf};

use super::{Fact, parse_bytes};

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
    Ok(split_mbox(&bytes).map_or_else(
        || {
            vec![Item {
                source: shown.clone(),
                bytes: bytes.clone(),
            }]
        },
        |messages| {
            messages
                .into_iter()
                .enumerate()
                .map(|(i, m)| Item {
                    source: format!("{shown}:{}", i + 1),
                    bytes: m.to_vec(),
                })
                .collect()
        },
    ))
}

/// Splits an mbox (messages introduced by `From ` lines) if it holds more than one message.
fn split_mbox(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    if !bytes.starts_with(b"From ") {
        return None;
    }
    let mut starts = vec![0];
    let mut i = 0;
    while let Some(pos) = bytes[i..].windows(6).position(|w| w == b"\nFrom ") {
        starts.push(i + pos + 1);
        i += pos + 1;
    }
    if starts.len() < 2 {
        return None;
    }
    starts.push(bytes.len());
    Some(
        starts
            .windows(2)
            .map(|w| {
                let chunk = &bytes[w[0]..w[1]];
                // Drop the envelope `From ` line itself.

                chunk
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(chunk, |n| &chunk[n + 1..])
            })
            .collect(),
    )
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
        let mbox = b"From a@b Mon Jan 1 00:00:00 2024\nSubject: one\n\nbody\nFrom c@d Mon Jan 1 00:00:00 2024\nSubject: two\n\nbody\n";
        let parts = split_mbox(mbox).unwrap();
        assert_eq!(parts.len(), 2);
        assert!(parts[1].starts_with(b"Subject: two"));
        assert!(split_mbox(b"Subject: x\n\nbody").is_none());
    }
}
