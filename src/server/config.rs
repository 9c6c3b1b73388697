//! The command line, with an environment variable behind every flag.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

use super::bank::BankMode;
use super::limits::LimitSettings;
use crate::domain::money::FeeRate;
use crate::domain::order::{Deadlines, Rules};

#[derive(Debug, Parser)]
#[command(name = "escrowmart", version, about = "A marketplace where every purchase runs through escrow")]
// `escrowmart` alone serves, so the serve flags are accepted without the word.
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// Database to use. A `sqlite://` file is created on first start;
    /// `postgres://…` switches to PostgreSQL.
    #[arg(long, env = "DATABASE_URL", global = true, default_value = "sqlite://data/escrowmart.db")]
    pub database_url: String,

    /// Where photos are kept (served at /media); demo seeding writes its
    /// generated pictures here too.
    #[arg(long, env = "ESCROWMART_MEDIA_DIR", global = true, default_value = "data/media")]
    pub media_dir: PathBuf,

    /// Database connections to keep open (default: 8 on SQLite, four per
    /// core on PostgreSQL).
    #[arg(long, env = "ESCROWMART_DB_CONNECTIONS", global = true, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub db_connections: Option<u32>,

    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub serve: ServeArgs,
}

impl Cli {
    pub fn command(self) -> Command {
        self.command.unwrap_or(Command::Serve(Box::new(self.serve)))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app (the default).
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Fill an empty database with data.
    Seed(SeedArgs),
    /// Check the database's invariants; exits 1 when any fails.
    Audit,
    /// Write a consistent copy of the SQLite database to a new file while
    /// the app runs (on PostgreSQL: says how to use pg_dump).
    Backup {
        /// The new file; an existing one is never overwritten.
        file: PathBuf,
    },
    /// Manage members.
    #[command(subcommand)]
    User(UserCommand),
    /// Set up shops that use the merchant API.
    #[command(subcommand)]
    Merchant(MerchantCommand),
    /// Run the deterministic simulation of the escrow engine on a fresh
    /// database of its own (never the one given by --database-url) and
    /// print what it did; exits 1 when the store and the model disagree.
    Simulate(SimulateArgs),
}

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// How many random steps to run.
    #[arg(long, default_value_t = 100_000)]
    pub ops: u64,
    /// The seed; a new one each run when not given (printed either way).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Members who buy and sell.
    #[arg(long, default_value_t = 12)]
    pub members: usize,
    /// Steps between full comparisons and audits.
    #[arg(long, default_value_t = 500)]
    pub audit_every: u64,
    /// Simulate on this PostgreSQL server (a database is created and
    /// dropped) instead of a temporary SQLite file.
    #[arg(long)]
    pub postgres: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum MerchantCommand {
    /// Make (or reuse) a member, turn on merchant mode, make an API key and
    /// optionally a webhook endpoint; prints them as environment lines
    /// (`ESCROWMART_API_KEY=…`, `ESCROWMART_WEBHOOK_SECRET=…`).
    Setup {
        /// The shop owner's email.
        #[arg(long)]
        email: String,
        /// The shop's name, shown to buyers at checkout (for a new member).
        #[arg(long, default_value = "Tea House")]
        name: String,
        /// The password of a new member.
        #[arg(long, env = "ESCROWMART_MERCHANT_PASSWORD")]
        password: String,
        /// Make a test key (em_test_…) instead of a live one.
        #[arg(long, default_value_t = false)]
        test: bool,
        /// Where to send webhooks.
        #[arg(long)]
        webhook_url: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Let a member decide disputes and fraud claims.
    GrantArbiter {
        /// The member's email.
        email: String,
    },
}

#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on. Defaults to Leptos' site address (127.0.0.1:3000).
    #[arg(long, env = "ESCROWMART_ADDR")]
    pub addr: Option<SocketAddr>,

    /// A streaming replica of the PostgreSQL database for reads that may be
    /// a moment stale: the home, search, category, item and seller pages
    /// and /stats. Money and members' own pages always read the primary.
    #[arg(long, env = "DATABASE_READ_URL", hide_env_values = true)]
    pub database_read_url: Option<String>,

    /// How long after a member's own write their reads skip the replica
    /// (read-your-writes); far above the replica's usual lag.
    #[arg(long, env = "ESCROWMART_READ_YOUR_WRITES", default_value = "5s", value_parser = humantime::parse_duration)]
    pub read_your_writes: Duration,

    /// Mark the session cookie Secure; set when served behind TLS.
    #[arg(long, env = "ESCROWMART_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,

    /// Seed demo data on start when the database is empty.
    #[arg(long, env = "ESCROWMART_DEMO", default_value_t = false)]
    pub demo: bool,

    /// Where the built site (wasm, css, public files) is read from.
    #[arg(long, env = "LEPTOS_SITE_ROOT")]
    pub site_root: Option<PathBuf>,

    /// The address people and the bank reach this server at; the simulated
    /// bank calls back to `<public-url>/bank/callback`. Defaults to http://<addr>.
    #[arg(long, env = "ESCROWMART_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// How often the timers worker looks for due deadlines.
    #[arg(long, env = "ESCROWMART_TIMER_TICK", default_value = "1s", value_parser = humantime::parse_duration)]
    pub timer_tick: Duration,

    /// After SIGTERM, how long the server goes on accepting while
    /// `/healthz` answers 503, before it stops accepting and finishes what
    /// it has. A load balancer needs this long to see the instance go (its
    /// check interval times its fall count); without it, connections it
    /// sent in the meantime were reset.
    #[arg(long, env = "ESCROWMART_DRAIN", default_value = "1s", value_parser = humantime::parse_duration)]
    pub drain: Duration,

    /// Signs the error messages that failed forms carry back to their page.
    /// Random per start when unset, which suits one instance; set it when
    /// running several.
    #[arg(long, env = "ESCROWMART_SECRET", hide_env_values = true)]
    pub secret: Option<String>,

    /// The waits before each retry of a webhook delivery, comma-separated.
    #[arg(
        long,
        env = "ESCROWMART_WEBHOOK_RETRY_SCHEDULE",
        default_value = "5s,5m,30m,2h,5h,10h,14h,20h,24h"
    )]
    pub webhook_retry_schedule: String,

    /// Let webhooks go to loopback and private addresses (a shop on the
    /// same machine or network); by default only public addresses are
    /// called.
    #[arg(long, env = "ESCROWMART_WEBHOOK_ALLOW_PRIVATE", default_value_t = false)]
    pub webhook_allow_private: bool,

    /// The SMTP server the e-mail outbox is sent through:
    /// `smtp://host:25`, `smtp://user:pass@host:587?tls=required`,
    /// `smtps://user:pass@host:465`. Unset, e-mails wait in the outbox.
    #[arg(long, env = "ESCROWMART_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Who the e-mails come from.
    #[arg(long, env = "ESCROWMART_MAIL_FROM", default_value = "Escrowmart <no-reply@escrowmart.localhost>")]
    pub mail_from: String,

    /// How often the e-mail sender looks for due messages.
    #[arg(long, env = "ESCROWMART_MAIL_POLL", default_value = "1s", value_parser = humantime::parse_duration)]
    pub mail_poll: Duration,

    /// Who may read `/metrics` without the token: addresses and networks,
    /// comma-separated (`127.0.0.1,10.0.0.0/8`). Unset, nobody.
    #[arg(long, env = "ESCROWMART_METRICS_FROM", default_value = "")]
    pub metrics_from: String,

    /// A token that opens `/metrics` from anywhere, sent as
    /// `Authorization: Bearer <token>`. Unset, only `--metrics-from` does.
    #[arg(long, env = "ESCROWMART_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    #[command(flatten)]
    pub rules: RulesArgs,

    #[command(flatten)]
    pub bank: BankArgs,

    #[command(flatten)]
    pub limits: LimitArgs,
}

