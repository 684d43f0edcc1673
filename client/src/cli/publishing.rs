//! The publishing subcommands: `dix notice publish`, `update`, `resolve`
//! and `list` (the work is in [`crate::publish`]).

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use dix_schema::types::Timestamp;
use serde_json::{Value, json};

use crate::keyfile::KeyFile;
use crate::publish::{self, Published};

/// The node to publish to: `--node`, else `DIX_NODE`.
#[derive(Debug, Args)]
pub struct NodeArg {
    /// The dix node to publish to, e.g. https://dix.example.net.
    #[arg(long, env = "DIX_NODE")]
    node: String,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The notice to publish (a draft from `dix notice new`, edited), or - for standard input.
    file: PathBuf,
    /// The private key file written by `dix keygen`.
    #[arg(long)]
    key: PathBuf,
    #[command(flatten)]
    node: NodeArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StatusArg {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

impl StatusArg {
    fn as_str(self) -> &'static str {
        match self {
            Self::Investigating => "investigating",
            Self::Identified => "identified",
            Self::Monitoring => "monitoring",
            Self::Resolved => "resolved",
        }
    }
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The incident id (as `dix notice list` shows it).
    incident: String,
    /// The private key file written by `dix keygen`.
    #[arg(long)]
    key: PathBuf,
    #[command(flatten)]
    node: NodeArg,
    /// The new status.
    #[arg(long, value_enum)]
    status: Option<StatusArg>,
    /// A new summary in English.
    #[arg(long)]
    summary_en: Option<String>,
    /// A new summary in Japanese.
    #[arg(long)]
    summary_ja: Option<String>,
    /// New advice in English.
    #[arg(long)]
    advice_en: Option<String>,
    /// New advice in Japanese.
    #[arg(long)]
    advice_ja: Option<String>,
}

#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// The incident id.
    incident: String,
    /// The private key file written by `dix keygen`.
    #[arg(long)]
    key: PathBuf,
    #[command(flatten)]
    node: NodeArg,
    /// When it ended (RFC 3339); default now.
    #[arg(long)]
    at: Option<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Whose incidents: the issuer of this key file...
    #[arg(long, required_unless_present = "issuer", conflicts_with = "issuer")]
    key: Option<PathBuf>,
    /// ...or this issuer domain.
    #[arg(long)]
    issuer: Option<String>,
    #[command(flatten)]
    node: NodeArg,
    /// JSON instead of a table.
    #[arg(long)]
    json: bool,
}

fn read_key(path: &std::path::Path) -> Result<KeyFile, String> {
    KeyFile::read(path).map_err(|e| e.to_string())
}

/// Prints the node's answer; a refusal is an error with the node's code.
fn report(answer: Published) -> Result<(), String> {
    let b = &answer.body;
    match answer.status {
        201 | 200 => {
            println!(
                "{} {} of {}: seq {}, cursor {}{}",
                b["status"].as_str().unwrap_or("stored"),
                b["notice"]["incident"].as_str().unwrap_or("?"),
                b["notice"]["issuer"].as_str().unwrap_or("?"),
                b["notice"]["seq"],
                b["cursor"].as_str().unwrap_or("?"),
                b["note"]
                    .as_str()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            );
            for claim in b["scope"]["entries"].as_array().into_iter().flatten() {
                println!(
                    "  scope {} {}: {}",
                    claim["field"].as_str().unwrap_or(""),
                    claim["value"].as_str().unwrap_or(""),
                    claim["status"]
                        .as_str()
                        .unwrap_or(if claim["verified"] == true {
                            "verified"
                        } else {
                            "unverified"
                        })
                );
            }
            Ok(())
        }
        status => Err(publish::refusal(b, status)),
    }
}

pub fn publish_file(args: PublishArgs) -> Result<(), String> {
    let key = read_key(&args.key)?;
    let bytes = super::read_input(&args.file)?;
    let mut draft: Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{}: not JSON: {e}", args.file.display()))?;
    report(publish::sign_and_post(
        &mut draft,
        &key,
        &args.node.node,
        None,
    )?)
}

/// Publishes the next revision of an incident after `edit`.
fn revise(
    key: &std::path::Path,
    node: &str,
    incident: &str,
    edit: impl FnOnce(&mut Value),
) -> Result<(), String> {
    let key = read_key(key)?;
    let (mut notice, seq) = publish::current(node, key.issuer.as_str(), incident)?;
    // After a rotation the next revision is signed with the new key.
    notice["key"] = json!(key.selector.as_str());
    edit(&mut notice);
    report(publish::sign_and_post(&mut notice, &key, node, Some(seq))?)
}

fn set_text(notice: &mut Value, field: &str, lang: &str, text: Option<String>) {
    if let Some(t) = text {
        if !notice[field].is_object() {
            notice[field] = json!({});
        }
        notice[field][lang] = json!(t);
    }
}

pub fn update(args: UpdateArgs) -> Result<(), String> {
    if args.status.is_none()
        && args.summary_en.is_none()
        && args.summary_ja.is_none()
        && args.advice_en.is_none()
        && args.advice_ja.is_none()
    {
        return Err("nothing to change: give --status, --summary-en/ja or --advice-en/ja".into());
    }
    if matches!(args.status, Some(StatusArg::Resolved)) {
        return Err("use `dix notice resolve INCIDENT` to resolve an incident (it also records when it ended)".into());
    }
    let UpdateArgs {
        incident,
        key,
        node,
        status,
        summary_en,
        summary_ja,
        advice_en,
        advice_ja,
    } = args;
    revise(&key, &node.node, &incident, |n| {
        if let Some(s) = status {
            n["status"] = json!(s.as_str());
        }
        set_text(n, "summary", "en", summary_en);
        set_text(n, "summary", "ja", summary_ja);
        set_text(n, "advice", "en", advice_en);
        set_text(n, "advice", "ja", advice_ja);
    })
}

pub fn resolve(args: ResolveArgs) -> Result<(), String> {
    let at = match &args.at {
        Some(t) => Timestamp::parse(t).map_err(|e| format!("--at: {e}"))?,
        None => Timestamp::now(),
    };
    revise(&args.key, &args.node.node, &args.incident, |n| {
        n["status"] = json!("resolved");
        n["ended_at"] = json!(at.to_string());
    })
}

pub fn list(args: ListArgs) -> Result<(), String> {
    let issuer = match (&args.key, &args.issuer) {
        (Some(k), _) => read_key(k)?.issuer.to_string(),
        (None, Some(i)) => i.clone(),
        (None, None) => unreachable!("clap requires --key or --issuer"),
    };
    let incidents = publish::list(&args.node.node, &issuer)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&incidents).expect("serialises")
        );
        return Ok(());
    }
    if incidents.is_empty() {
        eprintln!("dix: {} holds no incident of {issuer}", args.node.node);
        return Ok(());
    }
    println!(
        "{:<36}  {:<17}  {:<13}  {:<20}  summary",
        "incident", "kind", "status", "started"
    );
    for i in &incidents {
        let n = &i["notice"];
        let summary = n["summary"]["en"]
            .as_str()
            .or(n["summary"]["ja"].as_str())
            .unwrap_or("");
        println!(
            "{:<36}  {:<17}  {:<13}  {:<20}  {}",
            n["incident"].as_str().unwrap_or("?"),
            n["kind"].as_str().unwrap_or("?"),
            n["status"].as_str().unwrap_or("?"),
            n["started_at"].as_str().unwrap_or("?"),
            summary.chars().take(60).collect::<String>()
        );
    }
    Ok(())
}
