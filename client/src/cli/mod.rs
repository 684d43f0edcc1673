//! The `dix` command line. Each subcommand parses its arguments with clap and
//! calls into the library; nothing here is needed to use the library itself.

mod parse;
mod publishing;
mod rotate;
mod scan;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use dix_schema::types::{Domain, Selector};
use dix_schema::{KeyRecord, Kind, PublicKey, UnverifiedNotice};

use crate::keyfile::KeyFile;
use crate::template::{new_incident_id, notice_template};

/// dix — the Delivery Incident eXchange client.
///
/// Operators sign and publish notices about delivery incidents; anyone can
/// verify them and ask why a message bounced.
#[derive(Debug, Parser)]
#[command(name = "dix", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate a signing key and print the DNS TXT record that publishes it.
    Keygen(KeygenArgs),
    /// Manage keys: `dix key rotate`.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Write, sign and verify notices.
    #[command(subcommand)]
    Notice(NoticeCommand),
    /// Parse bounces (files, maildirs, mbox, directories, - for stdin) into facts.
    Parse(ParseArgs),
    /// Summarise a day of mail logs and bounces by destination domain and reason.
    Scan(scan::ScanArgs),
    /// Explain why a message bounced and who must act (asks nodes for published incidents).
    Explain(ExplainArgs),
    /// Print a shell completion script: dix completions bash > /etc/bash_completion.d/dix
    Completions(CompletionsArgs),
    /// Write the manual pages (dix.1 and one per subcommand) into a folder.
    Man(ManArgs),
}

#[derive(Debug, Args)]
struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
struct ManArgs {
    /// The folder to write into, e.g. /usr/local/share/man/man1 (created if missing).
    #[arg(long, default_value = ".")]
    out: PathBuf,
}

