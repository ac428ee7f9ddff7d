//! The contract's invoice transition table, as a typed state machine.
//! Every status change in o2c goes through [`InvoiceStatus::next`]; nothing
//! else assigns a status, so the table below is the whole truth.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    Draft,
    Open,
    Paid,
    Void,
    Uncollectible,
}

impl InvoiceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Open => "open",
            Self::Paid => "paid",
            Self::Void => "void",
            Self::Uncollectible => "uncollectible",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Draft, Self::Open, Self::Paid, Self::Void, Self::Uncollectible]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// What happened to the invoice, with the facts the table needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// Finalize; `due_is_zero` for a zero-total invoice (paid on finalize).
    Finalize { due_is_zero: bool },
    /// Void; allowed only while nothing is paid or credited.
    Void { anything_paid_or_credited: bool },
    MarkUncollectible,
    /// Money applied or taken back (payment, credit, refund, dispute loss,
    /// reversal); carries whether `amount_due` is now zero.
    BalanceChanged { due_is_zero: bool },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an invoice that is {from} cannot {action}")]
pub struct TransitionError {
    pub from: &'static str,
    pub action: &'static str,
}

impl Trigger {
    fn action(self) -> &'static str {
        match self {
            Trigger::Finalize { .. } => "be finalized",
            Trigger::Void { anything_paid_or_credited: true } => "be voided once money is paid or credited",
            Trigger::Void { .. } => "be voided",
            Trigger::MarkUncollectible => "be marked uncollectible",
            Trigger::BalanceChanged { .. } => "take or return money",
        }
    }
}

impl InvoiceStatus {
    /// The transition table of `CONTRACT.md`; anything not listed is an
    /// error (the API answers 409).
    pub fn next(self, trigger: Trigger) -> Result<InvoiceStatus, TransitionError> {
        use InvoiceStatus::*;
        let to = match (self, trigger) {
            (Draft, Trigger::Finalize { due_is_zero: true }) => Paid,
            (Draft, Trigger::Finalize { due_is_zero: false }) => Open,
            (Open, Trigger::Void { anything_paid_or_credited: false }) => Void,
            (Open, Trigger::MarkUncollectible) => Uncollectible,
            (Open | Paid, Trigger::BalanceChanged { due_is_zero: true }) => Paid,
            (Open | Paid, Trigger::BalanceChanged { due_is_zero: false }) => Open,
            (Uncollectible, Trigger::BalanceChanged { due_is_zero: true }) => Paid,
            (Uncollectible, Trigger::BalanceChanged { due_is_zero: false }) => Uncollectible,
            (from, t) => return Err(TransitionError { from: from.as_str(), action: t.action() }),
        };
        Ok(to)
    }
}

#[cfg(test)]
mod tests {
    use super::InvoiceStatus::*;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_zero_total_invoice_is_paid_on_finalize() {
        assert_eq!(Draft.next(Trigger::Finalize { due_is_zero: true }), Ok(Paid));
        assert_eq!(Draft.next(Trigger::Finalize { due_is_zero: false }), Ok(Open));
    }

    #[test]
    fn an_invoice_with_money_on_it_cannot_be_voided() {
        assert!(Open.next(Trigger::Void { anything_paid_or_credited: true }).is_err());
        assert_eq!(Open.next(Trigger::Void { anything_paid_or_credited: false }), Ok(Void));
    }

    #[test]
    fn a_refund_reopens_a_paid_invoice_and_money_closes_an_uncollectible_one() {
        assert_eq!(Paid.next(Trigger::BalanceChanged { due_is_zero: false }), Ok(Open));
        assert_eq!(Uncollectible.next(Trigger::BalanceChanged { due_is_zero: true }), Ok(Paid));
    }

    #[test]
    fn drafts_and_void_invoices_take_no_money() {
        for s in [Draft, Void] {
            assert!(s.next(Trigger::BalanceChanged { due_is_zero: true }).is_err());
        }
    }

    fn status() -> impl Strategy<Value = InvoiceStatus> {
        prop::sample::select(vec![Draft, Open, Paid, Void, Uncollectible])
    }

    fn trigger() -> impl Strategy<Value = Trigger> {
        prop_oneof![
            any::<bool>().prop_map(|z| Trigger::Finalize { due_is_zero: z }),
            any::<bool>().prop_map(|p| Trigger::Void { anything_paid_or_credited: p }),
            Just(Trigger::MarkUncollectible),
            any::<bool>().prop_map(|z| Trigger::BalanceChanged { due_is_zero: z }),
        ]
    }

    /// The contract's edges, written independently of `next`.
    fn allowed(from: InvoiceStatus, to: InvoiceStatus) -> bool {
        matches!(
            (from, to),
            (Draft, Open)
                | (Draft, Paid)
                | (Open, Paid)
                | (Paid, Open)
                | (Open, Void)
                | (Open, Uncollectible)
                | (Uncollectible, Paid)
                | (Open, Open)
                | (Paid, Paid)
                | (Uncollectible, Uncollectible)
        )
    }

    proptest! {
        #[test]
        fn every_reachable_transition_is_in_the_contract_table(s in status(), t in trigger()) {
            if let Ok(to) = s.next(t) {
                prop_assert!(allowed(s, to), "{s:?} -> {to:?} via {t:?}");
            }
        }

        #[test]
        fn void_is_terminal_and_drafts_only_leave_by_finalizing(t in trigger()) {
            prop_assert!(Void.next(t).is_err());
            if Draft.next(t).is_ok() {
                let is_finalize = matches!(t, Trigger::Finalize { .. });
                prop_assert!(is_finalize);
            }
        }

        #[test]
        fn status_is_paid_exactly_when_nothing_is_due_after_money_moves(s in prop::sample::select(vec![Open, Paid, Uncollectible]), zero in any::<bool>()) {
            let to = s.next(Trigger::BalanceChanged { due_is_zero: zero }).unwrap();
            prop_assert_eq!(to == Paid, zero);
        }
    }
}