impl ServeArgs {
    /// The webhook retry waits in ms, parsed from `--webhook-retry-schedule`.
    pub fn webhook_retry_schedule(&self) -> Result<Vec<i64>, String> {
        self.webhook_retry_schedule
            .split(',')
            .map(|wait| {
                humantime::parse_duration(wait.trim())
                    .ok()
                    .and_then(|d| i64::try_from(d.as_millis()).ok())
                    .ok_or_else(|| format!("--webhook-retry-schedule: {wait:?} is not a duration"))
            })
            .collect()
    }
}

/// How fast one address or member may ask (see `server::limits`).
#[derive(Debug, Clone, clap::Args)]
pub struct LimitArgs {
    /// Failed sign-ins to one account before each further try waits
    /// (a minute, doubling up to an hour).
    #[arg(long, env = "ESCROWMART_SIGN_IN_FAILURES_PER_ACCOUNT", default_value_t = LimitSettings::default().free_failures_per_account)]
    pub sign_in_failures_per_account: u32,
    /// Failed sign-ins from one address before each further try waits.
    #[arg(long, env = "ESCROWMART_SIGN_IN_FAILURES_PER_ADDRESS", default_value_t = LimitSettings::default().free_failures_per_address)]
    pub sign_in_failures_per_address: u32,
    /// Sign-ups from one address per hour.
    #[arg(long, env = "ESCROWMART_SIGN_UPS_PER_HOUR", default_value_t = LimitSettings::default().sign_ups_per_hour)]
    pub sign_ups_per_hour: u32,
    /// Form posts and server function calls per member (or per address
    /// before signing in) per minute.
    #[arg(long, env = "ESCROWMART_POSTS_PER_MINUTE", default_value_t = LimitSettings::default().posts_per_minute)]
    pub posts_per_minute: u32,
    /// Merchant API calls per key, and per address, per minute.
    #[arg(long, env = "ESCROWMART_API_CALLS_PER_MINUTE", default_value_t = LimitSettings::default().api_calls_per_minute)]
    pub api_calls_per_minute: u32,
}

