//! `dix parse`: every input read as a stream (`dix_bounce::stream`: a log
//! line by line, an mbox message by message, gzip opened and a
//! decompression bomb refused), each fact printed as soon as it is found,
//! so memory stays bounded whatever the inputs' size. Runs of small files
//! (a maildir) are read on every core, their facts printed in input order.

use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

use super::{ParseArgs, fact_json, fact_text};
use crate::bounce::logtime::LogClock;
use crate::bounce::{Fact, batch, stream};
use crate::scan::inputs;

/// Files up to this size on disk are read in parallel runs, their facts
/// held until printed; larger ones one at a time, printed as found.
const SMALL_FILE: u64 = 1024 * 1024;
/// Small files read at once by all threads together.
const RUN: usize = 256;

/// Reads one input, handing each fact to `found`.
fn read_one(path: &Path, clock: &LogClock, found: &mut dyn FnMut(Fact)) -> Result<(), String> {
    let reader = inputs::open(path, |_| {}).map_err(|e| e.to_string())?;
    // An .eml file is one message by definition (see batch::read).
    let single = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("eml") || e.eq_ignore_ascii_case("msg"));
    let shown = path.display().to_string();
    stream::parse_stream(BufReader::new(reader), &shown, single, clock, found)
        .map_err(|e| e.to_string())
}

fn is_small(path: &Path) -> bool {
    path != Path::new("-") && std::fs::metadata(path).is_ok_and(|m| m.len() <= SMALL_FILE)
}

/// Each small file's facts and error, in order, read on every core.
fn read_run(files: &[PathBuf], clock: &LogClock) -> Vec<(Vec<Fact>, Option<String>)> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len().max(1));
    let per_thread = files.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(per_thread)
            .map(|group| {
                scope.spawn(move || {
                    group
                        .iter()
                        .map(|file| {
                            let mut facts = Vec::new();
                            let error = read_one(file, clock, &mut |f| facts.push(f)).err();
                            (facts, error)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

pub(super) fn parse(args: ParseArgs) -> Result<(), String> {
    let clock = LogClock::system();
    let (files, unreadable) = batch::expand(&args.paths);
    let mut errors: Vec<(String, String)> = unreadable
        .into_iter()
        .map(|e| (e.path, e.error.to_string()))
        .collect();
    let names: Vec<String> = args
        .paths
        .iter()
        .map(|p| p.display().to_string().trim_end_matches('/').to_owned())
        .collect();
    let within = |name: &str, source: &str| {
        source == name
            || source
                .strip_prefix(name)
                .is_some_and(|rest| rest.starts_with(':') || rest.starts_with('/'))
    };
    let mut found_in = vec![0u64; names.len()];
    let mut facts_found = 0u64;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut write_error: Option<std::io::Error> = None;
    let mut print = |fact: Fact| {
        facts_found += 1;
        for (name, found) in names.iter().zip(found_in.iter_mut()) {
            if within(name, &fact.source) {
                *found += 1;
            }
        }
        if write_error.is_some() {
            return;
        }
        let written = if args.json {
            writeln!(out, "{}", fact_json(&fact))
        } else {
            writeln!(out, "{}", fact_text(&fact))
        };
        if let Err(e) = written {
            write_error = Some(e);
        }
    };
    let mut next = 0;
    while next < files.len() {
        let run = files[next..].iter().take_while(|f| is_small(f)).count();
        if run > 0 {
            for group in files[next..next + run].chunks(RUN) {
                for (file, (facts, error)) in group.iter().zip(read_run(group, &clock)) {
                    facts.into_iter().for_each(&mut print);
                    if let Some(e) = error {
                        errors.push((file.display().to_string(), e));
                    }
                }
            }
            next += run;
            continue;
        }
        let file = &files[next];
        if let Err(e) = read_one(file, &clock, &mut print) {
            errors.push((file.display().to_string(), e));
        }
        next += 1;
    }
    // `dix parse … | head`: the reader has what it wanted.
    let broken_pipe = |e: &std::io::Error| e.kind() == std::io::ErrorKind::BrokenPipe;
    if let Some(e) = write_error {
        return if broken_pipe(&e) {
            Ok(())
        } else {
            Err(e.to_string())
        };
    }
    if let Err(e) = out.flush() {
        return if broken_pipe(&e) {
            Ok(())
        } else {
            Err(e.to_string())
        };
    }
    drop(out);
    for (path, error) in &errors {
        eprintln!("dix: {path}: {error}");
    }
    // An input that held nothing readable says so: silence would look like
    // "no bounces" when nothing was understood.
    for (name, found) in names.iter().zip(&found_in) {
        if *found == 0 && !errors.iter().any(|(path, _)| within(name, path)) {
            eprintln!("dix: {name}: no bounce, SMTP reply or MTA log line found");
        }
    }
    if !errors.is_empty() {
        Err(format!("{} input(s) could not be read", errors.len()))
    } else if facts_found == 0 {
        Err("nothing was read: no input held a bounce, an SMTP reply or an MTA log line".into())
    } else {
        Ok(())
    }
}
