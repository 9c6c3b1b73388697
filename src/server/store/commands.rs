//! The one door for every change of money or state. A page's server
//! function, a form posted without JavaScript, the timers worker and the
//! bank's callback all build a [`Command`] and hand it to [`execute`]:
//!
//! ```text
//! claim the idempotency key (or replay the stored outcome)
//!   → load the subject with its version
//!   → the rules decide: Transition { next, effects } or a typed refusal
//!   → effects::carry_out: transfers, stock, notifications, suspension
//!   → conditional update on state + version; record the outcome
//! ```
//!
//! The caller opens and commits the transaction ([`run`] does both), so a
//! step and everything it causes commit together or not at all.

use sea_orm::{DatabaseConnection, DatabaseTransaction};
use serde::{Deserialize, Serialize};

use super::photos::{Purpose, StoredFile};
use super::{
    Refused, StoreError, bank, claims, escrows, listings, merchants, messages, orders, ratings, submissions,
    webhooks,
};
use crate::domain::bank::{BankVerdict, OperationKind};
use crate::domain::claims::ClaimState;
use crate::domain::ledger::MemberId;
use crate::domain::merchant::{Mode, NewEscrow};
use crate::domain::money::Money;
use crate::domain::order::{Event, Order, Role, Rules, TransitionError};
use crate::server::clock::Millis;
use crate::server::db::begin_write;

/// Who asks for a change. Every rule of who may do what is decided from
/// this by the rules (the role on an order) or in the command's handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    Member(MemberId),
    /// Platform staff deciding disputes and claims.
    Arbiter(MemberId),
    /// The platform itself: timers, and undoing what an unreachable bank
    /// never received.
    System,
    /// The partner bank, by its signed callback.
    Bank,
}

impl Actor {
    /// Who the actor is to this order.
    pub fn role_on(self, order: &Order) -> Role {
        match self {
            Actor::Member(id) => order.role_of(id),
            Actor::Arbiter(_) => Role::Arbiter,
            Actor::System => Role::System,
            Actor::Bank => Role::Stranger,
        }
    }

    /// How the timeline names the actor.
    pub fn stored(self) -> (&'static str, Option<i64>) {
        match self {
            Actor::Member(id) => ("member", Some(id)),
            Actor::Arbiter(id) => ("arbiter", Some(id)),
            Actor::System => ("system", None),
            Actor::Bank => ("bank", None),
        }
    }

    fn member(self) -> Result<MemberId, StoreError> {
        match self {
            Actor::Member(id) => Ok(id),
            _ => Err(StoreError::Rule(TransitionError::NotYourRole)),
        }
    }
}

/// Every change of money or state there is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    PlaceOrder {
        listing_id: i64,
        quantity: u32,
        shipping_address: String,
    },
    /// An event on an order (paying, shipping, a refund step, a deadline…),
    /// with the photos that back it (a refund request, a disputed return).
    Order {
        order_id: i64,
        event: Event,
        photos: Vec<StoredFile>,
    },
    FileClaim {
        order_id: i64,
        statement: String,
        photos: Vec<StoredFile>,
    },
    DecideClaim {
        claim_id: i64,
        uphold: bool,
        reason: String,
    },
    /// A top-up or withdrawal through the bank, optionally to pay an order.
    StartBank {
        kind: OperationKind,
        amount: Money,
        pay_order_id: Option<i64>,
    },
    SettleBank {
        reference: String,
        verdict: BankVerdict,
    },
    /// The bank could not be reached: nothing moved.
    FailBank {
        reference: String,
        reason: String,
    },
    PostMessage {
        order_id: i64,
        body: String,
        photos: Vec<StoredFile>,
    },
    /// A seller's change to their listings.
    Listing(listings::Change),
    /// Merchant mode, API keys and webhook endpoints.
    Merchant(MerchantChange),
    /// A merchant's escrow, through the API.
    CreateEscrow {
        mode: Mode,
        escrow: NewEscrow,
    },
    /// Only an escrow nobody has paid.
    CancelEscrow {
        mode: Mode,
        public_id: String,
    },
    /// The buyer pays an escrow at the hosted checkout: its order is placed
    /// (once) with the merchant as seller, then paid.
    PayEscrow {
        public_id: String,
        with: PayWith,
    },
    /// A party rates the other once the order has ended.
    Rate {
        order_id: i64,
        score: String,
        comment: String,
    },
}

/// A change to a member's merchant settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MerchantChange {
    Enable,
    CreateKey { name: String, mode: Mode },
    RevokeKey(i64),
    AddEndpoint(String),
    DisableEndpoint(i64),
}

/// How the buyer pays at the hosted checkout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayWith {
    Wallet,
    /// Straight from the bank: a top-up that pays the order when confirmed.
    Bank,
}