impl LimitArgs {
    pub fn settings(&self) -> LimitSettings {
        LimitSettings {
            free_failures_per_account: self.sign_in_failures_per_account,
            free_failures_per_address: self.sign_in_failures_per_address,
            sign_ups_per_hour: self.sign_ups_per_hour,
            posts_per_minute: self.posts_per_minute,
            api_calls_per_minute: self.api_calls_per_minute,
        }
    }
}

/// The escrow rules: fee and deadlines (SPEC §2, §3). Durations are written
/// like `30m`, `48h`, `7d`, or `5s` for tests. Every default is the rules'
/// own (`Deadlines::default`, `FeeRate::DEFAULT`), defined once there.
#[derive(Debug, Clone, clap::Args)]
pub struct RulesArgs {
    /// Platform fee on released money, as a fraction.
    #[arg(long, env = "ESCROWMART_FEE_RATE", default_value_t = FeeRate::DEFAULT.rate().to_string())]
    pub fee_rate: String,
    #[arg(long, env = "ESCROWMART_UNPAID_TIMEOUT", default_value_t = default(|d| d.unpaid))]
    pub unpaid_timeout: humantime::Duration,
    #[arg(long, env = "ESCROWMART_SHIP_TIMEOUT", default_value_t = default(|d| d.ship))]
    pub ship_timeout: humantime::Duration,
    #[arg(long, env = "ESCROWMART_CONFIRM_TIMEOUT", default_value_t = default(|d| d.confirm))]
    pub confirm_timeout: humantime::Duration,
    #[arg(long, env = "ESCROWMART_ANSWER_TIMEOUT", default_value_t = default(|d| d.answer))]
    pub answer_timeout: humantime::Duration,
    #[arg(long, env = "ESCROWMART_ESCALATION_TIMEOUT", default_value_t = default(|d| d.escalation))]
    pub escalation_timeout: humantime::Duration,
    #[arg(long, env = "ESCROWMART_RETURN_SEND_TIMEOUT", default_value_t = default(|d| d.return_send))]
    pub return_send_timeout: humantime::Duration,
    #[arg(long, env = "ESCROWMART_RETURN_CONFIRM_TIMEOUT", default_value_t = default(|d| d.return_confirm))]
    pub return_confirm_timeout: humantime::Duration,
    #[arg(long, env = "ESCROWMART_CLAIM_WINDOW", default_value_t = default(|d| d.claim_window))]
    pub claim_window: humantime::Duration,
    /// One day of a confirm-by extension (the buyer picks 3, 5, 7 or 10).
    #[arg(long, env = "ESCROWMART_EXTENSION_DAY", default_value_t = default(|d| d.extension_unit))]
    pub extension_day: humantime::Duration,
}

