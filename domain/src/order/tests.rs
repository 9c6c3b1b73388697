//! The state table of SPEC §3, pinned cell by cell, and random event
//! sequences against a ledger.

use super::*;
use proptest::prelude::*;
use std::collections::BTreeSet;

use crate::ledger::{Balances, Transfer};

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

fn step(order: &Order, event: Event, role: Role, now: Millis) -> Transition<Order> {
    apply(order, &event, role, now, &rules())
        .unwrap_or_else(|e| panic!("{event:?} by {role:?} in {:?}: {e}", order.state))
}

fn drive(events: &[(Event, Role)]) -> Order {
    events.iter().fold(placed(), |order, (event, role)| step(&order, event.clone(), *role, T0 + MINUTE).next)
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
                (Event::SendReturn(Shipment { carrier: "EMS".into(), tracking: "E1".into() }), Role::Buyer),
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
        Event::SellerRefund { amount: yuan("10") },
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
    events.extend(TimerKind::ALL.iter().copied().map(Event::Timeout));
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
        ("paid", E::SellerRefund, "seller"),
        ("shipped", E::SellerRefund, "seller"),
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
                    assert!(legal_edge(order.state, t.next.state), "{key:?} went to {:?}", t.next.state);
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
            | (S::Paid, S::Paid | S::Shipped | S::Refunded | S::RefundRequested)
            | (S::Shipped, S::Shipped | S::Completed | S::RefundRequested | S::Refunded)
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
    assert_eq!(t.next.state, OrderState::Paid);
    assert_eq!(t.next.held.fen(), 12_850);
    assert_eq!(t.next.deadline, Some(Deadline { kind: TimerKind::Ship, at: T0 + MINUTE + 7 * DAY }));
    let transfers: Vec<_> =
        t.transfers().map(|t| (t.debit(), t.credit(), t.amount().fen(), t.kind())).collect();
    assert_eq!(transfers, vec![(Account::Available(BUYER), Account::Escrow, 12_850, TransferKind::Payment)]);
    assert!(t.effects.contains(&Effect::Notify(Party::Seller, Notice::PaidShipNow)));
}

#[test]
fn confirming_releases_the_price_less_the_fee_and_the_fee_to_the_platform() {
    let t = step(&shipped(), Event::ConfirmReceipt, Role::Buyer, T0 + DAY);
    let transfers: Vec<_> = t.transfers().map(|t| (t.credit(), t.amount().fen())).collect();
    // ¥128.50 × 0.6% = 0.771 → ¥0.77
    assert_eq!(transfers, vec![(Account::Available(SELLER), 12_773), (Account::PlatformFees, 77)]);
    assert_eq!(t.next.state, OrderState::Completed);
    assert_eq!(t.next.held, Money::ZERO);
    assert_eq!(t.next.ended_at, Some(T0 + DAY));
    assert_eq!(t.next.deadline, None);
}

#[test]
fn the_unpaid_timeout_cancels_and_restores_stock_but_not_before_it_is_due() {
    let order = placed();
    assert_eq!(
        apply(&order, &Event::Timeout(TimerKind::Unpaid), Role::System, T0 + 29 * MINUTE, &rules()),
        Err(TransitionError::NotDue)
    );
    let t = step(&order, Event::Timeout(TimerKind::Unpaid), Role::System, T0 + 30 * MINUTE);
    assert_eq!(t.next.state, OrderState::Cancelled);
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
    assert_eq!(t.next.state, OrderState::Refunded);
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
        Some(TransitionError::Invalid(Refusal::ExtensionDays))
    );
    let t = step(&order, Event::ExtendConfirm { days: 7 }, Role::Buyer, T0 + DAY);
    assert_eq!(t.next.deadline.map(|d| d.at), Some(due + 7 * DAY));
    assert_eq!(
        apply(&t.next, &Event::ExtendConfirm { days: 3 }, Role::Buyer, T0 + DAY, &rules()),
        Err(TransitionError::AlreadyExtended)
    );
}

#[test]
fn before_shipping_only_a_full_refund_without_return_can_be_asked() {
    let paid = drive(&[(Event::Pay, Role::Buyer)]);
    for event in [refund_of("100", RefundKind::RefundOnly), refund_of("128.50", RefundKind::ReturnAndRefund)]
    {
        assert!(matches!(apply(&paid, &event, Role::Buyer, T0, &rules()), Err(TransitionError::Invalid(_))));
    }
    let t = step(&paid, refund_of("128.50", RefundKind::RefundOnly), Role::Buyer, T0 + HOUR);
    let agreed = step(&t.next, Event::AgreeRefund, Role::Seller, T0 + 2 * HOUR);
    assert_eq!(agreed.next.state, OrderState::Refunded);
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
    let t = step(&requested.next, Event::AgreeRefund, Role::Seller, T0 + 2 * HOUR);
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
    assert_eq!(t.next.state, OrderState::Completed);
    assert!(!t.effects.contains(&Effect::RestoreStock(2)), "shipped goods do not restock");
}

