//! A seeded, deterministic simulation of the escrow engine. Random commands
//! from buyers, sellers, an arbiter, the bank and the clock go through the
//! one door (`commands::execute`) on a real database, with the faults a
//! live service meets: repeated submissions, answers lost to a crash and
//! sent again, transactions aborted before commit, late and repeated bank
//! callbacks, clock jumps past every deadline, and restarts that drop the
//! connection pool. After every step the store is compared with a model
//! that applies the same pure rules to its own copy of the world (the
//! orders touched, stock, every ledger balance); every `audit_every` steps
//! all open orders and `escrowmart audit` too.
//!
//! The same seed makes the same run: commands, amounts and the clock all
//! come from one ChaCha8 stream, and the model never depends on ids or
//! references the store chose except through what the store answered.

mod model;

use std::time::{Duration, Instant};

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::DatabaseConnection;

use self::model::{Delta, Expect, Model, ModelListing, NewIds};
use super::clock::{ManualClock, Millis};
use super::store::commands::{self, Actor, Command, Outcome};
use super::store::{self, StoreError};
use super::{audit, db, worker};
use crate::domain::account::NewMember;
use crate::domain::bank::{BankVerdict, OperationKind};
use crate::domain::ledger::{Account, Balances, MemberId};
use crate::domain::listing::{Category, Condition, ListingDraft};
use crate::domain::money::Money;
use crate::domain::order::{
    DAY, EXTENSION_DAYS, Event, HOUR, MINUTE, OrderState, RefundKind, Rules, Shipment,
};

/// 2027-01-15 08:00 UTC: a fixed start, so runs repeat.
const START: Millis = 1_800_000_000_000;

#[derive(Clone, Debug)]
pub struct Config {
    pub seed: u64,
    pub ops: u64,
    /// Members who buy and sell (an arbiter comes on top).
    pub members: usize,
    /// Steps between full comparisons and audits.
    pub audit_every: u64,
}

impl Config {
    pub fn new(seed: u64, ops: u64) -> Self {
        Self { seed, ops, members: 12, audit_every: 500 }
    }
}

/// What a run did, for the log and the closing note.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub seed: u64,
    pub ops: u64,
    pub applied: u64,
    pub refused: u64,
    pub replayed: u64,
    pub aborted: u64,
    pub lost_answers: u64,
    pub restarts: u64,
    pub timers_fired: u64,
    pub clock_jumps: u64,
    pub late_callbacks: u64,
    pub full_checks: u64,
    pub orders: u64,
    pub completed: u64,
    pub elapsed: Duration,
}

impl Report {
    pub fn ops_per_second(&self) -> f64 {
        self.ops as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "seed {}: {} ops in {:.1} s ({:.0} ops/s): {} applied, {} refused, {} repeats answered \
             from the first outcome, {} aborted transactions, {} lost answers sent again, {} restarts, \
             {} timers fired, {} clock jumps past every deadline, {} late or repeated bank callbacks; \
             {} orders ({} completed); {} full comparisons and audits passed",
            self.seed,
            self.ops,
            self.elapsed.as_secs_f64(),
            self.ops_per_second(),
            self.applied,
            self.refused,
            self.replayed,
            self.aborted,
            self.lost_answers,
            self.restarts,
            self.timers_fired,
            self.clock_jumps,
            self.late_callbacks,
            self.orders,
            self.completed,
            self.full_checks,
        )
    }
}

/// Where the store and the model parted, with what reproduces it.
#[derive(Debug, thiserror::Error)]
#[error("simulation diverged (seed {seed}, step {step}, {step_name}): {what}")]
pub struct Divergence {
    pub seed: u64,
    pub step: u64,
    pub step_name: String,
    pub what: String,
}

/// A keyed submission whose outcome a repeat must get back.
#[derive(Clone, Debug)]
struct Keyed {
    actor: Actor,
    key: String,
    command: Command,
    outcome: Outcome,
}

/// How a submission goes wrong on purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    None,
    /// The transaction is rolled back before commit (the process died).
    Abort,
    /// It commits but the answer never reaches the member, who sends it
    /// again later with the same key.
    LoseAnswer,
}

struct Sim {
    config: Config,
    url: String,
    db: DatabaseConnection,
    rng: ChaCha8Rng,
    model: Model,
    report: Report,
    step: u64,
    step_name: String,
    history: Vec<Keyed>,
    unanswered: Vec<Keyed>,
}

