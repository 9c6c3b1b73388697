//! What the simulator expects: its own copy of the world, changed only by
//! the pure rules (`domain`), never by reading the store back. Each command
//! is first asked of the model ("would this be refused? what would change?")
//! and the answer compared with what the store did.

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::bank::{self, BankError, BankVerdict, OperationKind, OperationStatus};
use crate::domain::claims::{self, ClaimState};
use crate::domain::effects::Effect;
use crate::domain::ledger::{Account, Balances, LedgerError, MemberId};
use crate::domain::money::Money;
use crate::domain::order::{self, Event, Order, OrderState, Role, Rules, TimerKind};
use crate::domain::time::Millis;
use crate::server::store::commands::Actor;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelOrder {
    pub order: Order,
    pub version: i32,
    pub listing_id: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelListing {
    pub seller: MemberId,
    pub price: Money,
    pub stock: i64,
    pub active: bool,
}

#[derive(Clone, Debug)]
pub struct ModelBankOp {
    pub reference: String,
    pub op: bank::Operation,
    pub pay_order: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelClaim {
    pub order_id: i64,
    pub state: ClaimState,
}

/// The world as the rules say it must be.
#[derive(Debug)]
pub struct Model {
    pub now: Millis,
    pub rules: Rules,
    pub members: Vec<MemberId>,
    pub arbiter: MemberId,
    pub suspended: BTreeSet<MemberId>,
    pub listings: BTreeMap<i64, ModelListing>,
    pub orders: BTreeMap<i64, ModelOrder>,
    /// Orders not yet ended, the ones most steps act on.
    pub open: BTreeSet<i64>,
    pub ledger: Balances,
    /// In the order they were started; indexes stay valid.
    pub bank: Vec<ModelBankOp>,
    pub pending_bank: BTreeSet<usize>,
    pub claims: BTreeMap<i64, ModelClaim>,
    pub claimed_orders: BTreeSet<i64>,
    /// Timers the store found stale and dropped: (order, version).
    pub dropped_timers: BTreeSet<(i64, i32)>,
}

/// What a command would change, applied to the model only when the store
/// did the same; ids the store chooses come from its outcome.
#[derive(Clone, Debug, Default)]
pub struct Delta {
    pub orders: Vec<(i64, ModelOrder)>,
    pub placed: Option<ModelOrder>,
    pub ledger: Option<Balances>,
    pub stock: Vec<(i64, i64)>,
    pub suspend: Vec<MemberId>,
    pub bank_status: Vec<(usize, OperationStatus)>,
    pub new_bank: Option<(bank::Operation, Option<i64>)>,
    /// An earlier bank operation the store must answer with.
    pub existing_bank: Option<usize>,
    pub filed_claim: Option<i64>,
    pub decided_claim: Option<(i64, ClaimState)>,
    pub new_listing: Option<ModelListing>,
    pub listing: Option<(i64, ModelListing)>,
    /// The bank's repeat: the store must say it was settled before.
    pub already_settled: bool,
}

impl Delta {
    /// The orders this delta touches, for comparing them with the store.
    pub fn order_ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.orders.iter().map(|(id, _)| *id)
    }
}

/// The model's verdict on a command.
#[derive(Clone, Debug)]
pub enum Expect {
    Refused,
    Applied(Box<Delta>),
}

/// Who effects concern, like the store's scope.
#[derive(Clone, Copy, Debug, Default)]
struct Parties {
    order_id: Option<i64>,
    listing_id: Option<i64>,
    seller: Option<MemberId>,
    account_holder: Option<MemberId>,
}

impl Model {
    pub fn new(now: Millis, rules: Rules) -> Self {
        Self {
            now,
            rules,
            members: Vec::new(),
            arbiter: 0,
            suspended: BTreeSet::new(),
            listings: BTreeMap::new(),
            orders: BTreeMap::new(),
            open: BTreeSet::new(),
            ledger: Balances::default(),
            bank: Vec::new(),
            pending_bank: BTreeSet::new(),
            claims: BTreeMap::new(),
            claimed_orders: BTreeSet::new(),
            dropped_timers: BTreeSet::new(),
        }
    }

    /// The latest version of an order, counting what the delta changed.
    fn order_in<'a>(&'a self, delta: &'a Delta, order_id: i64) -> Option<&'a ModelOrder> {
        delta
            .orders
            .iter()
            .rev()
            .find(|(id, _)| *id == order_id)
            .map(|(_, o)| o)
            .or(self.orders.get(&order_id))
    }

    /// Carries out effects on the model, as `store::effects::carry_out`
    /// does on the database; an error means the store refuses the whole
    /// command.
    fn carry_out(
        &self,
        delta: &mut Delta,
        ledger: &mut Balances,
        effects: &[Effect],
        parties: Parties,
    ) -> Result<(), LedgerError> {
        for effect in effects {
            match effect {
                Effect::Transfer(transfer) => ledger.apply(transfer)?,
                Effect::RestoreStock(quantity) => {
                    if let Some(listing) = parties.listing_id {
                        delta.stock.push((listing, i64::from(*quantity)));
                    }
                }
                Effect::Notify(..) => {}
                Effect::SuspendSeller => {
                    if let Some(seller) = parties.seller {
                        delta.suspend.push(seller);
                    }
                }
                Effect::PayOrder => {
                    // Like the store's savepoint: an order that can no
                    // longer be paid leaves the money in the wallet.
                    let (Some(order_id), Some(payer)) = (parties.order_id, parties.account_holder) else {
                        continue;
                    };
                    let mut inner = delta.clone();
                    let mut inner_ledger = ledger.clone();
                    if self
                        .event_into(
                            &mut inner,
                            &mut inner_ledger,
                            order_id,
                            &Event::Pay,
                            Actor::Member(payer),
                        )
                        .is_ok()
                    {
                        *delta = inner;
                        *ledger = inner_ledger;
                    }
                }
            }
        }
        Ok(())
    }

    /// Applies an order event into the delta; `Err` when the store refuses.
    fn event_into(
        &self,
        delta: &mut Delta,
        ledger: &mut Balances,
        order_id: i64,
        event: &Event,
        actor: Actor,
    ) -> Result<(), ()> {
        let current = self.order_in(delta, order_id).ok_or(())?.clone();
        let role = actor.role_on(&current.order);
        let transition = order::apply(&current.order, event, role, self.now, &self.rules).map_err(|_| ())?;
        let parties = Parties {
            order_id: Some(order_id),
            listing_id: Some(current.listing_id),
            seller: Some(current.order.seller),
            account_holder: None,
        };
        self.carry_out(delta, ledger, &transition.effects, parties).map_err(|_| ())?;
        delta.orders.push((
            order_id,
            ModelOrder {
                order: transition.next,
                version: current.version + 1,
                listing_id: current.listing_id,
            },
        ));
        Ok(())
    }

    pub fn expect_event(&self, order_id: i64, event: &Event, actor: Actor) -> Expect {
        let mut delta = Delta::default();
        let mut ledger = self.ledger.clone();
        match self.event_into(&mut delta, &mut ledger, order_id, event, actor) {
            Ok(()) => {
                delta.ledger = Some(ledger);
                Expect::Applied(Box::new(delta))
            }
            Err(()) => Expect::Refused,
        }
    }

    pub fn expect_place(&self, buyer: MemberId, listing_id: i64, quantity: u32) -> Expect {
        let Some(listing) = self.listings.get(&listing_id) else { return Expect::Refused };
        if !listing.active || self.suspended.contains(&listing.seller) {
            return Expect::Refused;
        }
        let Ok(order) = Order::place(buyer, listing.seller, listing.price, quantity, self.now, &self.rules)
        else {
            return Expect::Refused;
        };
        if listing.stock < i64::from(quantity) {
            return Expect::Refused;
        }
        Expect::Applied(Box::new(Delta {
            placed: Some(ModelOrder { order, version: 0, listing_id }),
            stock: vec![(listing_id, -i64::from(quantity))],
            ..Delta::default()
        }))
    }

    /// Starting a top-up (optionally paying an order) or a withdrawal.
    pub fn expect_start_bank(
        &self,
        member: MemberId,
        kind: OperationKind,
        amount: Money,
        pay_order: Option<i64>,
    ) -> Expect {
        if let Some(order_id) = pay_order {
            let Some(current) = self.orders.get(&order_id) else { return Expect::Refused };
            if current.order.buyer != member
                || current.order.state != OrderState::AwaitingPayment
                || current.order.amount != amount
            {
                return Expect::Refused;
            }
            if let Some(&index) =
                self.pending_bank.iter().find(|&&i| self.bank[i].pay_order == Some(order_id))
            {
                return Expect::Applied(Box::new(Delta { existing_bank: Some(index), ..Delta::default() }));
            }
        }
        let Ok(transition) = bank::Operation::start(member, kind, amount, pay_order.is_some()) else {
            return Expect::Refused;
        };
        if kind == OperationKind::TopUp {
            let wallet = Account::Available(member);
            let on_the_way: i64 = self
                .pending_bank
                .iter()
                .map(|&i| &self.bank[i].op)
                .filter(|op| op.member == member && op.kind == OperationKind::TopUp)
                .map(|op| op.amount.fen())
                .sum();
            if self.ledger.get(wallet) + on_the_way + amount.fen() > wallet.ceiling() {
                return Expect::Refused;
            }
        }
        let mut delta = Delta::default();
        let mut ledger = self.ledger.clone();
        let parties = Parties { account_holder: Some(member), order_id: pay_order, ..Parties::default() };
        if self.carry_out(&mut delta, &mut ledger, &transition.effects, parties).is_err() {
            return Expect::Refused;
        }
        delta.ledger = Some(ledger);
        delta.new_bank = Some((transition.next, pay_order));
        Expect::Applied(Box::new(delta))
    }

    /// The bank's answer (`Some(verdict)`) or the platform giving up on an
    /// unreachable bank (`None`).
    pub fn expect_settle(&self, index: usize, verdict: Option<BankVerdict>) -> Expect {
        let Some(stored) = self.bank.get(index) else { return Expect::Refused };
        let transition = match verdict {
            Some(verdict) => bank::settle(&stored.op, verdict),
            None => bank::fail(&stored.op),
        };
        let transition = match transition {
            Err(BankError::AlreadySettled) => {
                return Expect::Applied(Box::new(Delta { already_settled: true, ..Delta::default() }));
            }
            Err(_) => return Expect::Refused,
            Ok(transition) => transition,
        };
        let mut delta = Delta::default();
        let mut ledger = self.ledger.clone();
        let parties = Parties {
            account_holder: Some(stored.op.member),
            order_id: stored.pay_order,
            ..Parties::default()
        };
        match self.carry_out(&mut delta, &mut ledger, &transition.effects, parties) {
            Ok(()) => {
                delta.ledger = Some(ledger);
                delta.bank_status.push((index, transition.next));
            }
            // A wallet that cannot take a confirmed top-up: it goes back to
            // the bank and nothing moves.
            Err(LedgerError::AboveCeiling { account, .. })
                if account.member().is_some() && verdict.is_some() =>
            {
                delta = Delta::default();
                delta.bank_status.push((index, OperationStatus::Failed));
            }
            Err(_) => return Expect::Refused,
        }
        Expect::Applied(Box::new(delta))
    }

    pub fn expect_file_claim(&self, order_id: i64, actor: Actor) -> Expect {
        let Some(current) = self.orders.get(&order_id) else { return Expect::Refused };
        let Actor::Member(member) = actor else { return Expect::Refused };
        let role = current.order.role_of(member);
        if role == Role::Stranger
            || claims::file(&current.order, role, self.now, &self.rules).is_err()
            || self.claimed_orders.contains(&order_id)
        {
            return Expect::Refused;
        }
        Expect::Applied(Box::new(Delta { filed_claim: Some(order_id), ..Delta::default() }))
    }

    pub fn expect_decide_claim(&self, claim_id: i64, uphold: bool, actor: Actor) -> Expect {
        let Actor::Arbiter(_) = actor else { return Expect::Refused };
        let Some(claim) = self.claims.get(&claim_id) else { return Expect::Refused };
        let Some(current) = self.orders.get(&claim.order_id) else { return Expect::Refused };
        let Ok(transition) = claims::decide(&current.order, claim.state, uphold, Role::Arbiter) else {
            return Expect::Refused;
        };
        let mut delta = Delta::default();
        let mut ledger = self.ledger.clone();
        let parties = Parties {
            order_id: Some(claim.order_id),
            listing_id: Some(current.listing_id),
            seller: Some(current.order.seller),
            account_holder: None,
        };
        if self.carry_out(&mut delta, &mut ledger, &transition.effects, parties).is_err() {
            return Expect::Refused;
        }
        delta.ledger = Some(ledger);
        delta.decided_claim = Some((claim_id, transition.next));
        Expect::Applied(Box::new(delta))
    }

    /// A seller restocks (or reprices) a listing of theirs.
    pub fn expect_listing_update(
        &self,
        seller: MemberId,
        listing_id: i64,
        price: Money,
        stock: u32,
    ) -> Expect {
        match self.listings.get(&listing_id) {
            Some(listing) if listing.seller == seller => Expect::Applied(Box::new(Delta {
                listing: Some((
                    listing_id,
                    ModelListing { price, stock: i64::from(stock), ..listing.clone() },
                )),
                ..Delta::default()
            })),
            _ => Expect::Refused,
        }
    }

    pub fn expect_listing_active(&self, seller: MemberId, listing_id: i64, active: bool) -> Expect {
        match self.listings.get(&listing_id) {
            Some(listing) if listing.seller == seller && !(active && self.suspended.contains(&seller)) => {
                Expect::Applied(Box::new(Delta {
                    listing: Some((listing_id, ModelListing { active, ..listing.clone() })),
                    ..Delta::default()
                }))
            }
            _ => Expect::Refused,
        }
    }

    pub fn expect_new_listing(&self, seller: MemberId, price: Money, stock: u32) -> Expect {
        if self.suspended.contains(&seller) {
            return Expect::Refused;
        }
        Expect::Applied(Box::new(Delta {
            new_listing: Some(ModelListing { seller, price, stock: i64::from(stock), active: true }),
            ..Delta::default()
        }))
    }

    /// The timers due now that the store has not dropped, earliest first.
    pub fn due_timers(&self) -> Vec<(i64, TimerKind)> {
        let mut due: Vec<(Millis, i64, TimerKind)> = self
            .open
            .iter()
            .filter_map(|id| {
                let current = self.orders.get(id)?;
                let deadline = current.order.deadline?;
                (deadline.at <= self.now && !self.dropped_timers.contains(&(*id, current.version)))
                    .then_some((deadline.at, *id, deadline.kind))
            })
            .collect();
        due.sort_unstable();
        due.into_iter().map(|(_, id, kind)| (id, kind)).collect()
    }

    /// Takes in what the store did: the delta, with the ids it chose.
    pub fn absorb(&mut self, delta: Delta, ids: &NewIds) {
        for (id, changed) in delta.orders {
            self.set_order(id, changed);
        }
        if let (Some(placed), Some(id)) = (delta.placed, ids.order) {
            self.set_order(id, placed);
        }
        if let Some(ledger) = delta.ledger {
            self.ledger = ledger;
        }
        for (listing, change) in delta.stock {
            if let Some(listing) = self.listings.get_mut(&listing) {
                listing.stock += change;
            }
        }
        self.suspended.extend(delta.suspend);
        for (index, status) in delta.bank_status {
            if let Some(stored) = self.bank.get_mut(index) {
                stored.op.status = status;
            }
            if status != OperationStatus::Pending {
                self.pending_bank.remove(&index);
            }
        }
        if let (Some((op, pay_order)), Some(reference)) = (delta.new_bank, ids.bank_reference.clone()) {
            self.pending_bank.insert(self.bank.len());
            self.bank.push(ModelBankOp { reference, op, pay_order });
        }
        if let (Some(order_id), Some(claim_id)) = (delta.filed_claim, ids.claim) {
            self.claims.insert(claim_id, ModelClaim { order_id, state: ClaimState::Open });
            self.claimed_orders.insert(order_id);
        }
        if let Some((claim_id, state)) = delta.decided_claim
            && let Some(claim) = self.claims.get_mut(&claim_id)
        {
            claim.state = state;
        }
        if let (Some(listing), Some(id)) = (delta.new_listing, ids.listing) {
            self.listings.insert(id, listing);
        }
        if let Some((id, listing)) = delta.listing {
            self.listings.insert(id, listing);
        }
    }

    fn set_order(&mut self, id: i64, changed: ModelOrder) {
        if changed.order.state.is_terminal() {
            self.open.remove(&id);
        } else {
            self.open.insert(id);
        }
        self.orders.insert(id, changed);
    }
}

/// Ids the store chose for what a command created.
#[derive(Clone, Debug, Default)]
pub struct NewIds {
    pub order: Option<i64>,
    pub bank_reference: Option<String>,
    pub claim: Option<i64>,
    pub listing: Option<i64>,
}
