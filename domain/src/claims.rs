//! Fraud claims (SPEC §3, last rows): a buyer's claim that an ended order
//! was a fraud, and the arbiter's decision on it.

use serde::{Deserialize, Serialize};

use crate::effects::{Effect, Transition};
use crate::ledger::{Account, TransferKind};
use crate::notices::{Notice, Party};
use crate::order::{Order, OrderState, Refusal, Role, Rules, TransitionError};
use crate::time::Millis;

/// Where a claim stands.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::EnumString, strum::IntoStaticStr,
)]
#[strum(serialize_all = "snake_case")]
pub enum ClaimState {
    Open,
    Upheld,
    Rejected,
}

impl ClaimState {
    /// The stable name stored with the claim.
    pub fn slug(self) -> &'static str {
        self.into()
    }
}

/// The buyer files a claim on an order that ended completed or resolved,
/// within the claim window; the seller and the arbiters are told.
pub fn file(
    order: &Order,
    role: Role,
    now: Millis,
    rules: &Rules,
) -> Result<Transition<ClaimState>, TransitionError> {
    if role != Role::Buyer {
        return Err(TransitionError::NotYourRole);
    }
    if !matches!(order.state, OrderState::Completed | OrderState::Resolved) {
        return Err(TransitionError::NotNow(order.state));
    }
    let window = rules.deadlines.claim_window;
    match order.ended_at {
        Some(ended) if now <= ended + window => Ok(Transition {
            next: ClaimState::Open,
            effects: vec![
                Effect::Notify(Party::Seller, Notice::ClaimFiled),
                Effect::Notify(Party::Arbiters, Notice::ClaimFiled),
            ],
        }),
        _ => Err(Refusal::ClaimWindowPassed { window }.into()),
    }
}

/// The arbiter's decision on an open claim. Upholding pays the buyer the
/// order amount from the platform's compensation fund and suspends the
/// seller; rejecting closes it.
pub fn decide(
    order: &Order,
    claim: ClaimState,
    uphold: bool,
    role: Role,
) -> Result<Transition<ClaimState>, TransitionError> {
    if role != Role::Arbiter {
        return Err(TransitionError::NotYourRole);
    }
    if claim != ClaimState::Open {
        return Err(Refusal::ClaimDecided.into());
    }
    if !uphold {
        return Ok(Transition {
            next: ClaimState::Rejected,
            effects: vec![Effect::Notify(Party::Buyer, Notice::Decided)],
        });
    }
    Ok(Transition {
        next: ClaimState::Upheld,
        effects: vec![
            Effect::transfer(
                Account::PlatformCompensation,
                Account::Available(order.buyer),
                order.amount,
                TransferKind::Compensation,
            )?,
            Effect::SuspendSeller,
            Effect::Notify(Party::Buyer, Notice::Decided),
            Effect::Notify(Party::Seller, Notice::Decided),
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;
    use crate::order::{Event, Shipment, apply};
    use crate::time::DAY;

    const T0: Millis = 1_000_000;

    fn completed_at(end: Millis) -> Order {
        let rules = Rules::default();
        let price = Money::parse("128.50").unwrap_or_default();
        let mut order = Order::place(1, 2, price, 1, T0, &rules).unwrap_or_else(|e| panic!("{e}"));
        let ship = Event::Ship(Shipment { carrier: "SF".into(), tracking: "1".into() });
        for (event, role, at) in [
            (Event::Pay, Role::Buyer, T0),
            (ship, Role::Seller, T0),
            (Event::ConfirmReceipt, Role::Buyer, end),
        ] {
            order = apply(&order, &event, role, at, &rules).unwrap_or_else(|e| panic!("{e}")).next;
        }
        order
    }

    #[test]
    fn a_claim_is_filed_within_the_window_by_the_buyer_only() {
        let rules = Rules::default();
        let completed = completed_at(T0 + DAY);
        let filed = file(&completed, Role::Buyer, T0 + DAY + 15 * DAY, &rules);
        assert_eq!(filed.map(|t| t.next), Ok(ClaimState::Open));
        let late = file(&completed, Role::Buyer, T0 + DAY + 15 * DAY + 1, &rules);
        assert_eq!(late, Err(TransitionError::Invalid(Refusal::ClaimWindowPassed { window: 15 * DAY })));
        assert_eq!(
            late.map(|_| ()).unwrap_err().to_string(),
            "Fraud claims can be filed within 15 days of the end of an order"
        );
        assert_eq!(file(&completed, Role::Seller, T0 + 2 * DAY, &rules), Err(TransitionError::NotYourRole));
        let open = apply(&completed_at(T0), &Event::Pay, Role::Buyer, T0, &rules);
        assert!(open.is_err(), "a completed order cannot be paid");
    }

    #[test]
    fn an_upheld_claim_pays_the_order_amount_from_compensation_and_suspends_the_seller() {
        let completed = completed_at(T0 + DAY);
        let upheld =
            decide(&completed, ClaimState::Open, true, Role::Arbiter).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(upheld.next, ClaimState::Upheld);
        assert!(upheld.transfers().any(|t| t.debit() == Account::PlatformCompensation
            && t.credit() == Account::Available(1)
            && t.amount().fen() == 12_850));
        assert!(upheld.effects.contains(&Effect::SuspendSeller));
        let rejected =
            decide(&completed, ClaimState::Open, false, Role::Arbiter).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rejected.next, ClaimState::Rejected);
        assert_eq!(rejected.transfers().count(), 0);
        assert!(!rejected.effects.contains(&Effect::SuspendSeller));
        assert!(decide(&completed, ClaimState::Upheld, true, Role::Arbiter).is_err(), "decided once");
        assert_eq!(
            decide(&completed, ClaimState::Open, true, Role::Buyer),
            Err(TransitionError::NotYourRole)
        );
    }

    #[test]
    fn states_are_stored_by_their_snake_case_names() {
        assert_eq!(<&str>::from(ClaimState::Upheld), "upheld");
        assert_eq!("rejected".parse::<ClaimState>(), Ok(ClaimState::Rejected));
        assert!("Upheld".parse::<ClaimState>().is_err());
    }
}