/// Runs the simulation on an empty database at `url` (SQLite or
/// PostgreSQL).
pub async fn run(url: &str, config: Config) -> Result<Report, Divergence> {
    let started = Instant::now();
    let db = db::connect_and_migrate(url).await.map_err(|e| fail_at(&config, 0, "connect", e))?;
    let mut sim = Sim {
        rng: ChaCha8Rng::seed_from_u64(config.seed),
        model: Model::new(START, Rules::default()),
        report: Report { seed: config.seed, ..Report::default() },
        url: url.to_owned(),
        db,
        step: 0,
        step_name: "setup".into(),
        history: Vec::new(),
        unanswered: Vec::new(),
        config,
    };
    sim.setup().await?;
    while sim.step < sim.config.ops {
        sim.step += 1;
        sim.one_step().await?;
        if sim.step.is_multiple_of(sim.config.audit_every) {
            sim.full_check().await?;
        }
    }
    sim.step_name = "final check".into();
    sim.full_check().await?;
    sim.db.clone().close().await.ok();
    sim.report.ops = sim.step;
    sim.report.orders = sim.model.orders.len() as u64;
    sim.report.completed =
        sim.model.orders.values().filter(|o| o.order.state == OrderState::Completed).count() as u64;
    sim.report.elapsed = started.elapsed();
    Ok(sim.report)
}

fn fail_at(config: &Config, step: u64, step_name: &str, what: impl std::fmt::Display) -> Divergence {
    Divergence { seed: config.seed, step, step_name: step_name.into(), what: what.to_string() }
}

fn money(fen: i64) -> Money {
    Money::from_fen(fen).unwrap_or(Money::ZERO)
}

fn is_refusal(error: &StoreError) -> bool {
    !matches!(error, StoreError::Db(_) | StoreError::Corrupt(_) | StoreError::Conflict)
}

impl Sim {
    fn diverged(&self, what: impl std::fmt::Display) -> Divergence {
        fail_at(&self.config, self.step, &self.step_name, what)
    }

    async fn setup(&mut self) -> Result<(), Divergence> {
        let email = "arbiter@example.com";
        let arbiter =
            NewMember { email: email.into(), display_name: "Arbiter".into(), password: String::new() };
        // Nobody signs in: a placeholder hash saves argon2's time.
        let made = store::members::create(&self.db, &arbiter, "-".into(), self.model.now)
            .await
            .map_err(|e| self.diverged(e))?;
        store::members::grant_arbiter(&self.db, email).await.map_err(|e| self.diverged(e))?;
        self.model.arbiter = made.id;
        for _ in 0..self.config.members {
            self.join().await?;
        }
        Ok(())
    }

    /// A new member signs up, confirms the address, and lists two items.
    async fn join(&mut self) -> Result<(), Divergence> {
        self.step_name = "a member joins".into();
        let n = self.model.members.len() + 1;
        let email = format!("sim{n}@example.com");
        let member = NewMember { email, display_name: format!("Sim {n}"), password: String::new() };
        let now = self.model.now;
        let made =
            store::members::create(&self.db, &member, "-".into(), now).await.map_err(|e| self.diverged(e))?;
        store::accounts::confirm_email(&self.db, made.id, now).await.map_err(|e| self.diverged(e))?;
        self.model.members.push(made.id);
        for _ in 0..2 {
            self.new_listing(made.id).await?;
        }
        Ok(())
    }

    fn member(&mut self) -> MemberId {
        *self.model.members.choose(&mut self.rng).unwrap_or(&0)
    }

    /// Usually who may act; now and then anyone, to be refused.
    fn actor_or_intruder(&mut self, rightful: Actor) -> Actor {
        if self.rng.random_bool(0.9) {
            return rightful;
        }
        if self.rng.random_bool(0.2) {
            Actor::Arbiter(self.model.arbiter)
        } else {
            Actor::Member(self.member())
        }
    }

    fn draft(&mut self) -> ListingDraft {
        ListingDraft {
            title: "Simulated teapot".into(),
            description: "Made by the simulator".into(),
            category: Category::DailyGoods,
            condition: Condition::New,
            price: money(self.rng.random_range(100..50_000)),
            stock: self.rng.random_range(0..12),
        }
    }