#[derive(Debug, Args)]
struct ExplainArgs {
    /// What to explain: a bounce message, an mbox, a log file, or - for
    /// standard input — whatever was copied: a bounce's body, a
    /// `host … said:` line, a mail program's error, a quoted reply.
    #[arg(required_unless_present = "reply", conflicts_with = "reply")]
    file: Option<PathBuf>,
    /// The same as text on the command line instead of a file, e.g.
    /// "451 4.7.500 Server busy..." or a Postfix "host … said: …" line.
    #[arg(long)]
    reply: Option<String>,
    /// The recipient, where the text does not name one.
    #[arg(long)]
    to: Option<String>,
    /// When it bounced (RFC 3339), where the text does not say.
    #[arg(long)]
    at: Option<String>,
    /// A dix node to ask (repeatable); also DIX_NODES, comma-separated.
    #[arg(long = "node", env = "DIX_NODES", value_delimiter = ',')]
    nodes: Vec<String>,
    /// Answer language: ja or en (default: from LANG).
    #[arg(long, value_parser = ["ja", "en"])]
    lang: Option<String>,
    /// The sender's From address (authentication refusals are decided by
    /// its domain); a bounce's own copy of the message gives it otherwise.
    #[arg(long)]
    from: Option<String>,
    /// A domain your servers sign for (DKIM, SPF; repeatable): an
    /// authentication refusal for it is yours to fix, not the customer's.
    /// Also DIX_OUR_DOMAINS, comma-separated.
    #[arg(long = "our-domain", env = "DIX_OUR_DOMAINS", value_delimiter = ',')]
    our_domains: Vec<String>,
    /// JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ParseArgs {
    /// Inputs: .eml files, maildir folders, mbox files, directories, MTA logs, or - for standard input.
    ///
    /// Log times without a year or an offset (traditional syslog, Exim) are
    /// read in the system's zone; set TZ for logs written elsewhere
    /// (TZ=Asia/Tokyo dix parse maillog).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// One JSON object per bounce instead of readable text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct KeygenArgs {
    /// The domain you publish notices as (your issuer name).
    #[arg(long, value_parser = Domain::parse_lenient)]
    issuer: Domain,
    /// The key selector; the record goes at <selector>._dix.<issuer>.
    #[arg(long, value_parser = Selector::parse)]
    selector: Selector,
    /// Where to write the private key (created with mode 0600; never overwritten).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Debug, Subcommand)]
enum KeyCommand {
    /// Make the next key (a new selector) and print the records to publish, in order.
    Rotate(rotate::RotateArgs),
    /// Print the DNS TXT record of a key file again (as `dix keygen` did).
    Record(RecordArgs),
}

#[derive(Debug, Args)]
struct RecordArgs {
    /// The private key file written by `dix keygen` or `dix key rotate`.
    #[arg(long)]
    key: PathBuf,
}

#[derive(Debug, Subcommand)]
enum NoticeCommand {
    /// Print a new unsigned notice to edit, with a fresh incident id.
    New(NewArgs),
    /// Sign a notice (JSON, any formatting) and print the signed notice.
    Sign(SignArgs),
    /// Verify a signed notice against a key record or a public key.
    Verify(VerifyArgs),
    /// Sign a notice and post it to a node in one step (seq and published_at set for you).
    Publish(publishing::PublishArgs),
    /// Publish the next revision of an incident: new status, summary or advice.
    Update(publishing::UpdateArgs),
    /// Publish the incident's resolution (status resolved, ended_at).
    Resolve(publishing::ResolveArgs),
    /// List an issuer's incidents on a node.
    List(publishing::ListArgs),
}

/// The kinds as the CLI spells them (`blocklist-listing`), also accepted
/// as the notice's JSON spells them (`blocklist_listing`).
#[derive(Debug, Clone, Copy, ValueEnum)]
enum KindArg {
    #[value(alias = "blocklist_listing")]
    BlocklistListing,
    Throttling,
    #[value(alias = "quarantine_policy")]
    QuarantinePolicy,
    #[value(alias = "policy_change")]
    PolicyChange,
    Outage,
}

impl From<KindArg> for Kind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::BlocklistListing => Kind::BlocklistListing,
            KindArg::Throttling => Kind::Throttling,
            KindArg::QuarantinePolicy => Kind::QuarantinePolicy,
            KindArg::PolicyChange => Kind::PolicyChange,
            KindArg::Outage => Kind::Outage,
        }
    }
}

#[derive(Debug, Args)]
struct NewArgs {
    /// Take issuer and selector from this key file.
    #[arg(long)]
    key: PathBuf,
    /// Kind of incident.
    #[arg(long, value_enum)]
    kind: KindArg,
    /// Sequence number: higher than any notice you have published before.
    #[arg(long)]
    seq: u64,
}

#[derive(Debug, Args)]
struct SignArgs {
    /// The notice to sign, or - for standard input.
    file: PathBuf,
    /// The private key file written by `dix keygen`.
    #[arg(long)]
    key: PathBuf,
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// The signed notice, or - for standard input. One trailing newline is
    /// ignored (as `dix notice sign > FILE` writes one).
    file: PathBuf,
    /// The issuer's DNS key record text, `v=DIX1; k=ed25519; p=...`.
    #[arg(long, required_unless_present = "pubkey", conflicts_with = "pubkey")]
    record: Option<String>,
    /// The issuer's public key, base64.
    #[arg(long)]
    pubkey: Option<String>,
}

/// Parses the process arguments and runs the command.
pub fn main() -> ExitCode {
    run(Cli::parse())
}

