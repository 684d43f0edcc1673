//! `dix key rotate`: the next key of an issuer, and the records to publish
//! in the order that keeps every notice verifiable.

use std::path::PathBuf;

use clap::Args;
use dix_schema::KeyRecord;
use dix_schema::types::Selector;

use crate::keyfile::KeyFile;

#[derive(Debug, Args)]
pub struct RotateArgs {
    /// The current key file.
    #[arg(long)]
    key: PathBuf,
    /// The new key's selector (for example the year: s2027).
    #[arg(long, value_parser = Selector::parse)]
    selector: Selector,
    /// Where to write the new private key (mode 0600; never overwritten).
    #[arg(long)]
    out: PathBuf,
    /// The current key was compromised: revoke it (its old notices stop
    /// verifying on nodes that did not store them yet) instead of retiring it.
    #[arg(long)]
    compromised: bool,
}

/// The new key, then the records and their order on standard output.
pub fn rotate(args: RotateArgs) -> Result<(), String> {
    let old = KeyFile::read(&args.key).map_err(|e| e.to_string())?;
    if old.selector == args.selector {
        return Err(format!(
            "the new selector must differ from the current one ({})",
            old.selector
        ));
    }
    let new =
        KeyFile::generate(old.issuer.clone(), args.selector.clone()).map_err(|e| e.to_string())?;
    new.write_new(&args.out).map_err(|e| e.to_string())?;
    eprintln!(
        "Wrote the new private key to {} (mode 0600). Keep it secret; back it up.",
        args.out.display()
    );
    println!("1. Publish the new key's record in your zone, beside the current one:");
    println!();
    println!("   {}", new.zone_line());
    println!();
    println!(
        "2. Wait until it is visible (its TTL, and your zone's refresh), then sign every new notice with --key {}.",
        args.out.display()
    );
    if args.compromised {
        println!(
            "3. The current key was compromised: revoke it now by publishing an empty key in its place:"
        );
        println!();
        println!(
            "   {}. IN TXT \"{}\"",
            old.record_name(),
            KeyRecord::revoked().render()
        );
        println!();
        println!(
            "   Nodes then refuse anything signed with {} (revoked_key), old notices included for nodes that had not stored them.",
            old.selector
        );
        println!("   Publish again, signed with the new key, what should stay visible.");
    } else {
        println!(
            "3. Keep the current record ({}) published: it is retired, not revoked.",
            old.record_name()
        );
        println!(
            "   A node that joins later still verifies the notices it signed. Never reuse its selector."
        );
        println!(
            "   Revoke it (an empty p=) only if the key is compromised: dix key rotate --compromised."
        );
    }
    Ok(())
}
