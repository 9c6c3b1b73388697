//! The escrow state machine of SPEC §3: which event may happen in which
//! state, by whom, and what it does to the money, the stock, the deadlines
//! and the people involved. Pure: the store loads an [`Order`], asks
//! [`apply`], and writes what comes back in one transaction.

use serde::{Deserialize, Serialize};

use super::ledger::{Account, LedgerError, MemberId, Transfer, TransferKind};
use super::money::{FeeRate, Money};

/// Unix milliseconds.
pub type Millis = i64;
pub const MINUTE: Millis = 60_000;
pub const HOUR: Millis = 60 * MINUTE;
pub const DAY: Millis = 24 * HOUR;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum OrderState {
    AwaitingPayment,
    Paid,
    Shipped,
    RefundRequested,
    RefundRefused,
    ReturnInTransit,
    InArbitration,
    Completed,
    Refunded,
    Cancelled,
    Resolved,
}

impl OrderState {
    pub const ALL: [OrderState; 11] = [
        OrderState::AwaitingPayment,
        OrderState::Paid,
        OrderState::Shipped,
        OrderState::RefundRequested,
        OrderState::RefundRefused,
        OrderState::ReturnInTransit,
        OrderState::InArbitration,
        OrderState::Completed,
        OrderState::Refunded,
        OrderState::Cancelled,
        OrderState::Resolved,
    ];

    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            OrderState::Completed | OrderState::Refunded | OrderState::Cancelled | OrderState::Resolved
        )
    }

    pub fn slug(self) -> &'static str {
        match self {
            OrderState::AwaitingPayment => "awaiting_payment",
            OrderState::Paid => "paid",
            OrderState::Shipped => "shipped",
            OrderState::RefundRequested => "refund_requested",
            OrderState::RefundRefused => "refund_refused",
            OrderState::ReturnInTransit => "return_in_transit",
            OrderState::InArbitration => "in_arbitration",
            OrderState::Completed => "completed",
            OrderState::Refunded => "refunded",
            OrderState::Cancelled => "cancelled",
            OrderState::Resolved => "resolved",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.slug() == slug)
    }

    pub fn label(self) -> &'static str {
        match self {
            OrderState::AwaitingPayment => "Awaiting payment",
            OrderState::Paid => "Paid — waiting for shipment",
            OrderState::Shipped => "Shipped",
            OrderState::RefundRequested => "Refund requested",
            OrderState::RefundRefused => "Refund refused",
            OrderState::ReturnInTransit => "Return in transit",
            OrderState::InArbitration => "In arbitration",
            OrderState::Completed => "Completed",
            OrderState::Refunded => "Refunded",
            OrderState::Cancelled => "Cancelled",
            OrderState::Resolved => "Resolved by arbiter",
        }
    }
}

/// The deadlines that run against an order; each fires a timeout event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TimerKind {
    /// Unpaid orders cancel themselves (30 min).
    Unpaid,
    /// A paid order not shipped is refunded (7 days).
    Ship,
    /// A shipped order not confirmed is released to the seller (10 days).
    Confirm,
    /// A refund request not answered counts as agreed (48 h).
    Answer,
    /// A refused refund not escalated is withdrawn (7 days).
    Escalation,
    /// A return not sent closes the request (7 days).
    ReturnSend,
    /// A sent return not confirmed by the seller is refunded (10 days).
    ReturnConfirm,
}

impl TimerKind {
    pub const ALL: [TimerKind; 7] = [
        TimerKind::Unpaid,
        TimerKind::Ship,
        TimerKind::Confirm,
        TimerKind::Answer,
        TimerKind::Escalation,
        TimerKind::ReturnSend,
        TimerKind::ReturnConfirm,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            TimerKind::Unpaid => "unpaid",
            TimerKind::Ship => "ship",
            TimerKind::Confirm => "confirm",
            TimerKind::Answer => "answer",
            TimerKind::Escalation => "escalation",
            TimerKind::ReturnSend => "return_send",
            TimerKind::ReturnConfirm => "return_confirm",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.slug() == slug)
    }

    /// What happens when the deadline passes, for the order page.
    pub fn consequence(self) -> &'static str {
        match self {
            TimerKind::Unpaid => "Cancels automatically if unpaid",
            TimerKind::Ship => "Refunds automatically if not shipped",
            TimerKind::Confirm => "Confirms automatically",
            TimerKind::Answer => "Refund is agreed automatically if the seller does not answer",
            TimerKind::Escalation => "Request is withdrawn unless escalated",
            TimerKind::ReturnSend => "Request closes unless the return is sent",
            TimerKind::ReturnConfirm => "Refund is paid automatically",
        }
    }
}

/// How long each deadline runs. From configuration, so tests use seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    pub unpaid: Millis,
    pub ship: Millis,
    pub confirm: Millis,
    pub answer: Millis,
    pub escalation: Millis,
    pub return_send: Millis,
    pub return_confirm: Millis,
    /// How long after the end a fraud claim may be filed (15 days).
    pub claim_window: Millis,
    /// One unit of the confirm extension (a day); the buyer picks 3, 5, 7 or 10.
    pub extension_unit: Millis,
}

impl Default for Deadlines {
    fn default() -> Self {
        Self {
            unpaid: 30 * MINUTE,
            ship: 7 * DAY,
            confirm: 10 * DAY,
            answer: 48 * HOUR,
            escalation: 7 * DAY,
            return_send: 7 * DAY,
            return_confirm: 10 * DAY,
            claim_window: 15 * DAY,
            extension_unit: DAY,
        }
    }
}

impl Deadlines {
    pub fn of(&self, kind: TimerKind) -> Millis {
        match kind {
            TimerKind::Unpaid => self.unpaid,
            TimerKind::Ship => self.ship,
            TimerKind::Confirm => self.confirm,
            TimerKind::Answer => self.answer,
            TimerKind::Escalation => self.escalation,
            TimerKind::ReturnSend => self.return_send,
            TimerKind::ReturnConfirm => self.return_confirm,
        }
    }
}

/// The rules an order runs under.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rules {
    pub deadlines: Deadlines,
    pub fee_rate: FeeRate,
}

/// The days a buyer may add to the confirm-by date, once.
pub const EXTENSION_DAYS: [u32; 4] = [3, 5, 7, 10];
pub const REASON_MAX_CHARS: usize = 1_000;
pub const CARRIER_MAX_CHARS: usize = 60;
pub const TRACKING_MAX_CHARS: usize = 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Deadline {
    pub kind: TimerKind,
    pub at: Millis,
}

/// A deadline stopped while a refund request is open, with the time it had left.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Paused {
    pub kind: TimerKind,
    pub remaining: Millis,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Shipment {
    pub carrier: String,
    pub tracking: String,
}

