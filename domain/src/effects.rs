//! What a decision of the rules makes happen, as values. Orders, fraud
//! claims and bank operations all answer with a [`Transition`]; the store's
//! one interpreter carries out its effects in the transaction of the change,
//! so nothing that moves money or tells anyone happens beside the rules.

use crate::ledger::{Account, LedgerError, Transfer, TransferKind};
use crate::money::Money;
use crate::notices::{Notice, Party};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    Transfer(Transfer),
    /// Put this many back on the listing's stock.
    RestoreStock(u32),
    Notify(Party, Notice),
    /// The seller may no longer list or take new orders (an upheld fraud
    /// claim); their open orders run to their end.
    SuspendSeller,
    /// Pay the order a bank top-up was for, from the wallet it just
    /// credited; if the order can no longer be paid, the money stays there.
    PayOrder,
}

impl Effect {
    pub fn transfer(
        debit: Account,
        credit: Account,
        amount: Money,
        kind: TransferKind,
    ) -> Result<Effect, LedgerError> {
        Ok(Effect::Transfer(Transfer::new(debit, credit, amount, kind)?))
    }
}

/// The subject after a decision (an order, a claim's state, a bank
/// operation's status), and what must happen with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition<S> {
    pub next: S,
    pub effects: Vec<Effect>,
}

impl<S> Transition<S> {
    pub fn transfers(&self) -> impl Iterator<Item = &Transfer> {
        self.effects.iter().filter_map(|e| match e {
            Effect::Transfer(t) => Some(t),
            _ => None,
        })
    }
}