/// Runs a parsed command line. Exit status 0 on success, 1 when the work
/// failed (with the reason on stderr); clap exits 2 on usage errors.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Keygen(args) => keygen(args),
        Command::Key(KeyCommand::Rotate(args)) => rotate::rotate(args),
        Command::Key(KeyCommand::Record(args)) => key_record(args),
        Command::Notice(NoticeCommand::New(args)) => new_notice(args),
        Command::Notice(NoticeCommand::Sign(args)) => sign(args),
        Command::Notice(NoticeCommand::Publish(args)) => publishing::publish_file(args),
        Command::Notice(NoticeCommand::Update(args)) => publishing::update(args),
        Command::Notice(NoticeCommand::Resolve(args)) => publishing::resolve(args),
        Command::Notice(NoticeCommand::List(args)) => publishing::list(args),
        Command::Notice(NoticeCommand::Verify(args)) => verify(args),
        Command::Parse(args) => parse::parse(args),
        Command::Explain(args) => explain(args),
        Command::Scan(args) => scan::scan(args),
        Command::Completions(args) => {
            use clap::CommandFactory;
            clap_complete::generate(
                args.shell,
                &mut Cli::command(),
                "dix",
                &mut std::io::stdout(),
            );
            Ok(())
        }
        Command::Man(args) => man(&args.out),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("dix: {message}");
            ExitCode::FAILURE
        }
    }
}

fn keygen(args: KeygenArgs) -> Result<(), String> {
    let key = KeyFile::generate(args.issuer, args.selector).map_err(|e| e.to_string())?;
    key.write_new(&args.out).map_err(|e| e.to_string())?;
    eprintln!(
        "Wrote the private key to {} (mode 0600). Keep it secret; back it up.",
        args.out.display()
    );
    eprintln!(
        "Publish this TXT record in DNS, then sign notices with `dix notice sign FILE --key {}`:",
        args.out.display()
    );
    println!("{}", key.zone_line());
    Ok(())
}

/// The manual pages of `dix` and of every subcommand (`dix-notice-publish.1`).
fn man(out: &Path) -> Result<(), String> {
    use clap::CommandFactory;
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    clap_mangen::generate_to(Cli::command(), out).map_err(|e| format!("{}: {e}", out.display()))?;
    eprintln!("Wrote the manual pages to {}", out.display());
    Ok(())
}

fn key_record(args: RecordArgs) -> Result<(), String> {
    let key = KeyFile::read(&args.key).map_err(|e| e.to_string())?;
    println!("{}", key.zone_line());
    Ok(())
}

/// The answer language: `--lang`, else `ja` when LANG says Japanese, else `en`.
pub(crate) fn lang_or_env(lang: Option<&str>) -> &'static str {
    match lang {
        Some("ja") => "ja",
        Some(_) => "en",
        None if std::env::var("LANG").is_ok_and(|l| l.starts_with("ja")) => "ja",
        None => "en",
    }
}

fn new_notice(args: NewArgs) -> Result<(), String> {
    let key = KeyFile::read(&args.key).map_err(|e| e.to_string())?;
    let incident = new_incident_id().map_err(|e| e.to_string())?;
    let notice = notice_template(
        &key.issuer,
        &key.selector,
        args.kind.into(),
        args.seq,
        incident,
    );
    println!(
        "{}",
        serde_json::to_string_pretty(&notice).expect("serialises")
    );
    Ok(())
}