impl Shipment {
    /// Trims both fields and checks they are filled in and not too long.
    pub fn parse(carrier: &str, tracking: &str) -> Result<Self, TransitionError> {
        let carrier = carrier.trim();
        let tracking = tracking.trim();
        if carrier.is_empty() || tracking.is_empty() {
            return Err(TransitionError::Invalid("Enter the carrier and the tracking number".into()));
        }
        if carrier.chars().count() > CARRIER_MAX_CHARS || tracking.chars().count() > TRACKING_MAX_CHARS {
            return Err(TransitionError::Invalid(format!(
                "Keep the carrier and tracking number to {CARRIER_MAX_CHARS} characters each"
            )));
        }
        Ok(Self { carrier: carrier.to_owned(), tracking: tracking.to_owned() })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RefundKind {
    RefundOnly,
    ReturnAndRefund,
}

impl RefundKind {
    pub fn slug(self) -> &'static str {
        match self {
            RefundKind::RefundOnly => "refund_only",
            RefundKind::ReturnAndRefund => "return_and_refund",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        match slug {
            "refund_only" => Some(RefundKind::RefundOnly),
            "return_and_refund" => Some(RefundKind::ReturnAndRefund),
            _ => None,
        }
    }
}

/// An open refund request and how far it got.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RefundRequest {
    pub kind: RefundKind,
    pub amount: Money,
    pub reason: String,
    /// Where the order returns to if the request is withdrawn.
    pub from: OrderState,
    pub refusal: Option<String>,
    pub return_shipment: Option<Shipment>,
}

/// Everything the rules need to know about an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub buyer: MemberId,
    pub seller: MemberId,
    pub quantity: u32,
    /// What the buyer pays: unit price × quantity.
    pub amount: Money,
    /// What escrow holds for this order now.
    pub held: Money,
    pub state: OrderState,
    pub deadline: Option<Deadline>,
    pub paused: Option<Paused>,
    pub shipment: Option<Shipment>,
    pub confirm_extended: bool,
    pub refund: Option<RefundRequest>,
    pub ended_at: Option<Millis>,
}

impl Order {
    /// A new order, awaiting payment, with its unpaid deadline running.
    pub fn place(
        buyer: MemberId,
        seller: MemberId,
        unit_price: Money,
        quantity: u32,
        now: Millis,
        rules: &Rules,
    ) -> Result<Self, TransitionError> {
        if buyer == seller {
            return Err(TransitionError::Invalid("You cannot buy your own listing".into()));
        }
        if quantity == 0 {
            return Err(TransitionError::Invalid("Buy at least one".into()));
        }
        let amount = unit_price
            .checked_mul(quantity)
            .ok_or_else(|| TransitionError::Invalid("That order is too large".into()))?;
        if amount.is_zero() {
            return Err(TransitionError::Invalid("An order must cost something".into()));
        }
        Ok(Self {
            buyer,
            seller,
            quantity,
            amount,
            held: Money::ZERO,
            state: OrderState::AwaitingPayment,
            deadline: Some(Deadline { kind: TimerKind::Unpaid, at: now + rules.deadlines.unpaid }),
            paused: None,
            shipment: None,
            confirm_extended: false,
            refund: None,
            ended_at: None,
        })
    }

    /// Who the given member is to this order.
    pub fn role_of(&self, member: MemberId) -> Role {
        if member == self.buyer {
            Role::Buyer
        } else if member == self.seller {
            Role::Seller
        } else {
            Role::Stranger
        }
    }
}

/// Who is acting, relative to the order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Buyer,
    Seller,
    Arbiter,
    /// The platform itself: timers.
    System,
    /// Anyone else, signed in or not.
    Stranger,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Event {
    Pay,
    /// The buyer cancels an unpaid order.
    Cancel,
    Ship(Shipment),
    /// The seller cancels a paid order before shipping: full refund.
    SellerCancel,
    ConfirmReceipt,
    ExtendConfirm {
        days: u32,
    },
    RequestRefund {
        kind: RefundKind,
        amount: Money,
        reason: String,
    },
    AgreeRefund,
    RefuseRefund {
        reason: String,
    },
    WithdrawRefund,
    Escalate,
    SendReturn(Shipment),
    ConfirmReturn,
    DisputeReturn {
        reason: String,
    },
    /// The arbiter's split: `refund` to the buyer, the rest to the seller.
    Decide {
        refund: Money,
        reason: String,
    },
    Timeout(TimerKind),
}

/// The kind of an event without its data, for tables and the timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EventKind {
    Placed,
    Pay,
    Cancel,
    Ship,
    SellerCancel,
    ConfirmReceipt,
    ExtendConfirm,
    RequestRefund,
    AgreeRefund,
    RefuseRefund,
    WithdrawRefund,
    Escalate,
    SendReturn,
    ConfirmReturn,
    DisputeReturn,
    Decide,
    Timeout(TimerKind),
}

impl EventKind {
    /// The stable name stored with the order's timeline.
    pub fn slug(self) -> String {
        match self {
            EventKind::Placed => "placed".into(),
            EventKind::Pay => "pay".into(),
            EventKind::Cancel => "cancel".into(),
            EventKind::Ship => "ship".into(),
            EventKind::SellerCancel => "seller_cancel".into(),
            EventKind::ConfirmReceipt => "confirm_receipt".into(),
            EventKind::ExtendConfirm => "extend_confirm".into(),
            EventKind::RequestRefund => "request_refund".into(),
            EventKind::AgreeRefund => "agree_refund".into(),
            EventKind::RefuseRefund => "refuse_refund".into(),
            EventKind::WithdrawRefund => "withdraw_refund".into(),
            EventKind::Escalate => "escalate".into(),
            EventKind::SendReturn => "send_return".into(),
            EventKind::ConfirmReturn => "confirm_return".into(),
            EventKind::DisputeReturn => "dispute_return".into(),
            EventKind::Decide => "decide".into(),
            EventKind::Timeout(kind) => format!("timeout_{}", kind.slug()),
        }
    }
}

impl Event {
    pub fn kind(&self) -> EventKind {
        match self {
            Event::Pay => EventKind::Pay,
            Event::Cancel => EventKind::Cancel,
            Event::Ship(_) => EventKind::Ship,
            Event::SellerCancel => EventKind::SellerCancel,
            Event::ConfirmReceipt => EventKind::ConfirmReceipt,
            Event::ExtendConfirm { .. } => EventKind::ExtendConfirm,
            Event::RequestRefund { .. } => EventKind::RequestRefund,
            Event::AgreeRefund => EventKind::AgreeRefund,
            Event::RefuseRefund { .. } => EventKind::RefuseRefund,
            Event::WithdrawRefund => EventKind::WithdrawRefund,
            Event::Escalate => EventKind::Escalate,
            Event::SendReturn(_) => EventKind::SendReturn,
            Event::ConfirmReturn => EventKind::ConfirmReturn,
            Event::DisputeReturn { .. } => EventKind::DisputeReturn,
            Event::Decide { .. } => EventKind::Decide,
            Event::Timeout(kind) => EventKind::Timeout(*kind),
        }
    }

    /// A line for the order's timeline.
    pub fn describe(&self) -> String {
        match self {
            Event::Pay => "Paid into escrow".into(),
            Event::Cancel => "Cancelled by the buyer".into(),
            Event::Ship(s) => format!("Shipped with {} (tracking {})", s.carrier, s.tracking),
            Event::SellerCancel => "Cancelled by the seller; refunded in full".into(),
            Event::ConfirmReceipt => "Receipt confirmed; payment released".into(),
            Event::ExtendConfirm { days } => format!("Confirm-by date extended by {days} days"),
            Event::RequestRefund { kind, amount, reason } => {
                let what = match kind {
                    RefundKind::RefundOnly => "Refund",
                    RefundKind::ReturnAndRefund => "Return and refund",
                };
                format!("{what} of {amount} requested: {reason}")
            }
            Event::AgreeRefund => "Seller agreed to the refund".into(),
            Event::RefuseRefund { reason } => format!("Seller refused the refund: {reason}"),
            Event::WithdrawRefund => "Buyer withdrew the refund request".into(),
            Event::Escalate => "Buyer asked the platform to arbitrate".into(),
            Event::SendReturn(s) => format!("Return sent with {} (tracking {})", s.carrier, s.tracking),
            Event::ConfirmReturn => "Seller confirmed the returned goods; refund paid".into(),
            Event::DisputeReturn { reason } => format!("Seller disputed the returned goods: {reason}"),
            Event::Decide { refund, reason } => {
                format!("Arbiter decided: {refund} back to the buyer. {reason}")
            }
            Event::Timeout(kind) => match kind {
                TimerKind::Unpaid => "Not paid in time; cancelled".into(),
                TimerKind::Ship => "Not shipped in time; refunded in full".into(),
                TimerKind::Confirm => "Confirmed automatically; payment released".into(),
                TimerKind::Answer => "Seller did not answer in time; refund agreed".into(),
                TimerKind::Escalation => "Not escalated in time; request withdrawn".into(),
                TimerKind::ReturnSend => "Return not sent in time; request closed".into(),
                TimerKind::ReturnConfirm => "Return not confirmed in time; refund paid".into(),
            },
        }
    }
}

