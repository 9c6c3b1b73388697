//! The double-entry ledger (SPEC §2): accounts, transfers between them, and
//! the invariants the audit checks. Balances are whole fen; a transfer moves
//! money from its debit account to its credit account, so the sum of all
//! balances is always zero and money that came in from the bank shows as a
//! negative `bank_clearing` balance.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::money::Money;

pub type MemberId = i64;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Account {
    /// A member's wallet: spendable money.
    Available(MemberId),
    /// Money held for open orders.
    Escrow,
    /// Withdrawals sent to the bank and not yet confirmed.
    WithdrawalsPending,
    /// The world outside: negative by what came in from the bank.
    BankClearing,
    PlatformFees,
    /// Pays upheld fraud claims; the platform funds it, so it may go below zero.
    PlatformCompensation,
}

impl Account {
    pub const SYSTEM: [Account; 5] = [
        Account::Escrow,
        Account::WithdrawalsPending,
        Account::BankClearing,
        Account::PlatformFees,
        Account::PlatformCompensation,
    ];

    /// The stable name the database keys accounts by.
    pub fn code(&self) -> String {
        match self {
            Account::Available(member) => format!("member:{member}:available"),
            Account::Escrow => "escrow".into(),
            Account::WithdrawalsPending => "withdrawals_pending".into(),
            Account::BankClearing => "bank_clearing".into(),
            Account::PlatformFees => "platform_fees".into(),
            Account::PlatformCompensation => "platform_compensation".into(),
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "escrow" => Some(Account::Escrow),
            "withdrawals_pending" => Some(Account::WithdrawalsPending),
            "bank_clearing" => Some(Account::BankClearing),
            "platform_fees" => Some(Account::PlatformFees),
            "platform_compensation" => Some(Account::PlatformCompensation),
            other => {
                let member = other.strip_prefix("member:")?.strip_suffix(":available")?;
                member.parse().ok().map(Account::Available)
            }
        }
    }

    /// Only the outside world and the platform's guarantee fund may owe.
    pub fn may_go_negative(&self) -> bool {
        matches!(self, Account::BankClearing | Account::PlatformCompensation)
    }

    /// The most the account may hold, in fen. A member's wallet is shown,
    /// spent and paid out as [`Money`], so it stops at the largest amount
    /// that type holds; the platform's own accounts sum many orders and only
    /// have to stay inside the database's 64-bit column.
    pub fn ceiling(&self) -> i64 {
        match self {
            Account::Available(_) => Money::MAX_FEN,
            _ => i64::MAX,
        }
    }

    /// The least the account may hold, in fen.
    pub fn floor(&self) -> i64 {
        if self.may_go_negative() { i64::MIN } else { 0 }
    }

    pub fn member(&self) -> Option<MemberId> {
        match self {
            Account::Available(member) => Some(*member),
            _ => None,
        }
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum TransferKind {
    /// bank_clearing → member
    TopUp,
    /// buyer → escrow
    Payment,
    /// escrow → seller
    Release,
    /// escrow → platform_fees
    Fee,
    /// escrow → buyer
    Refund,
    /// member → withdrawals_pending
    Withdrawal,
    /// withdrawals_pending → bank_clearing
    WithdrawalSettled,
    /// withdrawals_pending → member, when the bank refuses
    WithdrawalReturned,
    /// platform_compensation → buyer
    Compensation,
}

impl TransferKind {
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

    /// The stable name used in URLs, forms and the database.
    pub fn slug(self) -> &'static str {
        self.into()
    }

    /// How a member's statement names the line.
    pub fn label(self) -> &'static str {
        match self {
            TransferKind::TopUp => "Top-up from bank",
            TransferKind::Payment => "Paid into escrow",
            TransferKind::Release => "Payment released",
            TransferKind::Fee => "Platform fee",
            TransferKind::Refund => "Refund",
            TransferKind::Withdrawal => "Withdrawal to bank",
            TransferKind::WithdrawalSettled => "Withdrawal settled",
            TransferKind::WithdrawalReturned => "Withdrawal returned",
            TransferKind::Compensation => "Fraud compensation",
        }
    }
}

