//! `dixd`: see `dixd --help`. Arguments are parsed here; everything else is
//! in the library.

use clap::Parser;
use dix_server::config::{Config, Flags};
use dix_server::startup::{Application, shutdown_signal};

/// RUST_LOG (default `info`), with the sync schedule's scheduler held to
/// warnings: at info it logs its own start-up ("Uninited", "Job creator
/// created"), which tells an operator nothing. Naming it in RUST_LOG
/// gives it back.
fn log_filter(rust_log: Option<&str>) -> tracing_subscriber::EnvFilter {
    let spec = rust_log.filter(|s| !s.trim().is_empty()).unwrap_or("info");
    let spec = if spec.contains("tokio_cron_scheduler") {
        spec.to_owned()
    } else {
        format!("{spec},tokio_cron_scheduler=warn")
    };
    tracing_subscriber::EnvFilter::try_new(&spec)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tokio_cron_scheduler=warn"))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let flags = Flags::parse();
    tracing_subscriber::fmt()
        .with_env_filter(log_filter(std::env::var("RUST_LOG").ok().as_deref()))
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, never in a log file
        // or the journal; NO_COLOR (no-color.org) turns them off there too.
        .with_ansi(
            std::io::IsTerminal::is_terminal(&std::io::stderr())
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        )
        .init();
    match run(flags).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dixd: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(flags: Flags) -> anyhow::Result<()> {
    let (print_node_key, forget_peer) = (flags.print_node_key, flags.forget_peer.clone());
    let config = Config::load(flags)?;
    if print_node_key {
        let key = dix_server::tlog::checkpoint::load_or_create(&config.node_key_path())?;
        println!("{}", key.public_key().to_base64());
        return Ok(());
    }
    if let Some(url) = forget_peer {
        let store = dix_server::store::Store::connect(&config.db, 1).await?;
        let url = url.trim_end_matches('/');
        if store.forget_peer(url).await? {
            println!("forgot {url}: the next pull starts from its first entry");
            return Ok(());
        }
        anyhow::bail!("this node holds nothing of {url} (the URL must be exactly as configured)");
    }
    let app = Application::build(config).await?;
    // Tests and scripts read this line to learn the port when --listen uses port 0.
    println!("dixd listening on http://{}", app.local_addr());
    tracing::info!(address = %app.local_addr(), "listening");
    app.run_until_stopped(shutdown_signal()).await
}