/// A default deadline, as the rules define it.
fn default(pick: impl Fn(&Deadlines) -> crate::domain::time::Millis) -> humantime::Duration {
    Duration::from_millis(u64::try_from(pick(&Deadlines::default())).unwrap_or(0)).into()
}

impl RulesArgs {
    pub fn rules(&self) -> Result<Rules, String> {
        let ms = |d: humantime::Duration| {
            i64::try_from(Duration::from(d).as_millis()).map_err(|_| "a duration is too long".to_owned())
        };
        Ok(Rules {
            fee_rate: FeeRate::parse(&self.fee_rate).map_err(|e| format!("--fee-rate: {e}"))?,
            deadlines: Deadlines {
                unpaid: ms(self.unpaid_timeout)?,
                ship: ms(self.ship_timeout)?,
                confirm: ms(self.confirm_timeout)?,
                answer: ms(self.answer_timeout)?,
                escalation: ms(self.escalation_timeout)?,
                return_send: ms(self.return_send_timeout)?,
                return_confirm: ms(self.return_confirm_timeout)?,
                claim_window: ms(self.claim_window)?,
                extension_unit: ms(self.extension_day)?,
            },
        })
    }
}

/// The built-in simulated partner bank.
#[derive(Debug, Clone, clap::Args)]
pub struct BankArgs {
    /// What the bank answers: confirm, reject, or unreachable (fails at once).
    #[arg(long, env = "ESCROWMART_BANK_MODE", value_enum, default_value = "confirm")]
    pub bank_mode: BankMode,
    /// How long the bank takes to call back.
    #[arg(long, env = "ESCROWMART_BANK_DELAY", default_value = "2s", value_parser = humantime::parse_duration)]
    pub bank_delay: Duration,
    /// Every n-th callback is delivered twice, as real banks sometimes do (0: never).
    #[arg(long, env = "ESCROWMART_BANK_DUPLICATE_EVERY", default_value_t = 3)]
    pub bank_duplicate_every: u32,
    /// Shared secret signing the bank's callbacks. Random per start when
    /// unset, which suits one instance; set it when running several.
    #[arg(long, env = "ESCROWMART_BANK_SECRET", hide_env_values = true)]
    pub bank_secret: Option<String>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct SeedArgs {
    /// The believable marketplace for trying the app: 30 hand-written
    /// listings with pictures, four members and six orders, plus generated
    /// data up to the sizes below.
    #[arg(long)]
    pub demo: bool,

    /// Listings in all (generated beyond the hand-written 30).
    #[arg(long, default_value_t = 30)]
    pub listings: usize,

    /// Members in all (generated beyond the hand-written four).
    #[arg(long, default_value_t = 4)]
    pub users: usize,

    /// Orders in all, spread over the states (beyond the hand-written six).
    #[arg(long, default_value_t = 6)]
    pub orders: usize,

    /// The generator's seed: the same seed and sizes give the same data.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
}