    async fn new_listing(&mut self, seller: MemberId) -> Result<(), Divergence> {
        let draft = self.draft();
        let expect = self.model.expect_new_listing(seller, draft.price, draft.stock);
        let command = Command::Listing(store::listings::Change::Create(draft));
        self.submit(Actor::Member(seller), command, expect, false, Fault::None).await
    }

    async fn one_step(&mut self) -> Result<(), Divergence> {
        let roll = self.rng.random_range(0..1000u32);
        match roll {
            0..160 => self.place().await,
            160..520 => self.order_step().await,
            520..600 => self.top_up().await,
            600..630 => self.withdraw().await,
            630..720 => self.bank_answer().await,
            720..735 => self.claim_step().await,
            735..770 => self.listing_step().await,
            770..830 => self.advance_clock().await,
            830..870 => self.fire_timers().await,
            870..920 => self.repeat_submission().await,
            920..960 => self.send_unanswered().await,
            960..997 => self.faulty_step().await,
            _ => self.restart().await,
        }
    }

    /// A step whose transaction dies before commit, or whose answer is
    /// lost after it.
    async fn faulty_step(&mut self) -> Result<(), Divergence> {
        let fault = if self.rng.random_bool(0.5) { Fault::Abort } else { Fault::LoseAnswer };
        match self.rng.random_range(0..3) {
            0 => self.place_with(fault).await,
            1 => self.top_up_with(fault).await,
            _ => self.order_step_with(fault).await,
        }
    }

    async fn place(&mut self) -> Result<(), Divergence> {
        self.place_with(Fault::None).await
    }

    async fn place_with(&mut self, fault: Fault) -> Result<(), Divergence> {
        self.step_name = "place an order".into();
        let buyer = self.member();
        let listing_ids: Vec<i64> = self.model.listings.keys().copied().collect();
        let Some(&listing_id) = listing_ids.choose(&mut self.rng) else { return Ok(()) };
        let quantity = if self.rng.random_bool(0.02) { 0 } else { self.rng.random_range(1..4) };
        let expect = self.model.expect_place(buyer, listing_id, quantity);
        let command = Command::PlaceOrder {
            listing_id,
            quantity,
            shipping_address: "1 Simulation Road, Hangzhou".into(),
        };
        self.submit(Actor::Member(buyer), command, expect, true, fault).await
    }

    /// An open order (rarely an ended one) and an event that mostly fits
    /// its state, from who mostly may send it.
    async fn order_step(&mut self) -> Result<(), Divergence> {
        self.order_step_with(Fault::None).await
    }