/// One movement of money. Built only through [`Transfer::new`], so a
/// transfer of nothing or from an account to itself cannot exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    debit: Account,
    credit: Account,
    amount: Money,
    kind: TransferKind,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("a transfer must move more than nothing")]
    ZeroAmount,
    #[error("a transfer must move money between two different accounts")]
    SameAccount,
    #[error("not enough money: {account} holds {balance} fen, {needed} fen needed")]
    InsufficientFunds { account: Account, balance: i64, needed: i64 },
    #[error("a balance would overflow")]
    Overflow,
    #[error("{account} would hold {balance} fen, above its ceiling of {ceiling} fen")]
    AboveCeiling { account: Account, balance: i64, ceiling: i64 },
}

impl Transfer {
    pub fn new(
        debit: Account,
        credit: Account,
        amount: Money,
        kind: TransferKind,
    ) -> Result<Self, LedgerError> {
        if amount.is_zero() {
            return Err(LedgerError::ZeroAmount);
        }
        if debit == credit {
            return Err(LedgerError::SameAccount);
        }
        Ok(Self { debit, credit, amount, kind })
    }

    pub fn debit(&self) -> Account {
        self.debit
    }
    pub fn credit(&self) -> Account {
        self.credit
    }
    pub fn amount(&self) -> Money {
        self.amount
    }
    pub fn kind(&self) -> TransferKind {
        self.kind
    }
}

/// Balances of any set of accounts, in fen; absent means zero.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Balances(BTreeMap<Account, i64>);

impl Balances {
    pub fn get(&self, account: Account) -> i64 {
        self.0.get(&account).copied().unwrap_or(0)
    }

    pub fn set(&mut self, account: Account, fen: i64) {
        self.0.insert(account, fen);
    }

    /// Applies a transfer, refusing one that would overdraw an account that
    /// may not go negative. On refusal nothing changes.
    pub fn apply(&mut self, transfer: &Transfer) -> Result<(), LedgerError> {
        let amount = transfer.amount.fen();
        let debit_balance = self.get(transfer.debit);
        if !transfer.debit.may_go_negative() && debit_balance < amount {
            return Err(LedgerError::InsufficientFunds {
                account: transfer.debit,
                balance: debit_balance,
                needed: amount,
            });
        }
        let new_debit = debit_balance.checked_sub(amount).ok_or(LedgerError::Overflow)?;
        let new_credit = self.get(transfer.credit).checked_add(amount).ok_or(LedgerError::Overflow)?;
        if new_credit > transfer.credit.ceiling() {
            return Err(LedgerError::AboveCeiling {
                account: transfer.credit,
                balance: new_credit,
                ceiling: transfer.credit.ceiling(),
            });
        }
        self.0.insert(transfer.debit, new_debit);
        self.0.insert(transfer.credit, new_credit);
        Ok(())
    }

    pub fn sum(&self) -> i128 {
        self.0.values().map(|&b| i128::from(b)).sum()
    }

    pub fn iter(&self) -> impl Iterator<Item = (Account, i64)> + '_ {
        self.0.iter().map(|(a, b)| (*a, *b))
    }
}

/// What the audit needs to know, read from the database.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFigures {
    /// Balances as stored on the account rows.
    pub stored: Balances,
    /// Balances recomputed from every transfer ever made.
    pub recomputed: Balances,
    /// How many orders are open, and what they say they hold together (fen).
    pub open_orders: u64,
    pub held_by_open_orders: i64,
    /// Orders in a terminal state that still say they hold money.
    pub terminal_orders_holding: Vec<(i64, i64)>,
    /// Idempotency keys seen more than once, with their count.
    pub repeated_keys: Vec<(String, u64)>,
    pub transfer_count: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvariantCheck {
    pub name: &'static str,
    pub passed: bool,
    pub detail: String,
}

