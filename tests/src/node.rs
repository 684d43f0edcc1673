//! Real `dixd` processes and the databases behind them.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary folder.
    Sqlite,
    /// A fresh database on the test PostgreSQL server.
    Postgres,
}

/// A database for one test.
pub struct TestDb {
    /// The URL to give `dixd --db`.
    pub url: String,
    /// Holds the SQLite file and node logs.
    pub dir: tempfile::TempDir,
}

impl TestDb {
    /// A fresh, empty database. PostgreSQL comes from `DIX_TEST_PG_URL` (an
    /// admin URL, which `scripts/test.sh` sets after starting a server); a
    /// PostgreSQL test never silently turns into a skip.
    pub async fn new(backend: Backend) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = match backend {
            Backend::Sqlite => format!("sqlite://{}", dir.path().join("dix.db").display()),
            Backend::Postgres => {
                let admin = std::env::var("DIX_TEST_PG_URL").expect(
                    "DIX_TEST_PG_URL is not set: PostgreSQL tests need a server. Run the tests with scripts/test.sh, which installs and starts one",
                );
                let name = format!("dix_{}", uuid::Uuid::new_v4().simple());
                sqlx::any::install_default_drivers();
                let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
                    .await
                    .expect("connect to DIX_TEST_PG_URL");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .expect("create database");
                let (base, _) = admin.rsplit_once('/').expect("URL ends in /database");
                format!("{base}/{name}")
            }
        };
        Self { url, dir }
    }
}

/// A binary of this workspace next to this test binary
/// (`target/<profile>/<name>`), unless `DIXD_BIN`/`DIX_BIN` says otherwise.
pub fn binary_path(name: &str) -> PathBuf {
    let var = format!("{}_BIN", name.to_ascii_uppercase());
    if let Some(p) = std::env::var_os(&var) {
        return p.into();
    }
    let exe = std::env::current_exe().expect("current exe");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps/test");
    let path = profile_dir.join(name);
    assert!(
        path.exists(),
        "{} does not exist: build it first (cargo build --workspace --bins), as scripts/test.sh does",
        path.display()
    );
    path
}

/// The `dixd` binary.
pub fn dixd_path() -> PathBuf {
    binary_path("dixd")
}

/// A running `dixd`.
pub struct DixNode {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    args: Vec<String>,
    log: PathBuf,
}

impl DixNode {
    /// Starts `dixd --listen 127.0.0.1:0 --db <db> --dns <dns> <extra...>`
    /// and waits for it to say where it listens.
    pub async fn start(db: &TestDb, dns: std::net::SocketAddr, extra: &[&str]) -> Self {
        let mut args = vec![
            "--listen".into(),
            "127.0.0.1:0".into(),
            "--db".into(),
            db.url.clone(),
            "--dns".into(),
            dns.to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let log = db
            .dir
            .path()
            .join(format!("dixd-{}.log", uuid::Uuid::new_v4().simple()));
        let mut node = Self {
            child: None,
            url: String::new(),
            args,
            log,
        };
        node.spawn().await;
        node
    }

    async fn spawn(&mut self) {
        let log = std::fs::File::create(&self.log).expect("log file");
        // In the test's own folder: a node key written to the working
        // directory (PostgreSQL's default) must not land in the source tree.
        let dir = self.log.parent().expect("the log is in the test's folder");
        let mut child = Command::new(dixd_path())
            .current_dir(dir)
            .args(&self.args)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("spawn dixd");
        let stdout = child.stdout.take().expect("piped");
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("dixd did not start within 60 s; log:\n{}", self.logs()))
            .expect("read stdout")
            .unwrap_or_else(|| panic!("dixd exited before listening; log:\n{}", self.logs()));
        let url = line
            .strip_prefix("dixd listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        self.url = url.trim().to_owned();
        // Keep draining stdout so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        self.child = Some(child);
    }

    /// Adds arguments for the next start (`restart`, `start_again`).
    pub fn add_args(&mut self, extra: &[&str]) {
        self.args.extend(extra.iter().map(|s| s.to_string()));
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(Child::id)
    }

    /// `url` + `path`.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// What the node logged so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Stops with SIGTERM, waits, and starts again on the same database (a
    /// new port).
    pub async fn restart(&mut self) {
        self.stop().await;
        self.spawn().await;
    }

    /// Graceful stop.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Some(pid) = child.id() {
                let _ = std::process::Command::new("kill")
                    .args(["-TERM", &pid.to_string()])
                    .status();
            }
            let _ = tokio::time::timeout(Duration::from_secs(20), child.wait()).await;
            let _ = child.kill().await;
        }
    }

    /// `kill -9`: no chance to flush anything.
    pub async fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.expect("SIGKILL");
            let _ = child.wait().await;
        }
    }

    /// Starts again after `kill9` or `stop`.
    pub async fn start_again(&mut self) {
        self.spawn().await;
    }
}
