//! The `dix` command line. Each subcommand parses its arguments with clap and
//! calls into the library; nothing here is needed to use the library itself.

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
#[command(name = "dix", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate a signing key and print the DNS TXT record that publishes it.
    Keygen(KeygenArgs),
    /// Write, sign and verify notices.
    #[command(subcommand)]
    Notice(NoticeCommand),
    /// Parse bounces (files, maildirs, mbox, directories, - for stdin) into facts.
    Parse(ParseArgs),
}

#[derive(Debug, Args)]
struct ParseArgs {
    /// Inputs: .eml files, maildir folders, mbox files, directories, MTA logs, or - for standard input.
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
enum NoticeCommand {
    /// Print a new unsigned notice to edit, with a fresh incident id.
    New(NewArgs),
    /// Sign a notice (JSON, any formatting) and print the signed notice.
    Sign(SignArgs),
    /// Verify a signed notice against a key record or a public key.
    Verify(VerifyArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum KindArg {
    BlocklistListing,
    Throttling,
    QuarantinePolicy,
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
        Command::Notice(NoticeCommand::New(args)) => new_notice(args),
        Command::Notice(NoticeCommand::Sign(args)) => sign(args),
        Command::Notice(NoticeCommand::Verify(args)) => verify(args),
        Command::Parse(args) => parse(args),
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

fn parse(args: ParseArgs) -> Result<(), String> {
    let (facts, errors) = crate::bounce::batch::parse_paths(&args.paths);
    let mut out = std::io::stdout().lock();
    for fact in &facts {
        let written = if args.json {
            writeln!(out, "{}", fact_json(fact))
        } else {
            writeln!(out, "{}", fact_text(fact))
        };
        written.map_err(|e| e.to_string())?;
    }
    for e in &errors {
        eprintln!("dix: {}: {}", e.path, e.error);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{} input(s) could not be read", errors.len()))
    }
}

/// The JSON line for one fact: every field, plus the names score.py reads.
fn fact_json(fact: &crate::bounce::Fact) -> serde_json::Value {
    let mut v = serde_json::to_value(fact).expect("facts serialise");
    v["reason"] = serde_json::json!(fact.reason.as_str());
    v
}

fn fact_text(f: &crate::bounce::Fact) -> String {
    let mut lines = vec![format!(
        "{}: {} ({})",
        f.source,
        f.reason.as_str(),
        if f.hard_bounce { "hard" } else { "soft" }
    )];
    let mut field = |name: &str, value: Option<String>| {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            lines.push(format!("  {name:<12} {v}"));
        }
    };
    field("recipient", f.recipient.clone());
    field("reply", f.reply_code.map(|c| c.to_string()));
    field("status", f.status.clone());
    field("command", f.command.clone());
    field(
        "remote",
        f.remote_host.clone().or(f.remote_ip.map(|i| i.to_string())),
    );
    field("sender ip", f.sender_ip.map(|i| i.to_string()));
    field("time", f.timestamp.clone());
    field("diagnostic", Some(f.diagnostic.chars().take(300).collect()));
    lines.join("\n")
}

fn read_input(path: &Path) -> Result<Vec<u8>, String> {
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
