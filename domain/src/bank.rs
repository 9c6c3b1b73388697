//! Money entering and leaving through the partner bank (SPEC §4): a top-up
//! is only a promise until the bank confirms it; a withdrawal holds its
//! money in `withdrawals_pending` until the bank confirms (it leaves) or
//! refuses (it comes back). Every (kind, verdict) pair has its own row in
//! [`settle`]; a kind or status the rules do not know cannot be parsed, so
//! it stops the transaction instead of being skipped.

use serde::{Deserialize, Serialize};

use crate::effects::{Effect, Transition};
use crate::ledger::{Account, LedgerError, MemberId, TransferKind};
use crate::money::Money;
use crate::notices::{Notice, Party};

/// Which way the money goes. Stored by its snake_case name.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::EnumString, strum::IntoStaticStr,
)]
#[strum(serialize_all = "snake_case")]
pub enum OperationKind {
    TopUp,
    Withdrawal,
}

/// Where an operation stands. Stored by its snake_case name.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::EnumString, strum::IntoStaticStr,
)]
#[strum(serialize_all = "snake_case")]
pub enum OperationStatus {
    Pending,
    Confirmed,
    Rejected,
    /// The bank could not be reached, or the wallet could not take the
    /// money; nothing moved (or the hold came back).
    Failed,
}

impl OperationKind {
    /// The stable name stored with the operation.
    pub fn slug(self) -> &'static str {
        self.into()
    }
}

impl OperationStatus {
    /// The stable name stored with the operation.
    pub fn slug(self) -> &'static str {
        self.into()
    }
}

/// What the bank says about an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BankVerdict {
    Confirmed,
    Rejected,
}