#[test]
fn withdrawing_a_request_resumes_the_paused_deadline_with_the_time_it_had_left() {
    let order = shipped(); // confirm deadline: T0 + MINUTE + 10 days
    let asked_at = T0 + 3 * DAY;
    let requested = step(&order, refund_of("10", RefundKind::RefundOnly), Role::Buyer, asked_at);
    let left = (T0 + MINUTE + 10 * DAY) - asked_at;
    assert_eq!(requested.next.paused, Some(Paused { kind: TimerKind::Confirm, remaining: left }));
    assert_eq!(requested.next.deadline.map(|d| d.kind), Some(TimerKind::Answer));

    let back_at = asked_at + DAY;
    let t = step(&requested.next, Event::WithdrawRefund, Role::Buyer, back_at);
    assert_eq!(t.next.state, OrderState::Shipped);
    assert_eq!(t.next.deadline, Some(Deadline { kind: TimerKind::Confirm, at: back_at + left }));
    assert_eq!(t.next.refund, None);
}

#[test]
fn seller_silence_for_48_hours_counts_as_agreeing() {
    let requested =
        step(&shipped(), refund_of("128.50", RefundKind::ReturnAndRefund), Role::Buyer, T0 + HOUR);
    let t = step(&requested.next, Event::Timeout(TimerKind::Answer), Role::System, T0 + HOUR + 48 * HOUR);
    assert_eq!(t.next.state, OrderState::ReturnInTransit);
    assert_eq!(t.next.deadline.map(|d| d.kind), Some(TimerKind::ReturnSend));
}

#[test]
fn a_return_not_sent_in_time_closes_the_request_and_the_confirm_deadline_resumes() {
    let requested =
        step(&shipped(), refund_of("128.50", RefundKind::ReturnAndRefund), Role::Buyer, T0 + HOUR);
    let agreed = step(&requested.next, Event::AgreeRefund, Role::Seller, T0 + 2 * HOUR);
    let closed =
        step(&agreed.next, Event::Timeout(TimerKind::ReturnSend), Role::System, T0 + 2 * HOUR + 7 * DAY);
    assert_eq!(closed.next.state, OrderState::Shipped);
    assert_eq!(closed.next.deadline.map(|d| d.kind), Some(TimerKind::Confirm));
    assert_eq!(closed.transfers().count(), 0);
}

#[test]
fn a_sent_return_not_confirmed_in_ten_days_is_refunded() {
    let requested =
        step(&shipped(), refund_of("128.50", RefundKind::ReturnAndRefund), Role::Buyer, T0 + HOUR);
    let agreed = step(&requested.next, Event::AgreeRefund, Role::Seller, T0 + 2 * HOUR);
    let sent = step(
        &agreed.next,
        Event::SendReturn(Shipment { carrier: "EMS".into(), tracking: "E1".into() }),
        Role::Buyer,
        T0 + 3 * HOUR,
    );
    let done =
        step(&sent.next, Event::Timeout(TimerKind::ReturnConfirm), Role::System, T0 + 3 * HOUR + 10 * DAY);
    assert_eq!(done.next.state, OrderState::Refunded);
    assert_eq!(done.transfers().map(|t| t.amount().fen()).sum::<i64>(), 12_850);
}

#[test]
fn an_arbiter_split_of_30_70_charges_the_fee_on_the_released_part_only() {
    let order = Order::place(BUYER, SELLER, yuan("100"), 1, T0, &rules()).unwrap_or_else(|e| panic!("{e}"));
    let mut order = step(&order, Event::Pay, Role::Buyer, T0).next;
    for (event, role) in [
        (ship(), Role::Seller),
        (refund_of("100", RefundKind::RefundOnly), Role::Buyer),
        (Event::RefuseRefund { reason: "It works".into() }, Role::Seller),
        (Event::Escalate, Role::Buyer),
    ] {
        order = step(&order, event, role, T0 + HOUR).next;
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
    assert_eq!(t.next.state, OrderState::Resolved);
}

#[test]
fn a_seller_refund_gives_back_part_and_keeps_the_rest_held_or_all_and_ends_the_order() {
    let part = step(&shipped(), Event::SellerRefund { amount: yuan("28.50") }, Role::Seller, T0 + HOUR);
    assert_eq!(part.next.state, OrderState::Shipped);
    assert_eq!(part.next.held.fen(), 12_850 - 2_850);
    assert!(part.next.deadline.is_some(), "the confirm deadline keeps running");
    let all = step(&part.next, Event::SellerRefund { amount: yuan("100") }, Role::Seller, T0 + 2 * HOUR);
    assert_eq!(all.next.state, OrderState::Refunded);
    assert_eq!(all.next.held, Money::ZERO);
    let too_much =
        apply(&shipped(), &Event::SellerRefund { amount: yuan("128.51") }, Role::Seller, T0, &rules());
    assert!(too_much.is_err());
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
        fen.clone().prop_map(|f| Event::SellerRefund { amount: Money::from_fen(f).unwrap_or(Money::ZERO) }),
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
            prop_assert!(legal_edge(order.state, transition.next.state),
                "{:?} --{:?}--> {:?}", order.state, event.kind(), transition.next.state);
            stock_restored += transition.effects.iter().filter(|e| matches!(e, Effect::RestoreStock(_))).count();
            balances = trial;
            order = transition.next;

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