fn sign(args: SignArgs) -> Result<(), String> {
    let key = KeyFile::read(&args.key).map_err(|e| e.to_string())?;
    let input = read_input(&args.file)?;
    let signed = dix_schema::sign_json(&input, &key.key)
        .map_err(|e| format!("cannot sign {}: {e}", args.file.display()))?;
    let notice = signed.notice();
    let unfinished = crate::template::unfinished(notice);
    if !unfinished.is_empty() {
        return Err(format!(
            "{} still holds the template's placeholder text; write what it should say, or delete the field where it is optional: {}",
            args.file.display(),
            unfinished.join("; ")
        ));
    }
    if notice.issuer != key.issuer || notice.key != key.selector {
        return Err(format!(
            "the notice names issuer {} and key {}, but {} is the key for {} (selector {}): fix the notice's issuer/key or use the matching key file",
            notice.issuer,
            notice.key,
            args.key.display(),
            key.issuer,
            key.selector
        ));
    }
    let mut out = std::io::stdout().lock();
    out.write_all(signed.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .map_err(|e| e.to_string())
}

fn verify(args: VerifyArgs) -> Result<(), String> {
    let key: PublicKey = match (&args.record, &args.pubkey) {
        (Some(record), _) => KeyRecord::parse(record)
            .and_then(|r| r.require_active())
            .map_err(|e| format!("--record: {e}"))?,
        (None, Some(b64)) => PublicKey::from_base64(b64).map_err(|e| format!("--pubkey: {e}"))?,
        (None, None) => unreachable!("clap requires one of --record and --pubkey"),
    };
    let mut input = read_input(&args.file)?;
    if input.ends_with(b"\r\n") {
        input.truncate(input.len() - 2);
    } else if input.ends_with(b"\n") {
        input.truncate(input.len() - 1);
    }
    let verified = UnverifiedNotice::parse(&input)
        .and_then(|n| n.verify(&key))
        .map_err(|e| format!("{}: notice rejected: {e}", args.file.display()))?;
    let n = verified.notice();
    println!(
        "verified: issuer {} key {} seq {} incident {} ({}, {})",
        n.issuer,
        n.key,
        n.seq,
        n.incident,
        n.kind.as_str(),
        n.status.as_str()
    );
    Ok(())
}

/// The JSON line for one fact: every field, plus the names score.py reads.
fn fact_json(fact: &crate::bounce::Fact) -> serde_json::Value {
    let mut v = serde_json::to_value(fact).expect("facts serialise");
    v["reason"] = serde_json::json!(fact.reason.as_str());
    v
}

fn fact_text(f: &crate::bounce::Fact) -> String {
    // What the reply says of itself (RFC 5321 §4.2.1, RFC 3463): 4xx is
    // temporary, 5xx permanent. Without a code, the parser's judgement.
    let permanent = if f.reply_code.is_some() || f.status.is_some() {
        !f.is_temporary()
    } else {
        f.hard_bounce
    };
    let mut lines = vec![format!(
        "{}: {} ({})",
        f.source,
        f.reason.as_str(),
        if permanent { "permanent" } else { "temporary" }
    )];
    let mut field = |name: &str, value: Option<String>| {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            lines.push(format!("  {name:<12} {v}"));
        }
    };
    field("recipient", f.recipient.clone());
    field("reply", f.reply_code.map(|c| c.to_string()));
    field("status", f.status.as_ref().map(ToString::to_string));
    field("command", f.command.clone());
    // "mx.example.net [192.0.2.1]": the host as named and the address that
    // answered, which is what a blocklist or an incident notice names.
    let remote = match (&f.remote_host, f.remote_ip) {
        (Some(host), Some(ip)) => Some(format!("{host} [{ip}]")),
        (host, ip) => host.clone().or(ip.map(|i| i.to_string())),
    };
    field("remote", remote);
    field("sender ip", f.sender_ip.map(|i| i.to_string()));
    field("time", f.timestamp.clone());
    field("diagnostic", Some(f.diagnostic.chars().take(300).collect()));
    lines.join("\n")
}