    async fn order_step_with(&mut self, fault: Fault) -> Result<(), Divergence> {
        let order_id = if self.rng.random_bool(0.95) && !self.model.open.is_empty() {
            let open: Vec<i64> = self.model.open.iter().copied().collect();
            open.choose(&mut self.rng).copied()
        } else {
            // Any order at all, without listing them (a long run has many).
            let last = self.model.orders.keys().next_back().copied().unwrap_or(0);
            let from = self.rng.random_range(0..=last);
            self.model.orders.range(from..).next().map(|(id, _)| *id)
        };
        let Some(order_id) = order_id else { return Ok(()) };
        let Some(current) = self.model.orders.get(&order_id).cloned() else { return Ok(()) };
        let order = &current.order;
        let buyer = Actor::Member(order.buyer);
        let seller = Actor::Member(order.seller);
        let arbiter = Actor::Arbiter(self.model.arbiter);
        let held = order.held.fen();
        let part = if held > 0 { money(self.rng.random_range(1..=held)) } else { money(1) };
        let shipment = Shipment { carrier: "SF Express".into(), tracking: format!("SF{}", self.step) };
        let (event, rightful) = match (order.state, self.rng.random_range(0..10)) {
            (OrderState::AwaitingPayment, 0..6) => (Event::Pay, buyer),
            (OrderState::AwaitingPayment, 6..8) => {
                self.step_name = "pay an order by bank".into();
                let actor = self.actor_or_intruder(buyer);
                let Actor::Member(member) = actor else { return Ok(()) };
                return self
                    .start_bank(member, OperationKind::TopUp, order.amount, Some(order_id), fault)
                    .await;
            }
            (OrderState::AwaitingPayment, _) => (Event::Cancel, buyer),
            (OrderState::Paid, 0..6) => (Event::Ship(shipment), seller),
            (OrderState::Paid, 6) => (Event::SellerCancel, seller),
            (OrderState::Paid, 7) => (Event::SellerRefund { amount: part }, seller),
            (OrderState::Paid | OrderState::Shipped, 8) => (
                Event::RequestRefund { kind: RefundKind::RefundOnly, amount: part, reason: "Broken".into() },
                buyer,
            ),
            (OrderState::Shipped, 0..5) => (Event::ConfirmReceipt, buyer),
            (OrderState::Shipped, 5) => {
                let days = *EXTENSION_DAYS.choose(&mut self.rng).unwrap_or(&3);
                (Event::ExtendConfirm { days }, buyer)
            }
            (OrderState::Shipped, 6..8) => (
                Event::RequestRefund {
                    kind: RefundKind::ReturnAndRefund,
                    amount: part,
                    reason: "Wrong size".into(),
                },
                buyer,
            ),
            (OrderState::RefundRequested, 0..4) => (Event::AgreeRefund, seller),
            (OrderState::RefundRequested, 4..7) => {
                (Event::RefuseRefund { reason: "It was fine".into() }, seller)
            }
            (OrderState::RefundRequested | OrderState::RefundRefused, 7) => (Event::WithdrawRefund, buyer),
            (OrderState::RefundRequested, _) => (Event::SendReturn(shipment), buyer),
            (OrderState::RefundRefused, _) => (Event::Escalate, buyer),
            (OrderState::ReturnInTransit, 0..6) => (Event::ConfirmReturn, seller),
            (OrderState::ReturnInTransit, _) => {
                (Event::DisputeReturn { reason: "Came back broken".into() }, seller)
            }
            (OrderState::InArbitration, _) => {
                (Event::Decide { refund: part, reason: "Split it".into() }, arbiter)
            }
            // Anything else: an event the state may well refuse.
            (_, n) => match n % 3 {
                0 => (Event::Pay, buyer),
                1 => (Event::ConfirmReceipt, buyer),
                _ => (Event::Ship(shipment), seller),
            },
        };
        self.step_name = format!("{} on a {} order", event.kind().slug(), order.state.slug());
        let actor = self.actor_or_intruder(rightful);
        let expect = self.model.expect_event(order_id, &event, actor);
        let command = Command::Order { order_id, event, photos: Vec::new() };
        self.submit(actor, command, expect, true, fault).await
    }

    async fn top_up(&mut self) -> Result<(), Divergence> {
        self.top_up_with(Fault::None).await
    }

    async fn top_up_with(&mut self, fault: Fault) -> Result<(), Divergence> {
        self.step_name = "top up".into();
        let member = self.member();
        let amount = money(self.rng.random_range(0..200_000));
        self.start_bank(member, OperationKind::TopUp, amount, None, fault).await
    }

    async fn withdraw(&mut self) -> Result<(), Divergence> {
        self.step_name = "withdraw".into();
        let member = self.member();
        let wallet = self.model.ledger.get(Account::Available(member));
        // Now and then more than the wallet holds, to be refused.
        let amount = money(self.rng.random_range(1..=wallet.max(1) + wallet / 4));
        self.start_bank(member, OperationKind::Withdrawal, amount, None, Fault::None).await
    }

    async fn start_bank(
        &mut self,
        member: MemberId,
        kind: OperationKind,
        amount: Money,
        pay_order_id: Option<i64>,
        fault: Fault,
    ) -> Result<(), Divergence> {
        let expect = self.model.expect_start_bank(member, kind, amount, pay_order_id);
        let command = Command::StartBank { kind, amount, pay_order_id };
        self.submit(Actor::Member(member), command, expect, true, fault).await
    }

