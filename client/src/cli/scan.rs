//! `dix scan`: a day of logs and bounces, summarised by destination domain
//! and reason.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;

use crate::explain::{AskError, ask_node_in_parts};
use crate::scan::{self, Options, render};
use crate::verdict::MENTION_SCORE;

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Mail logs (Postfix, Exim, Sendmail; plain, .gz or a rotated series),
    /// mbox files, maildirs, directories of .eml, or - for standard input.
    ///
    /// A rotated series is read oldest first whatever order it is given in
    /// (maillog.2.gz maillog.1 maillog). Log times without a year or an
    /// offset are read in the system's zone; set TZ for logs written
    /// elsewhere.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The whole scan as JSON.
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// One CSV row per domain and reason.
    #[arg(long)]
    csv: bool,
    /// List every failed message (one JSON object a line with --json)
    /// instead of the summary.
    #[arg(long, conflicts_with = "csv")]
    messages: bool,
    /// A dix node to ask which published incidents match each group
    /// (repeatable); also DIX_NODES, comma-separated.
    #[arg(long = "node", env = "DIX_NODES", value_delimiter = ',')]
    nodes: Vec<String>,
    /// Table language: ja or en (default: from LANG).
    #[arg(long, value_parser = ["ja", "en"])]
    lang: Option<String>,
}

pub fn scan(args: ScanArgs) -> Result<(), String> {
    let mut options = Options::new();
    options.keep_messages = args.messages;
    // A bar on a terminal only: piped or redirected, stderr stays clean.
    if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {bytes}/{total_bytes} {bytes_per_sec} {wide_bar} {eta}",
            )
            .expect("a valid template"),
        );
        options.progress = Some(bar);
    }
    let mut result = scan::scan(&args.paths, &options);
    let mut unreachable = Vec::new();
    let mut refused = Vec::new();
    let mut answered = Vec::new();
    let samples: Vec<crate::bounce::Fact> = result
        .summary
        .groups
        .iter()
        .map(|g| g.sample.clone())
        .collect();
    for node in &args.nodes {
        let mut reached = false;
        // Requests sized to the node's body limit; a refused one is
        // reported and the rest still asked.
        for (range, answer) in ask_node_in_parts(node, &samples) {
            match answer {
                Ok(per_query) => {
                    reached = true;
                    for (group, matches) in result.summary.groups[range].iter_mut().zip(per_query) {
                        group.incidents.extend(
                            matches
                                .into_iter()
                                .filter(|m| m.decisive || m.score >= MENTION_SCORE)
                                .map(|mut m| {
                                    m.node = Some(node.clone());
                                    m
                                }),
                        );
                    }
                }
                Err(AskError::Refused(e)) => refused.push(format!(
                    "node {node} refused the request for group(s) {}–{} of {}: {e}",
                    range.start + 1,
                    range.end,
                    samples.len()
                )),
                Err(AskError::Unreachable(e)) => {
                    unreachable.push(format!("node {node} could not be asked: {e}"));
                }
            }
        }
        if reached {
            answered.push(node.clone());
        }
    }
    let lang = super::lang_or_env(args.lang.as_deref());
    let text = if args.messages && args.json {
        let mut text = String::new();
        for m in &result.failed_messages {
            text.push_str(&serde_json::to_string(m).expect("messages serialise"));
            text.push('\n');
        }
        text
    } else if args.messages {
        render::messages(&result, lang)
    } else if args.json {
        render::json(&result) + "\n"
    } else if args.csv {
        render::csv(&result)?
    } else {
        let mut text = render::table(&result, lang);
        // A node asked that matched nothing says so: silence would read as
        // "not asked".
        let matched = result
            .summary
            .groups
            .iter()
            .any(|g| !g.incidents.is_empty());
        if !matched && !result.summary.groups.is_empty() {
            for node in answered.iter() {
                text.push_str(&render::no_incident(node, lang));
                text.push('\n');
            }
        }
        text
    };
    if let Err(e) = std::io::stdout().lock().write_all(text.as_bytes()) {
        // `dix scan … | head`: the reader has what it wanted.
        return match e.kind() {
            std::io::ErrorKind::BrokenPipe => Ok(()),
            _ => Err(e.to_string()),
        };
    }
    for line in unreachable.iter().chain(&refused) {
        eprintln!("dix: {line}");
    }
    let mut errors = 0;
    for input in &result.inputs {
        match &input.error {
            Some(e) => {
                errors += 1;
                eprintln!("dix: {}: {e}", input.path);
            }
            None if input.recognised == 0 => eprintln!(
                "dix: {}: nothing read: no MTA log line about a message, and no bounce",
                input.path
            ),
            None => {}
        }
    }
    if errors > 0 {
        Err(format!("{errors} input(s) could not be read"))
    } else if !refused.is_empty() {
        Err(format!(
            "{} request(s) refused by a node: those groups lack its incidents",
            refused.len()
        ))
    } else if result.inputs.iter().all(|i| i.recognised == 0) {
        Err("nothing was read: no input held an MTA log line about a message or a bounce".into())
    } else {
        Ok(())
    }
}
