//! The command line, with an environment variable behind every flag.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "escrowmart",
    version,
    about = "A marketplace where every purchase runs through escrow"
)]
// `escrowmart` alone serves, so the serve flags are accepted without the word.
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// Database to use. A `sqlite://` file is created on first start;
    /// `postgres://…` switches to PostgreSQL.
    #[arg(
        long,
        env = "DATABASE_URL",
        global = true,
        default_value = "sqlite://data/escrowmart.db"
    )]
    pub database_url: String,

    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub serve: ServeArgs,
}

impl Cli {
    pub fn command(self) -> Command {
        self.command.unwrap_or(Command::Serve(self.serve))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app (the default).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Fill an empty database with data.
    Seed(SeedArgs),
    /// Check the database's invariants; exits 1 when any fails.
    Audit,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on. Defaults to Leptos' site address (127.0.0.1:3000).
    #[arg(long, env = "ESCROWMART_ADDR")]
    pub addr: Option<SocketAddr>,

    /// Mark the session cookie Secure; set when served behind TLS.
    #[arg(long, env = "ESCROWMART_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,

    /// Seed demo data on start when the database is empty.
    #[arg(long, env = "ESCROWMART_DEMO", default_value_t = false)]
    pub demo: bool,

    /// Where the built site (wasm, css, public files) is read from.
    #[arg(long, env = "LEPTOS_SITE_ROOT")]
    pub site_root: Option<PathBuf>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct SeedArgs {
    /// The small believable marketplace for trying the app.
    #[arg(long)]
    pub demo: bool,
}