    /// The bank answers a pending operation, or repeats an old answer
    /// (late, or contradicting the first), or the platform gives up on an
    /// unreachable bank.
    async fn bank_answer(&mut self) -> Result<(), Divergence> {
        let pending: Vec<usize> = self.model.pending_bank.iter().copied().collect();
        let late = pending.is_empty() || self.rng.random_bool(0.15);
        let index = if late {
            if self.model.bank.is_empty() {
                return Ok(());
            }
            self.report.late_callbacks += 1;
            self.rng.random_range(0..self.model.bank.len())
        } else {
            *pending.choose(&mut self.rng).unwrap_or(&0)
        };
        let reference = self.model.bank[index].reference.clone();
        let roll = self.rng.random_range(0..20);
        let (verdict, actor, command) = match roll {
            0 => (None, Actor::System, Command::FailBank { reference, reason: "bank unreachable".into() }),
            1..4 => (
                Some(BankVerdict::Rejected),
                Actor::Bank,
                Command::SettleBank { reference, verdict: BankVerdict::Rejected },
            ),
            _ => (
                Some(BankVerdict::Confirmed),
                Actor::Bank,
                Command::SettleBank { reference, verdict: BankVerdict::Confirmed },
            ),
        };
        self.step_name = format!("bank answer {verdict:?}{}", if late { " (late)" } else { "" });
        let expect = self.model.expect_settle(index, verdict);
        self.submit(actor, command, expect, false, Fault::None).await
    }

    async fn claim_step(&mut self) -> Result<(), Divergence> {
        let open_claims: Vec<i64> = self
            .model
            .claims
            .iter()
            .filter(|(_, c)| c.state == crate::domain::claims::ClaimState::Open)
            .map(|(id, _)| *id)
            .collect();
        if !open_claims.is_empty() && self.rng.random_bool(0.5) {
            self.step_name = "decide a fraud claim".into();
            let claim_id = *open_claims.choose(&mut self.rng).unwrap_or(&0);
            let uphold = self.rng.random_bool(0.2);
            let actor = self.actor_or_intruder(Actor::Arbiter(self.model.arbiter));
            let expect = self.model.expect_decide_claim(claim_id, uphold, actor);
            let command = Command::DecideClaim { claim_id, uphold, reason: "Looked at the evidence".into() };
            self.submit(actor, command, expect, true, Fault::None).await?;
            // An upheld claim suspends a seller for good; new members keep
            // the market from running out of sellers on long runs.
            if self.model.suspended.len() * 3 > self.model.members.len() {
                self.join().await?;
            }
            return Ok(());
        }
        self.step_name = "file a fraud claim".into();
        let ended: Vec<(i64, MemberId)> = self
            .model
            .orders
            .iter()
            .rev()
            .filter(|(_, o)| matches!(o.order.state, OrderState::Completed | OrderState::Resolved))
            .take(50)
            .map(|(id, o)| (*id, o.order.buyer))
            .collect();
        let Some(&(order_id, buyer)) = ended.choose(&mut self.rng) else { return Ok(()) };
        let actor = self.actor_or_intruder(Actor::Member(buyer));
        let expect = self.model.expect_file_claim(order_id, actor);
        let command = Command::FileClaim { order_id, statement: "It was a fake".into(), photos: Vec::new() };
        self.submit(actor, command, expect, true, Fault::None).await
    }

    async fn listing_step(&mut self) -> Result<(), Divergence> {
        let listings: Vec<(i64, ModelListing)> =
            self.model.listings.iter().map(|(id, l)| (*id, l.clone())).collect();
        let Some((listing_id, listing)) = listings.choose(&mut self.rng).cloned() else { return Ok(()) };
        let seller = if self.rng.random_bool(0.9) { listing.seller } else { self.member() };
        let (expect, change) = match self.rng.random_range(0..10) {
            0..6 => {
                self.step_name = "restock a listing".into();
                let draft = self.draft();
                let expect = self.model.expect_listing_update(seller, listing_id, draft.price, draft.stock);
                (expect, store::listings::Change::Update(listing_id, draft))
            }
            6..9 => {
                self.step_name = "delist or relist".into();
                let active = !listing.active || self.rng.random_bool(0.3);
                let expect = self.model.expect_listing_active(seller, listing_id, active);
                (expect, store::listings::Change::SetActive(listing_id, active))
            }
            _ => {
                self.step_name = "new listing".into();
                return self.new_listing(seller).await;
            }
        };
        self.submit(Actor::Member(seller), Command::Listing(change), expect, false, Fault::None).await
    }

    /// Time passes: mostly minutes to days; now and then far past every
    /// deadline. Due timers fire at the next worker round.
    async fn advance_clock(&mut self) -> Result<(), Divergence> {
        let by = if self.rng.random_bool(0.05) {
            self.report.clock_jumps += 1;
            self.step_name = "clock jumps 60 days".into();
            60 * DAY
        } else {
            self.step_name = "time passes".into();
            match self.rng.random_range(0..4) {
                0 => self.rng.random_range(MINUTE..HOUR),
                1 => self.rng.random_range(HOUR..DAY),
                _ => self.rng.random_range(DAY..8 * DAY),
            }
        };
        self.model.now += by;
        if self.rng.random_bool(0.5) { self.fire_timers().await } else { Ok(()) }
    }

