//! Opening the database: SQLite (embedded default) or PostgreSQL.

use std::collections::HashMap;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    AccessMode, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, ExecResult, IsolationLevel, QueryResult, SqliteTransactionMode, Statement,
    TransactionOptions, TransactionTrait,
};

/// How long a SQLite writer waits for another to finish before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections kept open to PostgreSQL unless told otherwise: four per core.
/// Payments hold row locks on shared balances (escrow, fees), so connections
/// beyond what the cores can run only lengthen the queue at those rows.
/// Measured with end2end/bench/payment.mjs (release, 2 cores, PostgreSQL on
/// the same machine), 64 clients: 32 connections 437 write tx/s, p99 of
/// paying 692 ms; 16: 536 tx/s, 224 ms; 8: 549–589 tx/s, 126–139 ms; 4:
/// 531 tx/s, 119 ms. At 16 clients 8 connections gave p99 33–60 ms, 32 gave
/// 116–141 ms.
fn postgres_connections() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
    cores.saturating_mul(4)
}

/// Connections kept open to SQLite: one writes at a time, the rest read
/// beside it (WAL).
const SQLITE_CONNECTIONS: u32 = 8;

/// Connects and brings the schema up to date; `connections` overrides the
/// pool size chosen for the backend.
pub async fn connect_and_migrate(url: &str) -> Result<DatabaseConnection, DbErr> {
    connect_and_migrate_sized(url, None).await
}

pub async fn connect_and_migrate_sized(
    url: &str,
    connections: Option<u32>,
) -> Result<DatabaseConnection, DbErr> {
    let db = connect(url, connections).await?;
    Migrator::up(&db, None).await?;
    Ok(db)
}

/// Connects to a read replica: no migrations (a standby refuses writes; it
/// gets the schema from the primary).
pub async fn connect_replica(url: &str, connections: Option<u32>) -> Result<DatabaseConnection, DbErr> {
    connect(url, connections).await
}

async fn connect(url: &str, connections: Option<u32>) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    // Statements are logged (target sqlx::query, without their values) only
    // when RUST_LOG asks for them at debug, e.g. `info,sqlx::query=debug`:
    // the benchmark floor (end2end/bench/floor) repeats what such a log
    // shows the pages and payments run.
    let log_statements = tracing::enabled!(target: "sqlx::query", tracing::Level::DEBUG);
    options
        .sqlx_logging(log_statements)
        .sqlx_logging_level(log::LevelFilter::Debug)
        .acquire_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        create_parent_dir(url)?;
        options
            // Writers of this process queue in `write_turn`; the busy timeout
            // is left for writes from other processes (the CLI beside a
            // running server). Readers run beside the writer thanks to WAL,
            // so a small pool helps reads.
            .max_connections(connections.unwrap_or(SQLITE_CONNECTIONS))
            .map_sqlx_sqlite_opts(|opts| {
                opts.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    .foreign_keys(true)
            });
    } else {
        options.max_connections(connections.unwrap_or_else(postgres_connections));
    }
    Database::connect(options).await
}

/// One queue per SQLite database file for everything that writes to it.
///
/// SQLite lets one writer in at a time. Without this queue the others wait in
/// SQLite's busy handler, which sleeps 1, 2, 5, 10 … 100 ms between tries and
/// so wakes late: payments at 64 clients had a p99 of 231 ms (issue 12) while
/// each write transaction takes about 1 ms. Here a writer waits on an async
/// lock that hands over in arrival order the moment the previous writer ends,
/// and it holds no pooled connection while it waits, so readers keep the pool.
/// Keyed by file because the lock SQLite takes is the file's: a pool reopened
/// on the same file (the simulator's restarts) must share the queue.
static SQLITE_WRITE_QUEUES: LazyLock<Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>> =
    LazyLock::new(Mutex::default);

/// A writer's place at the head of its database's write queue; the next
/// writer goes when this is dropped. Empty on PostgreSQL, whose writers wait
/// only for the rows they touch.
#[must_use = "the write queue is released when this is dropped"]
pub struct WriteTurn {
    _place: Option<tokio::sync::OwnedMutexGuard<()>>,
}

/// Waits for this process's turn to write to `db`. Every write to SQLite that
/// can meet other writers goes through here: [`begin_write`] and the session
/// store's single statements.
pub async fn write_turn(db: &DatabaseConnection) -> WriteTurn {
    if db.get_database_backend() != DbBackend::Sqlite {
        return WriteTurn { _place: None };
    }
    let file = db.get_sqlite_connection_pool().connect_options().get_filename().to_path_buf();
    let queue = {
        // Poisoning needs a panic while the map is held, and nothing in this
        // block can panic; taking the map anyway keeps the queue working.
        let mut queues = SQLITE_WRITE_QUEUES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(queues.entry(file).or_default())
    };
    let place = match Arc::clone(&queue).try_lock_owned() {
        Ok(place) => place,
        Err(_) => {
            let waiting = std::time::Instant::now();
            let place = queue.lock_owned().await;
            metrics::histogram!(super::metrics::SQLITE_WRITE_WAIT).record(waiting.elapsed());
            place
        }
    };
    WriteTurn { _place: Some(place) }
}