fn explain(args: ExplainArgs) -> Result<(), String> {
    // The one reader a pasted text gets everywhere (the page, the API).
    let hints = crate::bounce::paste::Hints {
        recipient: args.to.clone(),
        at: args.at.clone(),
        from: args.from.clone(),
    };
    let lang = args.lang.clone().unwrap_or_else(|| {
        if std::env::var("LANG").is_ok_and(|l| l.starts_with("ja")) {
            "ja".into()
        } else {
            "en".into()
        }
    });
    let facts: Vec<crate::bounce::Fact> = match (&args.reply, &args.file) {
        (Some(reply), _) => crate::bounce::paste::read(reply.as_bytes(), "reply", &hints)
            .map_err(|nothing| format!("--reply: {}", nothing.message(&lang)))?,
        (None, Some(file)) => {
            let items =
                crate::bounce::batch::read(file).map_err(|e| format!("{}: {}", e.path, e.error))?;
            items
                .iter()
                .filter_map(|i| crate::bounce::paste::read(&i.bytes, &i.source, &hints).ok())
                .flatten()
                .collect()
        }
        (None, None) => unreachable!("clap requires a file or --reply"),
    };
    if facts.is_empty() {
        return Err(crate::bounce::paste::NothingFound.message(&lang).to_owned());
    }
    let sending = crate::verdict::Sending {
        our_domains: args.our_domains.clone(),
    };
    let reports: Vec<crate::explain::NodeReport> = args
        .nodes
        .iter()
        .map(|n| crate::explain::ask_node(n, &facts))
        .collect();
    let answers = crate::explain::explain(&facts, &reports, &sending);
    let reachable = reports.iter().filter(|r| r.result.is_ok()).count();
    // A node that refused the request is an error: its incidents are
    // missing from the answer, which must not pass for "none published".
    let refused: Vec<String> = reports
        .iter()
        .filter_map(|r| match &r.result {
            Err(e @ crate::explain::AskError::Refused(_)) => Some(format!("node {}: {e}", r.url)),
            _ => None,
        })
        .collect();
    let mut out = std::io::stdout().lock();
    if args.json {
        let items: Vec<serde_json::Value> = facts
            .iter()
            .zip(&answers)
            .map(|(f, (v, m))| serde_json::json!({"fact": f, "reason": f.reason.as_str(), "matches": m, "verdict": v}))
            .collect();
        let nodes: Vec<serde_json::Value> = reports
            .iter()
            .map(|r| {
                let refused = matches!(r.result, Err(crate::explain::AskError::Refused(_)));
                serde_json::json!({"url": r.url, "error": r.result.as_ref().err().map(ToString::to_string), "refused": refused})
            })
            .collect();
        let doc = serde_json::json!({"facts": items, "nodes": nodes, "knowledge_base_only": reachable == 0});
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&doc).expect("serialises")
        )
        .map_err(|e| e.to_string())?;
    } else {
        let note = match (reports.len(), reachable, lang.as_str()) {
            (n, _, "ja") if !refused.is_empty() => format!(
                "{n} 個中 {} 個のノードが問い合わせを拒否しました。そのノードの障害情報は回答に含まれていません。",
                refused.len()
            ),
            (n, _, _) if !refused.is_empty() => format!(
                "{} of {n} node(s) refused the request: their incidents are missing from this answer.",
                refused.len()
            ),
            (0, _, "ja") => {
                "ノードを指定していないため、組み込みの知識ベースのみで回答しました。".to_owned()
            }
            (0, _, _) => {
                "No node given: answered from the built-in knowledge base only.".to_owned()
            }
            (_, 0, "ja") => {
                "どのノードにも接続できなかったため、組み込みの知識ベースのみで回答しました。"
                    .to_owned()
            }
            (_, 0, _) => {
                "No node could be reached: answered from the built-in knowledge base only."
                    .to_owned()
            }
            (n, k, "ja") => format!("{n} 個中 {k} 個のノードに問い合わせました。"),
            (n, k, _) => format!("Asked {k} of {n} node(s)."),
        };
        // Where the answer came from, first and apart from the reply text,
        // so that it is not pasted with it.
        let label = if lang == "ja" { "注記：" } else { "Note: " };
        writeln!(out, "{label}{note}\n").map_err(|e| e.to_string())?;
        for (f, (v, m)) in facts.iter().zip(&answers) {
            writeln!(out, "{}", crate::explain::render(f, v, m, &lang))
                .map_err(|e| e.to_string())?;
        }
        for r in &reports {
            if let Err(crate::explain::AskError::Unreachable(e)) = &r.result {
                eprintln!("dix: node {} could not be asked: {e}", r.url);
            }
        }
    }
    if refused.is_empty() {
        Ok(())
    } else {
        Err(refused.join("; "))
    }
}

pub(crate) fn read_input(path: &Path) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| format!("standard input: {e}"))?;
        Ok(bytes)
    } else {
        std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