    /// The timers worker's round, through `worker::fire_due_on` itself.
    async fn fire_timers(&mut self) -> Result<(), Divergence> {
        self.step_name = "timers fire".into();
        let clock = ManualClock::starting_at(self.model.now);
        let fired =
            worker::fire_due_on(&self.db, &clock, &self.model.rules).await.map_err(|e| self.diverged(e))?;
        let mut expected = 0usize;
        let mut touched = Vec::new();
        loop {
            let due = self.model.due_timers();
            if due.is_empty() {
                break;
            }
            for (order_id, kind) in due {
                match self.model.expect_event(order_id, &Event::Timeout(kind), Actor::System) {
                    Expect::Applied(delta) => {
                        expected += 1;
                        touched.extend(delta.order_ids());
                        self.model.absorb(*delta, &NewIds::default());
                    }
                    Expect::Refused => {
                        let version = self.model.orders.get(&order_id).map_or(0, |o| o.version);
                        self.model.dropped_timers.insert((order_id, version));
                    }
                }
            }
        }
        if fired != expected {
            return Err(self.diverged(format!("the worker fired {fired} timers, the model {expected}")));
        }
        self.report.timers_fired += fired as u64;
        self.compare(&touched, &[]).await
    }

    /// A member sends an earlier keyed submission again (a double click, a
    /// resent form): it must get the first outcome and change nothing.
    async fn repeat_submission(&mut self) -> Result<(), Divergence> {
        let Some(first) = self.history.choose(&mut self.rng).cloned() else { return Ok(()) };
        self.step_name = "repeat a submission".into();
        self.replay(first).await
    }

    /// A member whose answer was lost sends the same submission again.
    async fn send_unanswered(&mut self) -> Result<(), Divergence> {
        if self.unanswered.is_empty() {
            return Ok(());
        }
        let index = self.rng.random_range(0..self.unanswered.len());
        let first = self.unanswered.swap_remove(index);
        self.step_name = "send again after a lost answer".into();
        self.report.lost_answers += 1;
        self.replay(first).await
    }

    async fn replay(&mut self, first: Keyed) -> Result<(), Divergence> {
        let before = self.stored_balances().await?;
        let executed = commands::run(
            &self.db,
            first.actor,
            Some(&first.key),
            first.command.clone(),
            self.model.now,
            &self.model.rules,
        )
        .await
        .map_err(|e| self.diverged(format!("a repeat of {:?} failed: {e}", first.command)))?;
        if !executed.replayed || executed.outcome != first.outcome {
            return Err(self.diverged(format!(
                "a repeat of {:?} was {:?}, the first outcome {:?}",
                first.command, executed, first.outcome
            )));
        }
        self.report.replayed += 1;
        let after = self.stored_balances().await?;
        if !same_balances(&before, &after) {
            return Err(self.diverged("a repeated submission moved money"));
        }
        Ok(())
    }

    /// The process dies and comes back: a new connection pool on the same
    /// database, nothing in memory kept but the database.
    async fn restart(&mut self) -> Result<(), Divergence> {
        self.step_name = "restart".into();
        self.db.clone().close().await.map_err(|e| self.diverged(e))?;
        self.db = db::connect_and_migrate(&self.url).await.map_err(|e| self.diverged(e))?;
        self.report.restarts += 1;
        Ok(())
    }