/// Who an effect is addressed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Party {
    Buyer,
    Seller,
}

/// Something a person is told, and asked to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Notice {
    PaidShipNow,
    Shipped,
    PaymentReleased,
    OrderCancelled,
    Refunded,
    RefundRequested,
    RefundRefused,
    SendReturn,
    ReturnSent,
    RefundWithdrawn,
    Escalated,
    Decided,
    TopUpArrived,
    BankRefused,
    ClaimFiled,
    NewMessage,
}

impl Notice {
    pub fn slug(self) -> &'static str {
        match self {
            Notice::PaidShipNow => "paid_ship_now",
            Notice::Shipped => "shipped",
            Notice::PaymentReleased => "payment_released",
            Notice::OrderCancelled => "order_cancelled",
            Notice::Refunded => "refunded",
            Notice::RefundRequested => "refund_requested",
            Notice::RefundRefused => "refund_refused",
            Notice::SendReturn => "send_return",
            Notice::ReturnSent => "return_sent",
            Notice::RefundWithdrawn => "refund_withdrawn",
            Notice::Escalated => "escalated",
            Notice::Decided => "decided",
            Notice::TopUpArrived => "top_up_arrived",
            Notice::BankRefused => "bank_refused",
            Notice::ClaimFiled => "claim_filed",
            Notice::NewMessage => "new_message",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Notice::PaidShipNow => "Paid — ship now",
            Notice::Shipped => "Your order has shipped",
            Notice::PaymentReleased => "Payment released",
            Notice::OrderCancelled => "Order cancelled",
            Notice::Refunded => "Refund paid",
            Notice::RefundRequested => "Refund requested — please answer",
            Notice::RefundRefused => "Refund refused — you may escalate",
            Notice::SendReturn => "Refund agreed — send the item back",
            Notice::ReturnSent => "Return sent — confirm when it arrives",
            Notice::RefundWithdrawn => "Refund request withdrawn",
            Notice::Escalated => "Order sent to arbitration",
            Notice::Decided => "The arbiter has decided",
            Notice::TopUpArrived => "The bank confirmed your",
            Notice::BankRefused => "The bank refused your",
            Notice::ClaimFiled => "A fraud claim was filed — the arbiter will decide",
            Notice::NewMessage => "New message on your order",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    Transfer(Transfer),
    /// Put this many back on the listing's stock.
    RestoreStock(u32),
    Notify(Party, Notice),
}

/// The order after an event, and what must happen with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    pub order: Order,
    pub effects: Vec<Effect>,
}