/// What a command led to, stored with its idempotency key so a repeat gets
/// the same answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// The order placed or changed.
    Order(i64),
    Claim {
        claim_id: i64,
        order_id: i64,
        state: ClaimState,
    },
    /// A bank operation; `new` when this command started it (the bank must
    /// then be told), not when an earlier one for the same order was
    /// already on its way.
    Bank {
        reference: String,
        new: bool,
        pay_order_id: Option<i64>,
    },
    /// The bank's answer had been applied before.
    AlreadySettled,
    Message {
        message_id: i64,
        order_id: i64,
    },
    /// The listing changed; a removed photo's file, to delete once no
    /// record uses it.
    Listing {
        listing_id: i64,
        removed_file: Option<String>,
    },
    /// Merchant settings changed; a new key's or endpoint secret's text,
    /// shown once (never stored with an idempotency key).
    Merchant {
        secret: Option<String>,
    },
    /// The escrow made or changed, and its order once the buyer paid.
    Escrow {
        public_id: String,
        order_id: Option<i64>,
    },
    /// A repeat of a submission made before outcomes were recorded.
    Done,
}

/// An outcome, and whether it is a replay of an earlier submission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Executed {
    pub outcome: Outcome,
    pub replayed: bool,
}

/// Runs one command inside the caller's transaction. With a key, a member's
/// repeat (double click, resent form, concurrent request, the same key
/// through a form and through the app) gets the first outcome and changes
/// nothing.
pub async fn execute(
    txn: &DatabaseTransaction,
    actor: Actor,
    key: Option<&str>,
    command: Command,
    now: Millis,
    rules: &Rules,
) -> Result<Executed, StoreError> {
    let keyed = match (actor, key) {
        (Actor::Member(id) | Actor::Arbiter(id), Some(key)) => Some((id, key)),
        _ => None,
    };
    if let Some((member, key)) = keyed
        && let Some(stored) = submissions::claim(txn, member, key, now).await?
    {
        let outcome = serde_json::from_str(&stored).unwrap_or(Outcome::Done);
        return Ok(Executed { outcome, replayed: true });
    }
    // Failing here rolls back the key's claim too, so a corrected form can
    // be sent again with the same key.
    let outcome = decide_and_apply(txn, actor, command, now, rules).await?;
    if let Some((member, key)) = keyed {
        let stored = serde_json::to_string(&outcome).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        submissions::record(txn, member, key, &stored).await?;
    }
    Ok(Executed { outcome, replayed: false })
}

/// [`execute`] in its own write transaction.
pub async fn run(
    db: &DatabaseConnection,
    actor: Actor,
    key: Option<&str>,
    command: Command,
    now: Millis,
    rules: &Rules,
) -> Result<Executed, StoreError> {
    let txn = begin_write(db).await?;
    let executed = execute(&txn, actor, key, command, now, rules).await?;
    txn.commit().await?;
    Ok(executed)
}

/// A member's merchant settings: turning merchant mode on, keys, webhook
/// endpoints. Returns a new secret's text, shown once.
async fn merchant_change(
    txn: &DatabaseTransaction,
    member: MemberId,
    change: MerchantChange,
    now: Millis,
) -> Result<Option<String>, StoreError> {
    if change != MerchantChange::Enable && !merchants::is_merchant(txn, member).await? {
        return Err(Refused::MerchantModeOff.into());
    }
    Ok(match change {
        MerchantChange::Enable => {
            merchants::enable(txn, member, now).await?;
            None
        }
        MerchantChange::CreateKey { name, mode } => {
            Some(merchants::create_key(txn, member, &name, mode, now).await?.1)
        }
        MerchantChange::RevokeKey(key) => {
            merchants::revoke_key(txn, member, key, now).await?;
            None
        }
        MerchantChange::AddEndpoint(url) => {
            Some(webhooks::add_endpoint(txn, member, &url, now).await?.secret)
        }
        MerchantChange::DisableEndpoint(endpoint) => {
            webhooks::disable_endpoint(txn, member, endpoint, "removed by the merchant", now).await?;
            None
        }
    })
}

