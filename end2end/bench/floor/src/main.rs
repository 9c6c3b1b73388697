//! The floor of `make bench`: what the app's busiest pages and an escrow
//! payment cost without the framework. `serve` answers the home, category,
//! search and item pages (and a static file) with the SQL the app runs for
//! them, writing the HTML with `format!`; `pay` runs the statements of
//! placing and paying an order directly on a sqlx pool. The app's speed over
//! this program's, measured in the same run, is the ratio issue 12 asks for.
//!
//! The statements were taken from the app's own statement log
//! (`RUST_LOG=info,sqlx::query=debug`, see src/server/db.rs); when the store
//! changes what a page or a payment runs, change it here too.

mod pages;
mod payments;

use clap::{Parser, Subcommand};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;

/// A pool on either backend. The code that uses one is written once and
/// expanded for each by [`on!`], since sqlx's row and argument types differ.
#[derive(Clone)]
pub enum Db {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// Runs `$body` with `$pool` bound to the backend's own pool.
#[macro_export]
macro_rules! on {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite($pool) => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
}

impl Db {
    /// The app's settings (src/server/db.rs): WAL, synchronous NORMAL and
    /// foreign keys on SQLite; `connections` connections.
    async fn connect(url: &str, connections: u32) -> Result<Db, sqlx::Error> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(std::time::Duration::from_secs(10))
                .foreign_keys(true);
            Ok(Db::Sqlite(SqlitePoolOptions::new().max_connections(connections).connect_with(options).await?))
        } else {
            Ok(Db::Postgres(PgPoolOptions::new().max_connections(connections).connect(url).await?))
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Db::Postgres(_))
    }
}

#[derive(Parser)]
#[command(about = "The SQL of the app's pages and payments without the framework (make bench)")]
struct Cli {
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Answer the home, category, search and item pages and /favicon.svg.
    Serve {
        #[arg(long, default_value = "127.0.0.1:3297")]
        addr: String,
        /// The app's pool sizes: 8 on SQLite, four per core on PostgreSQL.
        #[arg(long)]
        connections: Option<u32>,
        /// Where public/favicon.svg is.
        #[arg(long, default_value = "public")]
        public_dir: std::path::PathBuf,
    },
    /// Place and pay orders from `clients` tasks at once, as the app's
    /// payment benchmark does over HTTP, and print the results as JSON.
    Pay(payments::Options),
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { addr, connections, public_dir } => {
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
            let postgres = !cli.database_url.starts_with("sqlite:");
            let connections = connections.unwrap_or(if postgres { cores * 4 } else { 8 });
            let db = Db::connect(&cli.database_url, connections).await?;
            let favicon = std::fs::read(public_dir.join("favicon.svg"))?;
            let listener = tokio::net::TcpListener::bind(&addr).await?;
            axum::serve(listener, pages::router(db, favicon))
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
        }
        Command::Pay(options) => {
            // The app's pool sizes; on SQLite its writers queue on a lock
            // (payments::run), as the app's do.
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
            let connections = if cli.database_url.starts_with("sqlite:") { 8 } else { cores * 4 };
            let db = Db::connect(&cli.database_url, connections).await?;
            let report = payments::run(&db, &options).await?;
            println!("{}", serde_json::to_string(&report)?);
        }
    }
    Ok(())
}