impl Transition {
    pub fn transfers(&self) -> impl Iterator<Item = &Transfer> {
        self.effects.iter().filter_map(|e| match e {
            Effect::Transfer(t) => Some(t),
            _ => None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("This order is {} — that cannot be done now", .0.label().to_lowercase())]
    NotNow(OrderState),
    #[error("You are not allowed to do that on this order")]
    NotYourRole,
    #[error("{0}")]
    Invalid(String),
    /// A timer that no longer matches the order (it moved on); drop it.
    #[error("stale timer")]
    StaleTimer,
    #[error("timer not yet due")]
    NotDue,
    #[error("The confirm-by date can be extended only once")]
    AlreadyExtended,
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// Decides what `event` by `role` does to `order` at `now`: the whole state
/// table of SPEC §3. Anything not in the table is refused.
pub fn apply(
    order: &Order,
    event: &Event,
    role: Role,
    now: Millis,
    rules: &Rules,
) -> Result<Transition, TransitionError> {
    use OrderState as S;

    if let Event::Timeout(kind) = event {
        check_timer(order, *kind, role, now)?;
    } else {
        check_role(order.state, event, role)?;
    }

    let mut next = order.clone();
    let mut effects = Vec::new();
    let d = &rules.deadlines;

    match (order.state, event) {
        (S::AwaitingPayment, Event::Pay) => {
            if order.deadline.is_some_and(|d| now >= d.at) {
                return Err(TransitionError::Invalid(
                    "This order was not paid in time and has expired; please order again".into(),
                ));
            }
            effects.push(transfer(
                Account::Available(order.buyer),
                Account::Escrow,
                order.amount,
                TransferKind::Payment,
            )?);
            next.held = order.amount;
            next.state = S::Paid;
            next.deadline = Some(Deadline { kind: TimerKind::Ship, at: now + d.ship });
            effects.push(Effect::Notify(Party::Seller, Notice::PaidShipNow));
        }
        (S::AwaitingPayment, Event::Cancel | Event::Timeout(TimerKind::Unpaid)) => {
            next.state = S::Cancelled;
            end(&mut next, now);
            effects.push(Effect::RestoreStock(order.quantity));
            effects.push(Effect::Notify(Party::Buyer, Notice::OrderCancelled));
            effects.push(Effect::Notify(Party::Seller, Notice::OrderCancelled));
        }
        (S::Paid, Event::Ship(shipment)) => {
            next.shipment = Some(Shipment::parse(&shipment.carrier, &shipment.tracking)?);
            next.state = S::Shipped;
            next.deadline = Some(Deadline { kind: TimerKind::Confirm, at: now + d.confirm });
            effects.push(Effect::Notify(Party::Buyer, Notice::Shipped));
        }
        (S::Paid, Event::SellerCancel | Event::Timeout(TimerKind::Ship)) => {
            settle(order, &mut next, &mut effects, order.held, S::Refunded, now, rules)?;
            effects.push(Effect::RestoreStock(order.quantity));
        }
        (S::Paid | S::Shipped, Event::RequestRefund { kind, amount, reason }) => {
            let reason = check_reason(reason, "Say why you want a refund")?;
            if amount.is_zero() || *amount > order.held {
                return Err(TransitionError::Invalid(format!(
                    "The refund must be more than ¥0.00 and at most {}",
                    order.held
                )));
            }
            if order.state == S::Paid && (*kind != RefundKind::RefundOnly || *amount != order.held) {
                return Err(TransitionError::Invalid(
                    "Before shipping, a refund is of the full amount and needs no return".into(),
                ));
            }
            next.paused = pause(order, now);
            next.refund = Some(RefundRequest {
                kind: *kind,
                amount: *amount,
                reason,
                from: order.state,
                refusal: None,
                return_shipment: None,
            });
            next.state = S::RefundRequested;
            next.deadline = Some(Deadline { kind: TimerKind::Answer, at: now + d.answer });
            effects.push(Effect::Notify(Party::Seller, Notice::RefundRequested));
        }
        (S::Shipped, Event::ConfirmReceipt | Event::Timeout(TimerKind::Confirm)) => {
            settle(order, &mut next, &mut effects, Money::ZERO, S::Completed, now, rules)?;
        }
        (S::Shipped, Event::ExtendConfirm { days }) => {
            if order.confirm_extended {
                return Err(TransitionError::AlreadyExtended);
            }
            if !EXTENSION_DAYS.contains(days) {
                return Err(TransitionError::Invalid("Extend by 3, 5, 7 or 10 days".into()));
            }
            let Some(deadline) = order.deadline else {
                return Err(TransitionError::NotNow(order.state));
            };
            next.deadline =
                Some(Deadline { kind: deadline.kind, at: deadline.at + i64::from(*days) * d.extension_unit });
            next.confirm_extended = true;
        }
        (S::RefundRequested, Event::AgreeRefund | Event::Timeout(TimerKind::Answer)) => {
            let request = open_request(order)?;
            match request.kind {
                RefundKind::RefundOnly => {
                    let full = request.amount == order.held;
                    let final_state = if full { S::Refunded } else { S::Completed };
                    settle(order, &mut next, &mut effects, request.amount, final_state, now, rules)?;
                    if full && order.shipment.is_none() {
                        effects.push(Effect::RestoreStock(order.quantity));
                    }
                }
                RefundKind::ReturnAndRefund => {
                    next.state = S::ReturnInTransit;
                    next.deadline = Some(Deadline { kind: TimerKind::ReturnSend, at: now + d.return_send });
                    effects.push(Effect::Notify(Party::Buyer, Notice::SendReturn));
                }
            }
        }
        (S::RefundRequested, Event::RefuseRefund { reason }) => {
            let reason = check_reason(reason, "Say why you refuse")?;
            let mut request = open_request(order)?.clone();
            request.refusal = Some(reason);
            next.refund = Some(request);
            next.state = S::RefundRefused;
            next.deadline = Some(Deadline { kind: TimerKind::Escalation, at: now + d.escalation });
            effects.push(Effect::Notify(Party::Buyer, Notice::RefundRefused));
        }
        (S::RefundRequested | S::RefundRefused, Event::WithdrawRefund)
        | (S::RefundRefused, Event::Timeout(TimerKind::Escalation)) => {
            resume(order, &mut next, now)?;
            effects.push(Effect::Notify(Party::Seller, Notice::RefundWithdrawn));
        }
        (S::RefundRefused, Event::Escalate) => {
            next.state = S::InArbitration;
            next.deadline = None;
            effects.push(Effect::Notify(Party::Seller, Notice::Escalated));
        }
        (S::ReturnInTransit, Event::SendReturn(shipment)) => {
            let mut request = open_request(order)?.clone();
            if request.return_shipment.is_some() {
                return Err(TransitionError::Invalid("The return was already sent".into()));
            }
            request.return_shipment = Some(Shipment::parse(&shipment.carrier, &shipment.tracking)?);
            next.refund = Some(request);
            next.deadline = Some(Deadline { kind: TimerKind::ReturnConfirm, at: now + d.return_confirm });
            effects.push(Effect::Notify(Party::Seller, Notice::ReturnSent));
        }
        (S::ReturnInTransit, Event::Timeout(TimerKind::ReturnSend)) => {
            resume(order, &mut next, now)?;
            effects.push(Effect::Notify(Party::Buyer, Notice::RefundWithdrawn));
            effects.push(Effect::Notify(Party::Seller, Notice::RefundWithdrawn));
        }
        (S::ReturnInTransit, Event::ConfirmReturn | Event::Timeout(TimerKind::ReturnConfirm)) => {
            let request = open_request(order)?;
            let final_state = if request.amount == order.held { S::Refunded } else { S::Completed };
            settle(order, &mut next, &mut effects, request.amount, final_state, now, rules)?;
        }
        (S::ReturnInTransit, Event::DisputeReturn { reason }) => {
            let reason = check_reason(reason, "Say what is wrong with the returned goods")?;
            if open_request(order)?.return_shipment.is_none() {
                return Err(TransitionError::Invalid("Nothing has been sent back yet".into()));
            }
            let mut request = open_request(order)?.clone();
            request.refusal = Some(reason);
            next.refund = Some(request);
            next.state = S::InArbitration;
            next.deadline = None;
            effects.push(Effect::Notify(Party::Buyer, Notice::Escalated));
        }
        (S::InArbitration, Event::Decide { refund, reason }) => {
            check_reason(reason, "Give the reason for the decision")?;
            if *refund > order.held {
                return Err(TransitionError::Invalid(format!("The refund can be at most {}", order.held)));
            }
            settle(order, &mut next, &mut effects, *refund, S::Resolved, now, rules)?;
            effects.retain(|e| !matches!(e, Effect::Notify(..)));
            effects.push(Effect::Notify(Party::Buyer, Notice::Decided));
            effects.push(Effect::Notify(Party::Seller, Notice::Decided));
        }
        (state, _) => return Err(TransitionError::NotNow(state)),
    }
    Ok(Transition { order: next, effects })
}

/// Who may cause each (non-timer) event; the state decides the rest.
fn check_role(state: OrderState, event: &Event, role: Role) -> Result<(), TransitionError> {
    let allowed = match event {
        Event::Pay
        | Event::Cancel
        | Event::ConfirmReceipt
        | Event::ExtendConfirm { .. }
        | Event::RequestRefund { .. }
        | Event::WithdrawRefund
        | Event::Escalate
        | Event::SendReturn(_) => Role::Buyer,
        Event::Ship(_)
        | Event::SellerCancel
        | Event::AgreeRefund
        | Event::RefuseRefund { .. }
        | Event::ConfirmReturn
        | Event::DisputeReturn { .. } => Role::Seller,
        Event::Decide { .. } => Role::Arbiter,
        Event::Timeout(_) => Role::System,
    };
    if role == allowed {
        Ok(())
    } else if state.is_terminal() && role != Role::Stranger {
        Err(TransitionError::NotNow(state))
    } else {
        Err(TransitionError::NotYourRole)
    }
}

/// A timeout applies only to the deadline the order is running, once due.
fn check_timer(order: &Order, kind: TimerKind, role: Role, now: Millis) -> Result<(), TransitionError> {
    if role != Role::System {
        return Err(TransitionError::NotYourRole);
    }
    match order.deadline {
        Some(deadline) if deadline.kind == kind && now >= deadline.at => Ok(()),
        Some(deadline) if deadline.kind == kind => Err(TransitionError::NotDue),
        _ => Err(TransitionError::StaleTimer),
    }
}

/// A statement (a reason, a claim, a decision): present and not too long.
pub fn check_reason(reason: &str, missing: &str) -> Result<String, TransitionError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(TransitionError::Invalid(missing.to_owned()));
    }
    if reason.chars().count() > REASON_MAX_CHARS {
        return Err(TransitionError::Invalid(format!("Keep it to {REASON_MAX_CHARS} characters")));
    }
    Ok(reason.to_owned())
}

fn open_request(order: &Order) -> Result<&RefundRequest, TransitionError> {
    order.refund.as_ref().ok_or(TransitionError::NotNow(order.state))
}

fn transfer(
    debit: Account,
    credit: Account,
    amount: Money,
    kind: TransferKind,
) -> Result<Effect, TransitionError> {
    Ok(Effect::Transfer(Transfer::new(debit, credit, amount, kind)?))
}

/// Stops the running deadline, keeping the time it had left.
fn pause(order: &Order, now: Millis) -> Option<Paused> {
    order.deadline.map(|d| Paused { kind: d.kind, remaining: (d.at - now).max(0) })
}

/// Closes the refund request and restarts the paused deadline with the time
/// it had left.
fn resume(order: &Order, next: &mut Order, now: Millis) -> Result<(), TransitionError> {
    let request = open_request(order)?;
    next.state = request.from;
    next.refund = None;
    next.deadline = order.paused.map(|p| Deadline { kind: p.kind, at: now + p.remaining });
    next.paused = None;
    Ok(())
}

/// Pays out everything the order holds: `refund` back to the buyer, the rest
/// to the seller less the fee on that rest. Ends the order in `final_state`.
fn settle(
    order: &Order,
    next: &mut Order,
    effects: &mut Vec<Effect>,
    refund: Money,
    final_state: OrderState,
    now: Millis,
    rules: &Rules,
) -> Result<(), TransitionError> {
    let rest = order
        .held
        .checked_sub(refund)
        .ok_or_else(|| TransitionError::Invalid(format!("The refund can be at most {}", order.held)))?;
    if !refund.is_zero() {
        effects.push(transfer(
            Account::Escrow,
            Account::Available(order.buyer),
            refund,
            TransferKind::Refund,
        )?);
        effects.push(Effect::Notify(Party::Buyer, Notice::Refunded));
    }
    if !rest.is_zero() {
        let fee = rules.fee_rate.fee_on(rest);
        let to_seller = rest.checked_sub(fee).unwrap_or(Money::ZERO);
        if !to_seller.is_zero() {
            effects.push(transfer(
                Account::Escrow,
                Account::Available(order.seller),
                to_seller,
                TransferKind::Release,
            )?);
        }
        if !fee.is_zero() {
            effects.push(transfer(Account::Escrow, Account::PlatformFees, fee, TransferKind::Fee)?);
        }
        effects.push(Effect::Notify(Party::Seller, Notice::PaymentReleased));
    } else if final_state == OrderState::Refunded {
        effects.push(Effect::Notify(Party::Seller, Notice::Refunded));
    }
    next.held = Money::ZERO;
    next.state = final_state;
    end(next, now);
    Ok(())
}

fn end(next: &mut Order, now: Millis) {
    next.deadline = None;
    next.paused = None;
    next.ended_at = Some(now);
}

/// A buyer's claim that a completed order was a fraud (SPEC §3, last rows).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ClaimState {
    Open,
    Upheld,
    Rejected,
}