async fn decide_and_apply(
    txn: &DatabaseTransaction,
    actor: Actor,
    command: Command,
    now: Millis,
    rules: &Rules,
) -> Result<Outcome, StoreError> {
    Ok(match command {
        Command::PlaceOrder { listing_id, quantity, shipping_address } => {
            let buyer = actor.member()?;
            Outcome::Order(
                orders::place(txn, buyer, listing_id, quantity, &shipping_address, now, rules).await?,
            )
        }
        Command::Order { order_id, event, photos } => {
            orders::transition(txn, order_id, &event, actor, now, rules).await?;
            if !photos.is_empty() {
                let purpose = match event {
                    Event::RequestRefund { .. } => Purpose::Refund,
                    Event::DisputeReturn { .. } => Purpose::Dispute,
                    _ => return Err(Refused::NoPhotosHere.into()),
                };
                super::photos::add(txn, actor.member()?, purpose, order_id, &photos, now).await?;
            }
            Outcome::Order(order_id)
        }
        Command::FileClaim { order_id, statement, photos } => {
            let buyer = actor.member()?;
            let claim_id = claims::file(txn, order_id, buyer, &statement, &photos, now, rules).await?;
            Outcome::Claim { claim_id, order_id, state: ClaimState::Open }
        }
        Command::DecideClaim { claim_id, uphold, reason } => {
            let Actor::Arbiter(arbiter) = actor else {
                return Err(StoreError::Rule(TransitionError::NotYourRole));
            };
            let (order_id, state) =
                claims::decide(txn, claim_id, arbiter, uphold, &reason, now, rules).await?;
            Outcome::Claim { claim_id, order_id, state }
        }
        Command::StartBank { kind, amount, pay_order_id } => {
            let member = actor.member()?;
            // Money leaves only for an owner who has proved the address the
            // account (and its password resets) answers to.
            if kind == crate::domain::bank::OperationKind::Withdrawal {
                super::accounts::require_confirmed_email(txn, member).await?;
            }
            let (reference, new) = bank::start(txn, member, kind, amount, pay_order_id, now, rules).await?;
            Outcome::Bank { reference, new, pay_order_id }
        }
        Command::SettleBank { reference, verdict } => {
            if actor != Actor::Bank {
                return Err(StoreError::Rule(TransitionError::NotYourRole));
            }
            match bank::settle(txn, &reference, verdict, now, rules).await? {
                Some(pay_order_id) => Outcome::Bank { reference, new: false, pay_order_id },
                None => Outcome::AlreadySettled,
            }
        }
        Command::FailBank { reference, reason } => {
            if actor != Actor::System {
                return Err(StoreError::Rule(TransitionError::NotYourRole));
            }
            match bank::fail(txn, &reference, &reason, now, rules).await? {
                Some(pay_order_id) => Outcome::Bank { reference, new: false, pay_order_id },
                None => Outcome::AlreadySettled,
            }
        }
        Command::PostMessage { order_id, body, photos } => {
            let author = actor.member()?;
            let message_id = messages::post(txn, order_id, author, &body, &photos, now, rules).await?;
            Outcome::Message { message_id, order_id }
        }
        Command::Listing(change) => {
            let seller = actor.member()?;
            let (listing_id, removed_file) = listings::change(txn, seller, change, now).await?;
            Outcome::Listing { listing_id, removed_file }
        }
        Command::Merchant(change) => {
            let member = actor.member()?;
            Outcome::Merchant { secret: merchant_change(txn, member, change, now).await? }
        }
        Command::CreateEscrow { mode, escrow } => {
            let merchant = actor.member()?;
            if !merchants::is_merchant(txn, merchant).await? {
                return Err(StoreError::Rule(TransitionError::NotYourRole));
            }
            let created = escrows::create(txn, merchant, mode, &escrow, now).await?;
            Outcome::Escrow { public_id: created.public_id, order_id: None }
        }
        Command::CancelEscrow { mode, public_id } => {
            let merchant = actor.member()?;
            let escrow =
                escrows::find_for(txn, merchant, mode, &public_id).await?.ok_or(StoreError::NotFound)?;
            escrows::cancel(txn, &escrow, now).await?;
            Outcome::Escrow { public_id, order_id: None }
        }
        Command::PayEscrow { public_id, with } => {
            let buyer = actor.member()?;
            let escrow = escrows::find_public(txn, &public_id).await?.ok_or(StoreError::NotFound)?;
            let order_id = match escrow.order_id {
                Some(order_id) => order_id,
                None => {
                    let order_id = orders::place_for_escrow(txn, buyer, &escrow, now, rules).await?;
                    escrows::link_order(txn, &escrow, order_id, now).await?;
                    order_id
                }
            };
            match with {
                PayWith::Wallet => {
                    orders::transition(txn, order_id, &Event::Pay, actor, now, rules).await?;
                    Outcome::Escrow { public_id, order_id: Some(order_id) }
                }
                PayWith::Bank => {
                    let amount = escrow.amount;
                    let (reference, new) =
                        bank::start(txn, buyer, OperationKind::TopUp, amount, Some(order_id), now, rules)
                            .await?;
                    Outcome::Bank { reference, new, pay_order_id: Some(order_id) }
                }
            }
        }
        Command::Rate { order_id, score, comment } => {
            let rater = actor.member()?;
            ratings::rate(txn, order_id, rater, &score, &comment, now, rules).await?;
            Outcome::Order(order_id)
        }
    })
}