/// A write transaction together with its turn in the write queue, which it
/// gives up only after the commit or rollback has reached the database.
pub struct WriteTransaction {
    txn: DatabaseTransaction,
    _turn: WriteTurn,
}

impl WriteTransaction {
    /// Commits; what the transaction did counts in the metrics only now, and
    /// the member who asked reads the primary for a while.
    pub async fn commit(self) -> Result<(), DbErr> {
        let committed = self.txn.commit().await;
        match committed {
            Ok(()) => {
                super::metrics::committed();
                super::replica::note_write();
            }
            Err(_) => super::metrics::forget(),
        }
        committed
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        super::metrics::forget();
        self.txn.rollback().await
    }
}

// So that queries and `exec` take a write transaction where they take any
// connection; everything is passed straight to the transaction.
#[async_trait::async_trait]
impl ConnectionTrait for WriteTransaction {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}

impl Deref for WriteTransaction {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

/// Starts a transaction that will write, after waiting for its turn
/// ([`write_turn`]). On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`): a deferred transaction that reads and then writes can
/// fail with "database is locked" when another writer got in between, which
/// the busy timeout cannot cure. A transaction dropped without commit is
/// rolled back by SeaORM when its connection is next used; a writer that goes
/// in before that waits in the busy handler, on error paths only.
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTransaction, DbErr> {
    let turn = write_turn(db).await;
    // Whatever an earlier transaction of this task noted and never
    // committed was rolled back with it.
    super::metrics::forget();
    let txn = match db.get_database_backend() {
        DbBackend::Sqlite => {
            db.begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?
        }
        _ => db.begin().await?,
    };
    Ok(WriteTransaction { txn, _turn: turn })
}

/// Starts a read-only transaction that sees one snapshot of the database:
/// `REPEATABLE READ` on PostgreSQL; on SQLite (WAL) every read transaction
/// already does, from its first read to its end.
pub async fn begin_snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            db.begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly)).await
        }
        _ => db.begin().await,
    }
}

/// Why a backup was not made.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "a PostgreSQL database is backed up with its own tools: pg_dump --format=custom --file=FILE \"$DATABASE_URL\" (restore with pg_restore --no-owner --dbname=NEW_DATABASE_URL FILE)"
    )]
    UsePgDump,
    #[error("{0} already exists; choose a new file, a backup never overwrites one")]
    Exists(PathBuf),
    #[error("{0}")]
    Database(#[from] DbErr),
}

/// Writes a consistent copy of a SQLite database to a new file while the app
/// keeps running: `VACUUM INTO` reads one snapshot (WAL), so writers carry on
/// and the copy holds every transaction committed before it began and none
/// after. The copy is compact and opens like any database file.
pub async fn backup_sqlite(db: &DatabaseConnection, to: &Path) -> Result<(), BackupError> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Err(BackupError::UsePgDump);
    }
    if to.exists() {
        return Err(BackupError::Exists(to.to_path_buf()));
    }
    let file = to.to_string_lossy().into_owned();
    db.execute_raw(Statement::from_sql_and_values(DbBackend::Sqlite, "VACUUM INTO ?", [file.into()])).await?;
    Ok(())
}

/// Makes a new, empty PostgreSQL database on the server at `admin_url` for
/// one run (a test, a simulation) and returns its URL. `name` must be a
/// plain identifier the caller made; it is not quoted.
pub async fn create_postgres_database(admin_url: &str, name: &str) -> Result<String, DbErr> {
    let admin = Database::connect(admin_url).await?;
    let created = admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await;
    admin.close().await.ok();
    created?;
    let base = admin_url.rsplit_once('/').map_or(admin_url, |(base, _)| base);
    Ok(format!("{base}/{name}"))
}

/// Removes a database made by [`create_postgres_database`], ending the
/// sessions still connected to it.
pub async fn drop_postgres_database(admin_url: &str, name: &str) -> Result<(), DbErr> {
    let admin = Database::connect(admin_url).await?;
    let dropped = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
    admin.close().await.ok();
    dropped.map(|_| ())
}

fn create_parent_dir(url: &str) -> Result<(), DbErr> {
    let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    match Path::new(path).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir)
            .map_err(|e| DbErr::Custom(format!("cannot create database folder {}: {e}", dir.display()))),
        _ => Ok(()),
    }
}
