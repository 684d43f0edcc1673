//! The publishing subcommands: `dix notice publish`, `update`, `resolve`
//! and `list` (the work is in [`crate::publish`]).

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use dix_schema::types::Timestamp;
use serde_json::{Value, json};

use crate::keyfile::KeyFile;
use crate::publish::{self, Published};

/// The node to talk to: `--node`, else `DIX_NODE`.
#[derive(Debug, Args)]
pub struct NodeArg {
    /// The dix node, e.g. https://dix.example.net (also DIX_NODE).
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
    /// Keep the other language's text as it stands when only one language
    /// of the summary or advice is given. Without it such an update is
    /// refused: the untouched language would go on saying the old thing.
    #[arg(long)]
    keep_other_language: bool,
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
    /// The summary's language in the table: ja or en (default: from LANG);
    /// a notice without it shows the other one.
    #[arg(long, value_parser = ["ja", "en"])]
    lang: Option<String>,
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
            let mut statuses = Vec::new();
            for claim in b["scope"]["entries"].as_array().into_iter().flatten() {
                let status = claim["status"]
                    .as_str()
                    .unwrap_or(if claim["verified"] == true {
                        "verified"
                    } else {
                        "unverified"
                    });
                println!(
                    "  scope {} {}: {status}",
                    claim["field"].as_str().unwrap_or(""),
                    claim["value"].as_str().unwrap_or(""),
                );
                if !statuses.contains(&status) {
                    statuses.push(status);
                }
            }
            // What a claim's state means for the notice, where the
            // publisher reads it (deploy/PUBLISHING.md says the same).
            for status in statuses {
                if let Some(meaning) = claim_meaning(status) {
                    println!("  {status}: {meaning}");
                }
            }
            Ok(())
        }
        status => Err(publish::refusal(b, status)),
    }
}

/// What a scope claim's state lets the notice do.
fn claim_meaning(status: &str) -> Option<&'static str> {
    match status {
        "unverified" => Some(
            "the node could not prove it is yours; it is shown as unverified and never decides an answer (deploy/PUBLISHING.md: the records that prove it)",
        ),
        "qualifier" => Some(
            "senders' IP ranges that are not yours: they prove nothing by themselves and only narrow your verified claims to mail from those senders",
        ),
        _ => None,
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

/// The incident's current notice, ready to become its next revision: its
/// `key` already the key file's selector (after a rotation the next
/// revision is signed with the new key). With the key and the current seq.
fn current_revision(
    key: &std::path::Path,
    node: &str,
    incident: &str,
) -> Result<(KeyFile, Value, u64), String> {
    let key = read_key(key)?;
    let (mut notice, seq) = publish::current(node, key.issuer.as_str(), incident)?;
    notice["key"] = json!(key.selector.as_str());
    Ok((key, notice, seq))
}

fn set_text(notice: &mut Value, field: &str, lang: &str, text: Option<String>) {
    if let Some(t) = text {
        if !notice[field].is_object() {
            notice[field] = json!({});
        }
        notice[field][lang] = json!(t);
    }
}

/// The text of `field` in `lang` the notice holds now, if any.
fn current_text<'a>(notice: &'a Value, field: &str, lang: &str) -> Option<&'a str> {
    notice[field][lang]
        .as_str()
        .filter(|t| !t.trim().is_empty())
}

/// An update that rewrites one language of a text the notice holds in
/// both would leave the other saying the old thing (a Japanese page that
/// still says the limiting goes on): refused, unless the operator says the
/// other language is still right.
fn one_language_only(
    notice: &Value,
    field: &str,
    en: Option<&String>,
    ja: Option<&String>,
) -> Result<(), String> {
    let (given, missing, missing_name, given_name) = match (en, ja) {
        (Some(_), None) => ("en", "ja", "Japanese", "English"),
        (None, Some(_)) => ("ja", "en", "English", "Japanese"),
        _ => return Ok(()),
    };
    match current_text(notice, field, missing) {
        Some(old) => Err(format!(
            "--{field}-{given} changes the {given_name} {field}, but the {missing_name} one would still say \"{old}\": give --{field}-{missing} as well, or --keep-other-language if it is still right"
        )),
        None => Ok(()),
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
    let (key, mut notice, seq) = current_revision(&args.key, &args.node.node, &args.incident)?;
    if !args.keep_other_language {
        one_language_only(
            &notice,
            "summary",
            args.summary_en.as_ref(),
            args.summary_ja.as_ref(),
        )?;
        one_language_only(
            &notice,
            "advice",
            args.advice_en.as_ref(),
            args.advice_ja.as_ref(),
        )?;
    }
    if let Some(s) = args.status {
        notice["status"] = json!(s.as_str());
    }
    set_text(&mut notice, "summary", "en", args.summary_en);
    set_text(&mut notice, "summary", "ja", args.summary_ja);
    set_text(&mut notice, "advice", "en", args.advice_en);
    set_text(&mut notice, "advice", "ja", args.advice_ja);
    report(publish::sign_and_post(
        &mut notice,
        &key,
        &args.node.node,
        Some(seq),
    )?)
}

/// Resolves an incident. One already resolved gets no new revision (a
/// second `resolve`, from a script or a second operator, changes nothing)
/// unless `--at` corrects when it ended.
pub fn resolve(args: ResolveArgs) -> Result<(), String> {
    let at = match &args.at {
        Some(t) => Timestamp::parse(t).map_err(|e| format!("--at: {e}"))?,
        None => Timestamp::now(),
    };
    let (key, mut notice, seq) = current_revision(&args.key, &args.node.node, &args.incident)?;
    if notice["status"] == "resolved" {
        let ended = notice["ended_at"].as_str().unwrap_or("?").to_owned();
        let correction = args.at.is_some() && Timestamp::parse(&ended).ok().is_none_or(|e| e != at);
        if !correction {
            println!(
                "{} is already resolved (ended {ended}); nothing published. Give --at to correct when it ended.",
                args.incident
            );
            return Ok(());
        }
    }
    notice["status"] = json!("resolved");
    notice["ended_at"] = json!(at.to_string());
    report(publish::sign_and_post(
        &mut notice,
        &key,
        &args.node.node,
        Some(seq),
    )?)
}

pub fn list(args: ListArgs) -> Result<(), String> {
    let issuer = match (&args.key, &args.issuer) {
        (Some(k), _) => read_key(k)?.issuer.to_string(),
        (None, Some(i)) => i.clone(),
        (None, None) => unreachable!("clap requires --key or --issuer"),
    };
    let incidents = publish::list(&args.node.node, &issuer)?;
    let lang = super::lang_or_env(args.lang.as_deref());
    let other = if lang == "ja" { "en" } else { "ja" };
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
        let summary = n["summary"][lang]
            .as_str()
            .or(n["summary"][other].as_str())
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