/// The five invariants of SPEC §2, plus the check that each stored balance
/// equals its transfers, each with the figures behind the verdict.
pub fn audit(figures: &AuditFigures) -> Vec<InvariantCheck> {
    let mut checks = Vec::new();

    let sum = figures.recomputed.sum();
    checks.push(InvariantCheck {
        name: "1. the sum of all account balances is zero",
        passed: sum == 0 && figures.stored.sum() == 0,
        detail: format!(
            "sum over {} transfers = {sum} fen (stored balances sum to {} fen)",
            figures.transfer_count,
            figures.stored.sum()
        ),
    });

    let negative: Vec<String> = figures
        .stored
        .iter()
        .chain(figures.recomputed.iter())
        .filter(|(account, balance)| !account.may_go_negative() && *balance < 0)
        .map(|(account, balance)| format!("{account} = {balance}"))
        .collect();
    let wallets = figures.stored.iter().filter(|(a, _)| a.member().is_some()).count();
    checks.push(InvariantCheck {
        name: "2. no member wallet is negative",
        passed: negative.is_empty(),
        detail: if negative.is_empty() {
            format!("{wallets} wallets, none negative")
        } else {
            format!("negative: {}", negative.join(", "))
        },
    });

    let overfull: Vec<String> = figures
        .stored
        .iter()
        .chain(figures.recomputed.iter())
        .filter(|(account, balance)| *balance > account.ceiling())
        .map(|(account, balance)| format!("{account} = {balance}"))
        .collect();
    checks.push(InvariantCheck {
        name: "no wallet holds more than the largest amount",
        passed: overfull.is_empty(),
        detail: if overfull.is_empty() {
            format!("every wallet within {} fen", Money::MAX_FEN)
        } else {
            format!("above the ceiling: {}", overfull.join(", "))
        },
    });

    let held = figures.held_by_open_orders;
    let escrow = figures.recomputed.get(Account::Escrow);
    let stored_escrow = figures.stored.get(Account::Escrow);
    checks.push(InvariantCheck {
        name: "3. escrow equals what the open orders hold",
        passed: held == escrow && escrow == stored_escrow,
        detail: format!(
            "escrow = {escrow} fen (stored {stored_escrow}); {} open orders hold {held} fen",
            figures.open_orders
        ),
    });

    checks.push(InvariantCheck {
        name: "4. each idempotency key applied at most once",
        passed: figures.repeated_keys.is_empty(),
        detail: if figures.repeated_keys.is_empty() {
            format!("{} transfers, every key unique", figures.transfer_count)
        } else {
            let shown: Vec<String> =
                figures.repeated_keys.iter().take(10).map(|(k, n)| format!("{k} ×{n}")).collect();
            format!("repeated: {}", shown.join(", "))
        },
    });

    checks.push(InvariantCheck {
        name: "5. every order in a terminal state holds nothing",
        passed: figures.terminal_orders_holding.is_empty(),
        detail: if figures.terminal_orders_holding.is_empty() {
            "no ended order holds money".to_owned()
        } else {
            let shown: Vec<String> = figures
                .terminal_orders_holding
                .iter()
                .take(10)
                .map(|(id, fen)| format!("order {id} holds {fen}"))
                .collect();
            shown.join(", ")
        },
    });

    let mismatched: Vec<String> = figures
        .stored
        .iter()
        .chain(figures.recomputed.iter())
        .map(|(account, _)| account)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter(|&account| figures.stored.get(account) != figures.recomputed.get(account))
        .map(|account| {
            format!(
                "{account}: stored {} vs transfers {}",
                figures.stored.get(account),
                figures.recomputed.get(account)
            )
        })
        .collect();
    checks.push(InvariantCheck {
        name: "balances match their transfers",
        passed: mismatched.is_empty(),
        detail: if mismatched.is_empty() {
            format!("{} accounts agree with the transfer log", figures.stored.iter().count())
        } else {
            mismatched.join(", ")
        },
    });

    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fen(n: i64) -> Money {
        Money::from_fen(n).unwrap_or(Money::ZERO)
    }

    #[test]
    fn account_codes_round_trip() {
        for account in Account::SYSTEM.into_iter().chain([Account::Available(42)]) {
            assert_eq!(Account::from_code(&account.code()), Some(account));
        }
        assert_eq!(Account::from_code("member:x:available"), None);
        assert_eq!(Account::from_code("vault"), None);
    }

    #[test]
    fn a_transfer_of_nothing_or_to_the_same_account_cannot_be_made() {
        assert_eq!(
            Transfer::new(Account::Escrow, Account::Available(1), Money::ZERO, TransferKind::Refund),
            Err(LedgerError::ZeroAmount)
        );
        assert_eq!(
            Transfer::new(Account::Escrow, Account::Escrow, fen(1), TransferKind::Refund),
            Err(LedgerError::SameAccount)
        );
    }

    #[test]
    fn a_wallet_cannot_be_overdrawn_and_a_refusal_changes_nothing() {
        let mut balances = Balances::default();
        let top_up =
            Transfer::new(Account::BankClearing, Account::Available(1), fen(500), TransferKind::TopUp);
        assert_eq!(top_up.map(|t| balances.apply(&t)), Ok(Ok(())));
        let too_much = Transfer::new(Account::Available(1), Account::Escrow, fen(501), TransferKind::Payment);
        let before = balances.clone();
        assert!(matches!(
            too_much.map(|t| balances.apply(&t)),
            Ok(Err(LedgerError::InsufficientFunds { .. }))
        ));
        assert_eq!(balances, before);
        assert_eq!(balances.get(Account::BankClearing), -500);
        assert_eq!(balances.sum(), 0);
    }

    #[test]
    fn a_wallet_stops_at_the_largest_amount_and_a_refusal_changes_nothing() {
        let mut balances = Balances::default();
        let largest = Money::from_fen(Money::MAX_FEN).unwrap_or(Money::ZERO);
        let fill = Transfer::new(Account::BankClearing, Account::Available(1), largest, TransferKind::TopUp);
        assert_eq!(fill.map(|t| balances.apply(&t)), Ok(Ok(())));
        let before = balances.clone();
        let one_more =
            Transfer::new(Account::BankClearing, Account::Available(1), fen(1), TransferKind::TopUp);
        assert!(matches!(one_more.map(|t| balances.apply(&t)), Ok(Err(LedgerError::AboveCeiling { .. }))));
        assert_eq!(balances, before);
        // The platform's accounts hold the sum of many orders.
        let pay = Transfer::new(Account::Available(1), Account::Escrow, largest, TransferKind::Payment);
        let refill =
            Transfer::new(Account::BankClearing, Account::Available(1), largest, TransferKind::TopUp);
        for t in [pay.clone(), refill, pay] {
            assert_eq!(t.map(|t| balances.apply(&t)), Ok(Ok(())));
        }
        assert_eq!(balances.get(Account::Escrow), 2 * Money::MAX_FEN);
    }

    #[test]
    fn the_audit_passes_on_a_consistent_ledger_and_names_each_broken_invariant() {
        let mut balances = Balances::default();
        for t in [
            Transfer::new(Account::BankClearing, Account::Available(1), fen(1000), TransferKind::TopUp),
            Transfer::new(Account::Available(1), Account::Escrow, fen(400), TransferKind::Payment),
        ] {
            assert_eq!(t.map(|t| balances.apply(&t)), Ok(Ok(())));
        }
        let good = AuditFigures {
            stored: balances.clone(),
            recomputed: balances.clone(),
            open_orders: 1,
            held_by_open_orders: 400,
            transfer_count: 2,
            ..Default::default()
        };
        assert!(audit(&good).iter().all(|c| c.passed), "{:?}", audit(&good));

        let mut bad = good.clone();
        bad.held_by_open_orders = 300;
        bad.terminal_orders_holding = vec![(8, 5)];
        bad.repeated_keys = vec![("order:7:pay".into(), 2)];
        bad.stored.set(Account::Available(1), -1);
        bad.recomputed.set(Account::Available(2), Money::MAX_FEN + 1);
        let failed: Vec<&str> = audit(&bad).iter().filter(|c| !c.passed).map(|c| c.name).collect();
        assert_eq!(failed.len(), 7, "{failed:?}");
    }
}
