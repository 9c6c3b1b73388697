//! Placing and paying orders with the app's statements and nothing else.
//!
//! Run after end2end/bench/payment.mjs --floor has measured the app on the
//! same database: its buyers (buyer{i}@bench.test, signed in, their wallets
//! topped up for twice the orders) and its listings ("Benchmark item {i}",
//! stock for twice the orders) are used again, client i buying from listing
//! i as there. Each request's statements are the ones the app's log shows
//! for `place_order` and `pay_order` with a session cookie: the session
//! read, the member, the idempotency key's claim and record, the order's
//! rows, the ledger transfer with its guarded balance updates, the timer,
//! the timeline line and the notifications, in one write transaction per
//! request. `escrowmart audit` must pass afterwards (payment.mjs runs it),
//! which shows the floor wrote the same money movements.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
// Statement texts are constants; values are always bound.
use sqlx::{AssertSqlSafe, Row};
use tokio::sync::Mutex;

use crate::{Db, on};

#[derive(clap::Args)]
pub struct Options {
    /// Concurrent buyers, each buying from its own listing.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Orders each buyer places and pays.
    #[arg(long, default_value_t = 50)]
    orders_per_client: usize,
}

#[derive(Serialize)]
pub struct Report {
    orders: usize,
    seconds: f64,
    /// Write transactions (a place and a pay each) per second.
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// A buyer of the app's run, their session and their listing.
struct Client {
    buyer_id: i64,
    session_id: String,
    listing_id: i64,
}

pub async fn run(db: &Db, options: &Options) -> Result<Report, Box<dyn std::error::Error>> {
    let clients = clients(db, options.clients).await?;
    // SQLite's writers queue in the process, as the app's do (db::write_turn).
    let write_turn = Arc::new(Mutex::new(()));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in clients {
        let db = db.clone();
        let write_turn = write_turn.clone();
        let orders = options.orders_per_client;
        tasks.push(tokio::spawn(async move {
            let mut took = Vec::with_capacity(orders * 2);
            for n in 0..orders {
                let start = Instant::now();
                let order_id = place(&db, &write_turn, &client, n).await?;
                took.push(start.elapsed());
                let start = Instant::now();
                pay(&db, &write_turn, &client, order_id, n).await?;
                took.push(start.elapsed());
            }
            Ok::<_, sqlx::Error>(took)
        }));
    }
    let mut took: Vec<Duration> = Vec::new();
    for task in tasks {
        took.extend(task.await??);
    }
    let seconds = started.elapsed().as_secs_f64();
    took.sort();
    let quantile = |q: f64| {
        let at = ((took.len() as f64 * q) as usize).min(took.len().saturating_sub(1));
        took.get(at).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    Ok(Report {
        orders: took.len() / 2,
        seconds,
        rate: took.len() as f64 / seconds,
        p50_ms: quantile(0.5),
        p99_ms: quantile(0.99),
    })
}

async fn clients(db: &Db, count: usize) -> Result<Vec<Client>, sqlx::Error> {
    on!(db, pool => {
        let mut clients = Vec::with_capacity(count);
        for i in 0..count {
            let buyer_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
                .bind(format!("buyer{i}@bench.test"))
                .fetch_one(pool)
                .await?;
            let listing_id: i64 = sqlx::query_scalar("SELECT id FROM listings WHERE title = $1")
                .bind(format!("Benchmark item {i}"))
                .fetch_one(pool)
                .await?;
            // The buyer's session from the app's run, read as the app reads
            // it on every request.
            let session_id: String = sqlx::query_scalar(
                "SELECT id FROM sessions WHERE data LIKE $1 ORDER BY expires_at DESC LIMIT 1",
            )
            .bind(format!("%\"member_id\":{buyer_id},%"))
            .fetch_one(pool)
            .await?;
            clients.push(Client { buyer_id, session_id, listing_id });
        }
        Ok(clients)
    })
}

/// The app's statements, in the order its log shows them.
const SESSION: &str = "SELECT \"sessions\".\"id\", \"sessions\".\"data\", \"sessions\".\"expires_at\" FROM \"sessions\" \
     WHERE \"sessions\".\"id\" = $1 AND \"sessions\".\"expires_at\" > $2 LIMIT $3";
const GENERATION: &str =
    "SELECT \"users\".\"session_generation\" FROM \"users\" WHERE \"users\".\"id\" = $1 LIMIT $2";
pub(crate) const MEMBER: &str = "SELECT \"users\".\"id\", \"users\".\"email\", \"users\".\"display_name\", \"users\".\"password_hash\", \
     \"users\".\"created_at\", \"users\".\"is_arbiter\", \"users\".\"suspended_at\", \"users\".\"suspension_reason\", \
     \"users\".\"locale\", \"users\".\"email_verified_at\", \"users\".\"session_generation\" FROM \"users\" \
     WHERE \"users\".\"id\" = $1 LIMIT $2";
const CLAIM_KEY: &str = "INSERT INTO \"form_submissions\" (\"member_id\", \"key\", \"outcome\", \"created_at\", \
     \"request_hash\", \"response_status\") VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (\"member_id\", \"key\") DO NOTHING";
const RECORD_OUTCOME: &str = "UPDATE \"form_submissions\" SET \"outcome\" = $1 WHERE \"form_submissions\".\"member_id\" = $2 \
     AND \"form_submissions\".\"key\" = $3 RETURNING \"member_id\", \"key\", \"outcome\", \"created_at\", \"request_hash\", \
     \"response_status\"";
const LISTING: &str = "SELECT \"listings\".\"id\", \"listings\".\"seller_id\", \"listings\".\"title\", \"listings\".\"description\", \
     \"listings\".\"category\", \"listings\".\"condition\", \"listings\".\"price_fen\", \"listings\".\"stock\", \
     \"listings\".\"status\", \"listings\".\"created_at\", \"listings\".\"updated_at\", \"listings\".\"search_tokens\" \
     FROM \"listings\" WHERE \"listings\".\"id\" = $1 LIMIT $2";
const RESERVE: &str = "UPDATE \"listings\" SET \"stock\" = \"stock\" - $1 WHERE \"listings\".\"id\" = $2 \
     AND \"listings\".\"status\" = $3 AND \"listings\".\"stock\" >= $4";
const ORDER_COLUMNS: &str = "\"id\", \"buyer_id\", \"seller_id\", \"listing_id\", \"listing_title\", \"quantity\", \
     \"unit_price_fen\", \"amount_fen\", \"held_fen\", \"state\", \"version\", \"shipping_address\", \"ship_carrier\", \
     \"ship_tracking\", \"deadline_kind\", \"deadline_at\", \"paused_kind\", \"paused_remaining_ms\", \"confirm_extended\", \
     \"refund_kind\", \"refund_amount_fen\", \"refund_reason\", \"refund_from\", \"refund_refusal\", \"return_carrier\", \
     \"return_tracking\", \"ended_at\", \"created_at\", \"updated_at\"";
const INSERT_ORDER: &str = "INSERT INTO \"orders\" (\"buyer_id\", \"seller_id\", \"listing_id\", \"listing_title\", \"quantity\", \
     \"unit_price_fen\", \"amount_fen\", \"held_fen\", \"state\", \"version\", \"shipping_address\", \"confirm_extended\", \
     \"created_at\", \"updated_at\") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING ";
const ORDER_FIELDS: &str = "UPDATE \"orders\" SET \"held_fen\" = $1, \"state\" = $2, \"ship_carrier\" = $3, \
     \"ship_tracking\" = $4, \"deadline_kind\" = $5, \"deadline_at\" = $6, \"paused_kind\" = $7, \"paused_remaining_ms\" = $8, \
     \"confirm_extended\" = $9, \"refund_kind\" = $10, \"refund_amount_fen\" = $11, \"refund_reason\" = $12, \
     \"refund_from\" = $13, \"refund_refusal\" = $14, \"return_carrier\" = $15, \"return_tracking\" = $16, \"ended_at\" = $17, \
     \"updated_at\" = $18 WHERE \"orders\".\"id\" = $19 AND \"orders\".\"version\" = $20";
const DROP_TIMER: &str = "DELETE FROM \"timers\" WHERE \"timers\".\"order_id\" = $1";
const ADD_TIMER: &str = "INSERT INTO \"timers\" (\"order_id\", \"kind\", \"due_at\", \"claimed_until\") VALUES ($1, $2, $3, $4) \
     RETURNING \"id\", \"order_id\", \"kind\", \"due_at\", \"claimed_until\"";
const ADD_EVENT: &str = "INSERT INTO \"order_events\" (\"order_id\", \"actor\", \"actor_id\", \"kind\", \"from_state\", \
     \"to_state\", \"description\", \"told\", \"created_at\") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING \"id\", \
     \"order_id\", \"actor\", \"actor_id\", \"kind\", \"from_state\", \"to_state\", \"description\", \"told\", \"created_at\"";
const NEXT_VERSION: &str = "UPDATE \"orders\" SET \"version\" = $1 WHERE \"orders\".\"id\" = $2 AND \"orders\".\"state\" = $3 \
     AND \"orders\".\"version\" = $4";
const ACCOUNT: &str = "SELECT \"accounts\".\"id\", \"accounts\".\"code\", \"accounts\".\"member_id\", \"accounts\".\"balance_fen\" \
     FROM \"accounts\" WHERE \"accounts\".\"code\" = $1 LIMIT $2";
const TRANSFER: &str = "INSERT INTO \"transfers\" (\"debit_account_id\", \"credit_account_id\", \"amount_fen\", \"kind\", \
     \"order_id\", \"bank_operation_id\", \"idempotency_key\", \"created_at\") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
const DEBIT: &str = "UPDATE \"accounts\" SET \"balance_fen\" = \"balance_fen\" - $1 WHERE \"accounts\".\"id\" = $2 \
     AND \"accounts\".\"balance_fen\" >= $3";
const CREDIT: &str = "UPDATE \"accounts\" SET \"balance_fen\" = \"balance_fen\" + $1 WHERE \"accounts\".\"id\" = $2 \
     AND \"accounts\".\"balance_fen\" <= $3";
const NOTIFY: &str = "INSERT INTO \"notifications\" (\"member_id\", \"kind\", \"order_id\", \"message\", \"subject\", \
     \"read_at\", \"created_at\") VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING \"id\", \"member_id\", \"kind\", \"order_id\", \
     \"message\", \"subject\", \"read_at\", \"created_at\"";
const MAIL: &str = "INSERT INTO \"email_outbox\" (\"member_id\", \"to_address\", \"subject\", \"body\", \"created_at\", \
     \"sent_at\", \"attempts\", \"next_attempt_at\") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING \"id\", \"member_id\", \
     \"to_address\", \"subject\", \"body\", \"created_at\", \"sent_at\", \"attempts\", \"next_attempt_at\", \"claimed_until\", \
     \"last_error\", \"failed_at\"";
const ESCROW_OF_ORDER: &str = "SELECT \"escrows\".\"id\", \"escrows\".\"public_id\", \"escrows\".\"merchant_id\", \
     \"escrows\".\"mode\", \"escrows\".\"out_trade_no\", \"escrows\".\"amount_fen\", \"escrows\".\"subject\", \"escrows\".\"items\", \
     \"escrows\".\"buyer_email\", \"escrows\".\"return_url\", \"escrows\".\"cancel_url\", \"escrows\".\"metadata\", \
     \"escrows\".\"status\", \"escrows\".\"order_id\", \"escrows\".\"created_at\", \"escrows\".\"updated_at\" FROM \"escrows\" \
     WHERE \"escrows\".\"order_id\" = $1 LIMIT $2";

/// The domain's deadlines (escrowmart_domain::order::deadlines): 30 minutes
/// to pay, 7 days to ship.
const UNPAID_MS: i64 = 30 * 60 * 1000;
const SHIP_MS: i64 = 7 * 24 * 60 * 60 * 1000;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// ¥ with two decimals, as the app's Money displays.
fn yuan(fen: i64) -> String {
    format!("¥{}.{:02}", fen / 100, fen % 100)
}

/// The reads every signed-in request makes before its command: the session,
/// its generation, the member.
macro_rules! signed_in {
    ($pool:expr, $client:expr) => {{
        let now_seconds = now_ms() / 1000;
        sqlx::query(SESSION)
            .bind(&$client.session_id)
            .bind(now_seconds)
            .bind(1_i64)
            .fetch_optional($pool)
            .await?;
        sqlx::query(GENERATION).bind($client.buyer_id).bind(1_i64).fetch_optional($pool).await?;
        sqlx::query(MEMBER).bind($client.buyer_id).bind(1_i64).fetch_optional($pool).await?;
    }};
}

/// One keyed command as the app runs it (`idempotency::run_keyed` around a
/// command): the signed-in reads, then one write transaction, behind the
/// process's write turn on SQLite, that claims the idempotency key, runs
/// `$command` (which gives the order's id), records it as the outcome and
/// commits.
macro_rules! keyed_command {
    ($db:expr, $write_turn:expr, $client:expr, $key:expr, |$tx:ident, $now:ident| $command:block) => {{
        let postgres = $db.is_postgres();
        on!($db, pool => {
            signed_in!(pool, $client);
            let _turn = if postgres { None } else { Some($write_turn.lock().await) };
            let mut $tx = pool.begin_with(if postgres { "BEGIN" } else { "BEGIN IMMEDIATE" }).await?;
            let $now = now_ms();
            let key = $key;
            sqlx::query(CLAIM_KEY)
                .bind($client.buyer_id)
                .bind(&key)
                .bind("")
                .bind($now)
                .bind(None::<String>)
                .bind(None::<i32>)
                .execute(&mut *$tx)
                .await?;
            let order_id: i64 = $command;
            sqlx::query(RECORD_OUTCOME)
                .bind(format!("{{\"Order\":{order_id}}}"))
                .bind($client.buyer_id)
                .bind(&key)
                .fetch_one(&mut *$tx)
                .await?;
            $tx.commit().await?;
            Ok(order_id)
        })
    }};
}

/// The order's one deadline timer replaced (`replace_timer`).
macro_rules! replace_timer {
    ($tx:ident, $order_id:expr, $kind:expr, $due:expr) => {
        sqlx::query(DROP_TIMER).bind($order_id).execute(&mut *$tx).await?;
        sqlx::query(ADD_TIMER)
            .bind($order_id)
            .bind($kind)
            .bind($due)
            .bind(None::<i64>)
            .fetch_one(&mut *$tx)
            .await?;
    };
}

/// `place_order`: claim the key, read the listing and its seller, reserve
/// the stock, write the order with its fields, unpaid timer and first
/// timeline line, record the outcome; one write transaction.
async fn place(db: &Db, write_turn: &Mutex<()>, client: &Client, n: usize) -> Result<i64, sqlx::Error> {
    keyed_command!(db, write_turn, client, format!("floor{}p{n}", client.buyer_id), |tx, now| {
        let listing = sqlx::query(LISTING).bind(client.listing_id).bind(1_i64).fetch_one(&mut *tx).await?;
        let seller_id: i64 = listing.try_get("seller_id")?;
        let title: String = listing.try_get("title")?;
        let price: i64 = listing.try_get("price_fen")?;
        sqlx::query(MEMBER).bind(seller_id).bind(1_i64).fetch_one(&mut *tx).await?;
        let reserved = sqlx::query(RESERVE)
            .bind(1_i32)
            .bind(client.listing_id)
            .bind("active")
            .bind(1_i32)
            .execute(&mut *tx)
            .await?;
        if reserved.rows_affected() != 1 {
            return Err(sqlx::Error::Protocol("the listing sold out: give it more stock".into()));
        }
        let order = sqlx::query(AssertSqlSafe(format!("{INSERT_ORDER}{ORDER_COLUMNS}")))
            .bind(client.buyer_id)
            .bind(seller_id)
            .bind(client.listing_id)
            .bind(&title)
            .bind(1_i32)
            .bind(price)
            .bind(price)
            .bind(0_i64)
            .bind("awaiting_payment")
            .bind(0_i32)
            .bind("Bench Road 1")
            .bind(false)
            .bind(now)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
        let order_id: i64 = order.try_get("id")?;
        let due = now + UNPAID_MS;
        order_fields(0, "awaiting_payment", "unpaid", due, now, order_id, 0).execute(&mut *tx).await?;
        replace_timer!(tx, order_id, "unpaid", due);
        sqlx::query(ADD_EVENT)
            .bind(order_id)
            .bind("member")
            .bind(client.buyer_id)
            .bind("placed")
            .bind("awaiting_payment")
            .bind("awaiting_payment")
            .bind(format!("Ordered 1 × {}, total {}", yuan(price), yuan(price)))
            .bind(format!(
                "{{\"Placed\":{{\"quantity\":1,\"unit_price\":\"{0}.{1:02}\",\"amount\":\"{0}.{1:02}\"}}}}",
                price / 100,
                price % 100
            ))
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
        order_id
    })
}

/// The order's fields after a step (`write_order_fields`): only the held
/// amount, the state and the deadline differ between placing and paying.
fn order_fields<'q, DB: sqlx::Database>(
    held: i64,
    state: &'q str,
    deadline_kind: &'q str,
    deadline_at: i64,
    now: i64,
    order_id: i64,
    version: i32,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>
where
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i32: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let none = None::<String>;
    sqlx::query(ORDER_FIELDS)
        .bind(held)
        .bind(state)
        .bind(none.clone())
        .bind(none.clone())
        .bind(deadline_kind)
        .bind(deadline_at)
        .bind(none.clone())
        .bind(None::<i64>)
        .bind(false)
        .bind(none.clone())
        .bind(None::<i64>)
        .bind(none.clone())
        .bind(none.clone())
        .bind(none.clone())
        .bind(none.clone())
        .bind(none)
        .bind(None::<i64>)
        .bind(now)
        .bind(order_id)
        .bind(version)
}

/// `pay_order`: claim the key, read the order, move it on by its version,
/// post the payment from the buyer's wallet to escrow with both balance
/// guards, tell the seller (notification and e-mail), look for a merchant
/// escrow, replace the timer with the shipping deadline, add the timeline
/// line, record the outcome; one write transaction.
async fn pay(
    db: &Db,
    write_turn: &Mutex<()>,
    client: &Client,
    order_id: i64,
    n: usize,
) -> Result<i64, sqlx::Error> {
    keyed_command!(db, write_turn, client, format!("floor{}y{n}", client.buyer_id), |tx, now| {
        let order = sqlx::query(AssertSqlSafe(format!(
            "SELECT {} FROM \"orders\" WHERE \"orders\".\"id\" = $1 LIMIT $2",
            ORDER_COLUMNS.split(", ").map(|c| format!("\"orders\".{c}")).collect::<Vec<_>>().join(", ")
        )))
        .bind(order_id)
        .bind(1_i64)
        .fetch_one(&mut *tx)
        .await?;
        let amount: i64 = order.try_get("amount_fen")?;
        let seller_id: i64 = order.try_get("seller_id")?;
        let title: String = order.try_get("listing_title")?;
        let moved = sqlx::query(NEXT_VERSION)
            .bind(1_i32)
            .bind(order_id)
            .bind("awaiting_payment")
            .bind(0_i32)
            .execute(&mut *tx)
            .await?;
        if moved.rows_affected() != 1 {
            return Err(sqlx::Error::Protocol(format!("order {order_id} moved under the floor")));
        }
        let due = now + SHIP_MS;
        order_fields(amount, "paid", "ship", due, now, order_id, 1).execute(&mut *tx).await?;
        let wallet: i64 = sqlx::query(ACCOUNT)
            .bind(format!("member:{}:available", client.buyer_id))
            .bind(1_i64)
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
        let escrow: i64 =
            sqlx::query(ACCOUNT).bind("escrow").bind(1_i64).fetch_one(&mut *tx).await?.try_get("id")?;
        sqlx::query(TRANSFER)
            .bind(wallet)
            .bind(escrow)
            .bind(amount)
            .bind("payment")
            .bind(order_id)
            .bind(None::<i64>)
            .bind(format!("order:{order_id}:v0:payment:0"))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let debited = sqlx::query(DEBIT).bind(amount).bind(wallet).bind(amount).execute(&mut *tx).await?;
        if debited.rows_affected() != 1 {
            return Err(sqlx::Error::Protocol("the wallet ran dry: top up more".into()));
        }
        // Escrow's ceiling is i64::MAX (Account::ceiling).
        sqlx::query(CREDIT).bind(amount).bind(escrow).bind(i64::MAX - amount).execute(&mut *tx).await?;
        sqlx::query(NOTIFY)
            .bind(seller_id)
            .bind("paid_ship_now")
            .bind(order_id)
            .bind(format!("Paid — ship now: {title}"))
            .bind(&title)
            .bind(None::<i64>)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
        let seller = sqlx::query(MEMBER).bind(seller_id).bind(1_i64).fetch_one(&mut *tx).await?;
        let email: String = seller.try_get("email")?;
        let name: String = seller.try_get("display_name")?;
        sqlx::query(MAIL)
            .bind(seller_id)
            .bind(&email)
            .bind(format!("买家已付款，请发货：{title}"))
            .bind(format!(
                "{name}，你好：\n\n买家已付款，请发货：{title}\n\n查看订单：/orders/{order_id}\n\n—— 担保集市"
            ))
            .bind(now)
            .bind(None::<i64>)
            .bind(0_i32)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(ESCROW_OF_ORDER).bind(order_id).bind(1_i64).fetch_optional(&mut *tx).await?;
        replace_timer!(tx, order_id, "ship", due);
        sqlx::query(ADD_EVENT)
            .bind(order_id)
            .bind("member")
            .bind(client.buyer_id)
            .bind("pay")
            .bind("awaiting_payment")
            .bind("paid")
            .bind("Paid into escrow")
            .bind("{\"Event\":\"Pay\"}")
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
        order_id
    })
}