/// The buyer may file a claim on an order that ended completed or resolved,
/// within the claim window.
pub fn check_claim_filing(
    order: &Order,
    role: Role,
    now: Millis,
    rules: &Rules,
) -> Result<(), TransitionError> {
    if role != Role::Buyer {
        return Err(TransitionError::NotYourRole);
    }
    if !matches!(order.state, OrderState::Completed | OrderState::Resolved) {
        return Err(TransitionError::NotNow(order.state));
    }
    match order.ended_at {
        Some(ended) if now <= ended + rules.deadlines.claim_window => Ok(()),
        _ => Err(TransitionError::Invalid(
            "Fraud claims can be filed within 15 days of the end of an order".into(),
        )),
    }
}

/// The arbiter's decision on an open claim. Upholding pays the buyer the
/// order amount from the platform's compensation fund.
pub fn decide_claim(
    order: &Order,
    claim: ClaimState,
    uphold: bool,
    role: Role,
) -> Result<(ClaimState, Vec<Effect>), TransitionError> {
    if role != Role::Arbiter {
        return Err(TransitionError::NotYourRole);
    }
    if claim != ClaimState::Open {
        return Err(TransitionError::Invalid("This claim has already been decided".into()));
    }
    if !uphold {
        return Ok((ClaimState::Rejected, vec![Effect::Notify(Party::Buyer, Notice::Decided)]));
    }
    Ok((
        ClaimState::Upheld,
        vec![
            transfer(
                Account::PlatformCompensation,
                Account::Available(order.buyer),
                order.amount,
                TransferKind::Compensation,
            )?,
            Effect::Notify(Party::Buyer, Notice::Decided),
            Effect::Notify(Party::Seller, Notice::Decided),
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    use crate::domain::ledger::Balances;

    const BUYER: MemberId = 1;
    const SELLER: MemberId = 2;
    const T0: Millis = 1_000_000;

    fn yuan(text: &str) -> Money {
        Money::parse(text).unwrap_or(Money::ZERO)
    }

    fn rules() -> Rules {
        Rules::default()
    }

    fn placed() -> Order {
        Order::place(BUYER, SELLER, yuan("64.25"), 2, T0, &rules()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn ship() -> Event {
        Event::Ship(Shipment { carrier: "SF Express".into(), tracking: "SF123".into() })
    }

    fn step(order: &Order, event: Event, role: Role, now: Millis) -> Transition {
        apply(order, &event, role, now, &rules())
            .unwrap_or_else(|e| panic!("{event:?} by {role:?} in {:?}: {e}", order.state))
    }

    fn drive(events: &[(Event, Role)]) -> Order {
        events
            .iter()
            .fold(placed(), |order, (event, role)| step(&order, event.clone(), *role, T0 + MINUTE).order)
    }

    fn refund_of(amount: &str, kind: RefundKind) -> Event {
        Event::RequestRefund { kind, amount: yuan(amount), reason: "Arrived scratched".into() }
    }

    fn shipped() -> Order {
        drive(&[(Event::Pay, Role::Buyer), (ship(), Role::Seller)])
    }

    /// Orders in every state (two for a return in transit: before and after
    /// the buyer sent it back).
    fn order_in_each_state() -> Vec<(&'static str, Order)> {
        let return_request = (refund_of("128.50", RefundKind::ReturnAndRefund), Role::Buyer);
        let base = [(Event::Pay, Role::Buyer), (ship(), Role::Seller)];
        let with = |extra: &[(Event, Role)]| {
            let mut all = base.to_vec();
            all.extend_from_slice(extra);
            drive(&all)
        };
        vec![
            ("awaiting_payment", placed()),
            ("paid", drive(&[(Event::Pay, Role::Buyer)])),
            ("shipped", shipped()),
            ("refund_requested", with(std::slice::from_ref(&return_request))),
            (
                "refund_refused",
                with(&[return_request.clone(), (Event::RefuseRefund { reason: "No".into() }, Role::Seller)]),
            ),
            ("return_in_transit", with(&[return_request.clone(), (Event::AgreeRefund, Role::Seller)])),
            (
                "return_sent",
                with(&[
                    return_request.clone(),
                    (Event::AgreeRefund, Role::Seller),
                    (
                        Event::SendReturn(Shipment { carrier: "EMS".into(), tracking: "E1".into() }),
                        Role::Buyer,
                    ),
                ]),
            ),
            (
                "in_arbitration",
                with(&[
                    return_request.clone(),
                    (Event::RefuseRefund { reason: "No".into() }, Role::Seller),
                    (Event::Escalate, Role::Buyer),
                ]),
            ),
            ("completed", with(&[(Event::ConfirmReceipt, Role::Buyer)])),
            ("refunded", drive(&[(Event::Pay, Role::Buyer), (Event::SellerCancel, Role::Seller)])),
            ("cancelled", drive(&[(Event::Cancel, Role::Buyer)])),
            (
                "resolved",
                with(&[
                    return_request,
                    (Event::RefuseRefund { reason: "No".into() }, Role::Seller),
                    (Event::Escalate, Role::Buyer),
                    (Event::Decide { refund: yuan("10"), reason: "Split".into() }, Role::Arbiter),
                ]),
            ),
        ]
    }

    fn one_event_of_each_kind() -> Vec<Event> {
        let mut events = vec![
            Event::Pay,
            Event::Cancel,
            ship(),
            Event::SellerCancel,
            Event::ConfirmReceipt,
            Event::ExtendConfirm { days: 5 },
            refund_of("128.50", RefundKind::RefundOnly),
            Event::AgreeRefund,
            Event::RefuseRefund { reason: "Item was fine".into() },
            Event::WithdrawRefund,
            Event::Escalate,
            Event::SendReturn(Shipment { carrier: "EMS".into(), tracking: "E9".into() }),
            Event::ConfirmReturn,
            Event::DisputeReturn { reason: "Box was empty".into() },
            Event::Decide { refund: yuan("30"), reason: "Both partly right".into() },
        ];
        events.extend(TimerKind::ALL.map(Event::Timeout));
        events
    }

    /// SPEC §3 as data: (state, event, who) that must succeed; every other
    /// combination must be refused.
    fn allowed() -> BTreeSet<(&'static str, EventKind, &'static str)> {
        use EventKind as E;
        use TimerKind as T;
        [
            ("awaiting_payment", E::Pay, "buyer"),
            ("awaiting_payment", E::Cancel, "buyer"),
            ("awaiting_payment", E::Timeout(T::Unpaid), "system"),
            ("paid", E::Ship, "seller"),
            ("paid", E::SellerCancel, "seller"),
            ("paid", E::Timeout(T::Ship), "system"),
            ("paid", E::RequestRefund, "buyer"),
            ("shipped", E::ConfirmReceipt, "buyer"),
            ("shipped", E::Timeout(T::Confirm), "system"),
            ("shipped", E::ExtendConfirm, "buyer"),
            ("shipped", E::RequestRefund, "buyer"),
            ("refund_requested", E::AgreeRefund, "seller"),
            ("refund_requested", E::Timeout(T::Answer), "system"),
            ("refund_requested", E::RefuseRefund, "seller"),
            ("refund_requested", E::WithdrawRefund, "buyer"),
            ("refund_refused", E::WithdrawRefund, "buyer"),
            ("refund_refused", E::Timeout(T::Escalation), "system"),
            ("refund_refused", E::Escalate, "buyer"),
            ("return_in_transit", E::SendReturn, "buyer"),
            ("return_in_transit", E::Timeout(T::ReturnSend), "system"),
            ("return_in_transit", E::ConfirmReturn, "seller"),
            ("return_sent", E::Timeout(T::ReturnConfirm), "system"),
            ("return_sent", E::ConfirmReturn, "seller"),
            ("return_sent", E::DisputeReturn, "seller"),
            ("in_arbitration", E::Decide, "arbiter"),
        ]
        .into_iter()
        .collect()
    }

    const ROLES: [(Role, &str); 5] = [
        (Role::Buyer, "buyer"),
        (Role::Seller, "seller"),
        (Role::Arbiter, "arbiter"),
        (Role::System, "system"),
        (Role::Stranger, "stranger"),
    ];

    #[test]
    fn every_state_event_and_role_is_allowed_exactly_as_the_table_says() {
        let allowed = allowed();
        let mut seen_allowed = BTreeSet::new();
        for (state_name, order) in order_in_each_state() {
            for event in one_event_of_each_kind() {
                // Timeouts are tried when every deadline has passed, the
                // rest while none has.
                let now = if matches!(event, Event::Timeout(_)) { T0 + 365 * DAY } else { T0 + 2 * MINUTE };
                for (role, role_name) in ROLES {
                    let result = apply(&order, &event, role, now, &rules());
                    let key = (state_name, event.kind(), role_name);
                    let expected = allowed.contains(&key);
                    assert_eq!(result.is_ok(), expected, "{key:?}: {result:?}");
                    if let Ok(t) = result {
                        seen_allowed.insert(key);
                        assert!(
                            legal_edge(order.state, t.order.state),
                            "{key:?} went to {:?}",
                            t.order.state
                        );
                    }
                }
            }
        }
        assert_eq!(seen_allowed, allowed, "every row of the table was exercised");
    }

    #[test]
    fn a_stranger_is_refused_as_not_their_role_and_nothing_is_returned() {
        let order = shipped();
        assert_eq!(
            apply(&order, &Event::ConfirmReceipt, Role::Stranger, T0, &rules()),
            Err(TransitionError::NotYourRole)
        );
        assert_eq!(apply(&order, &ship(), Role::Buyer, T0, &rules()), Err(TransitionError::NotYourRole));
    }

    /// The edges of SPEC §3's table; property tests check nothing else happens.
    fn legal_edge(from: OrderState, to: OrderState) -> bool {
        use OrderState as S;
        matches!(
            (from, to),
            (S::AwaitingPayment, S::Paid | S::Cancelled)
                | (S::Paid, S::Shipped | S::Refunded | S::RefundRequested)
                | (S::Shipped, S::Shipped | S::Completed | S::RefundRequested)
                | (
                    S::RefundRequested,
                    S::Refunded | S::Completed | S::ReturnInTransit | S::RefundRefused | S::Paid | S::Shipped
                )
                | (S::RefundRefused, S::Paid | S::Shipped | S::InArbitration)
                | (
                    S::ReturnInTransit,
                    S::ReturnInTransit | S::Shipped | S::Refunded | S::Completed | S::InArbitration
                )
                | (S::InArbitration, S::Resolved)
        )
    }

    #[test]
    fn paying_moves_the_amount_into_escrow_and_starts_the_ship_deadline() {
        let t = step(&placed(), Event::Pay, Role::Buyer, T0 + MINUTE);
        assert_eq!(t.order.state, OrderState::Paid);
        assert_eq!(t.order.held.fen(), 12_850);
        assert_eq!(t.order.deadline, Some(Deadline { kind: TimerKind::Ship, at: T0 + MINUTE + 7 * DAY }));
        let transfers: Vec<_> =
            t.transfers().map(|t| (t.debit(), t.credit(), t.amount().fen(), t.kind())).collect();
        assert_eq!(
            transfers,
            vec![(Account::Available(BUYER), Account::Escrow, 12_850, TransferKind::Payment)]
        );
        assert!(t.effects.contains(&Effect::Notify(Party::Seller, Notice::PaidShipNow)));
    }

    #[test]
    fn confirming_releases_the_price_less_the_fee_and_the_fee_to_the_platform() {
        let t = step(&shipped(), Event::ConfirmReceipt, Role::Buyer, T0 + DAY);
        let transfers: Vec<_> = t.transfers().map(|t| (t.credit(), t.amount().fen())).collect();
        // ¥128.50 × 0.6% = 0.771 → ¥0.77
        assert_eq!(transfers, vec![(Account::Available(SELLER), 12_773), (Account::PlatformFees, 77)]);
        assert_eq!(t.order.state, OrderState::Completed);
        assert_eq!(t.order.held, Money::ZERO);
        assert_eq!(t.order.ended_at, Some(T0 + DAY));
        assert_eq!(t.order.deadline, None);
    }

    #[test]
    fn the_unpaid_timeout_cancels_and_restores_stock_but_not_before_it_is_due() {
        let order = placed();
        assert_eq!(
            apply(&order, &Event::Timeout(TimerKind::Unpaid), Role::System, T0 + 29 * MINUTE, &rules()),
            Err(TransitionError::NotDue)
        );
        let t = step(&order, Event::Timeout(TimerKind::Unpaid), Role::System, T0 + 30 * MINUTE);
        assert_eq!(t.order.state, OrderState::Cancelled);
        assert!(t.effects.contains(&Effect::RestoreStock(2)));
        assert_eq!(t.transfers().count(), 0);
    }

    #[test]
    fn an_order_cannot_be_paid_once_its_unpaid_deadline_has_passed() {
        let result = apply(&placed(), &Event::Pay, Role::Buyer, T0 + 30 * MINUTE, &rules());
        assert!(matches!(result, Err(TransitionError::Invalid(_))));
    }

    #[test]
    fn a_timer_of_another_kind_is_stale() {
        let order = shipped();
        assert_eq!(
            apply(&order, &Event::Timeout(TimerKind::Ship), Role::System, T0 + 30 * DAY, &rules()),
            Err(TransitionError::StaleTimer)
        );
    }

    #[test]
    fn the_ship_timeout_refunds_in_full_and_restores_stock() {
        let paid = drive(&[(Event::Pay, Role::Buyer)]);
        let t = step(&paid, Event::Timeout(TimerKind::Ship), Role::System, T0 + 8 * DAY);
        assert_eq!(t.order.state, OrderState::Refunded);
        let transfers: Vec<_> = t.transfers().map(|t| (t.credit(), t.amount().fen(), t.kind())).collect();
        assert_eq!(transfers, vec![(Account::Available(BUYER), 12_850, TransferKind::Refund)]);
        assert!(t.effects.contains(&Effect::RestoreStock(2)));
    }

    #[test]
    fn the_confirm_date_can_be_extended_once_by_an_allowed_number_of_days() {
        let order = shipped();
        let due = order.deadline.map(|d| d.at).unwrap_or_default();
        assert_eq!(
            apply(&order, &Event::ExtendConfirm { days: 4 }, Role::Buyer, T0, &rules()).err(),
            Some(TransitionError::Invalid("Extend by 3, 5, 7 or 10 days".into()))
        );
        let t = step(&order, Event::ExtendConfirm { days: 7 }, Role::Buyer, T0 + DAY);
        assert_eq!(t.order.deadline.map(|d| d.at), Some(due + 7 * DAY));
        assert_eq!(
            apply(&t.order, &Event::ExtendConfirm { days: 3 }, Role::Buyer, T0 + DAY, &rules()),
            Err(TransitionError::AlreadyExtended)
        );
    }

    #[test]
    fn before_shipping_only_a_full_refund_without_return_can_be_asked() {
        let paid = drive(&[(Event::Pay, Role::Buyer)]);
        for event in
            [refund_of("100", RefundKind::RefundOnly), refund_of("128.50", RefundKind::ReturnAndRefund)]
        {
            assert!(matches!(
                apply(&paid, &event, Role::Buyer, T0, &rules()),
                Err(TransitionError::Invalid(_))
            ));
        }
        let t = step(&paid, refund_of("128.50", RefundKind::RefundOnly), Role::Buyer, T0 + HOUR);
        let agreed = step(&t.order, Event::AgreeRefund, Role::Seller, T0 + 2 * HOUR);
        assert_eq!(agreed.order.state, OrderState::Refunded);
        assert!(agreed.effects.contains(&Effect::RestoreStock(2)), "never shipped, so stock comes back");
    }

    #[test]
    fn a_refund_can_never_exceed_what_is_held() {
        let order = shipped();
        let result = apply(&order, &refund_of("128.51", RefundKind::RefundOnly), Role::Buyer, T0, &rules());
        assert!(matches!(result, Err(TransitionError::Invalid(_))));
        let result = apply(&order, &refund_of("0", RefundKind::RefundOnly), Role::Buyer, T0, &rules());
        assert!(matches!(result, Err(TransitionError::Invalid(_))));
    }

    #[test]
    fn a_partial_refund_pays_the_buyer_and_releases_the_rest_with_the_fee_on_the_rest_only() {
        let order = shipped();
        let requested = step(&order, refund_of("28.50", RefundKind::RefundOnly), Role::Buyer, T0 + HOUR);
        let t = step(&requested.order, Event::AgreeRefund, Role::Seller, T0 + 2 * HOUR);
        let transfers: Vec<_> = t.transfers().map(|t| (t.credit(), t.amount().fen())).collect();
        // ¥100.00 released: fee ¥0.60
        assert_eq!(
            transfers,
            vec![
                (Account::Available(BUYER), 2_850),
                (Account::Available(SELLER), 9_940),
                (Account::PlatformFees, 60)
            ]
        );
        assert_eq!(t.order.state, OrderState::Completed);
        assert!(!t.effects.contains(&Effect::RestoreStock(2)), "shipped goods do not restock");
    }

    #[test]
    fn withdrawing_a_request_resumes_the_paused_deadline_with_the_time_it_had_left() {
        let order = shipped(); // confirm deadline: T0 + MINUTE + 10 days
        let asked_at = T0 + 3 * DAY;
        let requested = step(&order, refund_of("10", RefundKind::RefundOnly), Role::Buyer, asked_at);
        let left = (T0 + MINUTE + 10 * DAY) - asked_at;
        assert_eq!(requested.order.paused, Some(Paused { kind: TimerKind::Confirm, remaining: left }));
        assert_eq!(requested.order.deadline.map(|d| d.kind), Some(TimerKind::Answer));

        let back_at = asked_at + DAY;
        let t = step(&requested.order, Event::WithdrawRefund, Role::Buyer, back_at);
        assert_eq!(t.order.state, OrderState::Shipped);
        assert_eq!(t.order.deadline, Some(Deadline { kind: TimerKind::Confirm, at: back_at + left }));
        assert_eq!(t.order.refund, None);
    }

    #[test]
    fn seller_silence_for_48_hours_counts_as_agreeing() {
        let requested =
            step(&shipped(), refund_of("128.50", RefundKind::ReturnAndRefund), Role::Buyer, T0 + HOUR);
        let t =
            step(&requested.order, Event::Timeout(TimerKind::Answer), Role::System, T0 + HOUR + 48 * HOUR);
        assert_eq!(t.order.state, OrderState::ReturnInTransit);
        assert_eq!(t.order.deadline.map(|d| d.kind), Some(TimerKind::ReturnSend));
    }

    #[test]
    fn a_return_not_sent_in_time_closes_the_request_and_the_confirm_deadline_resumes() {
        let requested =
            step(&shipped(), refund_of("128.50", RefundKind::ReturnAndRefund), Role::Buyer, T0 + HOUR);
        let agreed = step(&requested.order, Event::AgreeRefund, Role::Seller, T0 + 2 * HOUR);
        let closed =
            step(&agreed.order, Event::Timeout(TimerKind::ReturnSend), Role::System, T0 + 2 * HOUR + 7 * DAY);
        assert_eq!(closed.order.state, OrderState::Shipped);
        assert_eq!(closed.order.deadline.map(|d| d.kind), Some(TimerKind::Confirm));
        assert_eq!(closed.transfers().count(), 0);
    }

    #[test]
    fn a_sent_return_not_confirmed_in_ten_days_is_refunded() {
        let requested =
            step(&shipped(), refund_of("128.50", RefundKind::ReturnAndRefund), Role::Buyer, T0 + HOUR);
        let agreed = step(&requested.order, Event::AgreeRefund, Role::Seller, T0 + 2 * HOUR);
        let sent = step(
            &agreed.order,
            Event::SendReturn(Shipment { carrier: "EMS".into(), tracking: "E1".into() }),
            Role::Buyer,
            T0 + 3 * HOUR,
        );
        let done = step(
            &sent.order,
            Event::Timeout(TimerKind::ReturnConfirm),
            Role::System,
            T0 + 3 * HOUR + 10 * DAY,
        );
        assert_eq!(done.order.state, OrderState::Refunded);
        assert_eq!(done.transfers().map(|t| t.amount().fen()).sum::<i64>(), 12_850);
    }

    #[test]
    fn an_arbiter_split_of_30_70_charges_the_fee_on_the_released_part_only() {
        let order =
            Order::place(BUYER, SELLER, yuan("100"), 1, T0, &rules()).unwrap_or_else(|e| panic!("{e}"));
        let mut order = step(&order, Event::Pay, Role::Buyer, T0).order;
        for (event, role) in [
            (ship(), Role::Seller),
            (refund_of("100", RefundKind::RefundOnly), Role::Buyer),
            (Event::RefuseRefund { reason: "It works".into() }, Role::Seller),
            (Event::Escalate, Role::Buyer),
        ] {
            order = step(&order, event, role, T0 + HOUR).order;
        }
        let t = step(
            &order,
            Event::Decide { refund: yuan("30"), reason: "Partly damaged".into() },
            Role::Arbiter,
            T0 + DAY,
        );
        let transfers: Vec<_> = t.transfers().map(|t| (t.credit(), t.amount().fen())).collect();
        assert_eq!(
            transfers,
            vec![
                (Account::Available(BUYER), 3_000),
                (Account::Available(SELLER), 6_958),
                (Account::PlatformFees, 42)
            ]
        );
        assert_eq!(t.order.state, OrderState::Resolved);
    }

    #[test]
    fn a_fraud_claim_is_filed_within_15_days_and_upheld_pays_the_order_amount_from_compensation() {
        let completed = step(&shipped(), Event::ConfirmReceipt, Role::Buyer, T0 + DAY).order;
        assert_eq!(check_claim_filing(&completed, Role::Buyer, T0 + DAY + 15 * DAY, &rules()), Ok(()));
        assert!(check_claim_filing(&completed, Role::Buyer, T0 + DAY + 15 * DAY + 1, &rules()).is_err());
        assert_eq!(
            check_claim_filing(&completed, Role::Seller, T0 + 2 * DAY, &rules()),
            Err(TransitionError::NotYourRole)
        );
        assert!(check_claim_filing(&shipped(), Role::Buyer, T0, &rules()).is_err());

        let (state, effects) =
            decide_claim(&completed, ClaimState::Open, true, Role::Arbiter).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(state, ClaimState::Upheld);
        assert!(effects.iter().any(|e| matches!(e, Effect::Transfer(t)
            if t.debit() == Account::PlatformCompensation && t.credit() == Account::Available(BUYER) && t.amount().fen() == 12_850)));
        assert!(decide_claim(&completed, ClaimState::Upheld, true, Role::Arbiter).is_err());
        assert_eq!(
            decide_claim(&completed, ClaimState::Open, true, Role::Buyer),
            Err(TransitionError::NotYourRole)
        );
    }

    #[test]
    fn nobody_can_buy_their_own_listing_or_nothing() {
        assert!(Order::place(BUYER, BUYER, yuan("1"), 1, T0, &rules()).is_err());
        assert!(Order::place(BUYER, SELLER, yuan("1"), 0, T0, &rules()).is_err());
    }

    fn any_event() -> impl Strategy<Value = (Event, Role)> {
        let role = prop_oneof![
            Just(Role::Buyer),
            Just(Role::Seller),
            Just(Role::Arbiter),
            Just(Role::System),
            Just(Role::Stranger)
        ];
        let fen = 0i64..=20_000;
        let event = prop_oneof![
            Just(Event::Pay),
            Just(Event::Cancel),
            Just(ship()),
            Just(Event::SellerCancel),
            Just(Event::ConfirmReceipt),
            prop::sample::select(vec![1u32, 3, 5, 7, 10]).prop_map(|days| Event::ExtendConfirm { days }),
            (fen.clone(), any::<bool>()).prop_map(|(f, ret)| Event::RequestRefund {
                kind: if ret { RefundKind::ReturnAndRefund } else { RefundKind::RefundOnly },
                amount: Money::from_fen(f).unwrap_or(Money::ZERO),
                reason: "why".into(),
            }),
            Just(Event::AgreeRefund),
            Just(Event::RefuseRefund { reason: "no".into() }),
            Just(Event::WithdrawRefund),
            Just(Event::Escalate),
            Just(Event::SendReturn(Shipment { carrier: "EMS".into(), tracking: "1".into() })),
            Just(Event::ConfirmReturn),
            Just(Event::DisputeReturn { reason: "empty box".into() }),
            fen.prop_map(|f| Event::Decide {
                refund: Money::from_fen(f).unwrap_or(Money::ZERO),
                reason: "r".into()
            }),
            prop::sample::select(TimerKind::ALL.to_vec()).prop_map(Event::Timeout),
        ];
        (event, role)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// Random events from random people, at random times, against a
        /// ledger: money is conserved, no wallet goes negative, escrow holds
        /// exactly what the order says, and only the table's edges are taken.
        #[test]
        fn random_event_sequences_keep_the_money_and_the_states_right(
            unit_fen in 1i64..=10_000,
            quantity in 1u32..=3,
            wallet_fen in 0i64..=40_000,
            steps in prop::collection::vec((any_event(), 0i64..=(12 * DAY)), 1..40),
        ) {
            let unit = Money::from_fen(unit_fen).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut order = Order::place(BUYER, SELLER, unit, quantity, T0, &rules())
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut balances = Balances::default();
            let funding = Money::from_fen(wallet_fen).map_err(|e| TestCaseError::fail(e.to_string()))?;
            if !funding.is_zero() {
                let top_up = Transfer::new(Account::BankClearing, Account::Available(BUYER), funding, TransferKind::TopUp)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                balances.apply(&top_up).map_err(|e| TestCaseError::fail(e.to_string()))?;
            }
            let mut now = T0;
            let mut stock_restored = 0;
            for ((event, role), wait) in steps {
                now += wait;
                let Ok(transition) = apply(&order, &event, role, now, &rules()) else { continue };
                // The store applies the transfers in the same transaction: if
                // one cannot be made, none is and the order does not move.
                let mut trial = balances.clone();
                if transition.transfers().try_for_each(|t| trial.apply(t)).is_err() {
                    prop_assert_eq!(event.kind(), EventKind::Pay, "only paying can lack funds");
                    continue;
                }
                prop_assert!(legal_edge(order.state, transition.order.state),
                    "{:?} --{:?}--> {:?}", order.state, event.kind(), transition.order.state);
                stock_restored += transition.effects.iter().filter(|e| matches!(e, Effect::RestoreStock(_))).count();
                balances = trial;
                order = transition.order;

                prop_assert_eq!(balances.sum(), 0);
                prop_assert!(balances.get(Account::Available(BUYER)) >= 0);
                prop_assert!(balances.get(Account::Available(SELLER)) >= 0);
                prop_assert_eq!(balances.get(Account::Escrow), order.held.fen());
                if order.state.is_terminal() {
                    prop_assert_eq!(order.held, Money::ZERO);
                    prop_assert!(order.deadline.is_none());
                } else {
                    prop_assert!(order.deadline.is_some() || order.state == OrderState::InArbitration);
                }
            }
            prop_assert!(stock_restored <= 1, "stock comes back at most once");
            let paid_out = balances.get(Account::Available(BUYER)) + balances.get(Account::Available(SELLER))
                + balances.get(Account::PlatformFees) + balances.get(Account::Escrow);
            prop_assert_eq!(paid_out, wallet_fen, "every fen the buyer brought is somewhere");
        }
    }
}