    /// Sends one command through the one door and holds the store to the
    /// model's verdict.
    async fn submit(
        &mut self,
        actor: Actor,
        command: Command,
        expect: Expect,
        keyed: bool,
        fault: Fault,
    ) -> Result<(), Divergence> {
        let key = keyed.then(|| format!("sim-{}", self.step));
        let (now, rules) = (self.model.now, self.model.rules);
        let txn = db::begin_write(&self.db).await.map_err(|e| self.diverged(e))?;
        let result = commands::execute(&txn, actor, key.as_deref(), command.clone(), now, &rules).await;
        if fault == Fault::Abort || result.is_err() {
            txn.rollback().await.map_err(|e| self.diverged(e))?;
        } else {
            txn.commit().await.map_err(|e| self.diverged(e))?;
        }
        if fault == Fault::Abort {
            self.report.aborted += 1;
            // Nothing of it may remain: the model is unchanged, so the
            // comparison of what it would have touched must still hold.
            let (touched, listings): (Vec<i64>, Vec<i64>) = match &expect {
                Expect::Applied(delta) => {
                    (delta.order_ids().collect(), delta.stock.iter().map(|(id, _)| *id).collect())
                }
                Expect::Refused => (Vec::new(), Vec::new()),
            };
            return self.compare(&touched, &listings).await;
        }
        let delta = match (result, expect) {
            (Err(error), Expect::Refused) if is_refusal(&error) => {
                self.report.refused += 1;
                return self.compare(&[], &[]).await;
            }
            (Err(error), Expect::Refused) => {
                return Err(self.diverged(format!("{command:?} failed instead of being refused: {error}")));
            }
            (Err(error), Expect::Applied(_)) => {
                return Err(
                    self.diverged(format!("the store refused {command:?} ({error}); the model applies it"))
                );
            }
            (Ok(executed), Expect::Refused) => {
                return Err(
                    self.diverged(format!("the store did {command:?} ({executed:?}); the model refuses it"))
                );
            }
            (Ok(executed), Expect::Applied(delta)) => {
                if executed.replayed {
                    return Err(self.diverged(format!("a new key was answered as a repeat: {executed:?}")));
                }
                let ids = self.check_outcome(&delta, &executed.outcome)?;
                if let Some(key) = key {
                    let keyed = Keyed { actor, key, command, outcome: executed.outcome };
                    if fault == Fault::LoseAnswer {
                        self.unanswered.push(keyed.clone());
                    }
                    // A bounded window of submissions to repeat keeps memory flat on long runs.
                    if self.history.len() < 256 {
                        self.history.push(keyed);
                    } else {
                        let slot = self.rng.random_range(0..self.history.len());
                        self.history[slot] = keyed;
                    }
                }
                (delta, ids)
            }
        };
        let (delta, ids) = delta;
        let mut touched: Vec<i64> = delta.order_ids().collect();
        touched.extend(ids.order);
        let mut listings: Vec<i64> = delta.stock.iter().map(|(id, _)| *id).collect();
        listings.extend(delta.listing.as_ref().map(|(id, _)| *id));
        listings.extend(ids.listing);
        self.model.absorb(*delta, &ids);
        self.report.applied += 1;
        self.compare(&touched, &listings).await
    }

    /// Checks the outcome against the model's delta and returns the ids the
    /// store chose.
    fn check_outcome(&self, delta: &Delta, outcome: &Outcome) -> Result<NewIds, Divergence> {
        let mut ids = NewIds::default();
        match outcome {
            Outcome::Order(id) if delta.placed.is_some() => ids.order = Some(*id),
            Outcome::Order(id) if delta.orders.iter().any(|(o, _)| o == id) => {}
            Outcome::Bank { reference, new, .. } => {
                if let Some(index) = delta.existing_bank {
                    if *new || self.model.bank[index].reference != *reference {
                        return Err(self.diverged(format!(
                            "a second bank payment for one order started {reference} (new: {new})"
                        )));
                    }
                } else if delta.new_bank.is_some() {
                    if !new {
                        return Err(self.diverged("a new bank operation was not new"));
                    }
                    ids.bank_reference = Some(reference.clone());
                } else if delta.already_settled || delta.bank_status.is_empty() {
                    return Err(self.diverged(format!("unexpected bank outcome {outcome:?}")));
                }
            }
            Outcome::AlreadySettled if delta.already_settled => {}
            Outcome::Claim { claim_id, .. } if delta.filed_claim.is_some() => ids.claim = Some(*claim_id),
            Outcome::Claim { claim_id, state, .. } if delta.decided_claim == Some((*claim_id, *state)) => {}
            Outcome::Listing { listing_id, .. } if delta.new_listing.is_some() => {
                ids.listing = Some(*listing_id)
            }
            Outcome::Listing { listing_id, .. }
                if delta.listing.as_ref().is_some_and(|(id, _)| id == listing_id) => {}
            other => {
                return Err(self.diverged(format!("outcome {other:?} does not match the model's {delta:?}")));
            }
        }
        Ok(ids)
    }