/// What the rules need to know about an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Operation {
    pub member: MemberId,
    pub kind: OperationKind,
    pub status: OperationStatus,
    pub amount: Money,
    /// A top-up made to pay one order ("pay by bank").
    pub pays_order: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BankError {
    #[error("Enter an amount above ¥0.00")]
    NothingToMove,
    /// A repeat or late answer: the operation was settled before.
    #[error("already settled")]
    AlreadySettled,
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

impl Operation {
    /// A new operation, pending the bank. A withdrawal holds its money at
    /// once, so it cannot be spent twice while the bank decides.
    pub fn start(
        member: MemberId,
        kind: OperationKind,
        amount: Money,
        pays_order: bool,
    ) -> Result<Transition<Operation>, BankError> {
        if amount.is_zero() {
            return Err(BankError::NothingToMove);
        }
        let effects = match kind {
            OperationKind::TopUp => Vec::new(),
            OperationKind::Withdrawal => vec![Effect::transfer(
                Account::Available(member),
                Account::WithdrawalsPending,
                amount,
                TransferKind::Withdrawal,
            )?],
        };
        let next = Operation { member, kind, status: OperationStatus::Pending, amount, pays_order };
        Ok(Transition { next, effects })
    }
}

/// The bank's answer, applied once: the whole table of what each kind and
/// verdict moves and whom it tells.
pub fn settle(op: &Operation, verdict: BankVerdict) -> Result<Transition<OperationStatus>, BankError> {
    use BankVerdict as V;
    use OperationKind as K;

    if op.status != OperationStatus::Pending {
        return Err(BankError::AlreadySettled);
    }
    let wallet = Account::Available(op.member);
    let told = |notice| Effect::Notify(Party::AccountHolder, notice);
    let (next, effects) = match (op.kind, verdict) {
        (K::TopUp, V::Confirmed) => {
            let mut effects =
                vec![Effect::transfer(Account::BankClearing, wallet, op.amount, TransferKind::TopUp)?];
            if op.pays_order {
                effects.push(Effect::PayOrder);
            }
            effects.push(told(Notice::BankConfirmed));
            (OperationStatus::Confirmed, effects)
        }
        (K::TopUp, V::Rejected) => (OperationStatus::Rejected, vec![told(Notice::BankRefused)]),
        (K::Withdrawal, V::Confirmed) => (
            OperationStatus::Confirmed,
            vec![
                Effect::transfer(
                    Account::WithdrawalsPending,
                    Account::BankClearing,
                    op.amount,
                    TransferKind::WithdrawalSettled,
                )?,
                told(Notice::BankConfirmed),
            ],
        ),
        (K::Withdrawal, V::Rejected) => (
            OperationStatus::Rejected,
            vec![
                Effect::transfer(
                    Account::WithdrawalsPending,
                    wallet,
                    op.amount,
                    TransferKind::WithdrawalReturned,
                )?,
                told(Notice::BankRefused),
            ],
        ),
    };
    Ok(Transition { next, effects })
}

/// The bank could not be reached: nothing moved for a top-up; a
/// withdrawal's hold comes back to the wallet.
pub fn fail(op: &Operation) -> Result<Transition<OperationStatus>, BankError> {
    if op.status != OperationStatus::Pending {
        return Err(BankError::AlreadySettled);
    }
    let effects = match op.kind {
        OperationKind::TopUp => Vec::new(),
        OperationKind::Withdrawal => vec![Effect::transfer(
            Account::WithdrawalsPending,
            Account::Available(op.member),
            op.amount,
            TransferKind::WithdrawalReturned,
        )?],
    };
    Ok(Transition { next: OperationStatus::Failed, effects })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Balances;

    fn op(kind: OperationKind, pays_order: bool) -> Operation {
        let amount = Money::parse("30").unwrap_or_default();
        Operation::start(7, kind, amount, pays_order).unwrap_or_else(|e| panic!("{e}")).next
    }

    fn moved(transition: &Transition<OperationStatus>, start: &Balances) -> Balances {
        let mut balances = start.clone();
        for t in transition.transfers() {
            balances.apply(t).unwrap_or_else(|e| panic!("{e}"));
        }
        balances
    }

    #[test]
    fn every_kind_and_verdict_moves_exactly_its_money() {
        let mut funded = Balances::default();
        funded.set(Account::Available(7), 3_000);
        funded.set(Account::BankClearing, -3_000);
        let withdrawal =
            Operation::start(7, OperationKind::Withdrawal, Money::parse("30").unwrap_or_default(), false)
                .unwrap_or_else(|e| panic!("{e}"));
        let held = {
            let mut b = funded.clone();
            withdrawal.transfers().for_each(|t| b.apply(t).unwrap_or_else(|e| panic!("{e}")));
            b
        };
        assert_eq!(held.get(Account::WithdrawalsPending), 3_000);

        let cases = [
            (OperationKind::TopUp, BankVerdict::Confirmed, &funded, (6_000, 0, -6_000)),
            (OperationKind::TopUp, BankVerdict::Rejected, &funded, (3_000, 0, -3_000)),
            (OperationKind::Withdrawal, BankVerdict::Confirmed, &held, (0, 0, 0)),
            (OperationKind::Withdrawal, BankVerdict::Rejected, &held, (3_000, 0, -3_000)),
        ];
        for (kind, verdict, before, (wallet, pending, clearing)) in cases {
            let settled = settle(&op(kind, false), verdict).unwrap_or_else(|e| panic!("{e}"));
            let after = moved(&settled, before);
            let expected_status = if verdict == BankVerdict::Confirmed {
                OperationStatus::Confirmed
            } else {
                OperationStatus::Rejected
            };
            assert_eq!(settled.next, expected_status, "{kind:?} {verdict:?}");
            assert_eq!(
                (
                    after.get(Account::Available(7)),
                    after.get(Account::WithdrawalsPending),
                    after.get(Account::BankClearing)
                ),
                (wallet, pending, clearing),
                "{kind:?} {verdict:?}"
            );
            assert_eq!(after.sum(), 0);
            assert!(settled.effects.iter().any(|e| matches!(e, Effect::Notify(Party::AccountHolder, _))));
        }
    }

    #[test]
    fn a_top_up_for_an_order_pays_it_and_a_settled_operation_is_settled_once() {
        let confirmed =
            settle(&op(OperationKind::TopUp, true), BankVerdict::Confirmed).unwrap_or_else(|e| panic!("{e}"));
        assert!(confirmed.effects.contains(&Effect::PayOrder));
        let rejected =
            settle(&op(OperationKind::TopUp, true), BankVerdict::Rejected).unwrap_or_else(|e| panic!("{e}"));
        assert!(!rejected.effects.contains(&Effect::PayOrder));
        let done = Operation { status: OperationStatus::Confirmed, ..op(OperationKind::TopUp, false) };
        assert_eq!(settle(&done, BankVerdict::Rejected), Err(BankError::AlreadySettled));
        assert_eq!(fail(&done), Err(BankError::AlreadySettled));
    }

    #[test]
    fn an_unknown_kind_or_status_does_not_parse() {
        assert_eq!("top_up".parse::<OperationKind>(), Ok(OperationKind::TopUp));
        assert!("refund".parse::<OperationKind>().is_err());
        assert!("TopUp".parse::<OperationKind>().is_err());
        assert!("settled".parse::<OperationStatus>().is_err());
        assert_eq!(<&str>::from(OperationStatus::Failed), "failed");
    }

    #[test]
    fn nothing_is_not_an_operation() {
        assert_eq!(
            Operation::start(7, OperationKind::TopUp, Money::ZERO, false),
            Err(BankError::NothingToMove)
        );
    }
}
