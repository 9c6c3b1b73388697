use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use escrowmart::domain::merchant::Mode;
use escrowmart::domain::order::Rules;
use escrowmart::server::bank::SimulatedBank;
use escrowmart::server::clock::{Clock, SystemClock};
use escrowmart::server::config::{Cli, Command, MerchantCommand, ServeArgs, SimulateArgs, UserCommand};
use escrowmart::server::limits::Limits;
use escrowmart::server::mail::MailSettings;
use escrowmart::server::media::MediaStore;
use escrowmart::server::merchant::setup;
use escrowmart::server::seed::{self, DEMO_BUYER, DEMO_PASSWORD, Seeded};
use escrowmart::server::state::{AppState, AppStateInner, Settings, random_secret};
use escrowmart::server::store::sessions::DbSessionStore;
use escrowmart::server::{audit, db, http, sim, store, worker};
use leptos::config::get_configuration;
use sea_orm::DatabaseConnection;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    return_large_blocks_to_the_system();
    match tokio::runtime::Runtime::new() {
        Ok(runtime) => {
            let code = runtime.block_on(start());
            // Dropping the runtime waits for every worker thread, without
            // end. A `make bench` run left a SIGTERMed server hanging there:
            // its last worker was stuck for good in reactive_graph 0.2.16's
            // `with_context`, which holds an owner's read lock while it drops
            // a parent owner whose cleanup write-locks that same owner (a page
            // whose client had gone while its resource still ran). Requests
            // are finished by now, so a stuck thread is left behind, not
            // waited for.
            runtime.shutdown_timeout(std::time::Duration::from_secs(5));
            code
        }
        Err(e) => {
            eprintln!("escrowmart: cannot start the async runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Allocations of 1 MiB and more are mapped and unmapped on their own, so
/// memory goes back to the system when they end. glibc otherwise raises its
/// mapping threshold to the largest block freed so far (up to 32 MiB), and
/// each of its per-thread arenas then keeps such blocks after use: every
/// password hash takes 19 MiB, and payments from 16 clients (each signing up
/// first) left the server at a peak of 346 MB, 592 MB from 64; with this
/// setting 74 MB and 78 MB (end2end/bench/payment.mjs). Set before the
/// runtime starts any thread.
fn return_large_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's parameters; it is called
    // before any other thread exists. It returns 0 when a value is refused,
    // which leaves glibc's default in place.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

async fn start() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn")),
        )
        .init();
    let cli = Cli::parse();
    let database_url = cli.database_url.clone();
    let connections = cli.db_connections;
    let media = MediaStore::new(cli.media_dir.clone());
    match run(cli.command(), &database_url, connections, media).await {
        Ok(code) => code,
        Err(message) => {
            eprintln!("escrowmart: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(
    command: Command,
    database_url: &str,
    connections: Option<u32>,
    media: MediaStore,
) -> Result<ExitCode, String> {
    // The simulation makes its own database: it must never touch the real one.
    let command = match command {
        Command::Simulate(args) => return simulate(args).await,
        other => other,
    };
    let db = db::connect_and_migrate_sized(database_url, connections)
        .await
        .map_err(|e| format!("cannot open the database at {database_url}: {e}"))?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    match command {
        Command::Migrate => {
            println!("database is up to date");
            Ok(ExitCode::SUCCESS)
        }
        Command::Seed(args) => {
            if !args.demo {
                return Err("say what to seed: `escrowmart seed --demo`".into());
            }
            let scale = seed::Scale {
                listings: args.listings,
                members: args.users,
                orders: args.orders,
                seed: args.seed,
            };
            let started = std::time::Instant::now();
            let progress = seed::progress::CommandLineProgress::for_this_terminal();
            seed_demo(&db, &media, clock.now_ms(), &Rules::default(), &scale, &progress).await?;
            progress.finish();
            println!("took {:.1} s", started.elapsed().as_secs_f64());
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit => {
            let report = audit::run(&db).await.map_err(|e| format!("audit could not run: {e}"))?;
            println!("{report}");
            Ok(if report.passed() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Backup { file } => {
            db::backup_sqlite(&db, &file).await.map_err(|e| e.to_string())?;
            println!(
                "backed up to {}; check a copy with `DATABASE_URL=sqlite://{} escrowmart audit`",
                file.display(),
                file.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::GrantArbiter { email }) => {
            if store::members::grant_arbiter(&db, &email).await.map_err(|e| e.to_string())? {
                println!("{email} is now an arbiter");
                Ok(ExitCode::SUCCESS)
            } else {
                Err(format!("no member with the email {email}"))
            }
        }
        Command::Merchant(MerchantCommand::Setup { email, name, password, test, webhook_url }) => {
            let mode = if test { Mode::Test } else { Mode::Live };
            let now = clock.now_ms();
            let shop = setup::Shop {
                email: &email,
                name: &name,
                password: &password,
                mode,
                webhook_url: webhook_url.as_deref(),
            };
            let made = setup::setup(&db, &shop, now, &Rules::default()).await?;
            println!("ESCROWMART_API_KEY={}", made.api_key);
            if let Some(secret) = made.webhook_secret {
                println!("ESCROWMART_WEBHOOK_SECRET={secret}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => serve(db, connections, clock, media, *args).await.map(|()| ExitCode::SUCCESS),
        // Taken above before the database opens; kept whole here for the match.
        Command::Simulate(args) => simulate(args).await,
    }
}

async fn simulate(args: SimulateArgs) -> Result<ExitCode, String> {
    let seed = args.seed.unwrap_or_else(rand::random);
    println!("simulating {} steps with seed {seed}", args.ops);
    let config = sim::Config {
        seed,
        ops: args.ops,
        members: args.members.max(2),
        audit_every: args.audit_every.max(1),
    };
    let place = sim::Scratch::new(args.postgres.as_deref()).await?;
    let result = sim::run(place.url(), config).await;
    place.remove().await;
    match result {
        Ok(report) => {
            println!("{report}");
            Ok(ExitCode::SUCCESS)
        }
        Err(divergence) => Err(format!("{divergence}\nrepeat it with --seed {}", divergence.seed)),
    }
}

async fn seed_demo(
    db: &DatabaseConnection,
    media: &MediaStore,
    now: i64,
    rules: &Rules,
    scale: &seed::Scale,
    progress: &dyn seed::Progress,
) -> Result<(), String> {
    let seeded = seed::demo_reporting(db, media, now, rules, scale, progress).await;
    match seeded.map_err(|e| format!("seeding failed: {e}"))? {
        Seeded::Demo { members, listings, orders } => println!(
            "seeded {members} members, {listings} listings and {orders} orders; \
             sign in as {} with password {DEMO_PASSWORD}",
            DEMO_BUYER.0
        ),
        Seeded::AlreadyPopulated => println!("the database already has members; nothing seeded"),
    }
    Ok(())
}

async fn serve(
    db: DatabaseConnection,
    connections: Option<u32>,
    clock: Arc<dyn Clock>,
    media: MediaStore,
    args: ServeArgs,
) -> Result<(), String> {
    let rules = args.rules.rules()?;
    if args.demo {
        seed_demo(&db, &media, clock.now_ms(), &rules, &seed::Scale::default(), &seed::Quiet).await?;
    }
    let mut leptos_options =
        get_configuration(None).map_err(|e| format!("leptos configuration: {e}"))?.leptos_options;
    if let Some(addr) = args.addr {
        leptos_options.site_addr = addr;
    }
    if let Some(root) = &args.site_root {
        leptos_options.site_root = root.to_string_lossy().as_ref().into();
    }
    if std::env::var_os("LEPTOS_HASH_FILES").is_none() {
        leptos_options.hash_files = http::built_names_are_hashed(&leptos_options);
    }
    let addr = leptos_options.site_addr;
    let given_or_random = |secret: &Option<String>| -> Arc<[u8]> {
        match secret {
            Some(secret) if !secret.is_empty() => secret.as_bytes().into(),
            _ => random_secret(),
        }
    };
    let bank_secret = given_or_random(&args.bank.bank_secret);
    let link_secret = given_or_random(&args.secret);
    let public_url = args.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
    let bank = SimulatedBank::new(
        format!("{}/bank/callback", public_url.trim_end_matches('/')),
        bank_secret.clone(),
        args.bank.bank_mode,
        args.bank.bank_delay,
        args.bank.bank_duplicate_every,
        clock.clone(),
    );

    let metrics_handle = escrowmart::server::metrics::global();
    escrowmart::server::metrics::spawn_upkeep(metrics_handle.clone());
    DbSessionStore::new(db.clone()).spawn_expiry_sweeper(std::time::Duration::from_secs(3600));

    let replica = match args.database_read_url.as_deref().filter(|url| !url.is_empty()) {
        Some(url) => Some(
            db::connect_replica(url, connections)
                .await
                .map_err(|e| format!("cannot open the read replica: {e}"))?,
        ),
        None => None,
    };
    let state = AppState::new(AppStateInner {
        db,
        replica,
        built_files: http::built_file_names(&leptos_options),
        leptos_options,
        clock,
        rules,
        bank: Arc::new(bank),
        media: Arc::new(media),
        settings: Arc::new(Settings {
            secure_cookies: args.secure_cookies,
            bank_secret,
            link_secret,
            public_url: public_url.trim_end_matches('/').to_owned(),
            webhook_retry_ms: args.webhook_retry_schedule()?,
            webhook_timeout: escrowmart::server::merchant::delivery::TIMEOUT,
            webhook_allow_private: args.webhook_allow_private,
            mail: args.smtp_url.clone().filter(|url| !url.is_empty()).map(|smtp_url| MailSettings {
                smtp_url,
                from: args.mail_from.clone(),
                retry_ms: escrowmart::server::mail::RETRY_SCHEDULE_MS.to_vec(),
                poll: args.mail_poll,
            }),
            metrics: escrowmart::server::metrics::Access {
                from: escrowmart::server::metrics::Access::parse_from(&args.metrics_from)?,
                token: args.metrics_token.clone().filter(|token| !token.is_empty()).map(Into::into),
            },
            read_your_writes_for: args.read_your_writes,
        }),
        category_counts: Arc::default(),
        stats: Arc::default(),
        limits: Arc::new(Limits::new(args.limits.settings())),
        audit: Arc::default(),
        metrics: metrics_handle,
        stopping: Arc::default(),
    });
    worker::spawn(state.clone(), args.timer_tick);
    escrowmart::server::mail::spawn(state.clone());
    let stopping = state.stopping.clone();
    let app = http::router(state);
    let listener = http::listen(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    tracing::info!("listening on http://{addr}");
    // The peer address feeds the per-address limits.
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown_signal(stopping, args.drain))
        .await
        .map_err(|e| format!("server failed: {e}"))
}

/// Ctrl-C stops accepting at once (someone at a terminal). SIGTERM, from a
/// service manager or a rolling restart, first marks the process stopping,
/// so `/healthz` answers 503, and goes on serving for the drain window:
/// a load balancer still sends requests until its check sees the 503, and
/// connections it had opened but this process had not yet accepted were
/// reset when the listener closed at once (chaos.mjs lost 2 of 48 so on a
/// busy CI machine). Then the server stops accepting and finishes the
/// requests it has before exiting (end2end/chaos/chaos.mjs and
/// cluster.sh --check stop it so under load).
async fn shutdown_signal(stopping: Arc<std::sync::atomic::AtomicBool>, drain: std::time::Duration) {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "Ctrl-C cannot be watched");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "SIGTERM cannot be watched");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {
            stopping.store(true, std::sync::atomic::Ordering::Relaxed);
            tracing::info!("stopping in {drain:?}: /healthz answers 503, requests are still served");
            tokio::time::sleep(drain).await;
        }
    }
    tracing::info!("stopping: finishing the requests in flight");
}