    async fn stored_balances(&self) -> Result<Balances, Divergence> {
        store::ledger::all_balances(&self.db).await.map_err(|e| self.diverged(e))
    }

    /// The cheap comparison after every step: the orders and listings the
    /// step touched, and every ledger balance.
    async fn compare(&self, orders: &[i64], listings: &[i64]) -> Result<(), Divergence> {
        let stored = self.stored_balances().await?;
        if !same_balances(&stored, &self.model.ledger) {
            return Err(self.diverged(format!(
                "ledger differs: stored {:?}, model {:?}",
                differences(&stored, &self.model.ledger),
                differences(&self.model.ledger, &stored)
            )));
        }
        let records =
            store::orders::find_many(&self.db, orders.iter().copied()).await.map_err(|e| self.diverged(e))?;
        for id in orders {
            let expected = self.model.orders.get(id);
            let found = records.get(id);
            match (expected, found) {
                (Some(expected), Some(found))
                    if expected.order == found.order && expected.version == found.version => {}
                (None, None) => {}
                _ => {
                    return Err(self.diverged(format!(
                        "order {id} differs: stored {:?}, model {:?}",
                        found.map(|f| (f.version, &f.order)),
                        expected.map(|e| (e.version, &e.order))
                    )));
                }
            }
        }
        for id in listings {
            let found = store::listings::find(&self.db, *id).await.map_err(|e| self.diverged(e))?;
            let expected = self.model.listings.get(id);
            let same = match (found, expected) {
                (Some(found), Some(expected)) => {
                    i64::from(found.stock) == expected.stock
                        && found.price == expected.price
                        && (found.status == crate::domain::listing::ListingStatus::Active) == expected.active
                }
                (None, None) => true,
                _ => false,
            };
            if !same {
                return Err(self.diverged(format!("listing {id} differs from the model {expected:?}")));
            }
        }
        Ok(())
    }

    /// Every open order and listing compared, then the audit.
    async fn full_check(&mut self) -> Result<(), Divergence> {
        let open: Vec<i64> = self.model.open.iter().copied().collect();
        let listings: Vec<i64> = self.model.listings.keys().copied().collect();
        self.compare(&open, &listings).await?;
        let report = audit::run(&self.db).await.map_err(|e| self.diverged(e))?;
        if !report.passed() {
            return Err(self.diverged(format!("the audit failed:\n{report}")));
        }
        self.report.full_checks += 1;
        Ok(())
    }
}

/// Equal balances, an absent account counting as zero.
fn same_balances(a: &Balances, b: &Balances) -> bool {
    a.iter().all(|(account, fen)| b.get(account) == fen)
        && b.iter().all(|(account, fen)| a.get(account) == fen)
}

fn differences(a: &Balances, b: &Balances) -> Vec<(Account, i64)> {
    a.iter().filter(|(account, fen)| b.get(*account) != *fen).collect()
}

/// A database made for one simulation and removed after it: a SQLite file
/// in a new temporary directory, or a new database on a PostgreSQL server.
pub struct Scratch {
    url: String,
    place: ScratchPlace,
}

enum ScratchPlace {
    Directory(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

impl Scratch {
    pub async fn new(postgres_admin_url: Option<&str>) -> Result<Self, String> {
        let unique = format!("{}_{}", std::process::id(), uuid::Uuid::new_v4().simple());
        match postgres_admin_url {
            None => {
                let dir = std::env::temp_dir().join(format!("escrowmart-sim-{unique}"));
                std::fs::create_dir_all(&dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
                let url = format!("sqlite://{}", dir.join("sim.db").display());
                Ok(Self { url, place: ScratchPlace::Directory(dir) })
            }
            Some(admin_url) => {
                let name = format!("escrowmart_sim_{unique}");
                let url = db::create_postgres_database(admin_url, &name).await.map_err(|e| e.to_string())?;
                Ok(Self { url, place: ScratchPlace::Postgres { admin_url: admin_url.to_owned(), name } })
            }
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub async fn remove(self) {
        match self.place {
            ScratchPlace::Directory(dir) => {
                std::fs::remove_dir_all(dir).ok();
            }
            ScratchPlace::Postgres { admin_url, name } => {
                db::drop_postgres_database(&admin_url, &name).await.ok();
            }
        }
    }
}
