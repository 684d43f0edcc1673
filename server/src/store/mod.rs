//! Storage through sqlx's `Any` driver: one set of queries for SQLite (the
//! embedded default) and PostgreSQL (production). All SQL of a table lives in
//! that table's module; migrations live in `server/migrations/<backend>/`.
//!
//! Durability: a publish is acknowledged after its transaction commits. SQLite
//! runs in WAL mode with `synchronous=FULL`, so a commit is on disk when it
//! returns; PostgreSQL's defaults (fsync, synchronous_commit) give the same.

mod equivocations;
mod incidents;
mod issuers;
mod notices;
mod peers;
mod rechecks;
mod rows;
mod webhooks;

use std::borrow::Cow;
use std::sync::Arc;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx::{AnyPool, Executor};

pub use equivocations::EquivocationRow;
pub use incidents::{IncidentFilter, IncidentRow, IndexRow, ScopeRow};
pub use issuers::IssuerKeyRow;
pub use notices::{FeedPage, NewNotice, NoticeRow, PublishOutcome, digest};
pub use peers::{PeerAdvance, PeerRow};
pub use rechecks::RecheckRow;
pub use webhooks::{OutboxEvent, WebhookStats};

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// The node's database.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer; taking turns here avoids SQLITE_BUSY on lock
    /// upgrades. PostgreSQL takes a per-issuer advisory lock instead, which
    /// also covers several dixd replicas sharing one database.
    write_turn: Arc<tokio::sync::Mutex<()>>,
}

#[derive(Debug)]
struct Embedded(Backend);

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(
        self,
    ) -> futures_core::future::BoxFuture<'s, Result<Vec<Migration>, sqlx::error::BoxDynError>> {
        let files: &[(i64, &str, &str)] = match self.0 {
            Backend::Sqlite => &[
                (
                    1,
                    "notices",
                    include_str!("../../migrations/sqlite/0001_notices.sql"),
                ),
                (
                    2,
                    "incident_id",
                    include_str!("../../migrations/sqlite/0002_incident_id.sql"),
                ),
                (
                    3,
                    "peers",
                    include_str!("../../migrations/sqlite/0003_peers.sql"),
                ),
                (
                    4,
                    "webhooks",
                    include_str!("../../migrations/sqlite/0004_webhooks.sql"),
                ),
                (
                    5,
                    "scope_rechecks",
                    include_str!("../../migrations/sqlite/0005_scope_rechecks.sql"),
                ),
            ],
            Backend::Postgres => &[
                (
                    1,
                    "notices",
                    include_str!("../../migrations/postgres/0001_notices.sql"),
                ),
                (
                    2,
                    "incident_id",
                    include_str!("../../migrations/postgres/0002_incident_id.sql"),
                ),
                (
                    3,
                    "peers",
                    include_str!("../../migrations/postgres/0003_peers.sql"),
                ),
                (
                    4,
                    "webhooks",
                    include_str!("../../migrations/postgres/0004_webhooks.sql"),
                ),
                (
                    5,
                    "scope_rechecks",
                    include_str!("../../migrations/postgres/0005_scope_rechecks.sql"),
                ),
            ],
        };
        let migrations = files
            .iter()
            .map(|(v, d, sql)| {
                Migration::new(
                    *v,
                    Cow::Borrowed(*d),
                    MigrationType::Simple,
                    Cow::Borrowed(*sql),
                    false,
                )
            })
            .collect();
        Box::pin(async move { Ok(migrations) })
    }
}

impl Store {
    /// Connects, creating a SQLite file if needed, and migrates.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        install_default_drivers();
        let (backend, url) = if url.starts_with("sqlite:") {
            let url = if url.contains('?') {
                url.to_owned()
            } else {
                format!("{url}?mode=rwc")
            };
            (Backend::Sqlite, url)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            (Backend::Postgres, url.to_owned())
        } else {
            anyhow::bail!("database URL {url:?}: expected sqlite://PATH or postgres://...");
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections.max(1))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        for pragma in [
                            "PRAGMA journal_mode = WAL",
                            "PRAGMA synchronous = FULL",
                            "PRAGMA busy_timeout = 10000",
                            "PRAGMA foreign_keys = ON",
                        ] {
                            conn.execute(pragma).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(|e| anyhow::anyhow!("connecting to the database: {e}"))?;
        let migrator = Migrator::new(Embedded(backend))
            .await
            .map_err(|e| anyhow::anyhow!("loading migrations: {e}"))?;
        migrator
            .run(&pool)
            .await
            .map_err(|e| anyhow::anyhow!("migrating the database: {e}"))?;
        Ok(Self {
            pool,
            backend,
            write_turn: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    /// A transaction that will write. On SQLite it takes the write lock at
    /// BEGIN (IMMEDIATE): a deferred transaction that reads first and then
    /// writes fails at once with SQLITE_BUSY_SNAPSHOT ("database is
    /// locked", code 517) when another connection committed in between —
    /// busy_timeout cannot wait that out — whereas IMMEDIATE waits for the
    /// lock under busy_timeout. PostgreSQL's BEGIN needs no such thing.
    pub(super) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Cheap liveness check.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    /// Closes the pool (waits for connections to finish).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// `true`/`false` as the integer both databases store.
fn flag(b: bool) -> i64 {
    i64::from(b)
}

#[cfg(test)]
mod write_race_tests {
    use std::time::Duration;

    use super::*;

    /// SQLite only (PostgreSQL's BEGIN needs no lock): a write transaction
    /// that begins while another connection holds the write lock waits for
    /// it and then reads what it committed. A deferred BEGIN would read
    /// first (the old rows) and then fail on its write with
    /// SQLITE_BUSY_SNAPSHOT, which CI once showed as a 500 on publish.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_second_writer_waits_for_the_first_and_sees_its_commit() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("race.db").display());
        let store = Store::connect(&url, 2).await.unwrap();
        sqlx::query("CREATE TABLE race (n INTEGER)")
            .execute(&store.pool)
            .await
            .unwrap();

        let mut first = store.begin_write().await.unwrap();
        sqlx::query("INSERT INTO race (n) VALUES (1)")
            .execute(&mut *first)
            .await
            .unwrap();
        let second = {
            let store = store.clone();
            tokio::spawn(async move {
                let mut tx = store.begin_write().await?;
                let (seen,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM race")
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO race (n) VALUES (2)")
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok::<i64, sqlx::Error>(seen)
            })
        };
        // The second writer has started and is waiting at its BEGIN.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!second.is_finished(), "the second writer did not wait");
        first.commit().await.unwrap();

        let seen = second.await.unwrap().expect("the second writer commits");
        assert_eq!(seen, 1, "it read after the first writer's commit");
        let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM race")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(rows, 2);
    }
}
